"""The rules of a crisis mode applied to requests: parents' hours, shorter sessions, banner."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory
from django.urls import reverse

from lien.accounts.middleware import LAST_SEEN_KEY
from lien.admission import middleware, services
from lien.admission.context_processors import crisis_banner
from lien.admission.services import CrisisSettings
from lien.admission.windows import parse_windows
from lien.core.models import ParentLink, Profile
from lien.tests.factories import make_profile

PAGE = "/essai/"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def evening_hours_for_parents(cast):
    """School A lets parents in before 8:30 and after 17:00 only."""
    return services.check_start_crisis(
        cast.operator.user,
        cast.a.establishment,
        CrisisSettings(
            reason="Fermeture des écoles", parent_access_windows=parse_windows("17:00-08:30")
        ),
    )


@pytest.fixture
def clock_at(monkeypatch):
    def set_time(hour, minute=0):
        moment = datetime(2027, 1, 11, hour, minute, tzinfo=PARIS)
        monkeypatch.setattr(middleware, "current_time", lambda: moment)

    return set_time


def test_a_parent_outside_the_hours_is_told_when_to_come_back(
    cast, client_for, evening_hours_for_parents, clock_at
):
    clock_at(10, 15)
    response = client_for(cast.a.parent).get(PAGE)
    body = response.content.decode()
    assert response.status_code == 503
    assert "Revenez à partir de <strong>17:00</strong>." in body
    assert "17:00–08:30" in body
    assert "Fermeture des écoles" in body
    assert response["Retry-After"] == str((17 * 60 - (10 * 60 + 15)) * 60)
    assert len(response.content) < 5 * 1024
    assert '<html lang="fr">' in body and 'role="status"' in body and "<script" not in body
    assert "<title>Accès des parents fermé pour le moment · Lien</title>" in body


def test_late_at_night_the_parent_is_told_to_come_back_tomorrow(
    cast, client_for, evening_hours_for_parents, monkeypatch
):
    services.check_end_crisis(cast.operator.user, evening_hours_for_parents)
    services.check_start_crisis(
        cast.operator.user,
        cast.a.establishment,
        CrisisSettings(reason="Rentrée", parent_access_windows=parse_windows("06:00-07:00")),
    )
    moment = datetime(2027, 1, 11, 22, 0, tzinfo=PARIS)
    monkeypatch.setattr(middleware, "current_time", lambda: moment)
    body = client_for(cast.a.parent).get(PAGE).content.decode()
    assert "Revenez demain à partir de <strong>06:00</strong>." in body


@pytest.mark.parametrize("hour", [7, 8, 17, 22])
def test_a_parent_within_the_hours_comes_in(
    cast, client_for, evening_hours_for_parents, clock_at, hour
):
    clock_at(hour)
    assert client_for(cast.a.parent).get(PAGE).status_code == 200


@pytest.mark.parametrize("who", ["a.student", "a.teacher", "a.direction", "operator"])
def test_pupils_and_staff_come_in_at_any_time(
    world, client_for, evening_hours_for_parents, clock_at, who
):
    from lien.tests.world import resolve

    clock_at(10)
    assert client_for(resolve(world, who)).get(PAGE).status_code == 200


def test_parents_of_other_establishments_come_in(
    cast, client_for, evening_hours_for_parents, clock_at
):
    clock_at(10)
    assert client_for(cast.b.parent).get(PAGE).status_code == 200
    assert client_for(cast.c.parent).get(PAGE).status_code == 200


def test_a_parent_with_a_child_in_an_open_establishment_comes_in(
    cast, client_for, evening_hours_for_parents, clock_at
):
    in_b = make_profile(Profile.Role.PARENT, cast.b.establishment)
    Profile.objects.filter(pk=in_b.pk).update(user=cast.a.parent.user)
    ParentLink.objects.create(parent_id=in_b.pk, student=cast.b.student)
    clock_at(10)
    assert client_for(cast.a.parent).get(PAGE).status_code == 200


def test_a_parent_outside_the_hours_can_still_log_out(
    cast, client_for, evening_hours_for_parents, clock_at
):
    clock_at(10)
    parent = client_for(cast.a.parent)
    assert parent.get(PAGE).status_code == 503
    response = parent.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in parent.session


def test_sessions_of_pupils_and_families_end_sooner_in_a_crisis(cast, client_for):
    services.check_start_crisis(
        cast.a.direction.user,
        cast.a.establishment,
        CrisisSettings(reason="Rentrée", session_idle_minutes=10),
    )
    idle_for_15_minutes = time.time() - 15 * 60
    clients = {}
    for who in (cast.a.parent, cast.a.student, cast.a.teacher, cast.c.parent):
        client = client_for(who)
        session = client.session
        session[LAST_SEEN_KEY] = idle_for_15_minutes
        session.save()
        clients[who.user.username] = client.get(PAGE).status_code
    assert clients == {"a.parent": 302, "a.eleve": 302, "a.prof": 200, "c.parent": 200}


def test_the_banner_shows_the_crisis_of_the_profile_in_use(cast, evening_hours_for_parents):
    def banner_for(profile):
        request = RequestFactory().get("/")
        request.user = profile.user
        request.session = {}
        return crisis_banner(request)

    assert banner_for(cast.a.teacher)["active_crisis"].reasons == ("Fermeture des écoles",)
    assert banner_for(cast.b.teacher)["active_crisis"] is None
    assert banner_for(cast.operator)["active_crisis"] is None


def test_every_page_of_the_school_in_crisis_shows_the_banner(
    cast, login, evening_hours_for_parents
):
    banner = "Mode crise en cours : Fermeture des écoles"
    assert banner in login(cast.a.teacher).get(reverse("home:index")).content.decode()
    assert banner in login(cast.a.teacher).get(reverse("messaging:inbox")).content.decode()
    assert banner not in login(cast.b.teacher).get(reverse("home:index")).content.decode()
