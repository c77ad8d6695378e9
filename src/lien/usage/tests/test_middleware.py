"""UsageMiddleware counts page views of logged-in users, by establishment, role and service."""

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from redis import RedisError

from lien.core.models import Profile
from lien.tests.factories import PASSWORD
from lien.usage import counters
from lien.usage.middleware import SESSION_KEY, UsageMiddleware
from lien.usage.models import DailyUsage
from lien.usage.tests.conftest import usage

Role = Profile.Role


def total_page_views():
    return sum(DailyUsage.objects.values_list("page_views", flat=True))


def test_it_counts_page_views_by_establishment_role_and_service(cast, login, any_counters):
    client = login(cast.a.teacher)
    assert client.get(reverse("home:index")).status_code == 200
    assert client.get(reverse("home:index")).status_code == 200
    assert client.get(reverse("messaging:inbox")).status_code == 200
    counters.flush()
    establishment = cast.a.establishment
    assert usage(establishment, Role.TEACHER, "home") == (2, 1, 0)
    assert usage(establishment, Role.TEACHER, "messaging") == (1, 1, 0)
    # The whole day: the session opened by the login and one unique visitor.
    assert usage(establishment, Role.TEACHER) == (0, 1, 1)
    assert total_page_views() == 3


def test_it_counts_each_visitor_once_a_day(cast, login, client, any_counters):
    for profile in (cast.a.student, cast.a.classmate, cast.a.student):
        client.logout()
        login(profile).get(reverse("home:index"))
    counters.flush()
    assert usage(cast.a.establishment, Role.STUDENT, "home") == (3, 2, 0)
    assert usage(cast.a.establishment, Role.STUDENT) == (0, 2, 3)


def test_it_counts_no_static_file_health_check_error_redirect_or_post(cast, login, any_counters):
    client = login(cast.a.student)
    assert client.get("/static/lien/lien.css").status_code == 200
    assert client.get(reverse("health")).status_code == 200
    assert client.get("/messagerie/nulle-part/").status_code == 404
    assert client.get(reverse("usage:statistics")).status_code == 403
    assert client.get("/").status_code == 302
    assert client.post(reverse("home:switch-profile"), {"profile": "x"}).status_code == 302
    counters.flush()
    assert total_page_views() == 0


def test_it_counts_no_anonymous_visitor(cast, client, any_counters):
    assert client.get(reverse("accounts:login")).status_code == 200
    counters.flush()
    assert not DailyUsage.objects.exists()


def test_it_counts_no_operator(cast, login, any_counters):
    """Usage is an establishment's: the collectivité's operators are not counted."""
    assert login(cast.operator).get(reverse("home:index")).status_code == 200
    counters.flush()
    assert not DailyUsage.objects.exists()


def test_a_login_counts_one_session(cast, client, any_counters):
    response = client.post(reverse("accounts:login"), {"username": "a.eleve", "password": PASSWORD})
    assert response.status_code == 302
    client.get(reverse("home:index"))
    counters.flush()
    assert usage(cast.a.establishment, Role.STUDENT) == (0, 1, 1)
    assert usage(cast.a.establishment, Role.STUDENT, "home") == (1, 1, 0)


def test_a_profile_switch_counts_for_the_new_profile(cast, login, any_counters):
    teacher = cast.a.teacher
    parent = Profile.objects.create(
        user=teacher.user, role=Role.PARENT, establishment=cast.b.establishment
    )
    client = login(teacher)
    client.get(reverse("home:index"))
    client.post(reverse("home:switch-profile"), {"profile": str(parent.code)})
    client.get(reverse("home:index"))
    counters.flush()
    assert usage(cast.a.establishment, Role.TEACHER, "home") == (1, 1, 0)
    assert usage(cast.b.establishment, Role.PARENT, "home") == (1, 1, 0)


def test_it_reads_the_establishment_and_role_from_the_session(cast, local_counters):
    """With the session's key, a page view costs no query; without it, the profile is read
    once and remembered."""
    middleware = UsageMiddleware(lambda request: HttpResponse("<p>Accueil</p>"))

    def page_view(session):
        request = RequestFactory().get("/accueil/")
        request.user, request.session = cast.a.teacher.user, session
        request.resolver_match = resolve("/accueil/")
        with CaptureQueriesContext(connection) as queries:
            middleware(request)
        return len(queries)

    session = SessionStore()
    assert page_view(session) > 0
    assert session[SESSION_KEY] == [None, cast.a.establishment.pk, Role.TEACHER]
    assert page_view(session) == 0
    counters.flush()
    assert usage(cast.a.establishment, Role.TEACHER, "home") == (2, 1, 0)


def test_a_counter_failure_still_serves_the_page(cast, login, local_counters, monkeypatch):
    def broken(*args):
        raise RedisError("connection refused")

    monkeypatch.setattr(counters, "count_page_view", broken)
    assert login(cast.a.teacher).get(reverse("home:index")).status_code == 200


def test_without_redis_the_buffer_is_flushed_when_full(cast, login, local_counters, settings):
    settings.LIEN_USAGE_BUFFER_MAX_KEYS = 5
    client = login(cast.a.teacher)
    client.get(reverse("home:index"))
    assert total_page_views() == 0
    client.get(reverse("messaging:inbox"))
    assert usage(cast.a.establishment, Role.TEACHER, "home") == (1, 1, 0)
    assert usage(cast.a.establishment, Role.TEACHER, "messaging") == (1, 1, 0)


@pytest.mark.parametrize("seconds, flushed", [(0, False), (1, True)])
def test_without_redis_the_buffer_is_flushed_every_few_seconds(
    cast, login, local_counters, settings, seconds, flushed
):
    settings.LIEN_USAGE_FLUSH_SECONDS = seconds
    client = login(cast.a.teacher)
    local_counters._last_flush = time.monotonic() - 5
    client.get(reverse("home:index"))
    assert (total_page_views() == 1) is flushed
