"""The permission matrix: every role against own data, own child, another family, another class,
another establishment of the same collectivité and another collectivité.

Actors and targets are named as in `lien.tests.world` ("a.parent", "b.student", "anonymous",
"inactive a.teacher"…). School A also has a previous school year (see `world`): last year,
a.other_class_student (now in 2nde B) was in a.teacher's class and in a.group_teacher's group.
That must grant nothing now.
"""

import pytest

from lien.core import policy
from lien.core.models import (
    ParentLink,
    Profile,
)
from lien.tests.world import STAFF, actor, resolve

Role = Profile.Role


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


def test_teacher_who_is_also_a_parent_holds_both_rights(world):
    """A user's rights are the union of their profiles' rights."""
    teacher = world.a.teacher
    as_parent = Profile.objects.create(
        user=teacher.user, role=Role.PARENT, establishment=world.b.establishment
    )
    ParentLink.objects.create(parent=as_parent, student=world.b.student)
    assert policy.can_view_student(teacher.user, world.b.student) is True
    assert policy.can_view_student(teacher.user, world.b.classmate) is False
    assert policy.can_view_student(teacher.user, world.a.student) is True
