"""Who sees the usage statistics of which establishments."""

import pytest

from lien.tests.world import actor
from lien.usage.policy import can_view_usage, usage_establishments


@pytest.mark.parametrize(
    "who, schools",
    [
        ("operator", {"a", "b"}),
        ("other_operator", {"c"}),
        ("a.direction", {"a"}),
        ("c.direction", {"c"}),
        ("a.school_life", None),
        ("a.librarian", None),
        ("a.ent_admin", None),
        ("a.teacher", None),
        ("a.parent", None),
        ("a.student", None),
        ("a.tutor", None),
        ("anonymous", None),
        ("no_profile", None),
        ("inactive operator", None),
        ("inactive a.direction", None),
    ],
)
def test_usage_readers_and_their_establishments(world, who, schools):
    user = actor(world, who)
    assert can_view_usage(user) is (schools is not None)
    expected = {getattr(world, school).establishment for school in schools or ()}
    assert set(usage_establishments(user)) == expected
