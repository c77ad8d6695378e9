"""Lockout after repeated failures (django-axes), counted per account and not per address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.urls import reverse

from lien.core.models import Profile
from lien.tests.factories import PASSWORD, EstablishmentFactory, make_profile

URL = reverse("accounts:login")
LOCKED = "Trop de tentatives infructueuses : ce compte est bloqué pendant quelques minutes."
WRONG = "Identifiant ou mot de passe incorrect."


def log_in(client, username, password=PASSWORD):
    return client.post(URL, {"username": username, "password": password})


def fail(client, username, times):
    return [log_in(client, username, "mauvais-mot-de-passe").status_code for _ in range(times)]


@pytest.fixture
def school(db):
    establishment = EstablishmentFactory()
    return {
        name: make_profile(Profile.Role.STUDENT, establishment, username=name)
        for name in ("l.martin", "c.petit")
    }


def test_five_wrong_passwords_lock_the_account(client, school):
    assert fail(client, "l.martin", 5) == [400, 400, 400, 400, 429]
    response = log_in(client, "l.martin", "mauvais-mot-de-passe")
    assert response.status_code == 429
    body = response.content.decode()
    assert LOCKED in body
    assert WRONG not in body


def test_a_locked_account_refuses_even_the_right_password(client, school):
    fail(client, "l.martin", 5)
    response = log_in(client, "l.martin")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_keeps_the_typed_username(client, school):
    fail(client, "l.martin", 5)
    body = log_in(client, "l.martin").content.decode()
    assert 'value="l.martin"' in body


def test_four_wrong_passwords_do_not_lock(client, school):
    assert fail(client, "l.martin", 4) == [400] * 4
    assert log_in(client, "l.martin").status_code == 302


def test_other_accounts_from_the_same_address_still_log_in(client, school, settings):
    fail(client, "l.martin", 5)
    other = log_in(client, "c.petit")
    assert other.status_code == 302
    assert client.session["_auth_user_id"] == str(school["c.petit"].user.pk)


def test_the_email_counts_on_the_same_account_as_the_username(client, school):
    assert fail(client, "l.martin", 3) == [400] * 3
    assert fail(client, "L.Martin@example.org", 2) == [400, 429]
    assert log_in(client, "l.martin").status_code == 429
    assert log_in(client, "l.martin@example.org").status_code == 429
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["l.martin"]


def test_unknown_accounts_are_locked_like_real_ones(client, db):
    """Locking only real accounts would tell which usernames exist."""
    assert fail(client, "personne.inconnue", 5) == [400, 400, 400, 400, 429]


def test_the_lock_lifts_after_the_cool_off(client, school, settings):
    fail(client, "l.martin", 5)
    cool_off = settings.AXES_COOLOFF_TIME
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - cool_off)
    assert log_in(client, "l.martin").status_code == 302


def test_the_lock_holds_just_before_the_cool_off_ends(client, school, settings):
    fail(client, "l.martin", 5)
    almost = settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - almost)
    assert log_in(client, "l.martin").status_code == 429


def test_resetting_the_account_lifts_the_lock(client, school):
    fail(client, "l.martin", 5)
    assert reset(username="l.martin") == 1
    assert log_in(client, "l.martin").status_code == 302


def test_a_successful_login_forgets_earlier_failures(client, school):
    fail(client, "l.martin", 4)
    assert log_in(client, "l.martin").status_code == 302
    client.post(reverse("accounts:logout"))
    assert fail(client, "l.martin", 4) == [400] * 4
    assert log_in(client, "l.martin").status_code == 302


def test_the_failure_limit_is_configurable(client, school, settings):
    settings.AXES_FAILURE_LIMIT = 2
    assert fail(client, "l.martin", 2) == [400, 429]
