"""Two-factor authentication (TOTP) for staff: set-up, login with a code, lockout, removal."""

import base64
import re
import time
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lien.accounts import two_factor
from lien.accounts.devices import COOKIE_NAME
from lien.accounts.models import User
from lien.tests.factories import PASSWORD

ENABLE = reverse("accounts:two-factor-enable")
DISABLE = reverse("accounts:two-factor-disable")
VERIFY = reverse("accounts:login-verify")
LOGIN = reverse("accounts:login")
HOME = reverse("home:index")
SECURITY = reverse("accounts:security")
WRONG_CODE = "Code incorrect ou expiré."
LOCKED = "Trop de tentatives infructueuses : ce compte est bloqué"


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    """The code the application shows now; `offset` gives a wrong one."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{(value + offset) % 10**6:06d}"


def wrong_code(device: TOTPDevice) -> str:
    return code_for(device, offset=500_000)


def forget_throttling(device: TOTPDevice) -> None:
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )


def log_in(browser, username, password=PASSWORD, **data):
    return browser.post(LOGIN, {"username": username, "password": password, **data})


@pytest.fixture
def direction(cast):
    return cast.a.direction


@pytest.fixture
def device(direction):
    """A confirmed device of the direction's account."""
    return TOTPDevice.objects.create(user=direction.user, name="Lien", confirmed=True)


@pytest.fixture
def pending(device, client):
    """A client that typed the right password and now has to give the code."""
    response = log_in(client, "a.direction")
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    return client


# Setting up -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["direction", "school_life", "librarian", "ent_admin"])
def test_staff_see_the_secret_and_a_qr_code(cast, login, who):
    user = getattr(cast.a, who).user
    response = login(user).get(ENABLE)
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    body = response.content.decode()
    assert two_factor.secret_for_display(device) in body
    data_uri = re.search(r'<img class="qr-code" src="(data:image/svg\+xml;base64,[^"]+)"', body)
    svg = base64.b64decode(data_uri.group(1).split(",", 1)[1]).decode()
    assert svg.startswith("<?xml") or svg.startswith("<svg")
    assert "<path" in svg
    assert "<script" not in svg
    assert 'alt="QR code contenant la clé secrète' in unescape(body)
    assert '<label for="id_code">Code à 6 chiffres</label>' in body


def test_the_qr_code_holds_the_otpauth_address_with_the_issuer(direction):
    device = two_factor.unconfirmed_device(direction.user)
    assert device.config_url.startswith("otpauth://totp/Lien%3Aa.direction?secret=")
    assert device.config_url.endswith("&issuer=Lien")


def test_reloading_the_page_keeps_the_same_secret(login, direction):
    browser = login(direction)
    first = browser.get(ENABLE).content
    second = browser.get(ENABLE).content
    assert TOTPDevice.objects.filter(user=direction.user).count() == 1
    secret = two_factor.secret_for_display(TOTPDevice.objects.get(user=direction.user))
    assert secret.encode() in first and secret.encode() in second


@pytest.mark.parametrize(
    "who",
    ["a.teacher", "a.student", "a.parent", "a.tutor", "operator", "b.teacher"],
)
def test_other_roles_are_refused_and_nothing_is_created(cast, login, who):
    profile = cast
    for attribute in who.split("."):
        profile = getattr(profile, attribute)
    browser = login(profile)
    for response in (browser.get(ENABLE), browser.post(ENABLE, {"code": "123456"})):
        assert response.status_code == 403
        assert "La double authentification est proposée aux comptes du personnel" in (
            unescape(response.content.decode())
        )
    assert not TOTPDevice.objects.filter(user=profile.user).exists()


def test_a_user_without_profile_is_refused(login, db):
    user = User.objects.create_user("sans.profil", password=PASSWORD)
    assert login(user).get(ENABLE).status_code == 403
    assert not TOTPDevice.objects.exists()


def test_set_up_requires_login(client, db):
    response = client.get(ENABLE)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_an_unconfirmed_device_does_not_change_the_login(client, login, direction):
    login(direction).get(ENABLE)
    client.logout()
    response = log_in(Client(), "a.direction")
    assert response["Location"] == HOME


def test_the_right_code_activates_two_factor(login, direction):
    browser = login(direction)
    browser.get(ENABLE)
    device = TOTPDevice.objects.get(user=direction.user)
    response = browser.post(ENABLE, {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == SECURITY
    device.refresh_from_db()
    assert device.confirmed is True
    assert browser.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    page = browser.get(SECURITY).content.decode()
    assert "La double authentification est activée" in page
    assert "Désactiver la double authentification" in page


def test_a_code_with_spaces_is_accepted(login, direction):
    browser = login(direction)
    browser.get(ENABLE)
    device = TOTPDevice.objects.get(user=direction.user)
    code = code_for(device)
    assert browser.post(ENABLE, {"code": f" {code[:3]} {code[3:]} "}).status_code == 302
    assert TOTPDevice.objects.get(user=direction.user).confirmed is True


def test_a_wrong_code_leaves_two_factor_off(login, direction):
    browser = login(direction)
    browser.get(ENABLE)
    device = TOTPDevice.objects.get(user=direction.user)
    response = browser.post(ENABLE, {"code": wrong_code(device)})
    assert response.status_code == 400
    assert WRONG_CODE in response.content.decode()
    assert TOTPDevice.objects.get(user=direction.user).confirmed is False


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", ""])
def test_a_malformed_code_is_explained(login, direction, code):
    browser = login(direction)
    response = browser.post(ENABLE, {"code": code})
    assert response.status_code == 400
    expected = (
        "Saisissez le code affiché par votre application."
        if code == ""
        else "Le code compte exactement 6 chiffres."
    )
    assert escape(expected) in response.content.decode()
    assert TOTPDevice.objects.get(user=direction.user).confirmed is False


def test_codes_typed_too_fast_after_a_wrong_one_are_refused_with_a_reason(login, direction):
    browser = login(direction)
    browser.get(ENABLE)
    device = TOTPDevice.objects.get(user=direction.user)
    browser.post(ENABLE, {"code": wrong_code(device)})
    response = browser.post(ENABLE, {"code": code_for(device)})
    assert response.status_code == 400
    assert escape("Trop d'essais rapprochés") in response.content.decode()
    assert TOTPDevice.objects.get(user=direction.user).confirmed is False


def test_setting_up_again_once_active_goes_back_to_the_security_page(login, device, direction):
    response = login(direction).get(ENABLE)
    assert response.status_code == 302
    assert response["Location"] == SECURITY
    assert TOTPDevice.objects.filter(user=direction.user).count() == 1


# Logging in with a code -----------------------------------------------------------------------


def test_the_right_password_alone_does_not_open_the_session(pending):
    assert "_auth_user_id" not in pending.session
    response = pending.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_code_page_asks_for_the_code(pending):
    response = pending.get(VERIFY)
    assert response.status_code == 200
    assert '<label for="id_code">Code à 6 chiffres</label>' in response.content.decode()


def test_the_right_code_opens_the_session(pending, device, direction):
    response = pending.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert pending.session["_auth_user_id"] == str(direction.user.pk)
    assert pending.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert two_factor.PENDING_USER_KEY not in pending.session
    assert pending.get(HOME).status_code == 200
    assert COOKIE_NAME in response.cookies


def test_the_next_address_survives_the_code_step(client, device):
    log_in(client, "a.direction", next=SECURITY)
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response["Location"] == SECURITY


def test_a_wrong_code_keeps_the_session_closed(pending, device):
    response = pending.post(VERIFY, {"code": wrong_code(device)})
    assert response.status_code == 400
    assert WRONG_CODE in response.content.decode()
    assert "_auth_user_id" not in pending.session


def test_a_code_cannot_be_used_twice(pending, device):
    code = code_for(device)
    assert pending.post(VERIFY, {"code": code}).status_code == 302
    again = Client()
    log_in(again, "a.direction")
    response = again.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert "_auth_user_id" not in again.session


def test_wrong_codes_count_toward_the_lockout(pending, device):
    statuses = []
    for _ in range(5):
        forget_throttling(device)
        statuses.append(pending.post(VERIFY, {"code": wrong_code(device)}).status_code)
    assert statuses == [400, 400, 400, 400, 429]
    locked = log_in(Client(), "a.direction")
    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()


def test_wrong_passwords_and_wrong_codes_add_up(client, device):
    for _ in range(3):
        log_in(Client(), "a.direction", "mauvais-mot-de-passe")
    log_in(client, "a.direction")
    assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 400
    forget_throttling(device)
    assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_locked_account_refuses_even_the_right_code(pending, device):
    for _ in range(5):
        log_in(Client(), "a.direction", "mauvais-mot-de-passe")
    response = pending.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 429
    assert "_auth_user_id" not in pending.session
    assert two_factor.PENDING_USER_KEY not in pending.session


def test_the_code_page_without_a_password_sends_back_to_login(client, db):
    response = client.get(VERIFY, follow=True)
    assert response.redirect_chain == [(LOGIN, 302)]
    assert "La vérification a expiré." in response.content.decode()


def test_a_late_code_is_refused_and_the_password_asked_again(pending, device):
    session = pending.session
    session[two_factor.PENDING_SINCE_KEY] = time.time() - two_factor.PENDING_SECONDS - 1
    session.save()
    response = pending.post(VERIFY, {"code": code_for(device)}, follow=True)
    assert response.redirect_chain == [(LOGIN, 302)]
    assert "La vérification a expiré." in response.content.decode()
    assert "_auth_user_id" not in pending.session


def test_a_deactivated_account_cannot_finish_with_a_code(pending, device, direction):
    User.objects.filter(pk=direction.user.pk).update(is_active=False)
    response = pending.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in pending.session


# Turning it off -------------------------------------------------------------------------------


def test_the_right_code_turns_two_factor_off(login, device, direction):
    browser = login(direction)
    response = browser.post(DISABLE, {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == SECURITY
    assert not TOTPDevice.objects.filter(user=direction.user).exists()
    assert "La double authentification est désactivée." in browser.get(SECURITY).content.decode()
    assert log_in(Client(), "a.direction")["Location"] == HOME


def test_a_wrong_code_keeps_two_factor_on(login, device, direction):
    response = login(direction).post(DISABLE, {"code": wrong_code(device)})
    assert response.status_code == 400
    assert WRONG_CODE in response.content.decode()
    assert TOTPDevice.objects.filter(user=direction.user, confirmed=True).count() == 1


def test_turning_off_requires_post_and_login(client, device, login, direction):
    assert client.post(DISABLE, {"code": code_for(device)})["Location"].startswith(LOGIN)
    assert login(direction).get(DISABLE).status_code == 405
    assert TOTPDevice.objects.filter(user=direction.user).count() == 1


def test_turning_off_when_it_is_off_says_so(login, direction):
    response = login(direction).post(DISABLE, {"code": "123456"}, follow=True)
    assert "La double authentification n&#x27;est pas activée" in response.content.decode()


def test_a_colleagues_code_does_not_turn_mine_off(login, device, cast):
    other = TOTPDevice.objects.create(user=cast.a.ent_admin.user, name="Lien", confirmed=True)
    response = login(cast.a.direction).post(DISABLE, {"code": code_for(other)})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=cast.a.direction.user).count() == 1


# The security page ----------------------------------------------------------------------------


def test_the_security_page_offers_two_factor_to_staff_only(cast, login):
    staff_page = login(cast.a.school_life).get(SECURITY).content.decode()
    assert "Activer la double authentification" in staff_page
    teacher_page = login(cast.a.teacher).get(SECURITY).content.decode()
    assert "Double authentification" not in teacher_page
