"""A richer cast for permission matrices: the `cast` fixture plus a past school year.

Names designate actors and targets: "a.parent" is the parent of school A, "b.student" the pupil
of school B (same collectivité as A), "c.student" the pupil of school C (another collectivité).
Special actors: "anonymous", "no_profile" (an account without any profile) and
"inactive <name>" (that person's account, deactivated).
"""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser

from lien.core.models import (
    Enrolment,
    Group,
    Profile,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
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
