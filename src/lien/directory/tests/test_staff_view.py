"""The staff page: the establishment's staff and their two-factor state, for account managers."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from lien.core.models import Profile
from lien.tests.factories import make_profile

URL = reverse("directory:staff")
PARIS = ZoneInfo("Europe/Paris")


def reset_url(profile) -> str:
    return reverse("directory:staff-two-factor-reset", args=[profile.code])


def row_name(profile) -> str:
    return f"{profile.user.last_name} {profile.user.first_name}"


@pytest.fixture
def school(cast):
    """School A: the CPE uses two-factor authentication and logged in once; the direction too."""
    school = cast.a
    TOTPDevice.objects.create(user=school.school_life.user, name="Lien", confirmed=True)
    TOTPDevice.objects.create(user=school.direction.user, name="Lien", confirmed=True)
    TOTPDevice.objects.create(user=school.librarian.user, name="Lien", confirmed=False)
    school.school_life.user.last_login = datetime(2026, 10, 5, 8, 12, tzinfo=PARIS)
    school.school_life.user.save()
    return school


@pytest.mark.parametrize("who", ["direction", "ent_admin"])
def test_account_managers_see_their_establishments_staff(school, cast, login, who):
    response = login(getattr(school, who)).get(URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<caption>4 membres du personnel</caption>" in body
    for member in (school.direction, school.school_life, school.librarian, school.ent_admin):
        assert row_name(member) in body
    for outsider in (cast.b.direction, cast.c.ent_admin, school.teacher, school.parent):
        assert row_name(outsider) not in body
    assert "<td>Vie scolaire (CPE)</td>" in body
    assert "<td>05/10/2026 à 08:12</td>" in body
    # The viewer's login counts: the direction and the ENT administrator, one never logged in.
    assert body.count("<td>Jamais connecté</td>") == 2


def test_the_reset_link_is_offered_for_others_with_two_factor_only(school, login):
    body = login(school.ent_admin).get(URL).content.decode()

    assert body.count('<span class="badge badge-ok">activée</span>') == 2
    assert f'href="{reset_url(school.school_life)}"' in body
    assert f'href="{reset_url(school.direction)}"' in body
    assert reset_url(school.librarian) not in body  # set-up never finished: not enabled
    assert reset_url(school.ent_admin) not in body
    assert 'Réinitialiser la double authentification<span class="visually-hidden">' in body


def test_ones_own_row_is_marked_and_has_no_reset_link(school, login):
    body = login(school.direction).get(URL).content.decode()

    assert f'{row_name(school.direction)} <span class="muted">(vous)</span></th>' in body
    assert reset_url(school.direction) not in body
    assert f'href="{reset_url(school.school_life)}"' in body


@pytest.mark.parametrize(
    "who", ["school_life", "librarian", "teacher", "parent", "student", "tutor"]
)
def test_other_roles_are_refused(school, login, who):
    assert login(getattr(school, who)).get(URL).status_code == 403


def test_an_operator_is_refused(cast, login):
    assert login(cast.operator).get(URL).status_code == 403


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_number_of_queries_does_not_grow_with_the_staff(cast, login):
    client = login(cast.a.ent_admin)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    client.get(URL)  # the first request of a session also saves the session
    small = count_queries()
    for index in range(6):
        member = make_profile(
            Profile.Role.STAFF,
            cast.a.establishment,
            staff_function=Profile.StaffFunction.SCHOOL_LIFE,
            username=f"a.surveillant{index}",
        )
        TOTPDevice.objects.create(user=member.user, name="Lien", confirmed=True)

    assert count_queries() == small
