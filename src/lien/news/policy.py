"""Who writes, sees, validates and follows news, and who posts flash banners (built on
lien.core.policy).

Teachers and staff write news; the direction and the vie scolaire validate teachers' items when
the establishment asks for it. Staff write to the whole establishment and to any class or group
of the current year; teachers to the classes they teach or lead (their pupils, or their pupils'
parents) and to the groups they teach. A news item reaches the members of its audiences once
published and until it expires; its author and the establishment's staff also see it before and
after (the staff never see another person's draft). Nobody sees the news of an establishment
where they hold no profile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from lien.core.models import (
    Collectivity,
    Enrolment,
    Establishment,
    Group,
    Profile,
    SchoolClass,
    TeachingAssignment,
)
from lien.core.policy import Role, StaffFunction, is_staff_of, may_act
from lien.news.models import Audience, NewsItem, NewsSettings

if TYPE_CHECKING:
    from datetime import datetime

    from lien.accounts.models import User

Kind = Audience.Kind
Status = NewsItem.Status
WRITERS = (Role.TEACHER, Role.STAFF)
VALIDATORS = (StaffFunction.DIRECTION, StaffFunction.SCHOOL_LIFE)
PARENT_AUDIENCES = (Kind.ESTABLISHMENT, Kind.CLASS_PARENTS)


def _roles_in(user: User, establishment: Establishment) -> set[str]:
    if not may_act(user):
        return set()
    return set(
        Profile.objects.filter(user=user, establishment=establishment).values_list(
            "role", flat=True
        )
    )


def can_write_news(user: User, establishment: Establishment) -> bool:
    """Write news in this establishment: its teachers and staff."""
    return bool(_roles_in(user, establishment) & set(WRITERS))


def can_validate_news(user: User, establishment: Establishment) -> bool:
    """Publish the items teachers submitted or send them back, change anyone's item: the
    direction and the vie scolaire."""
    return is_staff_of(user, establishment, VALIDATORS)


def needs_validation(user: User, establishment: Establishment) -> bool:
    """Whether what this user publishes waits for a validator first: teachers' items, when
    the establishment asks for it (staff always publish directly)."""
    if is_staff_of(user, establishment):
        return False
    return NewsSettings.objects.filter(
        establishment=establishment, teachers_need_validation=True
    ).exists()


def can_edit_news(user: User, item: NewsItem) -> bool:
    """Change or delete an item: its author while still a writer there, and the validators."""
    if not may_act(user):
        return False
    if item.author_id == user.pk and can_write_news(user, item.establishment):
        return True
    return can_validate_news(user, item.establishment)


def can_follow_acknowledgements(user: User, item: NewsItem) -> bool:
    """See who has not confirmed yet, and remind them: the author and the staff."""
    if not may_act(user):
        return False
    if item.author_id == user.pk and can_write_news(user, item.establishment):
        return True
    return is_staff_of(user, item.establishment)


def can_adjust_news_settings(user: User, establishment: Establishment) -> bool:
    """Switch the validation of teachers' news on or off: the direction."""
    return is_staff_of(user, establishment, (StaffFunction.DIRECTION,))


def can_post_establishment_flash(user: User, establishment: Establishment) -> bool:
    return is_staff_of(user, establishment, (StaffFunction.DIRECTION,))


def can_post_collectivity_flash(user: User, collectivity: Collectivity) -> bool:
    return (
        may_act(user)
        and Profile.objects.filter(
            user=user, role=Role.OPERATOR, collectivity=collectivity
        ).exists()
    )


# Audiences a writer may choose ------------------------------------------------------------------


def may_address_establishment(user: User, establishment: Establishment) -> bool:
    return is_staff_of(user, establishment)


def addressable_classes(user: User, establishment: Establishment) -> QuerySet[SchoolClass]:
    """The current year's classes this user may write to (their pupils or their parents)."""
    classes = SchoolClass.objects.filter(
        establishment=establishment, school_year__is_current=True
    ).order_by("name")
    if is_staff_of(user, establishment):
        return classes
    if Role.TEACHER not in _roles_in(user, establishment):
        return classes.none()
    taught = TeachingAssignment.objects.filter(
        teacher__user=user, teacher__role=Role.TEACHER, school_class=OuterRef("pk")
    )
    return classes.filter(Exists(taught) | Q(main_teacher__user=user))


def addressable_groups(user: User, establishment: Establishment) -> QuerySet[Group]:
    groups = Group.objects.filter(
        establishment=establishment, school_year__is_current=True
    ).order_by("name")
    if is_staff_of(user, establishment):
        return groups
    if Role.TEACHER not in _roles_in(user, establishment):
        return groups.none()
    taught = TeachingAssignment.objects.filter(
        teacher__user=user, teacher__role=Role.TEACHER, group=OuterRef("pk")
    )
    return groups.filter(Exists(taught))


def can_address(user: User, establishment: Establishment, kind: str, target) -> bool:
    """Whether the user may publish to this audience (`target`: its class or group)."""
    if kind == Kind.ESTABLISHMENT:
        return may_address_establishment(user, establishment)
    if kind in (Kind.CLASS, Kind.CLASS_PARENTS):
        return (
            isinstance(target, SchoolClass)
            and addressable_classes(user, establishment).filter(pk=target.pk).exists()
        )
    if kind == Kind.GROUP:
        return (
            isinstance(target, Group)
            and addressable_groups(user, establishment).filter(pk=target.pk).exists()
        )
    return False


# Who sees what ----------------------------------------------------------------------------------


def public_at(moment: datetime) -> Q:
    """Items published, whose publication has come and not ended."""
    return Q(status=Status.PUBLISHED, publish_at__lte=moment) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=moment)
    )


def _audience_of(profile: Profile) -> Q:
    """Audience rows that reach this profile (one SQL condition, with subqueries)."""
    everyone = Q(kind=Kind.ESTABLISHMENT)
    current = {"school_year__is_current": True}
    if profile.role == Role.STUDENT:
        classes = Enrolment.objects.filter(student=profile, **current).values("school_class")
        groups = Group.members.through.objects.filter(
            profile=profile, group__school_year__is_current=True
        ).values("group")
        return (
            everyone
            | Q(kind=Kind.CLASS, school_class__in=classes)
            | Q(kind=Kind.GROUP, group__in=groups)
        )
    if profile.role == Role.PARENT:
        classes = Enrolment.objects.filter(student__parent_links__parent=profile, **current).values(
            "school_class"
        )
        return everyone | Q(kind=Kind.CLASS_PARENTS, school_class__in=classes)
    if profile.role == Role.TEACHER:
        # As core.policy.teaches_class: directly, as main teacher, or through a group of theirs.
        direct = TeachingAssignment.objects.filter(
            teacher=profile, school_class__isnull=False
        ).values("school_class")
        led = SchoolClass.objects.filter(main_teacher=profile).values("pk")
        through_groups = Enrolment.objects.filter(
            student__student_groups__teachings__teacher=profile,
            student__student_groups__school_year__is_current=True,
            **current,
        ).values("school_class")
        taught_groups = TeachingAssignment.objects.filter(
            teacher=profile, group__isnull=False
        ).values("group")
        class_kinds = Q(kind__in=[Kind.CLASS, Kind.CLASS_PARENTS])
        return (
            everyone
            | (class_kinds & (Q(school_class__in=direct) | Q(school_class__in=led)))
            | (class_kinds & Q(school_class__in=through_groups))
            | Q(kind=Kind.GROUP, group__in=taught_groups)
        )
    return everyone


def news_visibility(user: User, profile: Profile | None, moment: datetime) -> Q:
    """The items this profile may open at `moment`, as a condition on NewsItem."""
    if (
        profile is None
        or profile.establishment_id is None
        or profile.user_id != user.pk
        or not may_act(user)
    ):
        return Q(pk__in=[])
    in_establishment = Q(establishment_id=profile.establishment_id)
    if profile.role == Role.STAFF:
        return in_establishment & (~Q(status=Status.DRAFT) | Q(author=user))
    reached = Exists(Audience.objects.filter(item=OuterRef("pk")).filter(_audience_of(profile)))
    own = Q(author=user) if profile.role in WRITERS else Q(pk__in=[])
    return in_establishment & (own | (public_at(moment) & Q(reached)))


def parents_asked_to_acknowledge(item: NewsItem) -> QuerySet[User]:
    """The parents an item asks to confirm their reading: every parent of the establishment for
    an item to the whole establishment, else the parents of the pupils of its parents' classes
    (current year). Deactivated accounts are left out."""
    user_model = get_user_model()
    kinds = {audience.kind: audience for audience in item.audiences.all()}
    parents = Profile.objects.filter(role=Role.PARENT, establishment_id=item.establishment_id)
    if Kind.ESTABLISHMENT not in kinds:
        classes = [
            audience.school_class_id
            for audience in item.audiences.all()
            if audience.kind == Kind.CLASS_PARENTS
        ]
        parents = parents.filter(
            child_links__student__enrolments__school_class_id__in=classes,
            child_links__student__enrolments__school_year__is_current=True,
        )
    return user_model.objects.filter(is_active=True, pk__in=parents.values("user_id"))
