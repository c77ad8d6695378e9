"""The assignments' permission matrix: every role against an assignment of 2nde A (set by
a.teacher), one of the Spanish group (a.group_teacher), and a.student's hand-in.

Actors are named as in `lien.tests.world`.
"""

import pytest

from lien.assignments import policy
from lien.assignments.tests.fixtures import hand_in, pdf, set_assignment
from lien.core.models import TeachingAssignment
from lien.tests.world import STAFF, actor

OUTSIDERS = [
    "b.student",
    "b.parent",
    "b.teacher",
    "b.direction",
    "c.student",
    "c.teacher",
    "c.direction",
    "operator",
    "other_operator",
    "anonymous",
    "no_profile",
]


@pytest.fixture
def class_work(world):
    return set_assignment(world.a.teacher, world.a.class_a)


@pytest.fixture
def group_work(world):
    return set_assignment(world.a.group_teacher, world.a.group)


@pytest.fixture
def handed_in(world, class_work):
    return hand_in(world.a.student, class_work, uploads=[pdf()])


VIEW_CLASS_WORK = [
    ("a.teacher", True),
    ("a.student", True),
    ("a.classmate", True),
    ("a.parent", True),  # a.student's parent
    ("a.classmate_parent", True),
    *[(staff, True) for staff in STAFF],
    ("a.sibling", False),  # 2nde B
    ("a.other_class_student", False),
    ("a.other_teacher", False),  # teaches 2nde B
    ("a.group_teacher", False),
    ("a.main_teacher_only", False),
    ("a.tutor", False),
    ("inactive a.student", False),
    ("inactive a.parent", False),
    ("inactive a.teacher", False),
    *[(outsider, False) for outsider in OUTSIDERS],
]


@pytest.mark.parametrize(("who", "expected"), VIEW_CLASS_WORK)
def test_who_sees_an_assignment_of_a_class(world, class_work, who, expected):
    assert policy.can_view_assignment(actor(world, who), class_work) is expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("a.group_teacher", True),
        ("a.student", True),  # in the group
        ("a.parent", True),
        ("a.classmate", False),  # 2nde A, not in the group
        ("a.classmate_parent", False),
        ("a.teacher", False),
        ("a.direction", True),
        ("b.student", False),
    ],
)
def test_who_sees_an_assignment_of_a_group(world, group_work, who, expected):
    assert policy.can_view_assignment(actor(world, who), group_work) is expected


@pytest.mark.parametrize(
    ("who", "track", "manage"),
    [
        ("a.teacher", True, True),
        *[(staff, True, False) for staff in STAFF],
        ("a.other_teacher", False, False),
        ("a.group_teacher", False, False),
        ("a.main_teacher_only", False, False),
        ("a.student", False, False),
        ("a.parent", False, False),
        ("a.tutor", False, False),
        ("inactive a.teacher", False, False),
        ("inactive a.direction", False, False),
        *[(outsider, False, False) for outsider in OUTSIDERS],
    ],
)
def test_who_tracks_and_who_manages_an_assignment(world, class_work, who, track, manage):
    user = actor(world, who)
    assert policy.can_track_assignment(user, class_work) is track
    assert policy.can_manage_assignment(user, class_work) is manage


@pytest.mark.parametrize(
    ("who", "for_whom", "expected"),
    [
        ("a.student", "a.student", True),
        ("a.classmate", "a.classmate", True),
        ("a.student", "a.classmate", False),  # for somebody else
        ("a.classmate", "a.student", False),
        ("a.parent", "a.student", False),  # a parent never hands in
        ("a.teacher", "a.student", False),
        ("a.direction", "a.student", False),
        ("a.sibling", "a.sibling", False),  # not set for 2nde B
        ("b.student", "b.student", False),
        ("inactive a.student", "a.student", False),
    ],
)
def test_who_hands_in_for_whom(world, class_work, who, for_whom, expected):
    student = world
    for part in for_whom.split("."):
        student = getattr(student, part)
    assert policy.can_submit(actor(world, who), class_work, student) is expected


@pytest.mark.parametrize(
    ("who", "view", "give_feedback"),
    [
        ("a.student", True, False),
        ("a.parent", True, False),
        ("a.teacher", True, True),
        ("a.classmate", False, False),
        ("a.classmate_parent", False, False),
        ("a.sibling", False, False),
        ("a.other_teacher", False, False),
        ("a.group_teacher", False, False),
        *[(staff, False, False) for staff in STAFF],  # staff read tables, not pupils' work
        ("a.tutor", False, False),
        ("inactive a.student", False, False),
        ("inactive a.parent", False, False),
        ("inactive a.teacher", False, False),
        *[(outsider, False, False) for outsider in OUTSIDERS],
    ],
)
def test_who_sees_a_hand_in_and_who_returns_feedback(world, handed_in, who, view, give_feedback):
    user = actor(world, who)
    assert policy.can_view_submission(user, handed_in) is view
    assert policy.can_give_feedback(user, handed_in) is give_feedback


def test_a_teacher_sets_assignments_only_where_they_teach_this_year(world):
    a = world.a
    own = TeachingAssignment.objects.get(teacher=a.teacher, school_class=a.class_a)
    last_year = TeachingAssignment.objects.get(teacher=a.teacher, school_class=a.past_class)
    assert policy.can_set_assignment(a.teacher.user, own) is True
    assert policy.can_set_assignment(a.teacher.user, last_year) is False
    assert policy.can_set_assignment(a.other_teacher.user, own) is False
    assert policy.can_set_assignment(a.direction.user, own) is False
    assert policy.can_set_assignment(world.b.teacher.user, own) is False
    assert list(policy.teachings_for(a.teacher.user)) == [own]
    assert list(policy.teachings_for(a.student.user)) == []
    assert policy.can_set_assignment(actor(world, "inactive a.teacher"), own) is False
