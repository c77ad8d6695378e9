"""Sessions end after inactivity and after a maximum lifetime, whatever the activity."""

import time

import pytest
from django.urls import reverse

from lien.accounts.middleware import LAST_SEEN_KEY, LOGIN_TIME_KEY
from lien.core.models import Profile
from lien.tests.factories import PASSWORD, EstablishmentFactory, make_profile

HOME = reverse("home:index")
LOGIN = reverse("accounts:login")
EXPIRED = "Votre session a expiré. Merci de vous reconnecter."


@pytest.fixture
def client_in(client, db):
    """A client logged in through the login page, with its first page seen."""
    make_profile(Profile.Role.PARENT, EstablishmentFactory(), username="p.leroy")
    response = client.post(LOGIN, {"username": "p.leroy", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    return client


def set_times(client, *, logged_in_ago: float, last_seen_ago: float) -> None:
    now = time.time()
    session = client.session
    session[LOGIN_TIME_KEY] = now - logged_in_ago
    session[LAST_SEEN_KEY] = now - last_seen_ago
    session.save()


def assert_logged_out_with_message(client, response):
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    page = client.get(LOGIN)
    assert EXPIRED in page.content.decode()
    assert client.get(HOME).status_code == 302


def test_the_first_page_after_login_starts_the_clocks(client_in):
    session = client_in.session
    assert time.time() - session[LOGIN_TIME_KEY] < 5


def test_inactivity_beyond_the_idle_limit_logs_out(client_in):
    set_times(client_in, logged_in_ago=31 * 60, last_seen_ago=31 * 60)
    assert_logged_out_with_message(client_in, client_in.get(HOME))


def test_activity_within_the_idle_window_keeps_the_session(client_in):
    set_times(client_in, logged_in_ago=2 * 3600, last_seen_ago=29 * 60)
    assert client_in.get(HOME).status_code == 200
    # The activity is recorded: the idle clock starts again.
    assert time.time() - client_in.session[LAST_SEEN_KEY] < 5
    assert client_in.get(HOME).status_code == 200


def test_the_absolute_lifetime_ends_even_an_active_session(client_in):
    set_times(client_in, logged_in_ago=12 * 3600 + 60, last_seen_ago=30)
    assert_logged_out_with_message(client_in, client_in.get(HOME))


def test_a_session_just_under_the_lifetime_stays_open(client_in):
    set_times(client_in, logged_in_ago=12 * 3600 - 60, last_seen_ago=30)
    assert client_in.get(HOME).status_code == 200


def test_the_idle_limit_is_configurable(client_in, settings):
    settings.LIEN_SESSION_IDLE_MINUTES = 5
    set_times(client_in, logged_in_ago=6 * 60, last_seen_ago=6 * 60)
    assert_logged_out_with_message(client_in, client_in.get(HOME))


def test_the_lifetime_is_configurable(client_in, settings):
    settings.LIEN_SESSION_MAX_HOURS = 1
    set_times(client_in, logged_in_ago=3600 + 60, last_seen_ago=30)
    assert_logged_out_with_message(client_in, client_in.get(HOME))


def test_an_expired_session_also_ends_on_a_post(client_in):
    set_times(client_in, logged_in_ago=31 * 60, last_seen_ago=31 * 60)
    response = client_in.post(reverse("accounts:logout-everywhere"))
    assert_logged_out_with_message(client_in, response)


def test_the_session_cookie_is_http_only_and_same_site(client, db):
    make_profile(Profile.Role.PARENT, EstablishmentFactory(), username="p.leroy")
    response = client.post(LOGIN, {"username": "p.leroy", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 12 * 3600
