"""Who may read the operations endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser

from lien.core.models import Profile
from lien.core.policy import may_act

if TYPE_CHECKING:
    from lien.accounts.models import User


def is_platform_operator(user: User) -> bool:
    """A collectivité operator (or a superuser): the people who run the installation."""
    if not may_act(user):
        return False
    operators = Profile.objects.filter(user=user, role=Profile.Role.OPERATOR)
    return user.is_superuser or operators.exists()


def can_read_metrics_from_this_machine(user: User | AnonymousUser) -> bool:
    """From the loopback address: a scraper (no session) or an operator. Other people signed in
    are refused: their browsers reach the loopback address only through a reverse proxy."""
    if isinstance(user, AnonymousUser) or not user.is_authenticated:
        return True
    return is_platform_operator(user)
