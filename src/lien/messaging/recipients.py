"""Turning what the sender typed (a person, "the parents of 2nde B", …) into people."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from lien.core.models import Profile
from lien.messaging.models import Address

Kind = Address.Kind
Role = Profile.Role


def users_of(address: Address) -> QuerySet:
    """The active accounts an address stands for, as a query (never loaded one by one)."""
    User = get_user_model()
    current = Q(enrolments__school_year__is_current=True)
    if address.kind == Kind.USER:
        users = User.objects.filter(pk=address.user_id or 0)
    elif address.kind == Kind.CLASS_STUDENTS:
        users = User.objects.filter(
            profiles__in=Profile.objects.filter(
                current, enrolments__school_class=address.school_class_id
            )
        )
    elif address.kind == Kind.CLASS_PARENTS:
        users = User.objects.filter(
            profiles__child_links__student__enrolments__school_class=address.school_class_id,
            profiles__child_links__student__enrolments__school_year__is_current=True,
        )
    elif address.kind == Kind.CLASS_TEACHERS:
        teachers = Profile.objects.filter(role=Role.TEACHER).filter(
            Q(teachings__school_class=address.school_class_id)
            | Q(
                teachings__group__members__enrolments__school_class=address.school_class_id,
                teachings__group__school_year__is_current=True,
            )
            | Q(main_classes=address.school_class_id)
        )
        users = User.objects.filter(profiles__in=teachers)
    elif address.kind == Kind.GROUP_STUDENTS:
        users = User.objects.filter(profiles__student_groups=address.group_id)
    elif address.kind == Kind.GROUP_PARENTS:
        users = User.objects.filter(profiles__child_links__student__student_groups=address.group_id)
    elif address.kind == Kind.STAFF:
        establishment_id = address.message.establishment_id
        users = User.objects.filter(
            profiles__role=Role.STAFF, profiles__establishment=establishment_id
        )
    else:  # pragma: no cover - the database constraint lists every kind
        raise ValueError(address.kind)
    return users.filter(is_active=True)


def resolve(addresses: list[Address], exclude_user_id: int) -> dict[int, str]:
    """Recipient user id → the field (to, cc, bcc) they get it in; "to" wins over "cc" over
    "bcc" when a person is in several lists."""
    rank = {"to": 0, "cc": 1, "bcc": 2}
    fields: dict[int, str] = {}
    for address in sorted(addresses, key=lambda a: rank[a.field]):
        for user_id in users_of(address).values_list("pk", flat=True).distinct():
            if user_id != exclude_user_id:
                fields.setdefault(user_id, address.field)
    return fields
