"""The cahier de textes' permissions, every role against own class, own child, another family,
another class, another establishment and another collectivité."""

import pytest

from lien.homework import policy
from lien.homework.models import LogEntry
from lien.tests.world import actor

pytestmark = pytest.mark.django_db

READERS_OF_CLASS_A = {
    "a.student",
    "a.classmate",
    "a.parent",
    "a.classmate_parent",
    "a.teacher",
    "a.group_teacher",
    "a.direction",
    "a.school_life",
    "a.librarian",
    "a.ent_admin",
}
EVERYONE = [
    "anonymous",
    "no_profile",
    "inactive a.student",
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
    "b.student",
    "b.parent",
    "b.teacher",
    "b.direction",
    "c.teacher",
    "c.direction",
    "operator",
    "other_operator",
]


@pytest.mark.parametrize("who", EVERYONE)
def test_who_reads_the_log_of_a_class(world, who):
    assert policy.can_read_log(actor(world, who), world.a.class_a) is (who in READERS_OF_CLASS_A)


@pytest.mark.parametrize("who", EVERYONE)
def test_who_writes_mathematics_in_2nde_a(world, who):
    allowed = who == "a.teacher"
    assert policy.can_write_for(actor(world, who), world.a.class_a, world.a.subject.pk) is allowed


def test_nobody_writes_in_a_past_year(world):
    a = world.a
    assert policy.can_read_log(a.teacher.user, a.past_class)
    assert not policy.can_write_for(a.teacher.user, a.past_class, a.subject.pk)


def entry_of(world, visible_in_days=0):
    from datetime import timedelta

    from django.utils import timezone

    a = world.a
    today = timezone.localdate()
    return LogEntry.objects.create(
        establishment=a.establishment,
        school_year=a.year,
        teacher=a.teacher,
        school_class=a.class_a,
        subject=a.subject,
        lesson_date=today,
        content="Séance",
        visible_from=today + timedelta(days=visible_in_days),
    )


@pytest.mark.parametrize("who", EVERYONE)
def test_who_edits_an_entry(world, who):
    assert policy.can_edit_entry(actor(world, who), entry_of(world)) is (who == "a.teacher")


@pytest.mark.parametrize("who", EVERYONE)
def test_who_sees_an_entry_prepared_in_advance(world, who):
    entry = entry_of(world, visible_in_days=3)
    assert policy.can_see_entry(actor(world, who), entry) is (who == "a.teacher")


@pytest.mark.parametrize("who", EVERYONE)
def test_who_reads_a_pupils_to_do_list(world, who):
    allowed = who in {"a.student", "a.parent"}
    assert policy.can_view_todo(actor(world, who), world.a.student) is allowed


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_pupil_ticks(world, who):
    assert policy.can_tick(actor(world, who), world.a.student) is (who == "a.student")


@pytest.mark.parametrize("who", EVERYONE)
def test_who_sees_the_load_of_a_class(world, who):
    allowed = who in {
        "a.teacher",
        "a.group_teacher",
        "a.direction",
        "a.school_life",
        "a.librarian",
        "a.ent_admin",
    }
    assert policy.can_view_workload(actor(world, who), world.a.class_a) is allowed


def test_a_main_teacher_reads_and_sees_the_load_of_their_class(world):
    a = world.a
    assert policy.can_read_log(a.main_teacher_only.user, a.class_b)
    assert policy.can_view_workload(a.main_teacher_only.user, a.class_b)
    assert not policy.can_write_for(a.main_teacher_only.user, a.class_b, a.subject.pk)
