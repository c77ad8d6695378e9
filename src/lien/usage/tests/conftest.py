import os
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from lien.core.models import Profile
from lien.usage import counters
from lien.usage.models import ALL_SERVICES, DailyUsage

REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def local_counters(settings, monkeypatch):
    """This process's counters, empty, flushed only when a test asks."""
    settings.REDIS_URL = ""
    settings.LIEN_USAGE_FLUSH_SECONDS = 0
    monkeypatch.setattr(counters, "_backends", {})
    return counters.backend()


@pytest.fixture
def redis_counters(settings, monkeypatch):
    """Redis counters under keys of this test only."""
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: the Redis counters are tested with Redis only")
    settings.REDIS_URL = REDIS_URL
    settings.LIEN_USAGE_REDIS_PREFIX = f"lien-test-usage-{uuid.uuid4().hex}"
    monkeypatch.setattr(counters, "_backends", {})
    backend = counters.backend()
    yield backend
    keys = list(backend.client.scan_iter(f"{settings.LIEN_USAGE_REDIS_PREFIX}:*"))
    if keys:
        backend.client.delete(*keys)


@pytest.fixture(params=["local", "redis"])
def any_counters(request):
    """Each test runs with the local counters, then with Redis ones (skipped without Redis)."""
    return request.getfixturevalue(f"{request.param}_counters")


def usage(establishment, role, service=ALL_SERVICES, day=None):
    """The DailyUsage row of a key as (page_views, visitors, sessions); zeros if absent."""
    row = DailyUsage.objects.filter(
        day=day or timezone.localdate(), establishment=establishment, role=role, service=service
    ).first()
    return (row.page_views, row.visitors, row.sessions) if row else (0, 0, 0)


def add_usage(
    establishment, role, *, days_ago=1, service="home", page_views=0, visitors=0, sessions=0
):
    """Write figures straight into DailyUsage (the service row, and the whole-day row)."""
    day = timezone.localdate() - timedelta(days=days_ago)
    DailyUsage.objects.create(
        day=day,
        establishment=establishment,
        role=role,
        service=service,
        page_views=page_views,
        visitors=visitors,
    )
    DailyUsage.objects.update_or_create(
        day=day,
        establishment=establishment,
        role=role,
        service=ALL_SERVICES,
        defaults={"visitors": visitors, "sessions": sessions},
    )


@pytest.fixture
def figures(cast):
    """Page views a week ago: 110 in school A, 220 in B (collectivité R), 330 in C (another)."""
    add_usage(
        cast.a.establishment,
        Profile.Role.STUDENT,
        days_ago=2,
        page_views=100,
        visitors=8,
        sessions=9,
    )
    add_usage(
        cast.a.establishment,
        Profile.Role.TEACHER,
        days_ago=2,
        service="messaging",
        page_views=10,
        visitors=2,
        sessions=3,
    )
    add_usage(
        cast.b.establishment,
        Profile.Role.PARENT,
        days_ago=3,
        page_views=220,
        visitors=20,
        sessions=25,
    )
    add_usage(
        cast.c.establishment,
        Profile.Role.STUDENT,
        days_ago=2,
        page_views=330,
        visitors=30,
        sessions=35,
    )
    return cast
