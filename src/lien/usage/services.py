"""Usage figures: adding the counters to DailyUsage, and what the statistics pages show."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lien.core.models import Establishment, Profile
from lien.usage.batch import Batch, Key
from lien.usage.models import ALL_SERVICES, DailyUsage, FlushedBatch

# Any constant shared by every flush: PostgreSQL serializes them on it.
FLUSH_ADVISORY_LOCK = 0x4C69656E55736167
FLUSHED_BATCHES_KEPT_DAYS = 7


def _serialize_flushes() -> None:
    """Flushes read then write the same rows: one at a time. SQLite already runs write
    transactions one at a time (IMMEDIATE mode); PostgreSQL takes an advisory lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FLUSH_ADVISORY_LOCK])


def do_add_batch(batch: Batch) -> int:
    """Add the batch's page views and sessions to DailyUsage, and raise its unique visitors to
    the batch's counts. A batch with a code is added once, however often it is given.
    Counts of establishments deleted since are dropped. Returns the number of rows written."""
    keys = set(batch.page_views) | set(batch.sessions) | set(batch.visitors)
    if not keys:
        return 0
    existing_establishments = set(
        Establishment.objects.filter(pk__in={key.establishment_id for key in keys}).values_list(
            "pk", flat=True
        )
    )
    keys = {key for key in keys if key.establishment_id in existing_establishments}
    with transaction.atomic():
        _serialize_flushes()
        if batch.code:
            if FlushedBatch.objects.filter(code=batch.code).exists():
                return 0
            FlushedBatch.objects.create(code=batch.code)
            FlushedBatch.objects.filter(
                flushed_at__lt=timezone.now() - timedelta(days=FLUSHED_BATCHES_KEPT_DAYS)
            ).delete()
        if not keys:
            return 0
        current = {
            Key(row.day, row.establishment_id, row.role, row.service): row
            for row in DailyUsage.objects.filter(
                day__in={key.day for key in keys},
                establishment_id__in={key.establishment_id for key in keys},
                role__in={key.role for key in keys},
                service__in={key.service for key in keys},
            )
        }
        rows = []
        for key in sorted(keys):
            row = current.get(key) or DailyUsage(
                day=key.day,
                establishment_id=key.establishment_id,
                role=key.role,
                service=key.service,
            )
            row.page_views += batch.page_views.get(key, 0)
            row.sessions += batch.sessions.get(key, 0)
            row.visitors = max(row.visitors, batch.visitors.get(key, 0))
            rows.append(row)
        DailyUsage.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["day", "establishment", "role", "service"],
            update_fields=["page_views", "visitors", "sessions"],
        )
    return len(rows)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def last_days(cls, count: int, today: date | None = None) -> Period:
        end = today or timezone.localdate()
        return cls(end - timedelta(days=count - 1), end)

    @property
    def day_count(self) -> int:
        return (self.end - self.start).days + 1

    def days(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.day_count)]


@dataclass(frozen=True)
class Figures:
    page_views: int = 0
    sessions: int = 0
    # Unique visitors added up day by day; divided by the days, the daily average.
    visitor_days: int = 0
    day_count: int = 1

    @property
    def daily_visitors(self) -> int:
        return round(self.visitor_days / self.day_count)

    @property
    def pages_per_session(self) -> float | None:
        return round(self.page_views / self.sessions, 1) if self.sessions else None


@dataclass
class UsageReport:
    period: Period
    establishments: list[Establishment]
    totals: Figures
    by_day: list[tuple[date, Figures]]
    by_establishment: list[tuple[Establishment, Figures]]
    by_role: list[tuple[str, Figures]]
    by_service: list[tuple[str, Figures]]

    @property
    def busiest_day(self) -> tuple[date, Figures] | None:
        busiest = max(self.by_day, key=lambda item: item[1].page_views, default=None)
        return busiest if busiest and busiest[1].page_views else None


def role_label(role: str) -> str:
    return str(Profile.Role(role).label) if role in Profile.Role.values else role


def service_label(service: str) -> str:
    """The app's name ("Messagerie" for "messaging"); the key itself for an unknown app."""
    try:
        return str(apps.get_app_config(service).verbose_name)
    except LookupError:
        return service


def _usage_rows(establishments: Iterable[Establishment], period: Period) -> QuerySet[DailyUsage]:
    return DailyUsage.objects.filter(
        establishment__in=list(establishments), day__range=(period.start, period.end)
    )


WHOLE_DAY = Q(service=ALL_SERVICES)
FIGURES = {
    "page_views": Sum("page_views", default=0),
    "sessions": Sum("sessions", filter=WHOLE_DAY, default=0),
    "visitor_days": Sum("visitors", filter=WHOLE_DAY, default=0),
}


def _figures(row: dict, day_count: int) -> Figures:
    return Figures(row["page_views"], row["sessions"], row["visitor_days"], day_count)


def usage_report(establishments: Iterable[Establishment], period: Period) -> UsageReport:
    """Sessions, unique visitors and page views of the establishments over the period: in
    all, by day, by establishment, by profile and by service (five queries)."""
    establishments = list(establishments)
    rows = _usage_rows(establishments, period)
    days = period.day_count
    totals = _figures(rows.aggregate(**FIGURES), days)
    per_day = {row["day"]: _figures(row, 1) for row in rows.values("day").annotate(**FIGURES)}
    per_establishment = {
        row["establishment"]: _figures(row, days)
        for row in rows.values("establishment").annotate(**FIGURES)
    }
    per_role = {row["role"]: _figures(row, days) for row in rows.values("role").annotate(**FIGURES)}
    per_service = [
        (
            service_label(row["service"]),
            Figures(page_views=row["page_views"], visitor_days=row["visitor_days"], day_count=days),
        )
        for row in rows.exclude(service=ALL_SERVICES)
        .values("service")
        .annotate(page_views=Sum("page_views"), visitor_days=Sum("visitors"))
    ]
    return UsageReport(
        period=period,
        establishments=establishments,
        totals=totals,
        by_day=[(day, per_day.get(day, Figures())) for day in period.days()],
        by_establishment=[
            (establishment, per_establishment.get(establishment.pk, Figures(day_count=days)))
            for establishment in establishments
        ],
        by_role=[
            (role_label(role), per_role[role]) for role in Profile.Role.values if role in per_role
        ],
        by_service=sorted(per_service, key=lambda item: -item[1].page_views),
    )


def export_table(
    establishments: Iterable[Establishment], period: Period
) -> tuple[list[str], Iterator[list]]:
    """The CSV export: its header, and one row per day, establishment and profile with the
    sessions, unique visitors, page views and page views per service. The rows are read
    lazily (a year of a whole région is large); their labels are translated here."""
    rows = _usage_rows(establishments, period)
    services = sorted(
        rows.exclude(service=ALL_SERVICES).values_list("service", flat=True).distinct(),
        key=service_label,
    )
    header = [
        _("Date"),
        _("UAI"),
        _("Établissement"),
        _("Profil"),
        _("Connexions"),
        _("Visiteurs uniques"),
        _("Pages vues"),
        *(_("Pages vues : %(service)s") % {"service": service_label(s)} for s in services),
    ]
    role_labels = {role: role_label(role) for role in Profile.Role.values}
    ordered = rows.values_list(
        "day",
        "establishment_id",
        "establishment__uai",
        "establishment__name",
        "role",
        "service",
        "page_views",
        "visitors",
        "sessions",
    ).order_by("day", "establishment__name", "establishment_id", "role", "service")

    def table_rows() -> Iterator[list]:
        for (day, _id, uai, name, role), group in groupby(
            ordered.iterator(chunk_size=2000), key=lambda row: row[:5]
        ):
            sessions = visitors = 0
            page_views = dict.fromkeys(services, 0)
            for *_key, service, views, day_visitors, day_sessions in group:
                if service == ALL_SERVICES:
                    sessions, visitors = day_sessions, day_visitors
                else:
                    page_views[service] = views
            yield [
                day.isoformat(),
                uai,
                name,
                role_labels.get(role, role),
                sessions,
                visitors,
                sum(page_views.values()),
                *page_views.values(),
            ]

    return header, table_rows()
