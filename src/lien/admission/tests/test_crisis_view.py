"""The crisis page: operators and the direction declare and end crisis modes."""

import pytest
from django.urls import reverse

from lien.admission import services
from lien.admission.models import CrisisMode
from lien.admission.services import CrisisSettings
from lien.tests.world import resolve

URL = reverse("admission:crisis")


def scope_value(place) -> str:
    prefix = "e" if hasattr(place, "uai") else "c"
    return f"{prefix}-{place.code}"


def form(place, **fields):
    data = {
        "scope": scope_value(place),
        "reason": "Fermeture des écoles",
        "parent_access_windows": "17:00-08:30",
        "max_upload_mb": "2",
        "session_idle_minutes": "10",
        "heavy_features_paused": "on",
    }
    data.update(fields)
    return data


def end_url(mode) -> str:
    return reverse("admission:end-crisis", args=[mode.code])


def test_an_operator_sees_their_collectivity_and_its_establishments(cast, login):
    body = login(cast.operator).get(URL).content.decode()
    for place in (cast.operator.collectivity, cast.a.establishment, cast.b.establishment):
        assert scope_value(place) in body
    assert scope_value(cast.c.establishment) not in body
    assert "Aucun mode crise en cours." in body


def test_the_direction_sees_their_establishment_only(cast, login):
    body = login(cast.a.direction).get(URL).content.decode()
    assert scope_value(cast.a.establishment) in body
    for place in (cast.operator.collectivity, cast.b.establishment):
        assert scope_value(place) not in body


def test_an_operator_declares_a_crisis_for_an_establishment(cast, login):
    response = login(cast.operator).post(URL, form(cast.a.establishment))
    assert response.status_code == 302
    mode = CrisisMode.objects.get()
    assert (mode.establishment, mode.collectivity, mode.started_by) == (
        cast.a.establishment,
        None,
        cast.operator.user,
    )
    assert (mode.max_upload_mb, mode.session_idle_minutes, mode.heavy_features_paused) == (
        2,
        10,
        True,
    )
    assert mode.parent_access_windows == [[1020, 1440], [0, 510]]
    page = login(cast.operator).get(URL).content.decode()
    assert "Le mode crise est déclaré pour " in page
    assert "Parents : 17:00–08:30" in page


def test_the_direction_declares_a_crisis_for_their_establishment(cast, login):
    fields = {"parent_access_windows": "", "max_upload_mb": "", "session_idle_minutes": ""}
    response = login(cast.a.direction).post(URL, form(cast.a.establishment, **fields))
    assert response.status_code == 302
    mode = CrisisMode.objects.get()
    assert (mode.parent_access_windows, mode.max_upload_mb, mode.session_idle_minutes) == (
        [],
        None,
        None,
    )


@pytest.mark.parametrize(
    "who", ["a.student", "a.parent", "a.teacher", "a.school_life", "a.ent_admin", "a.tutor"]
)
def test_other_roles_are_refused(world, login, who):
    client = login(resolve(world, who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, form(world.a.establishment)).status_code == 403
    assert CrisisMode.objects.count() == 0


def test_anonymous_visitors_are_sent_to_the_login_page(cast, client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("who", "target"),
    [
        ("other_operator", "a.establishment"),
        ("other_operator", "operator.collectivity"),
        ("b.direction", "a.establishment"),
        ("a.direction", "operator.collectivity"),
    ],
)
def test_a_scope_one_does_not_control_is_refused(world, login, who, target):
    response = login(resolve(world, who)).post(URL, form(resolve(world, target)))
    assert response.status_code == 400
    assert "Choisissez un périmètre dans la liste." in response.content.decode()
    assert CrisisMode.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"reason": ""},
            "Donnez le motif du mode crise : il est affiché aux personnes concernées.",
        ),
        (
            {"parent_access_windows": "avant 8h30"},
            "« avant 8h30 » n&#x27;est pas une plage horaire",
        ),
        ({"max_upload_mb": "0"}, "Indiquez au moins 1 Mo."),
        ({"max_upload_mb": "deux"}, "Indiquez un nombre entier de mégaoctets."),
        ({"session_idle_minutes": "2"}, "Indiquez au moins 5 minutes."),
        (
            {"session_idle_minutes": "60"},
            "Le mode crise ne peut que raccourcir les sessions : 30 minutes au plus.",
        ),
        ({"scope": ""}, "Choisissez un périmètre dans la liste."),
    ],
)
def test_bad_input_is_explained_and_what_was_typed_is_kept(cast, login, fields, error):
    data = form(cast.a.establishment, **{"reason": "Grève des transports", **fields})
    response = login(cast.operator).post(URL, data)
    body = response.content.decode()
    assert response.status_code == 400
    assert error in body
    if data["reason"]:
        assert 'value="Grève des transports"' in body
    assert CrisisMode.objects.count() == 0


def test_a_second_crisis_for_the_same_scope_is_refused(cast, login):
    client = login(cast.operator)
    client.post(URL, form(cast.a.establishment))
    response = client.post(URL, form(cast.a.establishment, reason="Encore"))
    assert response.status_code == 400
    assert f"Un mode crise est déjà en cours pour {cast.a.establishment.name}." in (
        response.content.decode()
    )
    assert CrisisMode.objects.count() == 1


def _declare(who, place) -> CrisisMode:
    return services.check_start_crisis(who.user, place, CrisisSettings(reason="Rentrée"))


def test_the_direction_ends_the_crisis_of_their_establishment(cast, login):
    mode = _declare(cast.operator, cast.a.establishment)
    response = login(cast.a.direction).post(end_url(mode))
    assert response.status_code == 302
    mode.refresh_from_db()
    assert (mode.is_active, mode.ended_by) == (False, cast.a.direction.user)
    page = login(cast.a.direction).get(URL).content.decode()
    assert "Modes crise terminés" in page


@pytest.mark.parametrize(
    ("who", "scope"),
    [
        ("b.direction", "a.establishment"),
        ("other_operator", "a.establishment"),
        ("a.teacher", "a.establishment"),
        ("a.parent", "a.establishment"),
        ("a.direction", "operator.collectivity"),
    ],
)
def test_a_crisis_one_does_not_control_cannot_be_ended(world, login, who, scope):
    mode = _declare(world.operator, resolve(world, scope))
    response = login(resolve(world, who)).post(end_url(mode))
    assert response.status_code == 404
    mode.refresh_from_db()
    assert mode.is_active


def test_ending_twice_says_it_is_already_over(cast, login):
    mode = _declare(cast.operator, cast.a.establishment)
    client = login(cast.operator)
    client.post(end_url(mode))
    response = client.post(end_url(mode), follow=True)
    assert "Ce mode crise est déjà terminé." in response.content.decode()


def test_ending_needs_a_post(cast, login):
    mode = _declare(cast.operator, cast.a.establishment)
    assert login(cast.operator).get(end_url(mode)).status_code == 405
    mode.refresh_from_db()
    assert mode.is_active
