"""Password storage (Argon2 in production) and the password change page."""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

import lien.settings as production
from lien.accounts.models import User
from lien.core.models import Profile
from lien.tests.factories import PASSWORD, EstablishmentFactory, make_profile

URL = reverse("accounts:password-change")
LOGIN = reverse("accounts:login")
NEW_PASSWORD = "Un-nouveau-mot-de-passe-42"


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS


def can_log_in(username, password) -> bool:
    response = Client().post(LOGIN, {"username": username, "password": password})
    return response.status_code == 302


def test_production_hashes_passwords_with_argon2():
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_password_hashed_with_production_settings_verifies(production_hashers):
    encoded = make_password("Correct-cheval-batterie-9")
    assert encoded.startswith("argon2$argon2id$")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("Correct-cheval-batterie-9", encoded) is True
    assert check_password("correct-cheval-batterie-9", encoded) is False


def test_a_user_logs_in_with_an_argon2_password(production_hashers, db):
    user = User.objects.create_user("r.garnier", password="Correct-cheval-batterie-9")
    assert user.password.startswith("argon2$")
    assert can_log_in("r.garnier", "Correct-cheval-batterie-9")


def test_an_older_pbkdf2_hash_is_upgraded_to_argon2_at_login(production_hashers, db):
    legacy = make_password("Correct-cheval-batterie-9", hasher="pbkdf2_sha256")
    User.objects.create(username="r.garnier", password=legacy)
    assert can_log_in("r.garnier", "Correct-cheval-batterie-9")
    assert User.objects.get(username="r.garnier").password.startswith("argon2$")


# The password change page --------------------------------------------------------------------


@pytest.fixture
def teacher_client(db):
    make_profile(Profile.Role.TEACHER, EstablishmentFactory(), username="j.roux")
    browser = Client()
    assert browser.post(LOGIN, {"username": "j.roux", "password": PASSWORD}).status_code == 302
    return browser


def change(browser, old=PASSWORD, new=NEW_PASSWORD, confirmation=None):
    return browser.post(
        URL,
        {"old_password": old, "new_password1": new, "new_password2": confirmation or new},
    )


def test_the_page_shows_the_form_in_french(teacher_client):
    response = teacher_client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_old_password">Mot de passe actuel</label>' in body
    assert '<label for="id_new_password1">Nouveau mot de passe</label>' in body
    assert '<label for="id_new_password2">Confirmation du nouveau mot de passe</label>' in body


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_changing_keeps_this_session_and_ends_the_others(teacher_client):
    elsewhere = Client()
    elsewhere.post(LOGIN, {"username": "j.roux", "password": PASSWORD})

    response = change(teacher_client)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:security")
    page = teacher_client.get(response["Location"]).content.decode()
    assert "Votre mot de passe est modifié." in page
    assert teacher_client.get(reverse("home:index")).status_code == 200
    assert elsewhere.get(reverse("home:index")).status_code == 302
    assert can_log_in("j.roux", NEW_PASSWORD)
    assert not can_log_in("j.roux", PASSWORD)


def test_a_wrong_current_password_is_refused(teacher_client):
    response = change(teacher_client, old="pas-le-bon")
    assert response.status_code == 400
    assert "Le mot de passe actuel est incorrect." in response.content.decode()
    assert can_log_in("j.roux", PASSWORD)


def test_two_different_new_passwords_are_refused(teacher_client):
    response = change(teacher_client, confirmation="Un-autre-mot-de-passe-43")
    assert response.status_code == 400
    assert "Les deux mots de passe saisis ne sont pas identiques." in response.content.decode()
    assert can_log_in("j.roux", PASSWORD)


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("court-1", "Ce mot de passe est trop court. Il doit contenir au minimum 10 caractères."),
        ("azertyuiop", "Ce mot de passe est trop courant."),
        ("3141592653589", "Ce mot de passe est entièrement numérique."),
        ("j.roux2024", "Le mot de passe est trop semblable au champ «\xa0nom d’utilisateur\xa0»."),
    ],
)
def test_a_weak_new_password_is_refused_with_the_reason(teacher_client, new_password, message):
    response = change(teacher_client, new=new_password)
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert can_log_in("j.roux", PASSWORD)


def test_empty_fields_are_reported(teacher_client):
    response = teacher_client.post(URL, {})
    assert response.status_code == 400
    assert response.content.decode().count("Ce champ est obligatoire.") == 3
