"""The class roster: pupils and parents for the class's teachers, account states for the staff."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lien.core.models import Enrolment, ParentLink, Profile
from lien.directory.models import Contact
from lien.tests.factories import make_profile

PARIS = ZoneInfo("Europe/Paris")


def url(school_class) -> str:
    return reverse("directory:class-roster", args=[school_class.code])


@pytest.fixture
def roster(cast):
    """School A's class 2nde A: one pupil activated and seen, one never activated."""
    school = cast.a
    school.student.user.activated_at = datetime(2026, 9, 2, 18, 0, tzinfo=PARIS)
    school.student.user.last_login = datetime(2026, 9, 5, 8, 12, tzinfo=PARIS)
    school.student.user.save()
    school.classmate.user.activated_at = None
    school.classmate.user.save()
    Contact.objects.create(profile=school.parent, phone="06 12 34 56 78")
    return school


def name(profile) -> str:
    return f"{profile.user.last_name} {profile.user.first_name}"


@pytest.mark.parametrize("who", ["direction", "school_life", "librarian", "ent_admin"])
def test_staff_see_pupils_parents_and_their_account_states(roster, login, who):
    response = login(getattr(roster, who)).get(url(roster.class_a))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Classe de 2nde A</h1>" in body
    assert f'<th scope="row">{name(roster.student)}</th>' in body
    assert f'<th scope="row">{name(roster.classmate)}</th>' in body
    assert name(roster.other_class_student) not in body
    assert name(roster.sibling) not in body
    assert name(roster.parent) in body
    assert name(roster.classmate_parent) in body
    assert "Activé le 02/09/2026" in body
    assert "Dernière connexion le 05/09/2026 à 08:12" in body
    assert body.count("Non activé") == 1  # the classmate
    assert body.count("Jamais connecté") == 3  # the classmate and both parents
    assert "Tél. 06 12 34 56 78" in body
    assert "2 élèves" in body


def test_pupils_are_listed_by_name_with_legal_guardians_first(roster, login):
    other_parent = make_profile(Profile.Role.PARENT, roster.establishment, last_name="Aaron")
    ParentLink.objects.create(parent=other_parent, student=roster.student, is_legal_guardian=False)

    body = login(roster.direction).get(url(roster.class_a)).content.decode()

    pupils = sorted(
        [roster.student, roster.classmate], key=lambda p: (p.user.last_name, p.user.first_name)
    )
    assert body.index(name(pupils[0])) < body.index(name(pupils[1]))
    assert body.index(name(roster.parent)) < body.index(name(other_parent))


@pytest.mark.parametrize("who", ["teacher", "group_teacher"])
def test_teachers_of_the_class_see_names_only(roster, login, who):
    response = login(getattr(roster, who)).get(url(roster.class_a))

    body = response.content.decode()
    assert response.status_code == 200
    assert name(roster.student) in body
    assert name(roster.parent) in body
    assert "Compte de l" not in body
    assert "Activé le" not in body
    assert "Non activé" not in body
    assert "Jamais connecté" not in body
    assert "06 12 34 56 78" not in body


@pytest.mark.parametrize("who", ["other_teacher", "student", "parent", "classmate_parent", "tutor"])
def test_others_of_the_establishment_are_refused(roster, login, who):
    assert login(getattr(roster, who)).get(url(roster.class_a)).status_code == 403


def test_the_collectivitys_operator_is_refused(cast, login):
    assert login(cast.operator).get(url(cast.a.class_a)).status_code == 403


@pytest.mark.parametrize("who", ["b.direction", "b.teacher", "c.ent_admin", "other_operator"])
def test_other_establishments_get_not_found(cast, login, who):
    profile = cast
    for part in who.split("."):
        profile = getattr(profile, part)
    assert login(profile).get(url(cast.a.class_a)).status_code == 404


def test_an_unknown_class_is_not_found(cast, login):
    response = login(cast.a.direction).get(
        reverse("directory:class-roster", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404


def test_it_requires_login(client, cast):
    response = client.get(url(cast.a.class_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_empty_class_says_so(cast, login):
    Enrolment.objects.filter(school_class=cast.a.class_a).delete()

    body = login(cast.a.direction).get(url(cast.a.class_a)).content.decode()

    assert "Aucun élève n'est inscrit dans cette classe." in body


def add_pupils(school, count: int) -> None:
    for _ in range(count):
        pupil = make_profile(Profile.Role.STUDENT, school.establishment)
        Enrolment.objects.create(
            student=pupil, school_class=school.class_a, school_year=school.year
        )
        for _parent in range(2):
            parent = make_profile(Profile.Role.PARENT, school.establishment)
            ParentLink.objects.create(parent=parent, student=pupil)
            Contact.objects.create(profile=parent, phone="0600000000")


def test_the_query_count_does_not_grow_with_the_class(roster, login):
    client = login(roster.direction)
    for _warm in range(2):  # the session, then the CSRF cookie and the cached header
        client.get(url(roster.class_a))

    def count_queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url(roster.class_a)).content.decode()
        return len(queries.captured_queries), body

    two_pupils, body = count_queries()
    assert body.count('<th scope="row">') == 2
    add_pupils(roster, 6)
    eight_pupils, body = count_queries()
    assert body.count('<th scope="row">') == 8
    assert eight_pupils == two_pupils
    # The session and user, the class, the policy checks, the enrolments, the parent links
    # and the active profile: a dozen at most, whatever the class.
    assert two_pupils <= 13


@pytest.mark.parametrize(
    ("who", "shows_link"),
    [("direction", True), ("ent_admin", True), ("school_life", False), ("teacher", False)],
)
def test_the_activation_letters_link_is_offered_to_account_managers_only(
    roster, login, who, shows_link
):
    letters_url = reverse("accounts:activation-letters", args=[roster.class_a.code])
    body = login(getattr(roster, who)).get(url(roster.class_a)).content.decode()
    assert (letters_url in body) is shows_link
