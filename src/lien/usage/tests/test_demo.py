"""seed_demo_usage and the seed_usage command: plausible, repeatable demo figures."""

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from lien.core.models import Profile
from lien.usage.demo import PAGES_PER_SESSION, seed_demo_usage
from lien.usage.models import ALL_SERVICES, DailyUsage

TODAY = date(2026, 11, 24)


def snapshot():
    return sorted(
        DailyUsage.objects.values_list(
            "day", "establishment_id", "role", "service", "page_views", "visitors", "sessions"
        )
    )


def test_it_fills_the_days_before_today_for_the_collectivite_only(cast):
    region = cast.a.establishment.collectivity
    rows = seed_demo_usage(region, days=14, today=TODAY)
    assert rows == DailyUsage.objects.count() > 0
    assert set(DailyUsage.objects.values_list("establishment_id", flat=True)) == {
        cast.a.establishment.pk,
        cast.b.establishment.pk,
    }
    days = set(DailyUsage.objects.values_list("day", flat=True))
    assert min(days) == TODAY - timedelta(days=14)
    assert max(days) == TODAY - timedelta(days=1)


def test_the_figures_are_plausible(cast):
    seed_demo_usage(cast.a.establishment.collectivity, days=28, today=TODAY)
    whole = DailyUsage.objects.filter(service=ALL_SERVICES).aggregate(
        sessions=Sum("sessions"), visitors=Sum("visitors")
    )
    page_views = DailyUsage.objects.aggregate(total=Sum("page_views"))["total"]
    assert page_views / whole["sessions"] == pytest.approx(PAGES_PER_SESSION, rel=0.1)
    assert whole["sessions"] >= whole["visitors"] > 0
    # No day has more visitors of a profile than the establishment has accounts of it.
    for row in DailyUsage.objects.filter(service=ALL_SERVICES):
        accounts = Profile.objects.filter(establishment=row.establishment_id, role=row.role)
        assert row.visitors <= accounts.count()


def test_running_it_again_writes_the_same_figures(cast):
    region = cast.a.establishment.collectivity
    seed_demo_usage(region, days=7, today=TODAY)
    first = snapshot()
    seed_demo_usage(region, days=7, today=TODAY)
    assert snapshot() == first


def test_the_command_seeds_one_collectivite_or_all(cast, capsys):
    call_command("seed_usage", "--jours", "3", "--collectivite", "Département D")
    assert set(DailyUsage.objects.values_list("establishment_id", flat=True)) == {
        cast.c.establishment.pk
    }
    assert "Département D :" in capsys.readouterr().out
    call_command("seed_usage", "--jours", "3")
    assert DailyUsage.objects.values("establishment_id").distinct().count() == 3
    with pytest.raises(CommandError, match="Aucune collectivité"):
        call_command("seed_usage", "--collectivite", "Atlantide")
