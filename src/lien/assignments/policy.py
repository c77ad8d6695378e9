"""Who may set, read, hand in and correct online assignments (built on lien.core.policy).

- The teacher who set an assignment manages it: edits it, follows who handed in, downloads the
  files, returns feedback. They set assignments only for the classes and groups they teach.
- The establishment's staff read the tracking tables (not the pupils' files).
- A pupil hands in only their own work, for an assignment set to their class or group.
- A parent reads their children's assignments, receipts and feedback; they never hand in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from lien.assignments.models import Assignment, Submission
from lien.core.models import Enrolment, ParentLink, Profile, TeachingAssignment
from lien.core.policy import is_staff_of, may_act

if TYPE_CHECKING:
    from lien.accounts.models import User

Role = Profile.Role


def teachings_for(user: User) -> QuerySet[TeachingAssignment]:
    """The classes and groups (with their subject) the user teaches this year: where they may
    set assignments."""
    if not may_act(user):
        return TeachingAssignment.objects.none()
    current = Q(school_class__school_year__is_current=True) | Q(group__school_year__is_current=True)
    return (
        TeachingAssignment.objects.filter(teacher__user=user, teacher__role=Role.TEACHER)
        .filter(current)
        .select_related("teacher", "subject", "school_class", "group")
        .order_by("school_class__name", "group__name", "subject__name")
    )


def can_set_assignment(user: User, teaching: TeachingAssignment) -> bool:
    return teachings_for(user).filter(pk=teaching.pk).exists()


def can_manage_assignment(user: User, assignment: Assignment) -> bool:
    """Edit it, see the pupils' files, return feedback: the teacher who set it."""
    return may_act(user) and assignment.teacher.user_id == user.pk


def can_track_assignment(user: User, assignment: Assignment) -> bool:
    """Who handed in, who is late, who has not: its teacher and the establishment's staff."""
    return can_manage_assignment(user, assignment) or is_staff_of(user, assignment.establishment)


def students_of(assignment: Assignment) -> QuerySet[Profile]:
    """The pupils the assignment is set for: the class's or the group's."""
    if assignment.school_class_id is not None:
        return Profile.objects.filter(
            role=Role.STUDENT, enrolments__school_class_id=assignment.school_class_id
        )
    return Profile.objects.filter(role=Role.STUDENT, student_groups=assignment.group_id)


def is_set_for(assignment: Assignment, student: Profile) -> bool:
    if student.role != Role.STUDENT:
        return False
    if assignment.school_class_id is not None:
        return Enrolment.objects.filter(
            student=student, school_class_id=assignment.school_class_id
        ).exists()
    return assignment.group is not None and assignment.group.members.filter(pk=student.pk).exists()


def own_student_profile(user: User, assignment: Assignment) -> Profile | None:
    """The user's pupil profile the assignment is set for, if any."""
    if not may_act(user):
        return None
    return students_of(assignment).filter(user=user).first()


def children_concerned(user: User, assignment: Assignment) -> QuerySet[Profile]:
    """The user's children the assignment is set for."""
    if not may_act(user):
        return Profile.objects.none()
    return (
        students_of(assignment)
        .filter(parent_links__parent__user=user)
        .select_related("user")
        .distinct()
        .order_by("user__first_name", "user__last_name")
    )


def can_submit(user: User, assignment: Assignment, student: Profile) -> bool:
    """Only the pupil, for themselves: nobody hands in for somebody else."""
    return may_act(user) and student.user_id == user.pk and is_set_for(assignment, student)


def can_view_assignment(user: User, assignment: Assignment) -> bool:
    """Its instructions: its pupils, their parents, its teacher and the staff."""
    return (
        can_track_assignment(user, assignment)
        or own_student_profile(user, assignment) is not None
        or children_concerned(user, assignment).exists()
    )


def can_view_submission(user: User, submission: Submission) -> bool:
    """A hand-in, its receipt, its files and its feedback: the pupil, their parents and the
    assignment's teacher."""
    if not may_act(user):
        return False
    return (
        submission.student.user_id == user.pk
        or ParentLink.objects.filter(parent__user=user, student=submission.student_id).exists()
        or can_manage_assignment(user, submission.assignment)
    )


def can_give_feedback(user: User, submission: Submission) -> bool:
    return can_manage_assignment(user, submission.assignment)
