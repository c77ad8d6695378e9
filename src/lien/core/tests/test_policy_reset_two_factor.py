"""can_reset_two_factor(user, target_user): the account managers of an establishment where the
target is staff, never for themselves (the matrix of test_policy.py, for this one rule)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from lien.core import policy
from lien.core.models import Profile


def person(cast, name: str):
    """The user a dotted name designates: "a.direction" is school A's direction."""
    if name == "anonymous":
        return AnonymousUser()
    found = cast
    for part in name.split("."):
        found = getattr(found, part)
    return found.user if isinstance(found, Profile) else found


RESET_TWO_FACTOR = [
    # The account managers of the target's establishment.
    ("a.direction", "a.school_life", True),
    ("a.ent_admin", "a.school_life", True),
    ("a.direction", "a.ent_admin", True),
    ("a.ent_admin", "a.direction", True),
    ("a.ent_admin", "a.librarian", True),
    # Never one's own: it is turned off with a code, from the security page.
    ("a.direction", "a.direction", False),
    ("a.ent_admin", "a.ent_admin", False),
    # Other staff and other roles of the establishment.
    ("a.school_life", "a.librarian", False),
    ("a.librarian", "a.school_life", False),
    ("a.teacher", "a.school_life", False),
    ("a.parent", "a.school_life", False),
    ("a.student", "a.school_life", False),
    ("a.tutor", "a.school_life", False),
    # Other establishments, of the same collectivité or not, and the operators.
    ("b.direction", "a.school_life", False),
    ("b.ent_admin", "a.school_life", False),
    ("c.ent_admin", "a.school_life", False),
    ("operator", "a.school_life", False),
    ("anonymous", "a.school_life", False),
    # Only staff: teachers, parents and pupils have no two-factor authentication to reset.
    ("a.direction", "a.teacher", False),
    ("a.direction", "a.parent", False),
    ("a.direction", "a.student", False),
    ("a.ent_admin", "b.school_life", False),
]


@pytest.mark.parametrize(("who", "target", "expected"), RESET_TWO_FACTOR)
def test_can_reset_two_factor(cast, who, target, expected):
    assert policy.can_reset_two_factor(person(cast, who), person(cast, target)) is expected


def test_a_deactivated_manager_may_not(cast):
    manager = cast.a.direction.user
    manager.is_active = False
    manager.save(update_fields=["is_active"])

    assert policy.can_reset_two_factor(manager, cast.a.school_life.user) is False


def test_staff_of_two_establishments_is_reset_by_either(cast):
    """B's administrator manages a person who is CPE in A and librarian in B."""
    Profile.objects.create(
        user=cast.a.school_life.user,
        role=Profile.Role.STAFF,
        staff_function=Profile.StaffFunction.LIBRARIAN,
        establishment=cast.b.establishment,
    )

    assert policy.can_reset_two_factor(cast.b.ent_admin.user, cast.a.school_life.user) is True
    assert policy.can_reset_two_factor(cast.c.ent_admin.user, cast.a.school_life.user) is False


def test_teaching_in_a_managed_establishment_is_not_enough(cast):
    """A direction member of A who is also a teacher in B: B's managers may not reset them."""
    Profile.objects.create(
        user=cast.a.direction.user, role=Profile.Role.TEACHER, establishment=cast.b.establishment
    )

    assert policy.can_reset_two_factor(cast.b.ent_admin.user, cast.a.direction.user) is False
