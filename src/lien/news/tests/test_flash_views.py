"""Flash banners: the direction posts one to its establishment, an operator to every
establishment of its collectivité (/actualites/flash/); it shows on the home page of the chosen
profiles until each person dismisses it (a POST that works without JavaScript) or it ends."""

from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from lien.news import services
from lien.news.models import FlashDismissal, FlashMessage
from lien.news.tests.fixtures import in_hours
from lien.tests.world import resolve

FLASHES = reverse("news:flashes")
PARIS = ZoneInfo("Europe/Paris")


def typed(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def flash_data(**changes) -> dict:
    data = {
        "text": "Le lycée est fermé demain : cours à distance.",
        "roles": ["student", "parent"],
        "ends_at": typed(in_hours(24)),
    }
    data.update(changes)
    return data


def shown_to(cast, who: str) -> list[str]:
    profile = resolve(cast, who)
    return [flash.text for flash in services.active_flashes(profile.user, profile)]


def dismiss_url(flash) -> str:
    return reverse("news:dismiss-flash", args=[flash.code])


def test_the_direction_posts_a_banner_to_its_establishment(cast, login):
    client = login(cast.a.direction)
    assert client.get(FLASHES).status_code == 200
    response = client.post(FLASHES, flash_data())
    assert response.status_code == 302
    flash = FlashMessage.objects.get()
    assert (flash.establishment, flash.collectivity, flash.author) == (
        cast.a.establishment,
        None,
        cast.a.direction.user,
    )
    assert (flash.for_students, flash.for_parents, flash.for_teachers, flash.for_staff) == (
        True,
        True,
        False,
        False,
    )
    page = client.get(FLASHES).content.decode()
    assert "Message flash enregistré." in page
    assert "Le lycée est fermé demain" in page
    text = "Le lycée est fermé demain : cours à distance."
    assert shown_to(cast, "a.student") == [text]
    assert shown_to(cast, "a.parent") == [text]
    assert shown_to(cast, "a.teacher") == []
    assert shown_to(cast, "a.direction") == []
    assert shown_to(cast, "b.student") == []


def test_an_operator_posts_a_banner_to_every_establishment_of_the_collectivity(cast, login):
    login(cast.operator).post(FLASHES, flash_data(roles=["teacher", "staff"], text="Grève"))
    flash = FlashMessage.objects.get()
    assert (flash.establishment, flash.collectivity) == (None, cast.a.establishment.collectivity)
    assert shown_to(cast, "a.teacher") == ["Grève"]
    assert shown_to(cast, "b.direction") == ["Grève"]
    assert shown_to(cast, "c.teacher") == []  # another collectivité
    assert shown_to(cast, "a.student") == []


@pytest.mark.parametrize(
    "who", ["a.school_life", "a.ent_admin", "a.teacher", "a.parent", "a.student", "a.tutor"]
)
def test_other_roles_may_not_post_banners(cast, login, who):
    client = login(resolve(cast, who))
    assert client.get(FLASHES).status_code == 403
    assert client.post(FLASHES, flash_data()).status_code == 403
    assert not FlashMessage.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": "   "}, "Écrivez le message à afficher."),
        ({"text": "x" * 281}, "Le message est trop long (281 caractères, 280 au plus)."),
        ({"roles": []}, "Choisissez au moins un profil à qui l'afficher."),
        ({"roles": ["operator"]}, "Choisissez des profils de la liste."),
        ({"ends_at": ""}, "Indiquez jusqu'à quand afficher le message."),
        ({"ends_at": "past"}, "La date de fin est passée : choisissez une date à venir."),
        ({"starts_at": "later"}, "La fin de l'affichage doit venir après son début."),
        ({"ends_at": "demain"}, "Indiquez une date et une heure valides."),
    ],
)
def test_bad_input_is_refused_and_the_text_is_kept(cast, login, changes, message):
    if changes.get("ends_at") == "past":
        changes["ends_at"] = typed(in_hours(-1))
    if changes.get("starts_at") == "later":
        changes["starts_at"] = typed(in_hours(48))
    response = login(cast.a.direction).post(FLASHES, flash_data(**changes))
    assert response.status_code == 400
    form = response.context["form"]
    assert message in [str(error) for errors in form.errors.values() for error in errors]
    assert not FlashMessage.objects.exists()
    if "text" not in changes:
        assert "Le lycée est fermé demain" in response.content.decode()


def test_a_banner_waits_for_its_start_and_leaves_at_its_end(cast):
    a = cast.a
    services.check_post_flash(
        a.direction.user,
        services.FlashDraft("Plus tard", ["student"], in_hours(2), in_hours(5)),
        establishment=a.establishment,
    )
    assert shown_to(cast, "a.student") == []
    FlashMessage.objects.update(starts_at=in_hours(-5), ends_at=in_hours(-1))
    assert shown_to(cast, "a.student") == []
    FlashMessage.objects.update(ends_at=in_hours(1))
    assert shown_to(cast, "a.student") == ["Plus tard"]


@pytest.fixture
def flash(cast):
    return services.check_post_flash(
        cast.a.direction.user,
        services.FlashDraft("Fermeture", ["student", "parent"], None, in_hours(4)),
        establishment=cast.a.establishment,
    )


def test_a_parent_dismisses_the_banner_without_javascript(cast, login, flash):
    client = login(cast.a.parent)
    response = client.post(dismiss_url(flash), {"next": "/accueil/?enfant=x"})
    assert response.status_code == 302
    assert response["Location"] == "/accueil/?enfant=x"
    assert shown_to(cast, "a.parent") == []
    assert shown_to(cast, "a.student") == ["Fermeture"]
    # Twice is harmless.
    assert client.post(dismiss_url(flash)).status_code == 302
    assert FlashDismissal.objects.count() == 1


def test_dismissing_never_redirects_elsewhere(cast, login, flash):
    response = login(cast.a.parent).post(dismiss_url(flash), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("home:index")


@pytest.mark.parametrize("who", ["a.teacher", "b.parent", "c.student", "operator"])
def test_a_banner_not_shown_to_someone_cannot_be_dismissed_by_them(cast, login, flash, who):
    assert login(resolve(cast, who)).post(dismiss_url(flash)).status_code == 404
    assert not FlashDismissal.objects.exists()


def test_the_direction_withdraws_its_banner(cast, login, flash):
    client = login(cast.a.direction)
    response = client.post(reverse("news:withdraw-flash", args=[flash.code]))
    assert response.status_code == 302
    assert not FlashMessage.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("b.direction", 404), ("operator", 404), ("a.school_life", 403), ("a.parent", 403)],
)
def test_others_may_not_withdraw_it(cast, login, flash, who, status):
    response = login(resolve(cast, who)).post(reverse("news:withdraw-flash", args=[flash.code]))
    assert response.status_code == status
    assert FlashMessage.objects.filter(pk=flash.pk).exists()


def test_the_banner_include_renders_a_dismiss_form(cast, flash):
    request = RequestFactory().get("/accueil/")
    request.user = cast.a.parent.user
    html = render_to_string(
        "news/_flash_banner.html",
        {"flashes": services.active_flashes(cast.a.parent.user, cast.a.parent)},
        request=request,
    )
    assert "Fermeture" in html
    assert f'action="{dismiss_url(flash)}"' in html
    assert 'name="next" value="/accueil/"' in html
    assert "csrfmiddlewaretoken" in html
