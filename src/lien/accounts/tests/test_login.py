"""The login page: by username or e-mail, one message for every wrong identifier or password."""

import pytest
from django.urls import reverse

from lien.core.models import Profile
from lien.tests.factories import PASSWORD, EstablishmentFactory, UserFactory, make_profile

URL = reverse("accounts:login")
WRONG = "Identifiant ou mot de passe incorrect. Vérifiez les majuscules et réessayez."


def log_in(client, username, password=PASSWORD, **data):
    return client.post(URL, {"username": username, "password": password, **data})


def session_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.fixture
def teacher(db):
    return make_profile(
        Profile.Role.TEACHER, EstablishmentFactory(), username="m.durand", email="m.durand@ac.fr"
    )


def test_login_page_offers_the_password_reset_link(client, db):
    body = client.get(URL).content.decode()
    assert f'href="{reverse("accounts:password-reset")}"' in body
    assert "Mot de passe oublié ?" in body


def test_right_password_opens_the_session_and_goes_home(client, teacher):
    response = log_in(client, "m.durand")
    assert response.status_code == 302
    assert response["Location"] == reverse("home:index")
    assert session_user_id(client) == str(teacher.user.pk)


def test_username_is_not_case_sensitive(client, teacher):
    assert log_in(client, "M.Durand").status_code == 302
    assert session_user_id(client) == str(teacher.user.pk)


def test_login_by_email_opens_that_accounts_session(client, teacher):
    response = log_in(client, "M.Durand@AC.fr")
    assert response.status_code == 302
    assert session_user_id(client) == str(teacher.user.pk)


def test_wrong_password_gives_a_clear_message(client, teacher):
    response = log_in(client, "m.durand", "pas-le-bon-mot-de-passe")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert session_user_id(client) is None


def test_unknown_username_gives_exactly_the_same_message(client, teacher):
    wrong_password = log_in(client, "m.durand", "pas-le-bon-mot-de-passe")
    unknown_user = log_in(client, "personne.inconnue", "pas-le-bon-mot-de-passe")
    assert unknown_user.status_code == wrong_password.status_code == 400
    assert WRONG in unknown_user.content.decode()
    assert session_user_id(client) is None


def test_an_email_shared_by_two_accounts_cannot_log_in(client, db):
    first = UserFactory(username="parent.a", email="famille@example.org")
    UserFactory(username="parent.b", email="famille@example.org")
    response = log_in(client, "famille@example.org")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert session_user_id(client) is None
    # Each account still logs in with its own username.
    assert log_in(client, "parent.a").status_code == 302
    assert session_user_id(client) == str(first.pk)


def test_deactivated_account_cannot_log_in(client, teacher):
    teacher.user.is_active = False
    teacher.user.save()
    response = log_in(client, "m.durand")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert session_user_id(client) is None


def test_empty_form_says_which_fields_are_missing(client, db):
    response = client.post(URL, {"username": "", "password": ""})
    assert response.status_code == 400
    assert response.content.decode().count("Ce champ est obligatoire.") == 2


def test_local_next_url_is_followed(client, teacher):
    response = log_in(client, "m.durand", next="/compte/securite/")
    assert response["Location"] == "/compte/securite/"


def test_next_url_to_another_site_is_ignored(client, teacher):
    response = log_in(client, "m.durand", next="https://pirate.example.com/")
    assert response["Location"] == reverse("home:index")


def test_a_user_without_profile_logs_in_and_gets_a_clear_message(client, db):
    UserFactory(username="sans.profil")
    response = log_in(client, "sans.profil")
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert "Votre compte n'est rattaché à aucun établissement" in home.content.decode()


def test_logged_in_user_is_sent_home_from_the_login_page(client, teacher):
    log_in(client, "m.durand")
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("home:index")


def test_account_nav_links_to_the_security_page(client, teacher):
    log_in(client, "m.durand")
    body = client.get(reverse("home:index")).content.decode()
    assert f'<a href="{reverse("accounts:security")}">Sécurité du compte</a>' in body


def test_an_account_waiting_for_activation_costs_a_hash_like_the_others(db, monkeypatch):
    """No timing difference: the dummy hash runs for unknown and not-yet-activated accounts."""
    from lien.accounts import backends

    user = UserFactory()
    user.set_unusable_password()
    user.save()
    hashed = []
    original = backends.get_user_model()
    monkeypatch.setattr(
        original, "set_password", lambda self, raw: hashed.append(raw), raising=True
    )
    assert backends.UsernameOrEmailBackend().authenticate(None, user.username, "x") is None
    assert backends.UsernameOrEmailBackend().authenticate(None, "nobody-here", "y") is None
    assert hashed == ["x", "y"]
