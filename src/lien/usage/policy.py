"""Who sees the usage statistics of which establishments (built on lien.core.policy)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from lien.core.models import Establishment, Profile
from lien.core.policy import Role, StaffFunction, may_act

if TYPE_CHECKING:
    from lien.accounts.models import User

USAGE_READERS = (StaffFunction.DIRECTION,)


def _reader_profiles(user: User) -> QuerySet[Profile]:
    if not may_act(user):
        return Profile.objects.none()
    return Profile.objects.filter(user=user).filter(
        Q(role=Role.OPERATOR) | Q(role=Role.STAFF, staff_function__in=USAGE_READERS)
    )


def can_view_usage(user: User) -> bool:
    """The collectivités' operators and the establishments' direction."""
    return _reader_profiles(user).exists()


def usage_establishments(user: User) -> QuerySet[Establishment]:
    """The establishments whose usage the user may see: every establishment of the
    collectivités they operate, and those they direct."""
    profiles = _reader_profiles(user)
    return Establishment.objects.filter(
        Q(collectivity_id__in=profiles.filter(role=Role.OPERATOR).values("collectivity_id"))
        | Q(pk__in=profiles.filter(role=Role.STAFF).values("establishment_id"))
    ).order_by("name", "pk")
