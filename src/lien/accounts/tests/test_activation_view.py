"""The activation page (/activation/): username and code of a letter, without the login form."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lien.accounts import activation
from lien.accounts.models import ActivationCode
from lien.tests.factories import PASSWORD

URL = reverse("accounts:activation")
CHOOSE = reverse("accounts:activation-password")
LOGIN = reverse("accounts:login")
HOME = reverse("home:index")
NEW_PASSWORD = "Un-mot-de-passe-choisi-9"
WRONG = "Identifiant ou code d&#x27;activation incorrect. Vérifiez la lettre et réessayez."
MALFORMED = (
    "Un code d&#x27;activation compte 12 lettres et chiffres, par exemple ABCD-EFGH-JKMN. "
    "Recopiez-le tel qu&#x27;il figure sur la lettre."
)
EXPIRED = "Ce code d&#x27;activation a expiré."
USED = "Ce code d&#x27;activation a déjà été utilisé."
LOCKED = "Trop de tentatives infructueuses : ce compte est bloqué pendant quelques minutes."


def activate(browser, username, code):
    return browser.post(URL, {"username": username, "password": code})


def failures(username):
    attempt = AccessAttempt.objects.filter(username=username).first()
    return attempt.failures_since_start if attempt else 0


def test_the_page_asks_for_the_username_and_the_code(client, db):
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">Identifiant</label>' in body
    assert '<label for="id_password">Code d&#x27;activation</label>' in body
    assert 'autocomplete="one-time-code"' in body


def test_a_valid_code_leads_to_choosing_a_password(client, pupil, code):
    response = activate(client, "a.eleve", code)
    assert response.status_code == 302
    assert response["Location"] == CHOOSE
    assert "_auth_user_id" not in client.session
    response = client.post(CHOOSE, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == HOME
    pupil.refresh_from_db()
    assert pupil.check_password(NEW_PASSWORD)
    assert pupil.activated_at is not None


def test_an_activated_account_chooses_a_new_password_with_a_new_letter(client, cast):
    user = cast.a.parent.user
    code = activation.do_issue_codes([user])[0].code
    assert activate(client, "a.parent", code)["Location"] == CHOOSE
    client.post(CHOOSE, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)


def test_something_that_cannot_be_a_code_is_explained(client, pupil, code):
    response = activate(client, "a.eleve", "ABCD-EFGH")
    assert response.status_code == 400
    assert MALFORMED in response.content.decode()
    assert failures("a.eleve") == 0


def test_empty_fields_are_explained(client, db):
    response = client.post(URL, {"username": "", "password": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Saisissez l&#x27;identifiant imprimé sur la lettre." in body
    assert "Saisissez le code d&#x27;activation imprimé sur la lettre." in body


def test_a_wrong_code_counts_as_a_failed_login(client, pupil, code):
    response = activate(client, "a.eleve", "ABCD-EFGH-JKMN")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert failures("a.eleve") == 1
    assert activation.PENDING_USER_KEY not in client.session


def test_an_unknown_username_gets_the_same_answer(client, db):
    response = activate(client, "personne.inconnue", "ABCD-EFGH-JKMN")
    assert response.status_code == 400
    assert WRONG in response.content.decode()


def test_wrong_codes_lock_the_account(client, pupil, code):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [activate(client, "a.eleve", "ABCD-EFGH-JKMN").status_code for _ in range(limit)]
    assert statuses == [400] * (limit - 1) + [429]
    response = activate(client, "a.eleve", code)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert activation.PENDING_USER_KEY not in client.session
    on_login_page = Client().post(LOGIN, {"username": "a.eleve", "password": code})
    assert on_login_page.status_code == 429


def test_an_expired_code_is_refused_with_its_message(client, pupil, code):
    ActivationCode.objects.filter(user=pupil).update(expires_at=timezone.now() - timedelta(days=1))
    response = activate(client, "a.eleve", code)
    assert response.status_code == 400
    assert EXPIRED in response.content.decode()
    assert failures("a.eleve") == 0


def test_a_used_code_is_refused_with_its_message(client, pupil, code):
    activate(client, "a.eleve", code)
    client.post(CHOOSE, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = activate(Client(), "a.eleve", code)
    assert response.status_code == 400
    assert USED in response.content.decode()
