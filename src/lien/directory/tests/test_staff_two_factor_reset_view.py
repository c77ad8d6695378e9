"""Resetting a staff member's two-factor authentication (a lost phone): a confirmation page,
then the POST that removes the devices, logs them out everywhere and e-mails them."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from lien.accounts.models import User
from lien.tests.factories import PASSWORD

pytest_plugins = ["lien.tests.smtp"]

HOME = reverse("home:index")
STAFF = reverse("directory:staff")
LOGIN = reverse("accounts:login")
SUBJECT = "La double authentification de votre compte Lien a été désactivée par {name}"


def url(profile) -> str:
    return reverse("directory:staff-two-factor-reset", args=[profile.code])


def state(profile) -> tuple[int, int]:
    """(the TOTP devices of the account, its session version)."""
    user = User.objects.get(pk=profile.user_id)
    return TOTPDevice.objects.filter(user=user).count(), user.session_version


@pytest.fixture
def cpe(cast):
    """School A's CPE, who lost their phone: two-factor on, logged in on another browser."""
    TOTPDevice.objects.create(user=cast.a.school_life.user, name="Lien", confirmed=True)
    return cast.a.school_life


@pytest.fixture
def cpe_browser(cpe):
    browser = Client()
    browser.force_login(cpe.user)
    assert browser.get(HOME).status_code == 200
    return browser


def test_the_confirmation_page_explains_and_changes_nothing(cast, login, cpe):
    response = login(cast.a.direction).get(url(cpe))

    body = response.content.decode()
    assert response.status_code == 200
    assert cpe.user.get_full_name() in body
    assert "Toutes ses sessions ouvertes" in body
    assert f"Un e-mail l'en informera ({cpe.user.email})." in body
    assert f'<form method="post" action="{url(cpe)}">' in body
    assert "Réinitialiser la double authentification</button>" in body
    assert f'href="{STAFF}"' in body
    assert state(cpe) == (1, 0)


def test_the_reset_logs_them_out_everywhere_and_e_mails_them(
    cast, login, cpe, cpe_browser, smtp_outbox, django_capture_on_commit_callbacks
):
    TOTPDevice.objects.create(user=cpe.user, name="Lien", confirmed=False)
    admin = cast.a.ent_admin.user

    with django_capture_on_commit_callbacks(execute=True):
        response = login(admin).post(url(cpe), follow=True)

    assert response.redirect_chain == [(STAFF, 302)]
    assert (
        f'<p class="message message-success">Double authentification désactivée pour '
        f"{cpe.user.get_full_name()}, dont les sessions sont fermées. Un e-mail "
        "l&#x27;en informe.</p>" in response.content.decode()
    )
    assert state(cpe) == (0, 1)
    stale = cpe_browser.get(HOME)
    assert stale.status_code == 302
    assert stale["Location"].startswith(LOGIN)
    assert login(admin).get(HOME).status_code == 200  # the actor's own session goes on
    [mail] = smtp_outbox
    assert mail.recipients == [cpe.user.email]
    # Python folds the long encoded header after "Subject:", which parses as a leading space.
    assert mail.subject.strip() == SUBJECT.format(name=admin.get_full_name())
    assert f"désactivée par {admin.get_full_name()}, le " in mail.body
    assert "/compte/securite/" in mail.body


def test_after_the_reset_the_password_alone_opens_a_session(
    cast, login, cpe, smtp_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(cast.a.direction).post(url(cpe))
    browser = Client()

    response = browser.post(LOGIN, {"username": cpe.user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == HOME


def test_without_an_address_nobody_is_e_mailed_and_the_page_says_so(
    cast, login, cpe, smtp_outbox, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=cpe.user_id).update(email="")
    page = login(cast.a.direction).get(url(cpe)).content.decode()
    assert "Son compte n'a pas d'adresse e-mail : prévenez cette personne vous-même." in page

    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.a.direction).post(url(cpe), follow=True)

    assert "Son compte n&#x27;a pas d&#x27;adresse e-mail" in response.content.decode()
    assert state(cpe) == (0, 1)
    assert smtp_outbox == []


def test_a_mail_server_down_does_not_undo_the_reset(
    cast, login, cpe, smtp_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.a.direction).post(url(cpe))

    assert response.status_code == 302
    assert state(cpe) == (0, 1)
    assert f"Could not send the two-factor reset notice to user {cpe.user_id}" in caplog.text


def test_a_member_without_two_factor_is_left_alone(
    cast, login, smtp_outbox, django_capture_on_commit_callbacks
):
    librarian = cast.a.librarian
    page = login(cast.a.direction).get(url(librarian)).content.decode()
    assert (
        f"La double authentification n'est pas activée pour {librarian.user.get_full_name()} : "
        "il n'y a rien à réinitialiser." in page
    )
    assert "</button>" not in page.split("<main", 1)[1].split("</main>")[0]

    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.a.direction).post(url(librarian), follow=True)

    assert (
        f"La double authentification n&#x27;est pas activée pour {librarian.user.get_full_name()} "
        ": rien n&#x27;a changé." in response.content.decode()
    )
    assert state(librarian) == (0, 0)
    assert smtp_outbox == []


def test_nobody_resets_their_own(cast, login):
    direction = cast.a.direction
    TOTPDevice.objects.create(user=direction.user, name="Lien", confirmed=True)
    client = login(direction)

    page = client.get(url(direction))
    response = client.post(url(direction))

    assert page.status_code == response.status_code == 403
    assert (
        "Vous ne pouvez pas réinitialiser votre propre double authentification."
        in page.content.decode()
    )
    assert state(direction) == (1, 0)


@pytest.mark.parametrize("who", ["school_life", "librarian", "teacher", "parent", "student"])
def test_other_roles_of_the_establishment_are_refused(cast, login, who):
    target = cast.a.ent_admin
    TOTPDevice.objects.create(user=target.user, name="Lien", confirmed=True)
    client = login(getattr(cast.a, who))

    assert client.get(url(target)).status_code == 403
    assert client.post(url(target)).status_code == 403
    assert state(target) == (1, 0)


def test_the_collectivitys_operator_is_refused(cast, login, cpe):
    assert login(cast.operator).post(url(cpe)).status_code == 403
    assert state(cpe) == (1, 0)


@pytest.mark.parametrize("school", ["b", "c"])
def test_another_establishments_administrators_get_not_found(cast, login, cpe, school):
    for who in ("direction", "ent_admin"):
        client = login(getattr(getattr(cast, school), who))
        assert client.get(url(cpe)).status_code == 404
        assert client.post(url(cpe)).status_code == 404
    assert state(cpe) == (1, 0)


@pytest.mark.parametrize("target", ["teacher", "parent", "student"])
def test_a_profile_that_is_not_staff_is_not_found(cast, login, target):
    profile = getattr(cast.a, target)
    TOTPDevice.objects.create(user=profile.user, name="Lien", confirmed=True)

    assert login(cast.a.direction).post(url(profile)).status_code == 404
    assert state(profile) == (1, 0)


def test_an_unknown_code_is_not_found(cast, login):
    response = login(cast.a.direction).get(
        reverse("directory:staff-two-factor-reset", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404


def test_other_methods_are_refused(cast, login, cpe):
    assert login(cast.a.direction).put(url(cpe)).status_code == 405
    assert state(cpe) == (1, 0)


def test_it_requires_login(client, cpe):
    response = client.post(url(cpe))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert state(cpe) == (1, 0)
