"""The page where everyone chooses how they hear about new messages."""

import pytest
from django.urls import reverse

from lien.messaging.models import NotificationPreference
from lien.tests.world import resolve

URL = reverse("messaging:notification-preferences")
Mode = NotificationPreference.Mode


@pytest.mark.parametrize(
    "who",
    ["a.student", "a.parent", "a.teacher", "a.direction", "a.librarian", "a.tutor", "operator"],
)
def test_every_role_sees_the_default_choice(cast, login, who):
    response = login(resolve(cast, who)).get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == {"mode": Mode.IMMEDIATE, "include_body": False}
    content = response.content.decode()
    assert "Un e-mail à chaque nouveau message" in content
    assert "<legend>Me prévenir par e-mail</legend>" in content


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_choosing_the_digest_with_the_text_is_saved(cast, login):
    client = login(cast.a.parent)
    response = client.post(URL, {"mode": Mode.DAILY_DIGEST, "include_body": "on"}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Vos préférences de notification sont enregistrées." in response.content.decode()
    preference = NotificationPreference.objects.get(user=cast.a.parent.user)
    assert (preference.mode, preference.include_body) == (Mode.DAILY_DIGEST, True)
    assert client.get(URL).context["form"].initial == {
        "mode": Mode.DAILY_DIGEST,
        "include_body": True,
    }


def test_each_person_changes_only_their_own_choice(cast, login):
    login(cast.a.parent).post(URL, {"mode": Mode.NONE})
    login(cast.a.classmate_parent).post(URL, {"mode": Mode.DAILY_DIGEST})
    assert dict(NotificationPreference.objects.values_list("user__username", "mode")) == {
        cast.a.parent.user.username: Mode.NONE,
        cast.a.classmate_parent.user.username: Mode.DAILY_DIGEST,
    }


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choisissez comment être prévenu."),
        ({"mode": "every_hour"}, "Choisissez une des formules proposées."),
    ],
)
def test_a_bad_choice_is_refused_and_nothing_changes(cast, login, data, error):
    client = login(cast.a.parent)
    client.post(URL, {"mode": Mode.NONE})
    response = client.post(URL, data)
    assert response.status_code == 400
    assert response.context["form"].errors == {"mode": [error]}
    assert error in response.content.decode()
    assert NotificationPreference.objects.get(user=cast.a.parent.user).mode == Mode.NONE


def test_a_person_without_an_email_address_is_told(cast, login):
    cast.a.student.user.email = ""
    cast.a.student.user.save(update_fields=["email"])
    response = login(cast.a.student).get(URL)
    assert "Votre compte n'a pas d'adresse e-mail" in response.content.decode()
    response = login(cast.a.parent).get(URL)
    assert "Votre compte n'a pas d'adresse e-mail" not in response.content.decode()
