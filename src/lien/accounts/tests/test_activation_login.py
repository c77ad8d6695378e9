"""The first login with an activation code on the login page, and choosing the password."""

import time
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lien.accounts import activation
from lien.accounts.activation import CodeState
from lien.accounts.models import ActivationCode
from lien.tests.factories import PASSWORD

LOGIN = reverse("accounts:login")
CHOOSE = reverse("accounts:activation-password")
ACTIVATION = reverse("accounts:activation")
HOME = reverse("home:index")
NEW_PASSWORD = "Un-mot-de-passe-choisi-9"
EXPIRED = (
    "Ce code d&#x27;activation a expiré. Demandez une nouvelle lettre au secrétariat de "
    "l&#x27;établissement."
)
USED = (
    "Ce code d&#x27;activation a déjà été utilisé. Connectez-vous avec le mot de passe que vous "
    "avez choisi, ou utilisez « Mot de passe oublié »."
)
REVOKED = (
    "Ce code d&#x27;activation a été remplacé par celui d&#x27;une lettre plus récente. "
    "Utilisez le code de la dernière lettre reçue."
)
WRONG = "Identifiant ou mot de passe incorrect. Vérifiez les majuscules et réessayez."
LOCKED = "Trop de tentatives infructueuses : ce compte est bloqué pendant quelques minutes."


def log_in(browser, username, password):
    return browser.post(LOGIN, {"username": username, "password": password})


def choose(browser, password=NEW_PASSWORD, confirmation=None):
    return browser.post(
        CHOOSE, {"new_password1": password, "new_password2": confirmation or password}
    )


def stored_code(user):
    return ActivationCode.objects.get(user=user, revoked_at__isnull=True)


def failures(username):
    attempt = AccessAttempt.objects.filter(username=username).first()
    return attempt.failures_since_start if attempt else 0


def test_the_code_leads_to_choosing_a_password_without_logging_in(client, pupil, code):
    response = log_in(client, "a.eleve", code)
    assert response.status_code == 302
    assert response["Location"] == CHOOSE
    assert "_auth_user_id" not in client.session
    page = client.get(CHOOSE)
    body = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Choisissez votre mot de passe</h1>" in body
    assert "<strong>a.eleve</strong>" in body
    assert stored_code(pupil).used_at is None


def test_choosing_the_password_activates_the_account_and_logs_in(client, pupil, code):
    log_in(client, "a.eleve", code)
    response = choose(client)
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.session["_auth_user_id"] == str(pupil.pk)
    pupil.refresh_from_db()
    used = stored_code(pupil)
    assert pupil.check_password(NEW_PASSWORD)
    assert pupil.activated_at == used.used_at
    assert activation.code_state(used) is CodeState.USED
    body = client.get(HOME).content.decode()
    assert "Bienvenue ! Votre compte est activé et votre mot de passe enregistré." in body


def test_the_chosen_password_then_opens_the_account(client, pupil, code):
    log_in(client, "a.eleve", code)
    choose(client)
    later = log_in(Client(), "a.eleve", NEW_PASSWORD)
    assert later.status_code == 302
    assert later["Location"] == HOME


def test_the_code_is_accepted_in_lower_case_with_spaces(client, pupil, code):
    typed = code.lower().replace("-", " ")
    response = log_in(client, "a.eleve", typed)
    assert response["Location"] == CHOOSE


def test_the_code_is_accepted_with_the_email_address_as_identifier(client, pupil, code):
    response = log_in(client, "a.eleve@example.org", code)
    assert response["Location"] == CHOOSE


def test_a_used_code_is_refused_with_its_message(client, pupil, code):
    log_in(client, "a.eleve", code)
    choose(client)
    again = Client()
    response = log_in(again, "a.eleve", code)
    body = response.content.decode()
    assert response.status_code == 400
    assert USED in body
    assert WRONG not in body
    assert "_auth_user_id" not in again.session
    assert again.get(CHOOSE)["Location"] == ACTIVATION


def test_an_expired_code_is_refused_with_its_message(client, pupil, code):
    ActivationCode.objects.filter(user=pupil).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = log_in(client, "a.eleve", code)
    assert response.status_code == 400
    assert EXPIRED in response.content.decode()
    assert activation.PENDING_USER_KEY not in client.session


def test_a_code_replaced_by_a_newer_letter_is_refused_with_its_message(client, pupil, code):
    newer = activation.do_issue_codes([pupil])[0].code
    response = log_in(client, "a.eleve", code)
    assert response.status_code == 400
    assert REVOKED in response.content.decode()
    assert log_in(Client(), "a.eleve", newer)["Location"] == CHOOSE


def test_a_wrong_code_is_a_failed_login(client, pupil, code):
    response = log_in(client, "a.eleve", "ABCD-EFGH-JKMN")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert failures("a.eleve") == 1
    assert stored_code(pupil).used_at is None


def test_another_accounts_code_is_a_wrong_code(client, cast, pupil, code):
    response = log_in(client, "a.camarade", code)
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert failures("a.camarade") == 1


def test_wrong_codes_lock_the_account_at_the_failure_limit(client, pupil, code):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [log_in(client, "a.eleve", "ABCD-EFGH-JKMN").status_code for _ in range(limit)]
    assert statuses == [400] * (limit - 1) + [429]
    response = log_in(client, "a.eleve", code)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert activation.PENDING_USER_KEY not in client.session
    assert stored_code(pupil).used_at is None


def test_a_valid_code_does_not_count_as_a_failure(client, pupil, code):
    log_in(client, "a.eleve", "ABCD-EFGH-JKMN")
    log_in(client, "a.eleve", code)
    assert failures("a.eleve") == 1


def test_a_deactivated_account_cannot_use_its_code(client, pupil, code):
    pupil.is_active = False
    pupil.save()
    response = log_in(client, "a.eleve", code)
    assert response.status_code == 400
    assert WRONG in response.content.decode()


def test_a_password_shaped_like_a_code_still_logs_in(client, cast):
    user = cast.a.classmate.user
    user.set_password("QRST-UVWX-YZ23")
    user.save()
    activation.do_issue_codes([user])
    response = log_in(client, "a.camarade", "QRST-UVWX-YZ23")
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_a_too_short_password_is_refused_and_the_code_stays_valid(client, pupil, code):
    log_in(client, "a.eleve", code)
    response = choose(client, "court")
    body = response.content.decode()
    assert response.status_code == 400
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 10 caractères." in body
    pupil.refresh_from_db()
    assert not pupil.has_usable_password()
    assert stored_code(pupil).used_at is None
    assert choose(client)["Location"] == HOME


def test_two_different_passwords_are_refused(client, pupil, code):
    log_in(client, "a.eleve", code)
    response = choose(client, NEW_PASSWORD, "Un-autre-mot-de-passe-9")
    assert response.status_code == 400
    assert "Les deux mots de passe saisis ne sont pas identiques." in response.content.decode()
    assert stored_code(pupil).used_at is None


def test_the_password_page_needs_a_code_first(client, pupil):
    response = client.get(CHOOSE, follow=True)
    assert response.redirect_chain == [(ACTIVATION, 302)]
    assert "Saisissez d&#x27;abord votre identifiant et le code d&#x27;activation" in (
        response.content.decode()
    )


def test_a_pending_activation_lasts_fifteen_minutes(client, pupil, code):
    log_in(client, "a.eleve", code)
    session = client.session
    session[activation.PENDING_SINCE_KEY] = time.time() - 15 * 60 - 1
    session.save()
    response = choose(client)
    assert response["Location"] == ACTIVATION
    pupil.refresh_from_db()
    assert not pupil.has_usable_password()
    assert stored_code(pupil).used_at is None


def test_a_code_replaced_while_choosing_the_password_is_refused(client, pupil, code):
    log_in(client, "a.eleve", code)
    activation.do_issue_codes([pupil])
    response = choose(client)
    assert response["Location"] == LOGIN
    assert REVOKED in client.get(LOGIN).content.decode()
    pupil.refresh_from_db()
    assert not pupil.has_usable_password()
    assert "_auth_user_id" not in client.session


def test_the_page_asked_for_before_logging_in_is_reached_after_activation(client, pupil, code):
    client.post(LOGIN + "?next=/accueil/?enfant=1", {"username": "a.eleve", "password": code})
    assert choose(client)["Location"] == "/accueil/?enfant=1"


def test_a_new_letter_lets_an_activated_account_choose_a_new_password(client, cast):
    user = cast.a.parent.user
    first_activation = user.activated_at
    code = activation.do_issue_codes([user])[0].code
    assert log_in(client, "a.parent", code)["Location"] == CHOOSE
    assert choose(client)["Location"] == HOME
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    assert user.activated_at == first_activation
    assert "Votre nouveau mot de passe est enregistré." in client.get(HOME).content.decode()


def test_a_new_letter_does_not_skip_the_second_factor(client, cast):
    user = cast.a.direction.user
    TOTPDevice.objects.create(user=user, name="Lien", confirmed=True)
    code = activation.do_issue_codes([user])[0].code
    log_in(client, "a.direction", code)
    response = choose(client)
    assert response["Location"] == reverse("accounts:login-verify")
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_login_page_links_to_the_activation_page(client, db):
    body = client.get(LOGIN).content.decode()
    assert f'<a href="{ACTIVATION}">Activer mon compte avec une lettre</a>' in body
