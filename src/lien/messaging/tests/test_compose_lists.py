"""The lists the compose form offers are exactly those `policy.can_address_list` allows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lien.core.models import Group, SchoolClass
from lien.messaging import compose, policy
from lien.messaging.models import Address
from lien.tests.world import actor

Kind = Address.Kind

ACTORS = [
    "a.student",
    "a.sibling",
    "a.classmate",
    "a.other_class_student",
    "a.parent",
    "a.classmate_parent",
    "a.teacher",
    "a.other_teacher",
    "a.group_teacher",
    "a.main_teacher_only",
    "a.direction",
    "a.school_life",
    "a.librarian",
    "a.ent_admin",
    "a.tutor",
    "b.teacher",
    "b.direction",
    "b.parent",
    "operator",
    "inactive a.teacher",
    "no_profile",
]


def every_current_list(establishment):
    current = {"establishment": establishment, "school_year__is_current": True}
    for school_class in SchoolClass.objects.filter(**current):
        for kind in compose.CLASS_KINDS:
            yield kind, school_class
    for group in Group.objects.filter(**current):
        for kind in compose.GROUP_KINDS:
            yield kind, group
    yield Kind.STAFF, establishment


@pytest.mark.parametrize("name", ACTORS)
def test_the_offered_lists_are_those_the_policy_allows(world, name):
    user = actor(world, name)
    establishment = world.a.establishment
    offered = {choice.key for choice in compose.addressable_lists(user, establishment)}
    allowed = {
        compose.list_key(kind, target)
        for kind, target in every_current_list(establishment)
        if policy.can_address_list(user, kind, target)
    }
    assert offered == allowed


def test_past_years_lists_are_not_offered(world):
    offered = compose.addressable_lists(world.a.teacher.user, world.a.establishment)
    assert world.a.past_class.pk not in {c.school_class.pk for c in offered if c.school_class}
    assert world.a.past_group.pk not in {c.group.pk for c in offered if c.group}


def test_the_query_count_does_not_grow_with_the_number_of_classes(cast):
    def count():
        with CaptureQueriesContext(connection) as queries:
            compose.addressable_lists(cast.a.direction.user, cast.a.establishment)
            compose.addressable_lists(cast.a.teacher.user, cast.a.establishment)
            compose.addressable_lists(cast.a.parent.user, cast.a.establishment)
        return len(queries)

    before = count()
    for number in range(10):
        SchoolClass.objects.create(
            establishment=cast.a.establishment, school_year=cast.a.year, name=f"1re {number}"
        )
    assert count() == before
    assert len(compose.addressable_lists(cast.a.direction.user, cast.a.establishment)) == 9 + 30
