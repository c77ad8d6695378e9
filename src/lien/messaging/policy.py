"""Who may write to whom, and to which lists (built on lien.core.policy).

The defaults are the strict ones French schools were asked to keep: staff write to everyone of
their establishment; teachers to the pupils they teach, those pupils' parents, their colleagues
and the staff; parents to their children, their children's teachers and the staff; pupils to
their teachers, their parents and the staff (and their classmates if the establishment allows
it). Nobody writes across establishments unless they hold a profile in both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lien.core.models import Enrolment, ParentLink, Profile, TutorLink
from lien.core.policy import Role, can_manage_accounts, may_act, teaches_class, teaches_student
from lien.messaging.models import Address, MessagingRules, SendingSuspension

if TYPE_CHECKING:
    from lien.accounts.models import User

ADULTS = {Role.TEACHER, Role.STAFF}
Kind = Address.Kind


def rules_for(establishment) -> MessagingRules:
    rules = getattr(establishment, "_messaging_rules", None)
    if rules is None:
        rules = MessagingRules.objects.filter(establishment=establishment).first()
        rules = rules or MessagingRules(establishment=establishment)
        establishment._messaging_rules = rules
    return rules


def sending_suspension(user: User) -> SendingSuspension | None:
    """The suspension that stops this user from sending, if every profile of theirs is
    suspended (a teacher who is also a suspended parent still writes as a teacher)."""
    profiles = list(Profile.objects.filter(user=user).select_related("establishment"))
    scopes = {
        (
            profile.establishment.collectivity_id
            if profile.establishment is not None
            else profile.collectivity_id,
            profile.role,
        )
        for profile in profiles
    }
    active = SendingSuspension.objects.filter(
        lifted_at__isnull=True, role__in={role for _, role in scopes}
    )
    by_scope: dict[tuple[int | None, str], SendingSuspension] = {
        (s.collectivity_id, s.role): s for s in active
    }
    if not scopes or any(scope not in by_scope for scope in scopes):
        return None
    return by_scope[next(iter(sorted(scopes, key=str)))]


def can_write_to(sender: User, recipient: User) -> bool:
    """Whether the sender may start a conversation with the recipient."""
    if not may_act(sender) or not recipient.is_active or sender.pk == recipient.pk:
        return False
    recipient_profiles = list(
        Profile.objects.filter(user=recipient).select_related("establishment")
    )
    sender_profiles = Profile.objects.filter(user=sender).select_related("establishment")
    return any(
        _profile_may_write_to(mine, theirs)
        for mine in sender_profiles
        for theirs in recipient_profiles
    )


def _profile_may_write_to(mine: Profile, theirs: Profile) -> bool:
    if mine.role == Role.OPERATOR:
        return (
            theirs.role == Role.STAFF
            and theirs.establishment is not None
            and theirs.establishment.collectivity_id == mine.collectivity_id
        )
    if theirs.establishment_id != mine.establishment_id:
        return False
    if mine.role == Role.STAFF or theirs.role == Role.STAFF:
        return True
    if mine.role == Role.TEACHER:
        return _teacher_may_write_to(mine, theirs)
    if theirs.role == Role.TEACHER:
        return _may_write_to_teacher(mine, theirs)
    if mine.role == Role.PARENT:
        return _parent_may_write_to(mine, theirs)
    if mine.role == Role.STUDENT:
        return _student_may_write_to(mine, theirs)
    if mine.role == Role.TUTOR:
        return _tutor_may_write_to(mine, theirs)
    return False


def _teacher_may_write_to(teacher: Profile, theirs: Profile) -> bool:
    if theirs.role == Role.TEACHER:
        return True
    if theirs.role == Role.STUDENT:
        return teaches_student(teacher.user, theirs)
    if theirs.role == Role.PARENT:
        children = Profile.objects.filter(parent_links__parent=theirs)
        return any(teaches_student(teacher.user, child) for child in children)
    if theirs.role == Role.TUTOR:
        students = Profile.objects.filter(tutor_links__tutor=theirs)
        return any(teaches_student(teacher.user, student) for student in students)
    return False


def _may_write_to_teacher(mine: Profile, teacher: Profile) -> bool:
    """Pupils, parents and tutors write to the teachers of the pupils they are linked to."""
    if mine.role == Role.STUDENT:
        pupils = [mine]
    elif mine.role == Role.PARENT:
        pupils = list(Profile.objects.filter(parent_links__parent=mine))
    elif mine.role == Role.TUTOR:
        pupils = list(Profile.objects.filter(tutor_links__tutor=mine))
    else:
        return False
    return any(teaches_student(teacher.user, pupil) for pupil in pupils)


def _parent_may_write_to(parent: Profile, theirs: Profile) -> bool:
    if theirs.role == Role.STUDENT:
        return ParentLink.objects.filter(parent=parent, student=theirs).exists()
    if (
        theirs.role == Role.PARENT
        and rules_for(parent.establishment).parents_may_write_to_class_parents
    ):
        their_classes = Enrolment.objects.filter(
            student__parent_links__parent=theirs, school_year__is_current=True
        ).values("school_class")
        return Enrolment.objects.filter(
            student__parent_links__parent=parent, school_class__in=their_classes
        ).exists()
    return False


def _student_may_write_to(student: Profile, theirs: Profile) -> bool:
    if theirs.role == Role.PARENT:
        return ParentLink.objects.filter(parent=theirs, student=student).exists()
    if (
        theirs.role == Role.STUDENT
        and rules_for(student.establishment).students_may_write_to_classmates
    ):
        return Enrolment.objects.filter(
            student=theirs,
            school_year__is_current=True,
            school_class__enrolments__student=student,
        ).exists()
    return False


def _tutor_may_write_to(tutor: Profile, theirs: Profile) -> bool:
    if theirs.role == Role.STUDENT:
        return TutorLink.objects.filter(tutor=tutor, student=theirs).exists()
    if theirs.role == Role.PARENT:
        return TutorLink.objects.filter(tutor=tutor, student__parent_links__parent=theirs).exists()
    return False


def can_address_list(sender: User, kind: str, target) -> bool:
    """Whether the sender may write to a whole list: `target` is the class, the group or the
    establishment the list is taken from."""
    if not may_act(sender):
        return False
    establishment = target if kind == Kind.STAFF else target.establishment
    profiles = list(Profile.objects.filter(user=sender, establishment=establishment))
    roles = {profile.role for profile in profiles}
    if Role.STAFF in roles:
        return True
    if kind == Kind.STAFF:
        return bool(roles)
    if kind in (Kind.CLASS_STUDENTS, Kind.CLASS_PARENTS):
        return Role.TEACHER in roles and teaches_class(sender, target)
    if kind == Kind.CLASS_TEACHERS:
        if Role.TEACHER in roles:
            return True
        in_class = Enrolment.objects.filter(school_class=target)
        return (
            in_class.filter(student__user=sender).exists()
            or in_class.filter(student__parent_links__parent__user=sender).exists()
        )
    if kind in (Kind.GROUP_STUDENTS, Kind.GROUP_PARENTS):
        return Role.TEACHER in roles and target.teachings.filter(teacher__user=sender).exists()
    return False


def may_send_no_reply(user: User, establishment) -> bool:
    """Teachers and staff send messages without reply and recall unread ones."""
    return Profile.objects.filter(
        user=user, establishment=establishment, role__in=list(ADULTS)
    ).exists()


def can_adjust_messaging_rules(user: User, establishment) -> bool:
    """Who adjusts the establishment's messaging rules: the account managers (direction and
    ENT administrators)."""
    return can_manage_accounts(user, establishment)
