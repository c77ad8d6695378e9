"""Every "may this user …?" question of Lien, answered in one place.

Plain functions of (user, object) that return a boolean, so that views, services and tests ask
the same question the same way. A user's rights are the union of the rights of their profiles
(a teacher who is also a parent sees their own child's data as a parent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from lien.core.models import (
    Establishment,
    Group,
    ParentLink,
    Profile,
    SchoolClass,
    TeachingAssignment,
    TutorLink,
)

if TYPE_CHECKING:
    from lien.accounts.models import User

Role = Profile.Role
StaffFunction = Profile.StaffFunction

ACCOUNT_MANAGERS = (StaffFunction.DIRECTION, StaffFunction.ENT_ADMIN)


def may_act(user: User) -> bool:
    """Anonymous visitors and deactivated accounts hold no right, whatever their profiles."""
    return user.is_authenticated and user.is_active


def _profiles(user: User) -> QuerySet[Profile]:
    if not may_act(user):
        return Profile.objects.none()
    return Profile.objects.filter(user=user)


def is_staff_of(user: User, establishment: Establishment, functions=None) -> bool:
    profiles = _profiles(user).filter(role=Role.STAFF, establishment=establishment)
    if functions is not None:
        profiles = profiles.filter(staff_function__in=functions)
    return profiles.exists()


def is_operator_of(user: User, establishment: Establishment) -> bool:
    return (
        _profiles(user)
        .filter(role=Role.OPERATOR, collectivity_id=establishment.collectivity_id)
        .exists()
    )


def can_view_establishment(user: User, establishment: Establishment) -> bool:
    """Members of the establishment and the operators of its collectivité."""
    return _profiles(user).filter(establishment=establishment).exists() or is_operator_of(
        user, establishment
    )


def can_manage_accounts(user: User, establishment: Establishment) -> bool:
    """Import, print activation letters, see account states: direction and ENT administrators."""
    return is_staff_of(user, establishment, ACCOUNT_MANAGERS)


def can_see_account_states(user: User, establishment: Establishment) -> bool:
    """Activation state and last login of each account: the establishment's staff."""
    return is_staff_of(user, establishment)


def can_enable_two_factor(user: User) -> bool:
    """Two-factor authentication (TOTP) is offered to staff accounts, in any establishment."""
    return _profiles(user).filter(role=Role.STAFF).exists()


def can_reset_two_factor(user: User, target_user: User) -> bool:
    """Turn off a staff member's two-factor authentication (a lost phone): the account managers
    of an establishment where the target holds a staff profile; never one's own."""
    if not may_act(user) or user.pk == target_user.pk:
        return False
    managed = _profiles(user).filter(role=Role.STAFF, staff_function__in=ACCOUNT_MANAGERS)
    return Profile.objects.filter(
        user=target_user,
        role=Role.STAFF,
        establishment_id__in=managed.values("establishment_id"),
    ).exists()


def teaches_class(user: User, school_class: SchoolClass) -> bool:
    """The user teaches the class, either directly or through a group holding some of its pupils."""
    if not may_act(user):
        return False
    direct = Q(school_class=school_class)
    # Only a group of the class's own school year: last year's group says nothing about this year.
    through_group = Q(
        group__members__enrolments__school_class=school_class,
        group__school_year_id=school_class.school_year_id,
    )
    return (
        TeachingAssignment.objects.filter(teacher__user=user, teacher__role=Role.TEACHER)
        .filter(direct | through_group)
        .exists()
        or SchoolClass.objects.filter(pk=school_class.pk, main_teacher__user=user).exists()
    )


def can_view_class_roster(user: User, school_class: SchoolClass) -> bool:
    """The list of pupils of a class: its establishment's staff and its teachers."""
    return is_staff_of(user, school_class.establishment) or teaches_class(user, school_class)


def can_view_class(user: User, school_class: SchoolClass) -> bool:
    """The class's page: roster readers, its pupils and their parents."""
    if not may_act(user):
        return False
    if can_view_class_roster(user, school_class):
        return True
    students = Profile.objects.filter(enrolments__school_class=school_class)
    return (
        students.filter(user=user).exists()
        or ParentLink.objects.filter(parent__user=user, student__in=students).exists()
    )


def can_view_group(user: User, group: Group) -> bool:
    if not may_act(user):
        return False
    return (
        is_staff_of(user, group.establishment)
        or group.teachings.filter(teacher__user=user).exists()
        or group.members.filter(user=user).exists()
        or ParentLink.objects.filter(parent__user=user, student__in=group.members.all()).exists()
    )


def is_parent_of(user: User, student: Profile) -> bool:
    if not may_act(user):
        return False
    return ParentLink.objects.filter(parent__user=user, student=student).exists()


def teaches_student(user: User, student: Profile) -> bool:
    if not may_act(user):
        return False
    classes = SchoolClass.objects.filter(
        enrolments__student=student, enrolments__school_year__is_current=True
    )
    current_group = Q(group__members=student, group__school_year__is_current=True)
    return (
        TeachingAssignment.objects.filter(teacher__user=user)
        .filter(Q(school_class__in=classes) | current_group)
        .exists()
        or classes.filter(main_teacher__user=user).exists()
    )


def can_view_student(user: User, student: Profile) -> bool:
    """A pupil's data: the pupil, their parents, their teachers, their tutors and the staff."""
    if student.role != Role.STUDENT or not may_act(user):
        return False
    return (
        student.user_id == user.pk
        or is_parent_of(user, student)
        or teaches_student(user, student)
        or TutorLink.objects.filter(tutor__user=user, student=student).exists()
        or (student.establishment is not None and is_staff_of(user, student.establishment))
    )


def children_of(user: User) -> QuerySet[Profile]:
    """The pupils the user is a parent of, in every establishment."""
    if not may_act(user):
        return Profile.objects.none()
    return (
        Profile.objects.filter(role=Role.STUDENT, parent_links__parent__user=user)
        .select_related("user", "establishment")
        .distinct()
        .order_by("user__first_name", "user__last_name")
    )


REPORT_HANDLERS = (StaffFunction.DIRECTION, StaffFunction.SCHOOL_LIFE)


def can_handle_message_reports(user: User, establishment: Establishment) -> bool:
    """Read reported messages, lock their conversation, close the report: the establishment's
    direction and CPE."""
    return is_staff_of(user, establishment, REPORT_HANDLERS)


def can_suspend_sending(user: User, collectivity) -> bool:
    """Suspend (and restore) messaging for a whole profile: the collectivité's operators."""
    return _profiles(user).filter(role=Role.OPERATOR, collectivity=collectivity).exists()
