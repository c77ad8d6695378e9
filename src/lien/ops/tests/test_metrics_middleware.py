"""MetricsMiddleware: every request counted and timed, by role class and by URL name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse
from prometheus_client import REGISTRY

from lien.ops import metrics
from lien.ops.middleware import role_class

SRC = Path(__file__).resolve().parents[3]


def requests_counted(method="GET", status="2xx", role="anonymous") -> float:
    labels = {"method": method, "status": status, "role": role}
    return REGISTRY.get_sample_value("lien_http_requests_total", labels) or 0.0


def timed(metric: str, **labels) -> float:
    return REGISTRY.get_sample_value(f"{metric}_count", labels) or 0.0


def test_it_is_first_after_the_security_middleware():
    assert settings.MIDDLEWARE[:2] == [
        "django.middleware.security.SecurityMiddleware",
        "lien.ops.middleware.MetricsMiddleware",
    ]


def test_an_anonymous_request_is_counted_and_timed_by_role_and_route(client, db):
    before = requests_counted()
    by_role = timed("lien_http_request_duration_seconds", role="anonymous")
    by_route = timed("lien_http_route_duration_seconds", route="accounts:login")
    assert client.get(reverse("accounts:login")).status_code == 200
    assert requests_counted() == before + 1
    assert timed("lien_http_request_duration_seconds", role="anonymous") == by_role + 1
    assert timed("lien_http_route_duration_seconds", route="accounts:login") == by_route + 1


def test_the_role_class_comes_from_the_session(cast, login):
    client = login(cast.a.parent)
    session = client.session
    session["lien_priority"] = "parent"
    session.save()
    before = requests_counted(role="parent")
    assert client.get(reverse("home:index")).status_code == 200
    assert requests_counted(role="parent") == before + 1


def test_a_signed_in_person_without_a_priority_counts_as_authenticated(cast, login):
    client = login(cast.a.teacher)
    session = client.session
    session.pop("lien_priority", None)  # a session opened before the priority existed
    session.save()
    before = requests_counted(role="authenticated")
    assert client.get(reverse("home:index")).status_code == 200
    assert requests_counted(role="authenticated") == before + 1


def test_an_unknown_priority_never_becomes_a_label(cast, login):
    client = login(cast.a.teacher)
    session = client.session
    session["lien_priority"] = "/messagerie/?q=secret"
    session.save()
    client.get(reverse("home:index"))
    assert "secret" not in metrics.exposition().decode()


@pytest.mark.parametrize(
    ("cookies", "expected"),
    [({settings.SESSION_COOKIE_NAME: "une-session"}, "authenticated"), ({}, "anonymous")],
)
def test_a_session_the_view_never_opened_is_not_loaded(
    db, django_assert_num_queries, cookies, expected
):
    request = RequestFactory().get("/sante/")
    request.COOKIES.update(cookies)
    request.session = SessionStore(cookies.get(settings.SESSION_COOKIE_NAME))
    with django_assert_num_queries(0):
        assert role_class(request) == expected


def test_the_status_class_and_method_are_counted(client, db):
    before = requests_counted("POST", "4xx")
    assert client.post(reverse("accounts:login"), {"username": ""}).status_code == 400
    assert requests_counted("POST", "4xx") == before + 1


def test_unknown_paths_are_one_label_never_the_raw_path(client, db):
    before = timed("lien_http_route_duration_seconds", route="unmatched")
    assert client.get("/pas-une-page/eleve-martin-2nde-a/").status_code == 404
    assert timed("lien_http_route_duration_seconds", route="unmatched") == before + 1
    assert "eleve-martin" not in metrics.exposition().decode()


def test_a_404_inside_a_known_route_is_labelled_with_the_route(cast, login):
    client = login(cast.a.teacher)
    url = reverse("messaging:message", args=["00000000-0000-0000-0000-000000000000"])
    before = timed("lien_http_route_duration_seconds", route="messaging:message")
    assert client.get(url).status_code == 404
    assert timed("lien_http_route_duration_seconds", route="messaging:message") == before + 1
    assert "00000000-0000" not in metrics.exposition().decode()


WORKER = """
import django
django.setup()
from django.test import RequestFactory
from django.http import HttpResponse
from django.urls import resolve
from lien.ops.middleware import MetricsMiddleware

request = RequestFactory().get("/sante/")
request.resolver_match = resolve("/sante/")
MetricsMiddleware(lambda request: HttpResponse("ok"))(request)
"""


def test_under_gunicorn_the_workers_metrics_are_added_up(tmp_path, monkeypatch):
    """With PROMETHEUS_MULTIPROC_DIR, two processes' requests appear in one exposition."""
    environment = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "lien.tests.settings",
        "PYTHONPATH": str(SRC),
    }
    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER], env=environment, check=True, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    body = metrics.exposition().decode()
    assert 'lien_http_route_duration_seconds_count{route="health"} 2.0' in body
    assert 'lien_http_requests_total{method="GET",role="anonymous",status="2xx"} 2.0' in body


def test_without_the_directory_the_exposition_is_this_process_s(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    assert b"python_gc_objects_collected_total" in metrics.exposition()


@pytest.mark.parametrize("method", ["PROPFIND", "BREW"])
def test_unusual_methods_are_one_label(client, db, method):
    before = requests_counted("other", "4xx")
    client.generic(method, reverse("health"))
    assert requests_counted("other", "4xx") == before + 1
