"""« Se déconnecter de tous les appareils » ends every other session of the account."""

import pytest
from django.test import Client
from django.urls import reverse

from lien.accounts.models import User
from lien.core.models import Profile
from lien.tests.factories import PASSWORD, EstablishmentFactory, make_profile

URL = reverse("accounts:logout-everywhere")
HOME = reverse("home:index")


def logged_in_client(username) -> Client:
    browser = Client()
    response = browser.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return browser


@pytest.fixture
def accounts(db):
    establishment = EstablishmentFactory()
    make_profile(Profile.Role.TEACHER, establishment, username="s.blanc")
    make_profile(Profile.Role.TEACHER, establishment, username="a.noir")


def test_other_sessions_of_the_account_end_and_this_one_stays(accounts):
    laptop = logged_in_client("s.blanc")
    phone = logged_in_client("s.blanc")
    assert phone.get(HOME).status_code == 200

    response = laptop.post(URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:security")
    page = laptop.get(response["Location"])
    assert page.status_code == 200
    assert "Vos sessions sur tous les autres appareils sont fermées." in page.content.decode()
    assert laptop.get(HOME).status_code == 200
    stale = phone.get(HOME)
    assert stale.status_code == 302
    assert stale["Location"].startswith(reverse("accounts:login"))
    assert User.objects.get(username="s.blanc").session_version == 1


def test_the_ended_session_can_log_in_again(accounts):
    laptop = logged_in_client("s.blanc")
    phone = logged_in_client("s.blanc")
    laptop.post(URL)
    phone.post(reverse("accounts:login"), {"username": "s.blanc", "password": PASSWORD})
    assert phone.get(HOME).status_code == 200
    assert laptop.get(HOME).status_code == 200


def test_other_accounts_keep_their_sessions(accounts):
    mine = logged_in_client("s.blanc")
    colleague = logged_in_client("a.noir")
    mine.post(URL)
    assert colleague.get(HOME).status_code == 200
    assert User.objects.get(username="a.noir").session_version == 0


def test_it_rejects_get(accounts):
    browser = logged_in_client("s.blanc")
    other = logged_in_client("s.blanc")
    assert browser.get(URL).status_code == 405
    assert other.get(HOME).status_code == 200
    assert User.objects.get(username="s.blanc").session_version == 0


def test_it_requires_login(client, accounts):
    other = logged_in_client("s.blanc")
    response = client.post(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert other.get(HOME).status_code == 200
    assert User.objects.get(username="s.blanc").session_version == 0


def test_a_user_without_profile_can_log_out_everywhere(db):
    User.objects.create_user("sans.profil", password=PASSWORD)
    laptop = logged_in_client("sans.profil")
    phone = logged_in_client("sans.profil")
    assert laptop.post(URL).status_code == 302
    assert phone.get(HOME).status_code == 302
    assert laptop.get(HOME).status_code == 200
