"""Crisis modes: declaring and ending them, and the rules they bring, read cheaply.

The active modes are few: all of them are read in one query into a snapshot kept in the cache
(`SNAPSHOT_SECONDS`) and, in each process, for `MEMO_SECONDS`, so that checking a rule on a
request costs no query and usually no cache round trip. Declaring or ending a mode refreshes
the snapshot at once in this process, within `MEMO_SECONDS` in the others.

When an establishment is in a crisis mode of its own and its collectivité in another, both
apply and the stricter rule wins (the smaller limit, the narrower hours).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from lien.admission import policy, windows
from lien.admission.models import CrisisMode
from lien.admission.priority import Identity, PriorityClass, request_identity
from lien.core.models import Collectivity, Establishment

if TYPE_CHECKING:
    from lien.accounts.models import User

SNAPSHOT_KEY = "admission:crisis-snapshot"
SNAPSHOT_SECONDS = 60
MEMO_SECONDS = 5
REASON_MAX_LENGTH = 300


@dataclass(frozen=True)
class CrisisRules:
    """What the crisis modes of one establishment (its own and its collectivité's) impose."""

    reasons: tuple[str, ...]
    max_upload_mb: int | None = None
    heavy_features_paused: bool = False
    parent_access_mask: int = windows.WHOLE_DAY
    session_idle_minutes: int | None = None

    @property
    def restricts_parents(self) -> bool:
        return self.parent_access_mask != windows.WHOLE_DAY

    def merged_with(self, other: CrisisRules | None) -> CrisisRules:
        if other is None:
            return self
        return CrisisRules(
            reasons=self.reasons + other.reasons,
            max_upload_mb=_smallest(self.max_upload_mb, other.max_upload_mb),
            heavy_features_paused=self.heavy_features_paused or other.heavy_features_paused,
            parent_access_mask=self.parent_access_mask & other.parent_access_mask,
            session_idle_minutes=_smallest(self.session_idle_minutes, other.session_idle_minutes),
        )


def _smallest(first: int | None, second: int | None) -> int | None:
    values = [value for value in (first, second) if value is not None]
    return min(values) if values else None


@dataclass(frozen=True)
class CrisisSnapshot:
    by_collectivity: dict[int, CrisisRules] = field(default_factory=dict)
    by_establishment: dict[int, CrisisRules] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.by_collectivity and not self.by_establishment

    @property
    def restricts_parents(self) -> bool:
        rules = [*self.by_collectivity.values(), *self.by_establishment.values()]
        return any(rule.restricts_parents for rule in rules)

    def rules_for(self, establishment_id: int, collectivity_id: int) -> CrisisRules | None:
        own = self.by_establishment.get(establishment_id)
        shared = self.by_collectivity.get(collectivity_id)
        if own is None:
            return shared
        return own.merged_with(shared)


_SNAPSHOT_FIELDS = (
    "collectivity_id",
    "establishment_id",
    "reason",
    "max_upload_mb",
    "heavy_features_paused",
    "parent_access_windows",
    "session_idle_minutes",
)


def _snapshot_of(rows: list[tuple]) -> CrisisSnapshot:
    snapshot = CrisisSnapshot()
    for collectivity_id, establishment_id, reason, upload, paused, hours, idle in rows:
        rules = CrisisRules((reason,), upload, paused, windows.mask_of(hours), idle)
        if establishment_id is not None:
            snapshot.by_establishment[establishment_id] = rules
        else:
            snapshot.by_collectivity[collectivity_id] = rules
    return snapshot


_memo: tuple[str, float, CrisisSnapshot] | None = None
_memo_lock = threading.Lock()


def active_crises() -> CrisisSnapshot:
    """Every active crisis mode's rules, usually without any query nor cache round trip."""
    global _memo
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    memo = _memo
    now = time.monotonic()
    if memo is not None and memo[0] == prefix and memo[1] > now:
        return memo[2]
    rows = cache.get(SNAPSHOT_KEY)
    if rows is None:
        rows = list(CrisisMode.objects.filter(ended_at__isnull=True).values_list(*_SNAPSHOT_FIELDS))
        cache.set(SNAPSHOT_KEY, rows, SNAPSHOT_SECONDS)
    snapshot = _snapshot_of(rows)
    with _memo_lock:
        _memo = (prefix, now + MEMO_SECONDS, snapshot)
    return snapshot


def forget_crises() -> None:
    """Read the active modes again on the next use, in this process and (through the cache)
    in the others."""
    global _memo
    with _memo_lock:
        _memo = None
    cache.delete(SNAPSHOT_KEY)


def crisis_for(establishment: Establishment) -> CrisisRules | None:
    """The rules the crisis modes impose on this establishment; None outside any."""
    return active_crises().rules_for(establishment.pk, establishment.collectivity_id)


def max_upload_bytes(establishment: Establishment, default: int) -> int:
    """The largest upload allowed in this establishment: `default`, or less during a crisis."""
    rules = crisis_for(establishment)
    if rules is None or rules.max_upload_mb is None:
        return default
    return min(default, rules.max_upload_mb * 1024 * 1024)


def heavy_features_paused(establishment: Establishment) -> bool:
    rules = crisis_for(establishment)
    return rules is not None and rules.heavy_features_paused


def parent_access_allowed(establishment: Establishment, now: datetime) -> bool:
    rules = crisis_for(establishment)
    return rules is None or windows.allows(rules.parent_access_mask, timezone.localtime(now))


def session_idle_minutes(establishment: Establishment, default: int) -> int:
    rules = crisis_for(establishment)
    if rules is None or rules.session_idle_minutes is None:
        return default
    return min(default, rules.session_idle_minutes)


# The same rules, for a request: from the session's identity, without loading any model.


@dataclass(frozen=True)
class ParentsClosed:
    reasons: tuple[str, ...]
    windows: list[str]
    opening: datetime


def parents_closed(identity: Identity, now: datetime) -> ParentsClosed | None:
    """Why and until when a parent (or tutor) may not come in now; None if they may.

    A parent of children in several establishments comes in when one of them lets them."""
    if identity.priority != PriorityClass.PARENT:
        return None
    snapshot = active_crises()
    local_now = timezone.localtime(now)
    allowed = 0
    reasons: tuple[str, ...] = ()
    for establishment_id, collectivity_id in identity.places:
        rules = snapshot.rules_for(establishment_id, collectivity_id)
        if rules is None:
            return None
        allowed |= rules.parent_access_mask
        reasons += tuple(reason for reason in rules.reasons if reason not in reasons)
    if not identity.places or windows.allows(allowed, local_now):
        return None
    opening = windows.next_opening(allowed, local_now)
    if opening is None:  # cannot happen: a stored range is never empty
        return None
    return ParentsClosed(reasons, windows.describe(allowed), opening)


def session_idle_minutes_for_request(request: HttpRequest, default: int) -> int:
    """The idle timeout of this session: shortened for pupils and families of an establishment
    in crisis (not for the staff and teachers, who are let in first)."""
    snapshot = active_crises()
    if snapshot.is_empty:
        return default
    identity = request_identity(request)
    if identity.priority == PriorityClass.STAFF:
        return default
    minutes = default
    for establishment_id, collectivity_id in identity.places:
        rules = snapshot.rules_for(establishment_id, collectivity_id)
        if rules is not None and rules.session_idle_minutes is not None:
            minutes = min(minutes, rules.session_idle_minutes)
    return minutes


# Declaring and ending --------------------------------------------------------------------


@dataclass(frozen=True)
class CrisisSettings:
    reason: str
    max_upload_mb: int | None = None
    heavy_features_paused: bool = False
    parent_access_windows: list[list[int]] = field(default_factory=list)
    session_idle_minutes: int | None = None


def check_start_crisis(
    user: User, scope: Collectivity | Establishment, crisis: CrisisSettings
) -> CrisisMode:
    """Declare a crisis mode for a collectivité or an establishment the user controls."""
    if isinstance(scope, Establishment):
        allowed = policy.can_control_establishment_crisis(user, scope)
    else:
        allowed = policy.can_control_collectivity_crisis(user, scope)
    if not allowed:
        raise PermissionDenied(_("Vous ne pouvez pas déclarer de mode crise ici."))
    reason = crisis.reason.strip()
    if not reason:
        raise ValidationError(
            _("Donnez le motif du mode crise : il est affiché aux personnes concernées."),
            code="reason",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Le motif est trop long (%(max)s caractères au plus).") % {"max": REASON_MAX_LENGTH},
            code="reason",
        )
    if (
        crisis.session_idle_minutes is not None
        and crisis.session_idle_minutes > settings.LIEN_SESSION_IDLE_MINUTES
    ):
        raise ValidationError(
            _("Le mode crise ne peut que raccourcir les sessions : %(max)s minutes au plus.")
            % {"max": settings.LIEN_SESSION_IDLE_MINUTES},
            code="session_idle_minutes",
        )
    return do_start_crisis(user, scope, crisis, reason)


def do_start_crisis(
    user: User, scope: Collectivity | Establishment, crisis: CrisisSettings, reason: str
) -> CrisisMode:
    scope_field = "establishment" if isinstance(scope, Establishment) else "collectivity"
    try:
        with transaction.atomic():
            mode = CrisisMode.objects.create(
                **{scope_field: scope},
                reason=reason,
                started_by=user,
                max_upload_mb=crisis.max_upload_mb,
                heavy_features_paused=crisis.heavy_features_paused,
                parent_access_windows=crisis.parent_access_windows,
                session_idle_minutes=crisis.session_idle_minutes,
            )
    except IntegrityError:
        raise ValidationError(
            _("Un mode crise est déjà en cours pour %(scope)s.") % {"scope": scope},
            code="scope",
        ) from None
    _forget_crises_now_and_on_commit()
    return mode


def check_end_crisis(user: User, mode: CrisisMode) -> CrisisMode:
    if not policy.can_control_crisis(user, mode):
        raise PermissionDenied(_("Vous ne pouvez pas terminer ce mode crise."))
    return do_end_crisis(user, mode)


def do_end_crisis(user: User, mode: CrisisMode) -> CrisisMode:
    with transaction.atomic():
        ended = CrisisMode.objects.filter(pk=mode.pk, ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_by=user
        )
    if not ended:
        raise ValidationError(_("Ce mode crise est déjà terminé."), code="ended")
    mode.refresh_from_db()
    _forget_crises_now_and_on_commit()
    return mode


def _forget_crises_now_and_on_commit() -> None:
    # Now for this process; after the commit again, in case another process read the rows
    # in between and put the old snapshot back into the cache.
    forget_crises()
    transaction.on_commit(forget_crises)


# What the crisis page shows ---------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    value: str  # "c-<code>" or "e-<code>", for the form
    place: Collectivity | Establishment
    label: str


def controllable_scopes(user: User) -> list[Scope]:
    """The collectivités, then the establishments, whose crisis mode the user controls."""
    collectivities = [
        Scope(
            f"c-{collectivity.code}",
            collectivity,
            _("%(name)s (tous ses établissements)") % {"name": collectivity.name},
        )
        for collectivity in policy.controlled_collectivities(user).order_by("name")
    ]
    establishments = [
        Scope(f"e-{establishment.code}", establishment, establishment.name)
        for establishment in policy.controlled_establishments(user).order_by("name")
    ]
    return collectivities + establishments


def controllable_modes(user: User) -> QuerySet[CrisisMode]:
    return CrisisMode.objects.filter(
        Q(collectivity__in=policy.controlled_collectivities(user))
        | Q(establishment__in=policy.controlled_establishments(user))
    ).select_related("collectivity", "establishment", "started_by", "ended_by")


def access_crisis_for_user(user: User, code: str) -> CrisisMode | None:
    """A crisis mode the user controls, by its code; None for any other."""
    return controllable_modes(user).filter(code=code).first()


def describe_windows(mode: CrisisMode) -> list[str]:
    """The hours parents may come, as shown; empty when they may come at any time."""
    if not mode.parent_access_windows:
        return []
    return windows.describe(windows.mask_of(mode.parent_access_windows))
