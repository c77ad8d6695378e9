"""Plausible usage figures for the demo: the statistics pages have something to show.

The proportions follow what the régions reported in 2020: about 12.4 pages per session
(11.6 million page views for 933,300 sessions a day in one région), pupils and teachers
on school days, parents in the evening and at the weekend.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db.models import Count
from django.utils import timezone

from lien.core.models import Collectivity, Profile
from lien.usage.models import ALL_SERVICES, DailyUsage

Role = Profile.Role

# Share of the activated accounts of each profile that visit on a school day.
DAILY_VISIT_SHARE = {
    Role.STUDENT: 0.55,
    Role.PARENT: 0.25,
    Role.TEACHER: 0.85,
    Role.STAFF: 0.95,
    Role.TUTOR: 0.2,
}
# On Saturdays and Sundays; Wednesday afternoons are off in collèges.
WEEKEND_FACTOR = {Role.STUDENT: 0.2, Role.PARENT: 0.6, Role.TEACHER: 0.35}
WEDNESDAY_FACTOR = 0.8
SESSIONS_PER_VISITOR = 1.35
PAGES_PER_SESSION = 12.4
# (service, share of the page views, share of the day's visitors who use it)
SERVICES = {
    Role.STUDENT: [("home", 0.35, 0.9), ("messaging", 0.55, 0.6), ("accounts", 0.1, 0.05)],
    Role.PARENT: [("home", 0.45, 0.95), ("messaging", 0.5, 0.5), ("accounts", 0.05, 0.05)],
    Role.TEACHER: [("home", 0.25, 0.9), ("messaging", 0.55, 0.8), ("directory", 0.2, 0.4)],
    Role.STAFF: [("home", 0.2, 0.9), ("messaging", 0.45, 0.85), ("directory", 0.35, 0.7)],
    Role.TUTOR: [("home", 0.5, 1.0), ("messaging", 0.5, 0.6)],
}


def _day_factor(role: str, day: date) -> float:
    if day.weekday() >= 5:
        return WEEKEND_FACTOR.get(Role(role), 0.1)
    return WEDNESDAY_FACTOR if day.weekday() == 2 else 1.0


def seed_demo_usage(collectivity: Collectivity, days: int = 30, today: date | None = None) -> int:
    """Fill DailyUsage for the collectivité's establishments over the `days` days before today
    (today is left to the real counters). Deterministic: running it again writes the same
    figures. Returns the number of rows written."""
    end = (today or timezone.localdate()) - timedelta(days=1)
    accounts = (
        Profile.objects.filter(
            establishment__collectivity=collectivity,
            role__in=list(SERVICES),
            user__activated_at__isnull=False,
        )
        .values_list("establishment_id", "role")
        .annotate(count=Count("pk"))
        .order_by("establishment_id", "role")
    )
    rows = []
    for establishment_id, role, count in accounts:
        for offset in range(days):
            day = end - timedelta(days=offset)
            jitter = random.Random(f"{establishment_id}-{role}-{day.isoformat()}")
            share = DAILY_VISIT_SHARE[Role(role)] * _day_factor(role, day)
            visitors = min(count, round(count * share * jitter.uniform(0.85, 1.15)))
            sessions = round(visitors * SESSIONS_PER_VISITOR * jitter.uniform(0.9, 1.1))
            page_views = round(sessions * PAGES_PER_SESSION * jitter.uniform(0.9, 1.1))
            if not visitors:
                continue
            rows.append(
                DailyUsage(
                    day=day,
                    establishment_id=establishment_id,
                    role=role,
                    service=ALL_SERVICES,
                    visitors=visitors,
                    sessions=sessions,
                )
            )
            rows += [
                DailyUsage(
                    day=day,
                    establishment_id=establishment_id,
                    role=role,
                    service=service,
                    page_views=round(page_views * view_share),
                    visitors=round(visitors * visitor_share),
                )
                for service, view_share, visitor_share in SERVICES[Role(role)]
            ]
    DailyUsage.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["day", "establishment", "role", "service"],
        update_fields=["page_views", "visitors", "sessions"],
    )
    return len(rows)
