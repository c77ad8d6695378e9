"""Who may write to whom, and to which lists: the matrix of lien.messaging.policy.

Names are those of `lien.tests.world` ("a.parent", "b.student", "inactive a.teacher"…).
"""

import pytest

from lien.core.models import ParentLink, Profile, TutorLink
from lien.messaging import policy
from lien.messaging.models import Address, MessagingRules
from lien.tests.factories import UserFactory
from lien.tests.world import STAFF, actor, resolve

Role = Profile.Role
Kind = Address.Kind

WRITE_TO = [
    # Pupils: their teachers, their parents and the staff; classmates only if allowed.
    ("a.student", "a.teacher", True),
    ("a.student", "a.group_teacher", True),
    ("a.student", "a.other_teacher", False),
    ("a.student", "a.direction", True),
    ("a.student", "a.parent", True),
    ("a.student", "a.classmate", False),
    ("a.student", "a.other_class_student", False),
    ("a.student", "a.sibling", False),
    ("a.student", "a.classmate_parent", False),
    ("a.student", "a.tutor", False),
    ("a.student", "b.student", False),
    ("a.student", "b.teacher", False),
    ("a.student", "c.teacher", False),
    ("a.student", "operator", False),
    # Parents: their children, their children's teachers and the staff.
    ("a.parent", "a.student", True),
    ("a.parent", "a.sibling", True),
    ("a.parent", "a.teacher", True),
    ("a.parent", "a.other_teacher", True),  # teaches the sibling
    ("a.parent", "a.group_teacher", True),
    ("a.parent", "a.main_teacher_only", True),  # the sibling's main teacher
    ("a.parent", "a.direction", True),
    ("a.parent", "a.classmate", False),
    ("a.parent", "a.other_class_student", False),
    ("a.parent", "a.classmate_parent", False),
    ("a.parent", "a.tutor", False),
    ("a.parent", "b.teacher", False),
    ("a.parent", "c.student", False),
    ("a.classmate_parent", "a.group_teacher", False),
    ("a.classmate_parent", "a.other_teacher", False),
    # Teachers: the pupils they teach, those pupils' parents and tutors, colleagues, staff.
    ("a.teacher", "a.student", True),
    ("a.teacher", "a.classmate", True),
    ("a.teacher", "a.parent", True),
    ("a.teacher", "a.classmate_parent", True),
    ("a.teacher", "a.tutor", True),
    ("a.teacher", "a.other_teacher", True),
    ("a.teacher", "a.direction", True),
    ("a.teacher", "a.other_class_student", False),  # taught last year only
    ("a.teacher", "a.sibling", False),
    ("a.other_teacher", "a.parent", True),
    ("a.other_teacher", "a.classmate_parent", False),
    ("a.teacher", "b.teacher", False),
    ("a.teacher", "b.student", False),
    ("a.teacher", "c.parent", False),
    ("a.teacher", "operator", False),
    # Staff: everyone of their establishment, nobody outside it.
    *[(staff, "a.parent", True) for staff in STAFF],
    *[(staff, "a.other_class_student", True) for staff in STAFF],
    *[(staff, "a.tutor", True) for staff in STAFF],
    *[(staff, "b.direction", False) for staff in STAFF],
    *[(staff, "c.parent", False) for staff in STAFF],
    *[(staff, "operator", False) for staff in STAFF],
    # Tutors: the pupils they follow, their parents and teachers, and the staff.
    ("a.tutor", "a.student", True),
    ("a.tutor", "a.parent", True),
    ("a.tutor", "a.teacher", True),
    ("a.tutor", "a.group_teacher", True),
    ("a.tutor", "a.direction", True),
    ("a.tutor", "a.other_teacher", False),
    ("a.tutor", "a.classmate", False),
    ("a.tutor", "a.classmate_parent", False),
    ("a.tutor", "b.student", False),
    # Operators: the staff of their collectivité's establishments.
    ("operator", "a.direction", True),
    ("operator", "b.school_life", True),
    ("operator", "c.direction", False),
    ("operator", "a.teacher", False),
    ("operator", "a.parent", False),
    ("operator", "other_operator", False),
    ("other_operator", "c.direction", True),
    # Nobody writes to themselves; no right without an active account and a profile.
    ("a.teacher", "a.teacher", False),
    ("anonymous", "a.teacher", False),
    ("no_profile", "a.teacher", False),
    ("a.teacher", "no_profile", False),
    ("inactive a.teacher", "a.student", False),
    ("a.teacher", "inactive a.student", False),
    ("a.parent", "inactive a.teacher", False),
]


@pytest.mark.parametrize(("sender", "recipient", "expected"), WRITE_TO)
def test_can_write_to(world, sender, recipient, expected):
    assert policy.can_write_to(actor(world, sender), actor(world, recipient)) is expected


@pytest.mark.parametrize(
    ("sender", "recipient"),
    [("a.student", "a.classmate"), ("a.parent", "a.classmate_parent")],
)
def test_the_establishment_can_open_messages_between_pupils_or_between_parents(
    world, sender, recipient
):
    rules = MessagingRules.objects.create(establishment=world.a.establishment)
    assert policy.can_write_to(actor(world, sender), actor(world, recipient)) is False
    rules.students_may_write_to_classmates = True
    rules.parents_may_write_to_class_parents = True
    rules.save()
    assert policy.can_write_to(actor(world, sender), actor(world, recipient)) is True
    # Still never outside the class.
    assert policy.can_write_to(actor(world, sender), world.a.other_class_student.user) is False


def test_a_teacher_who_is_also_a_parent_elsewhere_holds_both_rights(world):
    teacher = world.a.teacher
    as_parent = Profile.objects.create(
        user=teacher.user, role=Role.PARENT, establishment=world.b.establishment
    )
    ParentLink.objects.create(parent=as_parent, student=world.b.student)
    assert policy.can_write_to(teacher.user, world.b.teacher.user) is True
    assert policy.can_write_to(teacher.user, world.b.classmate.user) is False


def test_can_write_to_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
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
    with django_assert_max_num_queries(12):
        assert policy.can_write_to(sender, recipient) is False
    TutorLink.objects.create(
        tutor=tutor,
        student=recipient.profiles.get(role=Role.STUDENT, establishment=world.b.establishment),
    )
    with django_assert_max_num_queries(12):
        assert policy.can_write_to(sender, recipient) is True


ADDRESS_LIST = [
    ("a.teacher", Kind.CLASS_PARENTS, "a.class_a", True),
    ("a.teacher", Kind.CLASS_STUDENTS, "a.class_a", True),
    ("a.teacher", Kind.CLASS_PARENTS, "a.class_b", False),
    ("a.teacher", Kind.CLASS_STUDENTS, "a.class_b", False),
    ("a.teacher", Kind.CLASS_TEACHERS, "a.class_b", True),
    ("a.teacher", Kind.GROUP_STUDENTS, "a.group", False),
    ("a.group_teacher", Kind.GROUP_STUDENTS, "a.group", True),
    ("a.group_teacher", Kind.GROUP_PARENTS, "a.group", True),
    ("a.teacher", Kind.STAFF, "a.establishment", True),
    ("a.teacher", Kind.CLASS_PARENTS, "b.class_a", False),
    ("a.parent", Kind.CLASS_PARENTS, "a.class_a", False),
    ("a.parent", Kind.CLASS_STUDENTS, "a.class_a", False),
    ("a.parent", Kind.CLASS_TEACHERS, "a.class_a", True),
    ("a.parent", Kind.CLASS_TEACHERS, "a.class_b", True),
    ("a.classmate_parent", Kind.CLASS_TEACHERS, "a.class_b", False),
    ("a.parent", Kind.STAFF, "a.establishment", True),
    ("a.parent", Kind.STAFF, "b.establishment", False),
    ("a.parent", Kind.GROUP_PARENTS, "a.group", False),
    ("a.student", Kind.CLASS_STUDENTS, "a.class_a", False),
    ("a.student", Kind.CLASS_TEACHERS, "a.class_a", True),
    ("a.student", Kind.CLASS_TEACHERS, "a.class_b", False),
    *[(staff, Kind.CLASS_PARENTS, "a.class_b", True) for staff in STAFF],
    *[(staff, Kind.GROUP_PARENTS, "a.group", True) for staff in STAFF],
    *[(staff, Kind.CLASS_PARENTS, "b.class_a", False) for staff in STAFF],
    ("operator", Kind.STAFF, "a.establishment", False),
    ("anonymous", Kind.STAFF, "a.establishment", False),
    ("inactive a.direction", Kind.CLASS_PARENTS, "a.class_a", False),
]


@pytest.mark.parametrize(("sender", "kind", "target", "expected"), ADDRESS_LIST)
def test_can_address_list(world, sender, kind, target, expected):
    assert policy.can_address_list(actor(world, sender), kind, resolve(world, target)) is expected
