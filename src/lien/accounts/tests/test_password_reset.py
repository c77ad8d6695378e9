"""Password reset by e-mail, through a real SMTP server."""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from lien.accounts.models import User
from lien.core.models import Profile
from lien.tests.factories import PASSWORD, EstablishmentFactory, UserFactory, make_profile

pytest_plugins = ["lien.tests.smtp"]

URL = reverse("accounts:password-reset")
DONE = reverse("accounts:password-reset-done")
LOGIN = reverse("accounts:login")
NEW_PASSWORD = "Un-nouveau-mot-de-passe-42"
LINK = re.compile(r"^(https?://\S+/mot-de-passe-oublie/\S+/\S+/)$", re.MULTILINE)
GONE = "Ce lien a déjà servi ou a expiré."


@pytest.fixture
def parent(db, settings):
    settings.SITE_URL = "https://ent.example.fr"
    return make_profile(
        Profile.Role.PARENT,
        EstablishmentFactory(),
        username="f.moreau",
        email="f.moreau@example.org",
        first_name="Fanny",
        last_name="Moreau",
    )


def ask_for_link(client, email):
    return client.post(URL, {"email": email})


def link_in(mail) -> str:
    links = LINK.findall(mail.body)
    assert len(links) == 1, mail.body
    return links[0]


def choose_password(client, link, password=NEW_PASSWORD, confirmation=None):
    """Follow the e-mailed link, then post the new password on the page it leads to."""
    landing = client.get(urlparse(link).path)
    assert landing.status_code == 302  # Django hides the token from the address bar
    form_url = landing["Location"]
    return client.post(
        form_url,
        {"new_password1": password, "new_password2": confirmation or password},
    )


def can_log_in(username, password) -> bool:
    response = Client().post(LOGIN, {"username": username, "password": password})
    return response.status_code == 302


def test_the_form_page_is_open_to_visitors(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert "Mot de passe oublié" in response.content.decode()


def test_the_whole_journey_from_the_email_to_the_new_password(client, parent, smtp_outbox):
    response = ask_for_link(client, "F.Moreau@example.org")
    assert response.status_code == 302
    assert response["Location"] == DONE

    assert len(smtp_outbox) == 1
    mail = smtp_outbox[0]
    assert mail.recipients == ["f.moreau@example.org"]
    assert mail.subject == "Lien : choisir un nouveau mot de passe"
    assert "Bonjour Fanny Moreau," in mail.body
    assert "l'identifiant est « f.moreau »" in mail.body
    assert "n'est valable que 2 heures" in mail.body
    link = link_in(mail)
    assert link.startswith("https://ent.example.fr/mot-de-passe-oublie/")

    landing = client.get(urlparse(link).path, follow=True)
    assert landing.status_code == 200
    assert "Choisissez un nouveau mot de passe" in landing.content.decode()

    done = choose_password(Client(), link)
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password-reset-complete")
    assert can_log_in("f.moreau", NEW_PASSWORD)
    assert not can_log_in("f.moreau", PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, parent, smtp_outbox):
    known = ask_for_link(client, "f.moreau@example.org")
    unknown = ask_for_link(client, "inconnu@example.org")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [mail.recipients for mail in smtp_outbox] == [["f.moreau@example.org"]]


def test_the_done_page_does_not_say_whether_the_address_exists(client, db):
    body = client.get(DONE).content.decode()
    assert "Si un compte Lien utilise cette adresse" in body


def test_each_account_sharing_the_address_gets_its_own_link(client, db, smtp_outbox):
    UserFactory(username="parent.lycee", email="famille@example.org")
    UserFactory(username="parent.college", email="famille@example.org")
    ask_for_link(client, "famille@example.org")

    assert len(smtp_outbox) == 2
    by_username = {
        re.search(r"l'identifiant est « (\S+) »", mail.body).group(1): link_in(mail)
        for mail in smtp_outbox
    }
    assert set(by_username) == {"parent.lycee", "parent.college"}
    assert by_username["parent.lycee"] != by_username["parent.college"]

    choose_password(Client(), by_username["parent.college"])
    assert can_log_in("parent.college", NEW_PASSWORD)
    assert can_log_in("parent.lycee", PASSWORD)


def test_a_used_link_gives_a_clear_message(client, parent, smtp_outbox):
    ask_for_link(client, "f.moreau@example.org")
    link = link_in(smtp_outbox[0])
    choose_password(Client(), link)

    again = Client().get(urlparse(link).path)
    assert again.status_code == 200
    body = again.content.decode()
    assert GONE in body
    assert f'href="{URL}"' in body


def test_an_expired_link_gives_a_clear_message(client, parent, smtp_outbox, monkeypatch):
    ask_for_link(client, "f.moreau@example.org")
    link = link_in(smtp_outbox[0])
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(
        PasswordResetTokenGenerator,
        "_now",
        lambda self: real_now(self) + timedelta(hours=2, minutes=1),
    )
    response = Client().get(urlparse(link).path, follow=True)
    assert GONE in response.content.decode()
    assert can_log_in("f.moreau", PASSWORD)


def test_a_tampered_link_gives_a_clear_message(client, parent, smtp_outbox):
    ask_for_link(client, "f.moreau@example.org")
    path = urlparse(link_in(smtp_outbox[0])).path
    tampered = path[:-3] + ("a" if path[-3] != "a" else "b") + path[-2:]
    assert GONE in Client().get(tampered, follow=True).content.decode()


def test_an_invalid_address_is_refused_with_a_clear_message(client, db, smtp_outbox):
    response = ask_for_link(client, "pas-une-adresse")
    assert response.status_code == 400
    assert escape("Cette adresse e-mail n'est pas valide") in response.content.decode()
    assert smtp_outbox == []


def test_an_empty_address_is_refused_with_a_clear_message(client, db):
    response = ask_for_link(client, "")
    assert response.status_code == 400
    assert escape("Saisissez l'adresse e-mail de votre compte.") in response.content.decode()


def test_a_deactivated_account_gets_no_mail(client, parent, smtp_outbox):
    User.objects.filter(username="f.moreau").update(is_active=False)
    response = ask_for_link(client, "f.moreau@example.org")
    assert response["Location"] == DONE
    assert smtp_outbox == []


def test_a_too_short_password_is_refused_and_the_old_one_kept(client, parent, smtp_outbox):
    ask_for_link(client, "f.moreau@example.org")
    response = choose_password(Client(), link_in(smtp_outbox[0]), "court")
    assert response.status_code == 400
    assert "Ce mot de passe est trop court." in response.content.decode()
    assert can_log_in("f.moreau", PASSWORD)


def test_two_different_passwords_are_refused(client, parent, smtp_outbox):
    ask_for_link(client, "f.moreau@example.org")
    response = choose_password(
        Client(), link_in(smtp_outbox[0]), NEW_PASSWORD, "Un-autre-mot-de-passe-43"
    )
    assert response.status_code == 400
    assert "Les deux mots de passe saisis ne sont pas identiques." in response.content.decode()
    assert can_log_in("f.moreau", PASSWORD)


def test_the_reset_ends_sessions_opened_with_the_old_password(client, parent, smtp_outbox):
    elsewhere = Client()
    elsewhere.post(LOGIN, {"username": "f.moreau", "password": PASSWORD})
    assert elsewhere.get(reverse("home:index")).status_code == 200
    ask_for_link(client, "f.moreau@example.org")
    choose_password(Client(), link_in(smtp_outbox[0]))
    assert elsewhere.get(reverse("home:index")).status_code == 302


def test_the_reset_lifts_a_lockout_of_the_account(client, parent, smtp_outbox):
    for _ in range(5):
        Client().post(LOGIN, {"username": "f.moreau", "password": "mauvais-mot-de-passe"})
    assert Client().post(LOGIN, {"username": "f.moreau", "password": PASSWORD}).status_code == 429
    ask_for_link(client, "f.moreau@example.org")
    choose_password(Client(), link_in(smtp_outbox[0]))
    assert can_log_in("f.moreau", NEW_PASSWORD)


def test_a_mail_server_failure_gives_the_same_answer_and_is_logged(
    client, parent, smtp_down, caplog
):
    response = ask_for_link(client, "f.moreau@example.org")
    assert response.status_code == 302
    assert response["Location"] == DONE
    assert "Failed to send password reset email" in caplog.text
