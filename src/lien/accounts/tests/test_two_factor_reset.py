"""two_factor.do_reset and the reset_two_factor command: for someone who lost their phone."""

from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from lien.accounts import two_factor
from lien.accounts.models import User
from lien.core.models import Profile
from lien.tests.factories import PASSWORD, EstablishmentFactory, make_profile

pytest_plugins = ["lien.tests.smtp"]

HOME = reverse("home:index")
LOGIN = reverse("accounts:login")


@pytest.fixture
def member(db):
    """A CPE with two-factor authentication, logged in on a browser."""
    profile = make_profile(
        Profile.Role.STAFF,
        EstablishmentFactory(),
        staff_function=Profile.StaffFunction.SCHOOL_LIFE,
        username="m.durand",
        first_name="Marie",
        last_name="Durand",
        email="marie.durand@example.org",
    )
    TOTPDevice.objects.create(user=profile.user, name="Lien", confirmed=True)
    return profile.user


def state(user) -> tuple[int, int]:
    return TOTPDevice.objects.filter(user=user).count(), User.objects.get(
        pk=user.pk
    ).session_version


def test_it_removes_every_device_and_ends_every_session(member, django_capture_on_commit_callbacks):
    TOTPDevice.objects.create(user=member, name="Lien", confirmed=False)
    browser = Client()
    browser.force_login(member)

    with django_capture_on_commit_callbacks(execute=False):
        assert two_factor.do_reset(member, reset_by="Jean Martin") is True

    assert state(member) == (0, 1)
    assert member.session_version == 1
    assert browser.get(HOME)["Location"].startswith(LOGIN)


def test_the_e_mail_is_sent_after_commit(
    member, smtp_outbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://ent.example.fr"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        two_factor.do_reset(member, reset_by="Jean Martin")
        assert smtp_outbox == []

    assert len(callbacks) == 1
    callbacks[0]()
    [mail] = smtp_outbox
    assert mail.recipients == ["marie.durand@example.org"]
    assert mail.subject.strip() == (
        "La double authentification de votre compte Lien a été désactivée par Jean Martin"
    )
    assert mail.body.startswith(
        "Bonjour Marie Durand,\n\nLa double authentification de votre compte Lien « m.durand » a "
        "été désactivée par Jean Martin, le "
    )
    assert "\nhttps://ent.example.fr/compte/securite/\n" in mail.body
    assert "prévenez tout de suite votre établissement" in mail.body


def test_without_two_factor_nothing_changes(db, smtp_outbox, django_capture_on_commit_callbacks):
    user = make_profile(Profile.Role.STAFF, EstablishmentFactory(), staff_function="librarian").user
    TOTPDevice.objects.create(user=user, name="Lien", confirmed=False)  # set-up never finished

    with django_capture_on_commit_callbacks(execute=True):
        assert two_factor.do_reset(user, reset_by="Jean Martin") is False

    assert state(user) == (1, 0)
    assert smtp_outbox == []


def test_a_failing_mail_server_is_logged_not_raised(
    member, smtp_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        assert two_factor.do_reset(member, reset_by="Jean Martin") is True

    assert state(member) == (0, 1)
    assert f"Could not send the two-factor reset notice to user {member.pk}" in caplog.text


# The command


def run(*args, **options) -> str:
    out = StringIO()
    call_command("reset_two_factor", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_the_command_resets_and_e_mails(member, smtp_outbox, django_capture_on_commit_callbacks):
    browser = Client()
    browser.force_login(member)

    with django_capture_on_commit_callbacks(execute=True):
        out = run("M.Durand")

    assert out == (
        "Double authentification désactivée pour « m.durand » (Marie Durand) ; ses sessions sont "
        "fermées, un e-mail a été envoyé à marie.durand@example.org.\n"
    )
    assert state(member) == (0, 1)
    assert browser.get(HOME).status_code == 302
    [mail] = smtp_outbox
    assert mail.subject.strip().endswith("a été désactivée par l'assistance de l'ENT")
    assert browser.post(LOGIN, {"username": "m.durand", "password": PASSWORD})["Location"] == HOME


def test_the_command_names_who_did_it(member, smtp_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run("m.durand", by="l'assistance de la Région")

    [mail] = smtp_outbox
    assert "désactivée par l'assistance de la Région, le " in mail.body


def test_the_command_says_when_there_is_no_address(
    member, smtp_outbox, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=member.pk).update(email="")

    with django_capture_on_commit_callbacks(execute=True):
        out = run("m.durand")

    assert out.endswith("le compte n'a pas d'adresse e-mail : prévenez la personne.\n")
    assert smtp_outbox == []


def test_an_unknown_username_is_an_error(member):
    with pytest.raises(CommandError, match="Aucun compte n'a l'identifiant « personne »."):
        run("personne")
    assert state(member) == (1, 0)


def test_an_account_without_two_factor_is_an_error(db, smtp_outbox):
    user = make_profile(Profile.Role.TEACHER, EstablishmentFactory(), username="p.leroy").user

    with pytest.raises(CommandError) as failure:
        run("p.leroy")

    assert str(failure.value) == (
        "La double authentification du compte « p.leroy » n'est pas activée : rien n'a été modifié."
    )
    assert state(user) == (0, 0)
    assert smtp_outbox == []


def test_it_exits_with_status_1_on_errors(db, capsys):
    make_profile(Profile.Role.TEACHER, EstablishmentFactory(), username="p.leroy")

    with pytest.raises(SystemExit) as exit_status:
        ManagementUtility(["manage.py", "reset_two_factor", "p.leroy"]).execute()

    # (The command closes the database connection when it ends: no query after it here.)
    assert exit_status.value.code == 1
    assert capsys.readouterr().err == (
        "CommandError: La double authentification du compte « p.leroy » n'est pas activée : "
        "rien n'a été modifié.\n"
    )


def test_the_code_page_tells_who_can_help_after_a_lost_phone(member):
    browser = Client()
    response = browser.post(LOGIN, {"username": "m.durand", "password": PASSWORD})
    assert response["Location"] == reverse("accounts:login-verify")

    body = browser.get(response["Location"]).content.decode()

    assert (
        "Téléphone perdu ou changé ? Demandez à la direction ou à l'administrateur ENT de votre "
        "établissement de réinitialiser votre double authentification" in body
    )
