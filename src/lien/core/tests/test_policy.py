"""The permission matrix: every role against own data, own child, another family, another class,
another establishment of the same collectivité and another collectivité.

Actors and targets are named after the `cast` fixture: "a.parent" is the parent of school A,
"b.student" the pupil of school B (same collectivité as A), "c.student" the pupil of school C
(another collectivité). Special actors: "anonymous", "no_profile" (an account without any
profile) and "inactive <name>" (that person's account, deactivated).

School A also has a previous school year (see `world`): last year, a.other_class_student (now in
2nde B) was in a.teacher's class and in a.group_teacher's group. That must grant nothing now.
"""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser

from lien.core import policy
from lien.core.models import (
    Enrolment,
    Group,
    ParentLink,
    Profile,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
    TutorLink,
)
from lien.tests.factories import UserFactory, make_profile

Role = Profile.Role


@pytest.fixture
def world(cast):
    """The cast, plus a past school year in school A and a teacher who is only a main teacher."""
    a = cast.a
    a.past_year = SchoolYear.objects.create(
        establishment=a.establishment,
        name="2025-2026",
        starts_on=date(2025, 9, 1),
        ends_on=date(2026, 7, 4),
        is_current=False,
    )
    a.past_class = SchoolClass.objects.create(
        establishment=a.establishment, school_year=a.past_year, name="3e A", main_teacher=a.teacher
    )
    TeachingAssignment.objects.create(
        teacher=a.teacher, subject=a.subject, school_class=a.past_class
    )
    Enrolment.objects.create(
        student=a.other_class_student, school_class=a.past_class, school_year=a.past_year
    )
    a.past_group = Group.objects.create(
        establishment=a.establishment, school_year=a.past_year, name="LV2 Espagnol"
    )
    a.past_group.members.add(a.other_class_student)
    spanish = Subject.objects.get(establishment=a.establishment, name="Espagnol")
    TeachingAssignment.objects.create(teacher=a.group_teacher, subject=spanish, group=a.past_group)
    a.main_teacher_only = make_profile(Role.TEACHER, a.establishment, username="a.pp")
    a.class_b.main_teacher = a.main_teacher_only
    a.class_b.save()
    return cast


def resolve(world, name: str):
    """The object a dotted name designates: "a.class_a" → school A's class A."""
    found = world
    for part in name.split("."):
        found = getattr(found, part)
    return found


def actor(world, name: str):
    """The user a name designates (see the module docstring)."""
    if name == "anonymous":
        return AnonymousUser()
    if name == "no_profile":
        return UserFactory(username="sans.profil")
    if name.startswith("inactive "):
        user = actor(world, name.removeprefix("inactive "))
        user.is_active = False
        user.save(update_fields=["is_active"])
        return user
    found = resolve(world, name)
    return found.user if isinstance(found, Profile) else found


STAFF = ["a.direction", "a.school_life", "a.librarian", "a.ent_admin"]

# can_view_student(user, student)
VIEW_STUDENT = [
    # The pupil: own data only.
    ("a.student", "a.student", True),
    ("a.student", "a.classmate", False),
    ("a.student", "a.sibling", False),
    ("a.student", "a.other_class_student", False),
    ("a.student", "b.student", False),
    ("a.student", "c.student", False),
    # The parent: own children (in any class), nobody else's.
    ("a.parent", "a.student", True),
    ("a.parent", "a.sibling", True),
    ("a.parent", "a.classmate", False),
    ("a.parent", "a.other_class_student", False),
    ("a.parent", "b.student", False),
    ("a.parent", "c.student", False),
    ("a.classmate_parent", "a.classmate", True),
    ("a.classmate_parent", "a.student", False),
    # Teachers: the pupils of their classes and groups this year.
    ("a.teacher", "a.student", True),
    ("a.teacher", "a.classmate", True),
    ("a.teacher", "a.sibling", False),
    ("a.teacher", "a.other_class_student", False),  # in a.teacher's class last year only
    ("a.teacher", "b.student", False),
    ("a.teacher", "c.student", False),
    ("a.other_teacher", "a.other_class_student", True),
    ("a.other_teacher", "a.student", False),
    ("a.group_teacher", "a.student", True),
    ("a.group_teacher", "a.classmate", False),
    ("a.group_teacher", "a.other_class_student", False),  # in the group last year only
    ("a.group_teacher", "b.student", False),
    ("a.main_teacher_only", "a.other_class_student", True),
    ("a.main_teacher_only", "a.student", False),
    # Staff, whatever their function: every pupil of their establishment.
    *[(staff, "a.student", True) for staff in STAFF],
    *[(staff, "a.other_class_student", True) for staff in STAFF],
    *[(staff, "b.student", False) for staff in STAFF],
    *[(staff, "c.student", False) for staff in STAFF],
    # The tutor: the pupils they follow.
    ("a.tutor", "a.student", True),
    ("a.tutor", "a.classmate", False),
    ("a.tutor", "b.student", False),
    # Operators run the collectivité, they don't read pupils' data.
    ("operator", "a.student", False),
    ("operator", "b.student", False),
    ("operator", "c.student", False),
    ("other_operator", "c.student", False),
    # Nobody else.
    ("anonymous", "a.student", False),
    ("no_profile", "a.student", False),
    ("inactive a.student", "a.student", False),
    ("inactive a.parent", "a.student", False),
    ("inactive a.teacher", "a.student", False),
    ("inactive a.group_teacher", "a.student", False),
    ("inactive a.direction", "a.student", False),
    ("inactive a.tutor", "a.student", False),
    # Only pupils are "students": an adult's profile is not a pupil's data.
    ("a.direction", "a.parent", False),
    ("a.parent", "a.parent", False),
    ("a.teacher", "a.teacher", False),
]


@pytest.mark.parametrize(("who", "student", "expected"), VIEW_STUDENT)
def test_can_view_student(world, who, student, expected):
    assert policy.can_view_student(actor(world, who), resolve(world, student)) is expected


# teaches_student(user, student)
TEACHES_STUDENT = [
    ("a.teacher", "a.student", True),
    ("a.teacher", "a.classmate", True),
    ("a.teacher", "a.sibling", False),
    ("a.teacher", "a.other_class_student", False),  # last year's class
    ("a.teacher", "b.student", False),
    ("a.teacher", "c.student", False),
    ("a.other_teacher", "a.sibling", True),
    ("a.other_teacher", "a.other_class_student", True),
    ("a.other_teacher", "a.student", False),
    ("a.group_teacher", "a.student", True),
    ("a.group_teacher", "a.classmate", False),
    ("a.group_teacher", "a.other_class_student", False),  # last year's group
    ("a.main_teacher_only", "a.sibling", True),
    ("a.main_teacher_only", "a.student", False),
    ("b.teacher", "b.student", True),
    ("b.teacher", "a.student", False),
    ("a.student", "a.classmate", False),
    ("a.parent", "a.student", False),
    *[(staff, "a.student", False) for staff in STAFF],
    ("a.tutor", "a.student", False),
    ("operator", "a.student", False),
    ("anonymous", "a.student", False),
    ("no_profile", "a.student", False),
    ("inactive a.teacher", "a.student", False),
    ("inactive a.group_teacher", "a.student", False),
    ("inactive a.main_teacher_only", "a.sibling", False),
]


@pytest.mark.parametrize(("who", "student", "expected"), TEACHES_STUDENT)
def test_teaches_student(world, who, student, expected):
    assert policy.teaches_student(actor(world, who), resolve(world, student)) is expected


# is_parent_of(user, student)
IS_PARENT_OF = [
    ("a.parent", "a.student", True),
    ("a.parent", "a.sibling", True),
    ("a.parent", "a.classmate", False),
    ("a.parent", "a.other_class_student", False),
    ("a.parent", "b.student", False),
    ("a.parent", "c.student", False),
    ("a.classmate_parent", "a.classmate", True),
    ("a.classmate_parent", "a.student", False),
    ("b.parent", "b.student", True),
    ("b.parent", "a.student", False),
    ("a.student", "a.student", False),
    ("a.teacher", "a.student", False),
    *[(staff, "a.student", False) for staff in STAFF],
    ("a.tutor", "a.student", False),
    ("operator", "a.student", False),
    ("anonymous", "a.student", False),
    ("no_profile", "a.student", False),
    ("inactive a.parent", "a.student", False),
]


@pytest.mark.parametrize(("who", "student", "expected"), IS_PARENT_OF)
def test_is_parent_of(world, who, student, expected):
    assert policy.is_parent_of(actor(world, who), resolve(world, student)) is expected


# children_of(user): the pupils the user is a parent of.
CHILDREN_OF = [
    ("a.parent", {"a.student", "a.sibling"}),
    ("a.classmate_parent", {"a.classmate"}),
    ("c.parent", {"c.student", "c.sibling"}),
    ("a.student", set()),
    ("a.teacher", set()),
    *[(staff, set()) for staff in STAFF],
    ("a.tutor", set()),
    ("operator", set()),
    ("anonymous", set()),
    ("no_profile", set()),
    ("inactive a.parent", set()),
]


@pytest.mark.parametrize(("who", "expected"), CHILDREN_OF)
def test_children_of(world, who, expected):
    children = policy.children_of(actor(world, who))
    assert set(children) == {resolve(world, name) for name in expected}


def test_children_of_spans_establishments_for_a_parent_with_several_profiles(world):
    parent = world.a.parent
    in_c = Profile.objects.create(
        user=parent.user, role=Role.PARENT, establishment=world.c.establishment
    )
    ParentLink.objects.create(parent=in_c, student=world.c.classmate)
    children = list(policy.children_of(parent.user))
    assert set(children) == {world.a.student, world.a.sibling, world.c.classmate}
    assert len(children) == 3


# teaches_class(user, school_class)
TEACHES_CLASS = [
    ("a.teacher", "a.class_a", True),
    ("a.teacher", "a.class_b", False),
    ("a.teacher", "a.past_class", True),  # taught it last year
    ("a.teacher", "b.class_a", False),
    ("a.teacher", "c.class_a", False),
    ("a.other_teacher", "a.class_b", True),
    ("a.other_teacher", "a.class_a", False),
    ("a.group_teacher", "a.class_a", True),  # through the group, which holds a pupil of 2nde A
    ("a.group_teacher", "a.class_b", False),  # last year's group holds a pupil now in 2nde B
    ("a.main_teacher_only", "a.class_b", True),
    ("a.main_teacher_only", "a.class_a", False),
    ("a.student", "a.class_a", False),
    ("a.parent", "a.class_a", False),
    *[(staff, "a.class_a", False) for staff in STAFF],
    ("a.tutor", "a.class_a", False),
    ("operator", "a.class_a", False),
    ("anonymous", "a.class_a", False),
    ("no_profile", "a.class_a", False),
    ("inactive a.teacher", "a.class_a", False),
    ("inactive a.group_teacher", "a.class_a", False),
    ("inactive a.main_teacher_only", "a.class_b", False),
]


@pytest.mark.parametrize(("who", "school_class", "expected"), TEACHES_CLASS)
def test_teaches_class(world, who, school_class, expected):
    assert policy.teaches_class(actor(world, who), resolve(world, school_class)) is expected


# can_view_class_roster(user, school_class): staff and the class's teachers.
VIEW_CLASS_ROSTER = [
    ("a.teacher", "a.class_a", True),
    ("a.teacher", "a.class_b", False),
    ("a.teacher", "b.class_a", False),
    ("a.teacher", "c.class_a", False),
    ("a.other_teacher", "a.class_b", True),
    ("a.group_teacher", "a.class_a", True),
    ("a.group_teacher", "a.class_b", False),
    ("a.main_teacher_only", "a.class_b", True),
    *[(staff, "a.class_a", True) for staff in STAFF],
    *[(staff, "a.class_b", True) for staff in STAFF],
    *[(staff, "b.class_a", False) for staff in STAFF],
    *[(staff, "c.class_a", False) for staff in STAFF],
    ("a.student", "a.class_a", False),
    ("a.parent", "a.class_a", False),
    ("a.tutor", "a.class_a", False),
    ("operator", "a.class_a", False),
    ("operator", "b.class_a", False),
    ("anonymous", "a.class_a", False),
    ("no_profile", "a.class_a", False),
    ("inactive a.teacher", "a.class_a", False),
    ("inactive a.direction", "a.class_a", False),
]


@pytest.mark.parametrize(("who", "school_class", "expected"), VIEW_CLASS_ROSTER)
def test_can_view_class_roster(world, who, school_class, expected):
    assert policy.can_view_class_roster(actor(world, who), resolve(world, school_class)) is expected


# can_view_class(user, school_class): roster readers, the class's pupils and their parents.
VIEW_CLASS = [
    ("a.student", "a.class_a", True),
    ("a.student", "a.class_b", False),
    ("a.student", "b.class_a", False),
    ("a.student", "c.class_a", False),
    ("a.parent", "a.class_a", True),
    ("a.parent", "a.class_b", True),  # the sibling's class
    ("a.parent", "b.class_a", False),
    ("a.parent", "c.class_a", False),
    ("a.classmate_parent", "a.class_a", True),
    ("a.classmate_parent", "a.class_b", False),
    ("a.teacher", "a.class_a", True),
    ("a.teacher", "a.class_b", False),
    ("a.teacher", "b.class_a", False),
    ("a.other_teacher", "a.class_b", True),
    ("a.other_teacher", "a.class_a", False),
    ("a.group_teacher", "a.class_a", True),
    ("a.group_teacher", "a.class_b", False),
    *[(staff, "a.class_a", True) for staff in STAFF],
    *[(staff, "b.class_a", False) for staff in STAFF],
    *[(staff, "c.class_a", False) for staff in STAFF],
    ("a.tutor", "a.class_a", False),
    ("operator", "a.class_a", False),
    ("anonymous", "a.class_a", False),
    ("no_profile", "a.class_a", False),
    ("inactive a.student", "a.class_a", False),
    ("inactive a.parent", "a.class_a", False),
    ("inactive a.teacher", "a.class_a", False),
]


@pytest.mark.parametrize(("who", "school_class", "expected"), VIEW_CLASS)
def test_can_view_class(world, who, school_class, expected):
    assert policy.can_view_class(actor(world, who), resolve(world, school_class)) is expected


# can_view_group(user, group): staff, the group's teachers, its members and their parents.
VIEW_GROUP = [
    ("a.student", "a.group", True),
    ("a.classmate", "a.group", False),
    ("a.student", "b.group", False),
    ("a.parent", "a.group", True),
    ("a.classmate_parent", "a.group", False),
    ("a.parent", "b.group", False),
    ("a.group_teacher", "a.group", True),
    ("a.group_teacher", "b.group", False),
    ("a.group_teacher", "c.group", False),
    ("a.teacher", "a.group", False),
    *[(staff, "a.group", True) for staff in STAFF],
    *[(staff, "b.group", False) for staff in STAFF],
    *[(staff, "c.group", False) for staff in STAFF],
    ("a.tutor", "a.group", False),
    ("operator", "a.group", False),
    ("anonymous", "a.group", False),
    ("no_profile", "a.group", False),
    ("inactive a.student", "a.group", False),
    ("inactive a.parent", "a.group", False),
    ("inactive a.group_teacher", "a.group", False),
]


@pytest.mark.parametrize(("who", "group", "expected"), VIEW_GROUP)
def test_can_view_group(world, who, group, expected):
    assert policy.can_view_group(actor(world, who), resolve(world, group)) is expected


MEMBERS = [
    "a.student",
    "a.parent",
    "a.teacher",
    "a.group_teacher",
    "a.direction",
    "a.school_life",
    "a.librarian",
    "a.ent_admin",
    "a.tutor",
]

# can_view_establishment(user, establishment): its members and its collectivité's operators.
VIEW_ESTABLISHMENT = [
    *[(member, "a.establishment", True) for member in MEMBERS],
    *[(member, "b.establishment", False) for member in MEMBERS],
    *[(member, "c.establishment", False) for member in MEMBERS],
    ("operator", "a.establishment", True),
    ("operator", "b.establishment", True),
    ("operator", "c.establishment", False),
    ("other_operator", "c.establishment", True),
    ("other_operator", "a.establishment", False),
    ("anonymous", "a.establishment", False),
    ("no_profile", "a.establishment", False),
    ("inactive a.direction", "a.establishment", False),
    ("inactive operator", "a.establishment", False),
]


@pytest.mark.parametrize(("who", "establishment", "expected"), VIEW_ESTABLISHMENT)
def test_can_view_establishment(world, who, establishment, expected):
    assert policy.can_view_establishment(actor(world, who), resolve(world, establishment)) is (
        expected
    )


# can_manage_accounts(user, establishment): direction and ENT administrators, of their own school.
MANAGE_ACCOUNTS = [
    ("a.direction", "a.establishment", True),
    ("a.ent_admin", "a.establishment", True),
    ("a.direction", "b.establishment", False),
    ("a.ent_admin", "b.establishment", False),
    ("a.ent_admin", "c.establishment", False),
    ("a.school_life", "a.establishment", False),
    ("a.librarian", "a.establishment", False),
    ("a.teacher", "a.establishment", False),
    ("a.parent", "a.establishment", False),
    ("a.student", "a.establishment", False),
    ("a.tutor", "a.establishment", False),
    ("operator", "a.establishment", False),
    ("anonymous", "a.establishment", False),
    ("no_profile", "a.establishment", False),
    ("inactive a.direction", "a.establishment", False),
    ("inactive a.ent_admin", "a.establishment", False),
]


@pytest.mark.parametrize(("who", "establishment", "expected"), MANAGE_ACCOUNTS)
def test_can_manage_accounts(world, who, establishment, expected):
    assert policy.can_manage_accounts(actor(world, who), resolve(world, establishment)) is expected


# can_see_account_states(user, establishment): every staff function, of their own school.
SEE_ACCOUNT_STATES = [
    *[(staff, "a.establishment", True) for staff in STAFF],
    *[(staff, "b.establishment", False) for staff in STAFF],
    *[(staff, "c.establishment", False) for staff in STAFF],
    ("a.teacher", "a.establishment", False),
    ("a.parent", "a.establishment", False),
    ("a.student", "a.establishment", False),
    ("a.tutor", "a.establishment", False),
    ("operator", "a.establishment", False),
    ("anonymous", "a.establishment", False),
    ("no_profile", "a.establishment", False),
    ("inactive a.school_life", "a.establishment", False),
]


@pytest.mark.parametrize(("who", "establishment", "expected"), SEE_ACCOUNT_STATES)
def test_can_see_account_states(world, who, establishment, expected):
    assert policy.can_see_account_states(actor(world, who), resolve(world, establishment)) is (
        expected
    )


# can_write_to(sender, recipient): who may start a conversation with whom.
WRITE_TO = [
    # Pupils: the adults of their establishment, their classmates and their own parents.
    ("a.student", "a.teacher", True),
    ("a.student", "a.other_teacher", True),
    ("a.student", "a.direction", True),
    ("a.student", "a.classmate", True),
    ("a.student", "a.parent", True),
    ("a.student", "a.other_class_student", False),
    ("a.student", "a.sibling", False),
    ("a.student", "a.classmate_parent", False),
    ("a.student", "a.tutor", False),
    ("a.student", "b.student", False),
    ("a.student", "b.teacher", False),
    ("a.student", "c.teacher", False),
    ("a.student", "operator", False),
    ("a.other_class_student", "a.sibling", True),
    # Parents: the adults of their children's establishment and their own children.
    ("a.parent", "a.student", True),
    ("a.parent", "a.sibling", True),
    ("a.parent", "a.teacher", True),
    ("a.parent", "a.direction", True),
    ("a.parent", "a.classmate", False),
    ("a.parent", "a.other_class_student", False),
    ("a.parent", "a.classmate_parent", False),
    ("a.parent", "a.tutor", False),
    ("a.parent", "b.teacher", False),
    ("a.parent", "c.student", False),
    # Teachers and staff: anyone of their establishment, nobody outside it.
    ("a.teacher", "a.student", True),
    ("a.teacher", "a.other_class_student", True),
    ("a.teacher", "a.parent", True),
    ("a.teacher", "a.other_teacher", True),
    ("a.teacher", "a.tutor", True),
    ("a.teacher", "a.direction", True),
    ("a.teacher", "b.teacher", False),
    ("a.teacher", "b.student", False),
    ("a.teacher", "c.parent", False),
    ("a.teacher", "operator", False),
    *[(staff, "a.parent", True) for staff in STAFF],
    *[(staff, "a.other_class_student", True) for staff in STAFF],
    *[(staff, "b.direction", False) for staff in STAFF],
    *[(staff, "c.parent", False) for staff in STAFF],
    *[(staff, "operator", False) for staff in STAFF],
    # Tutors: the pupils they follow and the adults of the establishment.
    ("a.tutor", "a.student", True),
    ("a.tutor", "a.teacher", True),
    ("a.tutor", "a.classmate", False),
    ("a.tutor", "a.parent", False),
    ("a.tutor", "b.student", False),
    # Operators: the staff of their collectivité's establishments.
    ("operator", "a.direction", True),
    ("operator", "a.ent_admin", True),
    ("operator", "b.school_life", True),
    ("operator", "c.direction", False),
    ("operator", "a.teacher", False),
    ("operator", "a.student", False),
    ("operator", "a.parent", False),
    ("operator", "other_operator", False),
    ("other_operator", "c.direction", True),
    ("other_operator", "a.direction", False),
    # Nobody writes to themselves; no right without an active account and a profile.
    ("a.teacher", "a.teacher", False),
    ("anonymous", "a.teacher", False),
    ("no_profile", "a.teacher", False),
    ("a.teacher", "no_profile", False),
    ("inactive a.teacher", "a.student", False),
    ("inactive a.student", "a.teacher", False),
    ("a.teacher", "inactive a.student", False),
    ("a.parent", "inactive a.teacher", False),
    ("operator", "inactive a.direction", False),
]


@pytest.mark.parametrize(("sender", "recipient", "expected"), WRITE_TO)
def test_can_write_to(world, sender, recipient, expected):
    assert policy.can_write_to(actor(world, sender), actor(world, recipient)) is expected


def test_teacher_who_is_also_a_parent_holds_both_rights(world):
    """A user's rights are the union of their profiles' rights."""
    teacher = world.a.teacher
    as_parent = Profile.objects.create(
        user=teacher.user, role=Role.PARENT, establishment=world.b.establishment
    )
    ParentLink.objects.create(parent=as_parent, student=world.b.student)
    assert policy.can_view_student(teacher.user, world.b.student) is True
    assert policy.can_view_student(teacher.user, world.b.classmate) is False
    assert policy.can_write_to(teacher.user, world.b.teacher.user) is True
    assert policy.can_write_to(teacher.user, world.b.classmate.user) is False
    assert policy.can_view_student(teacher.user, world.a.student) is True


def test_can_write_to_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    """Two queries load both users' profiles; then at most one query per (sender profile,
    recipient profile) pair of one establishment that needs a family, tutoring or class link
    checked. Never one per pupil, class or establishment of the installation."""
    sender = UserFactory(username="plusieurs.profils")
    for school in (world.a, world.b, world.c):
        Profile.objects.create(user=sender, role=Role.PARENT, establishment=school.establishment)
    tutor = Profile.objects.create(
        user=sender, role=Role.TUTOR, establishment=world.b.establishment
    )
    recipient = world.c.classmate.user
    for school in (world.a, world.b):
        Profile.objects.create(
            user=recipient, role=Role.STUDENT, establishment=school.establishment
        )
    # 5 × 3 profile pairs, 4 of them in one establishment with a link to check: A's parent, B's
    # parent, B's tutor and C's parent, each against the pupil profile of their establishment.
    with django_assert_max_num_queries(2 + 4):
        assert policy.can_write_to(sender, recipient) is False
    TutorLink.objects.create(
        tutor=tutor,
        student=recipient.profiles.get(role=Role.STUDENT, establishment=world.b.establishment),
    )
    with django_assert_max_num_queries(2 + 4):
        assert policy.can_write_to(sender, recipient) is True
