"""Who sees which news item, and who may write, validate, follow and post flashes: every role
against own audience, another family, another class, another establishment and another
collectivité (actors named as in lien.tests.world)."""

import pytest

from lien.core.models import ParentLink, Profile
from lien.news import policy, services
from lien.news.models import NewsSettings
from lien.news.tests.fixtures import everyone, group, in_hours, move, parents_of, publish, pupils_of
from lien.tests.factories import make_profile
from lien.tests.world import STAFF, actor, resolve

Role = Profile.Role
SCHOOL_A = [
    "a.student",
    "a.sibling",
    "a.classmate",
    "a.other_class_student",
    "a.parent",
    "a.classmate_parent",
    "a.other_class_parent",
    "a.teacher",
    "a.other_teacher",
    "a.group_teacher",
    "a.main_teacher_only",
    "a.tutor",
    *STAFF,
]
ELSEWHERE = ["b.student", "b.parent", "b.teacher", "b.direction", "c.parent", "c.direction"]


@pytest.fixture
def school(world):
    """World, plus a parent whose only child is in 2nde B (another class than 2nde A)."""
    a = world.a
    a.other_class_parent = make_profile(Role.PARENT, a.establishment, username="a.parent3")
    ParentLink.objects.create(parent=a.other_class_parent, student=a.other_class_student)
    return world


def sees(world, who: str, item) -> bool:
    profile = resolve(world, who)
    return services.visible_news(profile.user, profile).filter(pk=item.pk).exists()


def seers(world, item) -> set[str]:
    return {who for who in SCHOOL_A + ELSEWHERE if sees(world, who, item)}


def test_an_item_to_the_whole_establishment_reaches_everyone_there_and_nobody_elsewhere(school):
    item = publish(school.a.direction, everyone())
    assert seers(school, item) == set(SCHOOL_A)


def test_an_item_to_a_class_reaches_its_pupils_its_teachers_and_the_staff(school):
    item = publish(school.a.teacher, pupils_of(school.a.class_a))
    # a.group_teacher teaches a.student (a pupil of 2nde A) in a group: a teacher of the class.
    assert seers(school, item) == {
        "a.student",
        "a.classmate",
        "a.teacher",
        "a.group_teacher",
        *STAFF,
    }


def test_an_item_to_the_parents_of_a_class_reaches_only_those_parents(school):
    item = publish(school.a.teacher, parents_of(school.a.class_a))
    # a.parent has a child in 2nde A (and one in 2nde B); a.parent3's only child is in 2nde B.
    assert seers(school, item) == {
        "a.parent",
        "a.classmate_parent",
        "a.teacher",
        "a.group_teacher",
        *STAFF,
    }
    assert not sees(school, "a.other_class_parent", item)


def test_an_item_to_the_other_class_reaches_its_main_teacher(school):
    item = publish(school.a.direction, parents_of(school.a.class_b))
    assert seers(school, item) == {
        "a.parent",  # through a.sibling
        "a.other_class_parent",
        "a.other_teacher",
        "a.main_teacher_only",
        *STAFF,
    }


def test_an_item_to_a_group_reaches_its_members_and_its_teachers(school):
    item = publish(school.a.group_teacher, group(school.a.group))
    assert seers(school, item) == {"a.student", "a.group_teacher", *STAFF}


def test_last_years_class_grants_nothing_this_year(school):
    item = publish(school.a.direction, pupils_of(school.a.class_a), parents_of(school.a.class_a))
    assert not sees(school, "a.other_class_student", item)  # in a.teacher's class last year


def test_a_draft_is_seen_by_its_author_only(school):
    item = publish(school.a.teacher, pupils_of(school.a.class_a), publish=False)
    assert seers(school, item) == {"a.teacher"}


def test_a_submitted_item_is_seen_by_its_author_and_the_staff(school):
    NewsSettings.objects.create(establishment=school.a.establishment, teachers_need_validation=True)
    item = publish(school.a.teacher, pupils_of(school.a.class_a))
    assert item.status == "submitted"
    assert seers(school, item) == {"a.teacher", *STAFF}


def test_a_scheduled_item_waits_for_its_time_and_an_expired_one_leaves(school):
    item = publish(school.a.teacher, pupils_of(school.a.class_a), publish_at=in_hours(2))
    assert item.status == "published"
    assert seers(school, item) == {"a.teacher", *STAFF}
    move(item, publish_at=in_hours(-3))
    assert "a.student" in seers(school, item)
    move(item, expires_at=in_hours(-1))
    assert seers(school, item) == {"a.teacher", *STAFF}


def test_the_active_profile_decides_and_an_operator_sees_no_news(school):
    item = publish(school.a.direction, everyone())
    operator = school.operator
    assert not services.visible_news(operator.user, operator).filter(pk=item.pk).exists()
    # Someone else's profile grants nothing.
    parent = school.a.parent
    assert not services.visible_news(school.b.parent.user, parent).exists()
    assert not services.visible_news(parent.user, None).exists()


def test_access_item_looks_at_every_profile_of_the_user(school):
    """A teacher of school B who is a parent in school A opens the parents' item from a link."""
    item = publish(school.a.teacher, parents_of(school.a.class_a))
    teacher_b = school.b.teacher
    both = Profile.objects.create(
        user=teacher_b.user, role=Role.PARENT, establishment=school.a.establishment
    )
    ParentLink.objects.create(parent=both, student=school.a.classmate)
    assert services.access_item(teacher_b.user, item.code) == item
    assert not services.visible_news(teacher_b.user, teacher_b).filter(pk=item.pk).exists()


# Rights -----------------------------------------------------------------------------------------

WRITE = [
    ("a.teacher", True),
    ("a.direction", True),
    ("a.librarian", True),
    ("a.student", False),
    ("a.parent", False),
    ("a.tutor", False),
    ("b.teacher", False),
    ("operator", False),
    ("inactive a.teacher", False),
    ("anonymous", False),
]


@pytest.mark.parametrize(("who", "expected"), WRITE)
def test_can_write_news(world, who, expected):
    assert policy.can_write_news(actor(world, who), world.a.establishment) is expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("a.direction", True),
        ("a.school_life", True),
        ("a.librarian", False),
        ("a.ent_admin", False),
        ("a.teacher", False),
        ("b.direction", False),
        ("c.direction", False),
        ("operator", False),
    ],
)
def test_can_validate_news(world, who, expected):
    assert policy.can_validate_news(actor(world, who), world.a.establishment) is expected


@pytest.mark.parametrize(
    ("who", "edits", "follows"),
    [
        ("a.teacher", True, True),  # the author
        ("a.other_teacher", False, False),
        ("a.direction", True, True),
        ("a.school_life", True, True),
        ("a.librarian", False, True),
        ("a.parent", False, False),
        ("b.direction", False, False),
        ("c.direction", False, False),
        ("operator", False, False),
        ("inactive a.teacher", False, False),
    ],
)
def test_who_edits_and_follows_an_item(world, who, edits, follows):
    item = publish(world.a.teacher, parents_of(world.a.class_a))
    user = actor(world, who)
    assert policy.can_edit_news(user, item) is edits
    assert policy.can_follow_acknowledgements(user, item) is follows


def test_a_teacher_addresses_only_the_classes_and_groups_they_teach(world):
    a = world.a
    teacher = a.teacher.user
    assert list(policy.addressable_classes(teacher, a.establishment)) == [a.class_a]
    assert list(policy.addressable_groups(teacher, a.establishment)) == []
    assert list(policy.addressable_groups(a.group_teacher.user, a.establishment)) == [a.group]
    assert list(policy.addressable_classes(a.main_teacher_only.user, a.establishment)) == [
        a.class_b
    ]
    assert not policy.may_address_establishment(teacher, a.establishment)
    assert list(policy.addressable_classes(teacher, world.b.establishment)) == []
    # The staff: every class and group of the current year, and the whole establishment.
    direction = a.direction.user
    assert set(policy.addressable_classes(direction, a.establishment)) == {a.class_a, a.class_b}
    assert a.past_class not in policy.addressable_classes(direction, a.establishment)
    assert policy.may_address_establishment(direction, a.establishment)


@pytest.mark.parametrize(
    ("who", "adjusts", "establishment_flash", "collectivity_flash"),
    [
        ("a.direction", True, True, False),
        ("a.school_life", False, False, False),
        ("a.ent_admin", False, False, False),
        ("a.teacher", False, False, False),
        ("b.direction", False, False, False),
        ("operator", False, False, True),
        ("other_operator", False, False, False),
    ],
)
def test_settings_and_flash_rights(world, who, adjusts, establishment_flash, collectivity_flash):
    user = actor(world, who)
    establishment = world.a.establishment
    assert policy.can_adjust_news_settings(user, establishment) is adjusts
    assert policy.can_post_establishment_flash(user, establishment) is establishment_flash
    assert policy.can_post_collectivity_flash(user, establishment.collectivity) is (
        collectivity_flash
    )
