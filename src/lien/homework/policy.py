"""Who may read and write the cahier de textes (built on lien.core.policy).

A class's or group's log is read by its pupils and their parents, its teachers and the
establishment's staff: the readers of the class page. Only a teacher who teaches the subject to
that class or group writes in it, only an entry's author changes it, and only in the current
school year: past years are read-only. Entries prepared in advance stay hidden from everyone but
their author until their visibility date. A pupil's ticks are their own: their parents see them,
teachers and staff only ever see how many pupils ticked.

Inspectors have no profile in Lien yet; the establishment's staff read every log.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from lien.core.models import Group, Profile, SchoolClass, TeachingAssignment
from lien.core.policy import (
    Role,
    can_view_class,
    can_view_group,
    is_parent_of,
    is_staff_of,
    may_act,
    teaches_class,
)

if TYPE_CHECKING:
    from lien.accounts.models import User
    from lien.homework.models import LogEntry, WorkItem

Target = SchoolClass | Group


def can_read_log(user: User, target: Target) -> bool:
    if isinstance(target, SchoolClass):
        return can_view_class(user, target)
    return can_view_group(user, target)


def teaches_target(user: User, target: Target) -> bool:
    """The user teaches the class (directly, through a group or as its main teacher) or the
    group."""
    if not may_act(user):
        return False
    if isinstance(target, SchoolClass):
        return teaches_class(user, target)
    return target.teachings.filter(teacher__user=user, teacher__role=Role.TEACHER).exists()


def can_write_for(user: User, target: Target, subject_id: int) -> bool:
    """A teacher writes in the log of a class or group of the current year to which they teach
    that subject."""
    if not may_act(user) or not target.school_year.is_current:
        return False
    taught = TeachingAssignment.objects.filter(
        teacher__user=user, teacher__role=Role.TEACHER, subject_id=subject_id
    )
    if isinstance(target, SchoolClass):
        return taught.filter(school_class=target).exists()
    return taught.filter(group=target).exists()


def is_author(user: User, entry: LogEntry) -> bool:
    return may_act(user) and entry.teacher.user_id == user.pk


def can_edit_entry(user: User, entry: LogEntry) -> bool:
    """Only the author, and only while the entry's school year is the current one."""
    return is_author(user, entry) and entry.school_year.is_current


def is_visible(entry_or_item: LogEntry | WorkItem, today: date | None = None) -> bool:
    return entry_or_item.visible_from <= (today or timezone.localdate())


def can_see_entry(user: User, entry: LogEntry) -> bool:
    """Readers of the log see an entry from its visibility date; its author always does."""
    if is_author(user, entry):
        return True
    return is_visible(entry) and can_read_log(user, entry.target)


def can_view_workload(user: User, target: Target) -> bool:
    """The homework planned per day for a class or group: its teachers and the staff."""
    return is_staff_of(user, target.establishment) or teaches_target(user, target)


def can_see_done_counts(user: User, item: WorkItem) -> bool:
    """How many pupils ticked a work item (never who): the author, the teachers of the class or
    group, the staff."""
    return is_author(user, item.entry) or can_view_workload(user, item.target)


def can_view_todo(user: User, student: Profile) -> bool:
    """A pupil's to-do list, ticks included: the pupil and their parents."""
    if not may_act(user) or student.role != Role.STUDENT:
        return False
    return student.user_id == user.pk or is_parent_of(user, student)


def can_tick(user: User, student: Profile) -> bool:
    """Only the pupil ticks their own work: never a parent, never a teacher."""
    return may_act(user) and student.role == Role.STUDENT and student.user_id == user.pk
