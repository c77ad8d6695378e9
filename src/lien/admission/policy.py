"""Who may declare and end a crisis mode, and for what."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from lien.admission.models import CrisisMode
from lien.core.models import Collectivity, Establishment, Profile
from lien.core.policy import is_operator_of, is_staff_of, may_act

if TYPE_CHECKING:
    from lien.accounts.models import User

Role = Profile.Role
DIRECTION = (Profile.StaffFunction.DIRECTION,)


def operates(user: User, collectivity: Collectivity) -> bool:
    return (
        may_act(user)
        and Profile.objects.filter(
            user=user, role=Role.OPERATOR, collectivity=collectivity
        ).exists()
    )


def can_control_collectivity_crisis(user: User, collectivity: Collectivity) -> bool:
    """A crisis mode for every establishment of a collectivité: its operators."""
    return operates(user, collectivity)


def can_control_establishment_crisis(user: User, establishment: Establishment) -> bool:
    """A crisis mode for one establishment: the operators of its collectivité and its
    direction."""
    return is_operator_of(user, establishment) or is_staff_of(user, establishment, DIRECTION)


def can_control_crisis(user: User, mode: CrisisMode) -> bool:
    if mode.establishment is not None:
        return can_control_establishment_crisis(user, mode.establishment)
    return mode.collectivity is not None and can_control_collectivity_crisis(
        user, mode.collectivity
    )


def controlled_collectivities(user: User) -> QuerySet[Collectivity]:
    if not may_act(user):
        return Collectivity.objects.none()
    return Collectivity.objects.filter(operators__user=user, operators__role=Role.OPERATOR)


def controlled_establishments(user: User) -> QuerySet[Establishment]:
    """Every establishment whose crisis mode the user may declare: the collectivités they
    operate, the establishments they direct."""
    if not may_act(user):
        return Establishment.objects.none()
    directed = Profile.objects.filter(
        user=user, role=Role.STAFF, staff_function__in=DIRECTION
    ).values("establishment_id")
    operated = Profile.objects.filter(user=user, role=Role.OPERATOR).values("collectivity_id")
    return Establishment.objects.filter(
        Q(pk__in=directed) | Q(collectivity_id__in=operated)
    ).select_related("collectivity")
