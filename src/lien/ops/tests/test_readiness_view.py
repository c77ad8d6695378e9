import json
import os
import threading

import pytest
from django.db import connections
from django.urls import reverse

from lien.ops import readiness

URL = reverse("health-ready")
pytestmark = pytest.mark.django_db


def ready(client):
    response = client.get(URL)
    return response.status_code, json.loads(response.content)


@pytest.fixture
def without_redis(settings):
    settings.REDIS_URL = ""


def test_readiness_is_at_sante_pret():
    assert URL == "/sante/pret/"


def test_it_answers_200_when_the_database_and_the_cache_answer(client, without_redis):
    assert ready(client) == (200, {"status": "ok", "checks": {"database": "ok", "cache": "ok"}})


def test_it_is_never_cached(client, without_redis):
    assert "no-cache" in client.get(URL)["Cache-Control"]


def test_it_names_the_database_when_the_database_is_down(client, without_redis, monkeypatch):
    """The check opens a connection of its own, with settings that now lead nowhere."""
    database = connections.settings["default"]
    if database["ENGINE"].endswith("sqlite3"):
        monkeypatch.setitem(database, "NAME", "/nonexistent-directory/lien.sqlite3")
    else:
        monkeypatch.setitem(database, "HOST", "127.0.0.1")
        monkeypatch.setitem(database, "PORT", "1")
    status, body = ready(client)
    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {"database": "error", "cache": "ok"},
        "failing": ["database"],
    }


def test_it_names_the_cache_when_the_cache_is_down(client, without_redis, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    status, body = ready(client)  # through every middleware: none may trip on the cache
    assert status == 503
    assert body["checks"] == {"database": "ok", "cache": "error"}
    assert body["failing"] == ["cache"]


def test_it_names_redis_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["redis"] == "error"
    assert body["failing"] == ["redis"]


def test_a_check_that_hangs_times_out(client, without_redis, monkeypatch):
    released = threading.Event()
    monkeypatch.setattr(readiness, "check_cache", lambda: released.wait(30))
    monkeypatch.setattr(readiness, "TIMEOUT_SECONDS", 0.05)
    try:
        status, body = ready(client)
    finally:
        released.set()
        readiness._running["cache"].join(5)
    assert status == 503
    assert body["checks"] == {"database": "ok", "cache": "timeout"}


def test_a_check_still_stuck_is_not_started_again(without_redis, monkeypatch):
    released, calls = threading.Event(), []

    def stuck():
        calls.append(1)
        released.wait(30)

    monkeypatch.setattr(readiness, "check_cache", stuck)
    try:
        first = readiness.run_checks(timeout=0.05)
        second = readiness.run_checks(timeout=0.05)
    finally:
        released.set()
        readiness._running["cache"].join(5)
    assert first == second == {"database": "ok", "cache": "timeout"}
    assert calls == [1]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a Redis server)")
def test_it_checks_redis_when_redis_url_is_set(client, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    status, body = ready(client)
    assert status == 200
    assert body["checks"]["redis"] == "ok"


def test_it_refuses_post(client):
    assert client.post(URL).status_code == 405
