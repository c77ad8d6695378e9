"""A storm of logins: the login pages say "come back in a few seconds", the others still answer."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from lien.ops.login_gate import password_check_slot
from lien.tests.factories import PASSWORD

LOGIN = reverse("accounts:login")
ACTIVATION = reverse("accounts:activation")
BUSY = "Beaucoup de connexions en ce moment : merci de réessayer dans quelques secondes."


@pytest.fixture
def no_slot(login_gate):
    """Every slot taken: concurrency 0."""
    login_gate.LIEN_LOGIN_CONCURRENCY = 0


def test_the_login_form_asks_to_come_back_with_503_and_retry_after(client, cast, no_slot):
    response = client.post(LOGIN, {"username": "a.eleve", "password": PASSWORD})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert BUSY in body
    assert 'value="a.eleve"' in body
    assert PASSWORD not in body
    assert "_auth_user_id" not in client.session


def test_the_next_page_is_kept(client, cast, no_slot):
    response = client.post(
        LOGIN + "?next=/messagerie/", {"username": "a.eleve", "password": PASSWORD}
    )
    assert response.status_code == 503
    assert 'name="next" value="/messagerie/"' in response.content.decode()


def test_a_refused_login_is_no_failure_for_the_lockout(client, cast, no_slot, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(LOGIN, {"username": "a.eleve", "password": "mauvais-mot-de-passe"})
    assert AccessAttempt.objects.count() == 0
    settings.LIEN_LOGIN_CONCURRENCY = 1
    response = client.post(LOGIN, {"username": "a.eleve", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.a.student.user.pk)


def test_a_slot_held_elsewhere_refuses_the_login(client, cast, login_gate):
    with password_check_slot():
        response = client.post(LOGIN, {"username": "a.eleve", "password": PASSWORD})
    assert response.status_code == 503
    assert BUSY in response.content.decode()


def test_a_free_slot_lets_the_login_through(client, cast, login_gate):
    response = client.post(LOGIN, {"username": "a.eleve", "password": PASSWORD})
    assert response.status_code == 302


def test_pages_of_people_already_logged_in_still_answer(client, cast, login, login_gate):
    with password_check_slot():
        assert client.post(LOGIN, {"username": "a.prof", "password": PASSWORD}).status_code == 503
        signed_in = login(cast.a.parent)
        assert signed_in.get(reverse("home:index")).status_code == 200
        assert signed_in.get(reverse("messaging:inbox")).status_code == 200


def test_a_bad_form_is_still_refused_for_what_it_is(client, cast, no_slot):
    response = client.post(LOGIN, {"username": "", "password": ""})
    assert response.status_code == 400
    assert BUSY not in response.content.decode()


def test_the_activation_page_asks_to_come_back_too(client, cast, no_slot):
    response = client.post(ACTIVATION, {"username": "a.eleve", "password": "ABCD-EFGH-JKMN"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert BUSY in body
    assert 'value="a.eleve"' in body
    assert AccessAttempt.objects.count() == 0
