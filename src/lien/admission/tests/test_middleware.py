"""The priority admission, end to end through the middleware."""

import re
import socket

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from prometheus_client import REGISTRY

from lien.admission import middleware
from lien.admission.middleware import PriorityAdmissionMiddleware, class_limit, queue_delay_ms
from lien.admission.priority import PriorityClass
from lien.admission.state import RedisAdmissionState, redis_client
from lien.admission.tests.conftest import occupy, release
from lien.admission.waiting_room import TICKET_COOKIE, TICKET_SALT, sign_ticket
from lien.tests.factories import PASSWORD

PAGE = "/essai/"


def place_of(response) -> int:
    assert response.status_code == 503
    return int(re.search(r"n° (\d+)", response.content.decode())[1])


def decisions(priority_class: str, outcome: str) -> float:
    labels = {"priority_class": priority_class, "outcome": outcome}
    return REGISTRY.get_sample_value("lien_admission_decisions_total", labels) or 0.0


@pytest.fixture
def saturated(settings, admission_state):
    """10 requests allowed in flight and 8 running: the staff (10) and the pupils (9) get in,
    the families (7) and anonymous visitors (6) wait."""
    settings.LIEN_ADMISSION_MAX_IN_FLIGHT = 10
    return occupy(admission_state, 8)


def test_each_class_has_its_share_of_the_limit():
    limits = [class_limit(priority, 10) for priority in PriorityClass]
    assert limits == [10, 9, 7, 6]
    assert [class_limit(priority, 1) for priority in PriorityClass] == [1, 1, 1, 1]
    assert class_limit(PriorityClass.STAFF, 0) is None


def test_under_overload_the_teacher_gets_in_and_the_parent_waits_then_gets_in(
    cast, client_for, admission_state, saturated
):
    queued_before = decisions("parent", "queued")
    teacher, student, parent = (
        client_for(p) for p in (cast.a.teacher, cast.a.student, cast.a.parent)
    )
    assert teacher.get(PAGE).status_code == 200
    assert student.get(PAGE).status_code == 200
    waiting = parent.get(PAGE)
    assert place_of(waiting) == 1
    assert "Attente estimée" in waiting.content.decode()
    assert TICKET_COOKIE in waiting.cookies
    assert place_of(client_for(cast.a.classmate_parent).get(PAGE)) == 2
    assert place_of(parent.get(PAGE)) == 1  # a reload keeps the place
    assert decisions("parent", "queued") == queued_before + 3

    release(admission_state, saturated)
    admitted = parent.get(PAGE)
    assert admitted.status_code == 200
    assert admitted.cookies[TICKET_COOKIE]["max-age"] == 0  # the ticket is done with


def test_the_second_in_line_waits_for_the_first(cast, client_for, admission_state, saturated):
    first, second = client_for(cast.a.parent), client_for(cast.a.classmate_parent)
    assert place_of(first.get(PAGE)) == 1
    assert place_of(second.get(PAGE)) == 2
    release(admission_state, saturated[:2])  # 6 in flight: one free slot for the families
    assert place_of(second.get(PAGE)) == 2
    assert first.get(PAGE).status_code == 200
    assert second.get(PAGE).status_code == 200  # the first one's request has finished


@pytest.mark.parametrize(
    "forged",
    [
        signing.dumps({"c": 2, "t": 1}, salt="another.salt"),
        signing.dumps({"c": 2, "t": 1}, key="x" * 50, salt=TICKET_SALT),
        '{"c": 2, "t": 1}',
        "1",
        sign_ticket(PriorityClass.STAFF, 1),  # a genuine teacher's ticket, shown by a parent
    ],
    # Stable names: signed values change with the clock, and every pytest-xdist worker must
    # collect the same tests.
    ids=["other-salt", "other-key", "unsigned", "bare-number", "teachers-ticket"],
)
def test_a_forged_ticket_does_not_jump_the_line(
    cast, client_for, admission_state, saturated, forged
):
    first, cheat = client_for(cast.a.parent), client_for(cast.a.classmate_parent)
    assert place_of(first.get(PAGE)) == 1
    release(admission_state, saturated[:2])  # one free slot for the families
    cheat.cookies[TICKET_COOKIE] = forged
    assert place_of(cheat.get(PAGE)) == 2
    assert first.get(PAGE).status_code == 200


def test_anonymous_visitors_wait_with_a_way_to_log_in_first(cast, client_for, saturated):
    waiting = client_for().get(PAGE + "?x=1")
    body = waiting.content.decode()
    assert place_of(waiting) == 1
    assert f'href="{reverse("accounts:login")}?next=%2Fessai%2F%3Fx%3D1"' in body
    assert "Se déconnecter" not in body
    assert client_for().get(reverse("accounts:login")).status_code == 200


def test_the_login_the_health_probe_and_static_files_pass_at_full_load(
    cast, client_for, admission_state, settings
):
    settings.LIEN_ADMISSION_MAX_IN_FLIGHT = 1
    occupy(admission_state, 5)
    visitor = client_for()
    assert visitor.get(reverse("health")).status_code == 200
    assert visitor.get("/static/lien/lien.css").status_code == 200
    response = visitor.post(reverse("accounts:login"), {"username": "a.prof", "password": PASSWORD})
    assert response.status_code == 302
    assert visitor.get(PAGE).status_code == 503  # in line like everyone, now as a teacher


def test_a_form_sent_by_someone_admitted_before_is_never_turned_away(
    cast, client_for, admission_state, saturated
):
    parent = client_for(cast.a.parent)
    assert place_of(parent.get(PAGE)) == 1
    response = parent.post(reverse("set_language"), {"language": "fr", "next": PAGE})
    assert response.status_code == 302


def test_the_waiting_page_is_tiny_accessible_french_and_needs_no_javascript(
    cast, client_for, saturated
):
    response = client_for(cast.a.parent).get(PAGE)
    body = response.content.decode()
    assert len(response.content) < 5 * 1024
    assert '<html lang="fr">' in body
    assert "<title>Salle d'attente · Lien</title>" in body
    assert 'role="status"' in body
    assert "<script" not in body
    refresh = re.search(r'<meta http-equiv="refresh" content="(\d+)">', body)[1]
    assert response["Retry-After"] == refresh
    assert response["Cache-Control"] == "no-store"
    assert "Vous êtes <strong>n° 1</strong> dans la file d'attente." in body
    assert 'name="csrfmiddlewaretoken"' in body  # « Se déconnecter » works from here


def test_the_queueing_delay_holds_families_back_before_teachers(
    cast, client_for, admission_state, settings, monkeypatch
):
    settings.LIEN_ADMISSION_MAX_QUEUE_DELAY_MS = 1000
    monkeypatch.setattr(middleware.time, "time", lambda: 1_800_000_000.0)
    header = {"HTTP_X_REQUEST_START": "t=1799999999.150"}  # waited 850 ms
    assert client_for(cast.a.teacher).get(PAGE, **header).status_code == 200
    assert client_for(cast.a.student).get(PAGE, **header).status_code == 200
    assert place_of(client_for(cast.a.parent).get(PAGE, **header)) == 1
    assert client_for(cast.a.classmate_parent).get(PAGE).status_code == 200  # no header


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("t=1799999999.5", 500.0),
        ("t=1799999999500", 500.0),
        ("t=1799999999500000", 500.0),
        ("1799999999.75", 250.0),
        ("t=1800000001", 0.0),  # clocks a little apart: no negative delay
        ("t=soon", None),
        ("", None),
    ],
)
def test_the_queueing_delay_is_read_in_seconds_milliseconds_or_microseconds(header, expected):
    request = RequestFactory().get("/", HTTP_X_REQUEST_START=header)
    assert queue_delay_ms(request, 1_800_000_000.0) == pytest.approx(expected)


def test_when_disabled_the_shared_state_is_never_asked(cast, client_for, monkeypatch, settings):
    settings.LIEN_ADMISSION_MAX_IN_FLIGHT = 0
    settings.LIEN_ADMISSION_MAX_QUEUE_DELAY_MS = 0

    def refuse():
        raise AssertionError("the state was asked")

    monkeypatch.setattr(middleware, "get_state", refuse)
    assert client_for(cast.a.parent).get(PAGE).status_code == 200


def test_an_unreachable_redis_lets_everyone_in_without_asking_again_at_once(
    cast, client_for, monkeypatch, settings
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    down = RedisAdmissionState(redis_client(f"redis://127.0.0.1:{closed_port}/0"), "down")
    asked = []
    monkeypatch.setattr(middleware, "get_state", lambda: asked.append(1) or down)
    monkeypatch.setattr(middleware, "_state_paused_until", 0.0)
    settings.LIEN_ADMISSION_MAX_IN_FLIGHT = 1
    parent = client_for(cast.a.parent)
    assert [parent.get(PAGE).status_code, parent.get(PAGE).status_code] == [200, 200]
    assert len(asked) == 1


def test_a_request_that_fails_gives_its_slot_back(db, admission_state, settings):
    settings.LIEN_ADMISSION_MAX_IN_FLIGHT = 1

    def failing_view(request):
        raise RuntimeError("boom")

    request = RequestFactory().get(PAGE)
    request.session = SessionStore()
    with pytest.raises(RuntimeError):
        PriorityAdmissionMiddleware(failing_view)(request)
    request = RequestFactory().get(PAGE)
    request.session = SessionStore()
    assert PriorityAdmissionMiddleware(lambda r: HttpResponse("ok"))(request).status_code == 200
    assert admission_state.enter(PriorityClass.STAFF, always=True).in_flight == 1
