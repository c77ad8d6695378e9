"""Known browsers, and the e-mail sent (through a real SMTP server) for a login from a new one."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import dateformat, timezone

from lien.accounts.devices import COOKIE_NAME, COOKIE_SALT, describe_user_agent
from lien.accounts.models import KnownDevice
from lien.core.models import Profile
from lien.tests.factories import PASSWORD, EstablishmentFactory, make_profile

pytest_plugins = ["lien.tests.smtp"]

LOGIN = reverse("accounts:login")
SECURITY = reverse("accounts:security")
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
SUBJECT = "Nouvelle connexion à votre compte Lien"


def browser(user_agent=FIREFOX_WINDOWS) -> Client:
    return Client(headers={"user-agent": user_agent})


def log_in(client, username):
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def token_of(response) -> str:
    """The token inside the cookie, read back the way the application reads it."""
    request = RequestFactory().get("/")
    request.COOKIES[COOKIE_NAME] = response.cookies[COOKIE_NAME].value
    return request.get_signed_cookie(COOKIE_NAME, salt=COOKIE_SALT)


@pytest.fixture
def school(db):
    return EstablishmentFactory()


@pytest.fixture
def parent(school):
    return make_profile(
        Profile.Role.PARENT,
        school,
        username="n.girard",
        email="n.girard@example.org",
        first_name="Nadia",
        last_name="Girard",
    )


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Runs what the request left for after the commit, as the real transaction would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_first_login_sets_a_signed_cookie_and_sends_nothing(parent, smtp_outbox, commit):
    with commit():
        response = log_in(browser(), "n.girard")
    cookie = response.cookies[COOKIE_NAME]
    token = token_of(response)
    assert cookie.value != token
    assert len(token) >= 40
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 400 * 24 * 3600
    device = KnownDevice.objects.get(user=parent.user)
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert device.user_agent == FIREFOX_WINDOWS
    assert smtp_outbox == []


def test_logging_in_again_from_the_same_browser_sends_nothing(parent, smtp_outbox, commit):
    laptop = browser()
    first = log_in(laptop, "n.girard")
    KnownDevice.objects.update(last_seen_at=timezone.now() - timedelta(days=3))
    laptop.post(reverse("accounts:logout"))
    with commit():
        second = log_in(laptop, "n.girard")
    assert token_of(second) == token_of(first)
    device = KnownDevice.objects.get(user=parent.user)
    assert timezone.now() - device.last_seen_at < timedelta(seconds=5)
    assert smtp_outbox == []


def test_a_login_from_a_new_browser_is_notified_by_email(parent, smtp_outbox, commit, settings):
    settings.SITE_URL = "https://ent.example.fr"
    log_in(browser(CHROME_ANDROID), "n.girard")
    with commit():
        log_in(browser(FIREFOX_WINDOWS), "n.girard")

    assert len(smtp_outbox) == 1
    mail = smtp_outbox[0]
    assert mail.recipients == ["n.girard@example.org"]
    assert mail.subject == SUBJECT
    new_device = KnownDevice.objects.get(user=parent.user, user_agent=FIREFOX_WINDOWS)
    when = timezone.localtime(new_device.first_seen_at)
    body = mail.body
    assert "Bonjour Nadia Girard," in body
    assert "votre compte Lien « n.girard »" in body
    assert f"Date : le {dateformat.format(when, 'l j F Y')} à {when:%H:%M}" in body
    assert "Navigateur : Firefox sur Windows" in body
    assert "Changez-le tout de suite" in body
    assert "« Se déconnecter de tous les appareils »" in body
    assert "https://ent.example.fr/compte/securite/" in body
    assert KnownDevice.objects.filter(user=parent.user).count() == 2


def test_the_notice_leaves_only_after_the_commit(
    parent, smtp_outbox, django_capture_on_commit_callbacks
):
    log_in(browser(CHROME_ANDROID), "n.girard")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        log_in(browser(), "n.girard")
    assert smtp_outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [mail.subject for mail in smtp_outbox] == [SUBJECT]


def test_a_user_without_email_is_not_notified(school, smtp_outbox, commit):
    pupil = make_profile(Profile.Role.STUDENT, school, username="t.faure", email="")
    log_in(browser(CHROME_ANDROID), "t.faure")
    with commit():
        log_in(browser(), "t.faure")
    assert smtp_outbox == []
    assert KnownDevice.objects.filter(user=pupil.user).count() == 2


def test_a_mail_server_failure_never_fails_the_login(parent, smtp_down, commit, caplog):
    log_in(browser(CHROME_ANDROID), "n.girard")
    laptop = browser()
    with commit():
        response = log_in(laptop, "n.girard")
    assert response["Location"] == reverse("home:index")
    assert laptop.get(response["Location"]).status_code == 200
    assert KnownDevice.objects.filter(user=parent.user).count() == 2
    assert f"Could not send the new-device notice to user {parent.user.pk}" in caplog.text


def test_a_forged_cookie_counts_as_a_new_browser(parent, smtp_outbox, commit):
    log_in(browser(CHROME_ANDROID), "n.girard")
    known = KnownDevice.objects.get(user=parent.user)
    forger = browser()
    forger.cookies[COOKIE_NAME] = "un-jeton-invente"
    with commit():
        response = log_in(forger, "n.girard")
    assert [mail.subject for mail in smtp_outbox] == [SUBJECT]
    assert token_of(response) != "un-jeton-invente"
    assert KnownDevice.objects.exclude(pk=known.pk).get(user=parent.user).token_hash == (
        hashlib.sha256(token_of(response).encode()).hexdigest()
    )


def test_a_family_computer_is_known_separately_for_each_member(parent, school, smtp_outbox, commit):
    make_profile(Profile.Role.STUDENT, school, username="l.girard", email="l.girard@example.org")
    family = browser()
    first = log_in(family, "n.girard")
    family.post(reverse("accounts:logout"))
    with commit():
        second = log_in(family, "l.girard")  # the pupil's first login ever: no notice
    assert smtp_outbox == []
    assert token_of(second) == token_of(first)
    family.post(reverse("accounts:logout"))
    with commit():
        log_in(family, "n.girard")
    assert smtp_outbox == []
    shared = hashlib.sha256(token_of(first).encode()).hexdigest()
    owners = KnownDevice.objects.filter(token_hash=shared).values_list("user__username", flat=True)
    assert sorted(owners) == ["l.girard", "n.girard"]


def test_a_very_long_user_agent_is_cut(parent):
    log_in(browser("Mozilla/5.0 " + "x" * 500), "n.girard")
    assert len(KnownDevice.objects.get(user=parent.user).user_agent) == 300


# The list on the security page ----------------------------------------------------------------


def test_the_security_page_lists_my_browsers_and_marks_this_one(parent, school):
    make_profile(Profile.Role.PARENT, school, username="autre.parent")
    log_in(browser(CHROME_ANDROID), "n.girard")
    log_in(browser("Mozilla/5.0 (iPhone) Safari/604.1"), "autre.parent")
    laptop = browser()
    log_in(laptop, "n.girard")
    response = laptop.get(SECURITY)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<th scope="row">') == 2
    assert 'Firefox sur Windows</span> <span class="badge badge-ok">cet appareil</span>' in body
    assert "Chrome sur Android</span></th>" in body
    assert "Safari sur iOS" not in body
    assert "Une connexion depuis un nouvel appareil vous est signalée par e-mail." in body


def test_the_security_page_requires_login(client, db):
    response = client.get(SECURITY)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_user_without_email_is_told_that_no_notice_can_be_sent(school, login):
    pupil = make_profile(Profile.Role.STUDENT, school, username="t.faure", email="")
    body = login(pupil).get(SECURITY).content.decode()
    assert "Aucune adresse e-mail n'est enregistrée sur votre compte" in body
    assert "Aucun appareil enregistré pour l'instant." in body


@pytest.mark.parametrize(
    ("user_agent", "description"),
    [
        (FIREFOX_WINDOWS, "Firefox sur Windows"),
        (CHROME_ANDROID, "Chrome sur Android"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge sur Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari sur iOS",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            "Safari sur macOS",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36",
            "Chrome sur ChromeOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox sur Linux",
        ),
        ("Firefox/128.0", "Firefox"),
        ("Mozilla/5.0 (Windows NT 10.0)", "Navigateur sur Windows"),
        ("curl/8.5.0", "Navigateur inconnu"),
        ("", "Navigateur inconnu"),
    ],
)
def test_browsers_are_described_in_french(user_agent, description):
    assert describe_user_agent(user_agent) == description
