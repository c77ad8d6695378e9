"""The seed_scale command builds a consistent large data set, and never twice."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from lien.core.models import (
    Collectivity,
    Enrolment,
    Establishment,
    Group,
    ParentLink,
    Profile,
    SchoolClass,
    TeachingAssignment,
)

Role = Profile.Role
User = get_user_model()


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_scale", stdout=out, verbosity=0, **options)
    return out.getvalue()


@pytest.fixture
def small_scale(db):
    return seed(establishments=2, students=60, seed=7)


def role_count(role) -> int:
    return Profile.objects.filter(role=role).count()


def test_it_creates_the_requested_establishments_and_people(small_scale):
    assert Collectivity.objects.count() == 2
    assert Establishment.objects.count() == 2
    assert role_count(Role.STUDENT) == 60
    assert role_count(Role.TEACHER) == 6  # at least 3 per establishment
    assert role_count(Role.STAFF) == 8  # the 4 functions in each establishment
    assert role_count(Role.OPERATOR) == 2  # one per collectivité
    assert role_count(Role.TUTOR) == 0
    assert User.objects.count() == Profile.objects.count()  # one profile per account


def test_it_mixes_collèges_of_a_département_and_lycées_of_a_région(small_scale):
    rows = Establishment.objects.order_by("uai").values_list(
        "uai", "name", "kind", "collectivity__kind"
    )
    assert list(rows) == [
        ("0990001N", "Collège Victor Hugo", "middle", "department"),
        ("0990002P", "Lycée Jules Ferry", "high", "region"),
    ]
    for establishment in Establishment.objects.all():
        establishment.full_clean()  # the UAIs are well formed


def test_every_pupil_has_one_class_a_group_and_one_or_two_parents(small_scale):
    assert SchoolClass.objects.count() == 2
    assert sorted(SchoolClass.objects.values_list("name", flat=True)) == ["2nde A", "6e A"]
    assert Enrolment.objects.filter(school_year__is_current=True).count() == 60
    assert Group.objects.count() == 4
    assert Group.members.through.objects.count() == 60
    per_pupil = Profile.objects.filter(role=Role.STUDENT).annotate(n=Count("parent_links"))
    assert set(per_pupil.values_list("n", flat=True)) <= {1, 2}
    parents = Profile.objects.filter(role=Role.PARENT)
    assert not parents.filter(child_links=None).exists()
    crossing = ParentLink.objects.exclude(parent__establishment=F("student__establishment"))
    assert not crossing.exists()


def test_each_class_is_taught_every_subject_and_has_a_main_teacher(small_scale):
    # 10 class subjects (12 minus the two languages taught in groups) and the 2 language groups.
    assert TeachingAssignment.objects.filter(school_class__isnull=False).count() == 2 * 10
    assert TeachingAssignment.objects.filter(group__isnull=False).count() == 2 * 2
    assert not SchoolClass.objects.filter(main_teacher=None).exists()


def test_about_two_accounts_in_three_are_activated(small_scale):
    ids = list(User.objects.values_list("pk", flat=True))
    activated = set(User.objects.filter(activated_at__isnull=False).values_list("pk", flat=True))
    assert activated == {pk for pk in ids if pk % 3}


def test_it_prints_the_row_counts(small_scale):
    assert "Données créées en " in small_scale
    assert "élèves" in small_scale
    lines = {line.split()[0]: line.split()[-1] for line in small_scale.splitlines()[1:]}
    assert lines["élèves"] == "60"
    assert lines["enseignants"] == "6"
    assert lines["établissements"] == "2"


def test_running_it_again_creates_nothing(small_scale):
    users = User.objects.count()
    output = seed(establishments=2, students=60)
    assert "déjà présentes (2 établissements" in output
    assert User.objects.count() == users
    assert Establishment.objects.count() == 2


def test_students_are_split_evenly_between_establishments(db):
    seed(establishments=3, students=100, collectivities=1)
    per_school = (
        Profile.objects.filter(role=Role.STUDENT)
        .values_list("establishment__uai")
        .annotate(n=Count("id"))
        .order_by("establishment__uai")
    )
    assert [n for _uai, n in per_school] == [34, 33, 33]
    assert list(Collectivity.objects.values_list("kind", flat=True)) == ["region"]
    # 34 pupils need two classes of at most 30: they are shared 17 and 17.
    sizes = (
        SchoolClass.objects.filter(establishment__uai="0990001N")
        .annotate(n=Count("enrolments"))
        .values_list("name", "n")
    )
    assert sorted(sizes) == [("5e A", 17), ("6e A", 17)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"establishments": 0}, "--establishments doit être compris entre 1 et 9999."),
        (
            {"establishments": 2, "collectivities": 3},
            "--collectivities doit être compris entre 1 et --establishments.",
        ),
        ({"establishments": 5, "students": 4}, "Il faut au moins un élève par établissement"),
    ],
)
def test_it_refuses_impossible_sizes(db, options, message):
    with pytest.raises(CommandError, match=message):
        seed(**options)
    assert Establishment.objects.count() == 0
