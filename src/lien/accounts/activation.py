"""Activation codes: the one-time codes printed on activation letters.

A code is 12 characters from an alphabet without look-alikes (no 0/O, no 1/I/L), printed in
groups of four (ABCD-EFGH-JKMN): about 59 bits, far beyond guessing within the lockout limit.
Only an HMAC-SHA256 of the code, keyed with SECRET_KEY and salted with the account's id, is
stored: cheap enough to issue a whole establishment's letters at once (a slow password hash
such as Argon2 would take seconds per class), and useless to whoever reads the table.

The first login with a code does not log in: it leaves a pending activation in the session,
and the code is consumed only once the person has chosen their password.
"""

from __future__ import annotations

import enum
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from lien.accounts.models import ActivationCode, User

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
GROUP_LENGTH = 4
HMAC_SALT = "lien.accounts.activation.code"
# What people type between the groups, or by mistake around them.
SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")

PENDING_USER_KEY = "lien_activation_user"
PENDING_CODE_KEY = "lien_activation_code"
PENDING_SINCE_KEY = "lien_activation_since"
PENDING_NEXT_KEY = "lien_activation_next"
# Time allowed between typing the code and choosing the password.
PENDING_SECONDS = 15 * 60


class CodeState(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


@dataclass(frozen=True)
class IssuedCode:
    """A code as printed: the only moment it exists in clear."""

    user: User
    code: str  # formatted, ABCD-EFGH-JKMN
    expires_at: datetime


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return "-".join(code[i : i + GROUP_LENGTH] for i in range(0, len(code), GROUP_LENGTH))


def normalize_code(typed: str) -> str | None:
    """The code in its stored form (upper case, no separators); None if it cannot be one."""
    code = SEPARATORS.sub("", typed or "").upper()
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def hash_code(user_id: int, code: str) -> str:
    """The stored form of a normalized code, tied to its account."""
    return salted_hmac(HMAC_SALT, f"{user_id}:{code}", algorithm="sha256").hexdigest()


def code_lifetime() -> timedelta:
    return timedelta(days=settings.LIEN_ACTIVATION_CODE_DAYS)


def do_issue_codes(users: Sequence[User]) -> list[IssuedCode]:
    """Give each user a fresh code, in the given order, revoking their earlier unused codes.

    Call it inside the transaction that prints the letters, so that a failed print leaves the
    earlier letters valid.
    """
    now = timezone.now()
    expires_at = now + code_lifetime()
    user_ids = [user.pk for user in users]
    issued = [IssuedCode(user, generate_code(), expires_at) for user in users]
    with transaction.atomic():
        ActivationCode.objects.filter(
            user_id__in=user_ids, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        ActivationCode.objects.bulk_create(
            ActivationCode(
                user=item.user,
                code_hash=hash_code(item.user.pk, item.code),
                created_at=now,
                expires_at=expires_at,
            )
            for item in issued
        )
    return [IssuedCode(item.user, format_code(item.code), item.expires_at) for item in issued]


def code_state(activation_code: ActivationCode, now: datetime | None = None) -> CodeState:
    now = now or timezone.now()
    if activation_code.used_at is not None:
        return CodeState.USED
    if activation_code.revoked_at is not None:
        return CodeState.REVOKED
    if activation_code.expires_at <= now:
        return CodeState.EXPIRED
    return CodeState.VALID


def find_code(user: User, typed: str) -> ActivationCode | None:
    """The code of `user` that `typed` is, whatever its state; None if it is none of theirs."""
    code = normalize_code(typed)
    if code is None:
        return None
    # Looking up an HMAC leaks nothing through timing: nobody can steer its value.
    return ActivationCode.objects.filter(user=user, code_hash=hash_code(user.pk, code)).first()


def do_activate(user: User, activation_code_id: int, password: str) -> CodeState:
    """Consume the code and set the user's password, if the code is still valid.

    Returns the state the code was in: anything but VALID means nothing was changed. The first
    activation date is kept when a new letter serves as a paper password reset.
    """
    with transaction.atomic():
        activation_code = (
            ActivationCode.objects.select_for_update()
            .filter(pk=activation_code_id, user=user)
            .first()
        )
        if activation_code is None:
            return CodeState.REVOKED
        state = code_state(activation_code)
        if state is not CodeState.VALID:
            return state
        now = timezone.now()
        activation_code.used_at = now
        activation_code.save(update_fields=["used_at"])
        user.set_password(password)
        if user.activated_at is None:
            user.activated_at = now
        user.save(update_fields=["password", "activated_at"])
    return CodeState.VALID


def start_pending_activation(
    request: HttpRequest, user: User, activation_code: ActivationCode, next_url: str
) -> None:
    """The code is valid: remember it until the password is chosen, without logging in."""
    request.session.cycle_key()
    request.session[PENDING_USER_KEY] = user.pk
    request.session[PENDING_CODE_KEY] = activation_code.pk
    request.session[PENDING_SINCE_KEY] = time.time()
    request.session[PENDING_NEXT_KEY] = next_url


def pending_activation(request: HttpRequest) -> tuple[User, int, str] | None:
    """The user, code id and next URL of the activation under way; None if none or too late."""
    user_id = request.session.get(PENDING_USER_KEY)
    code_id = request.session.get(PENDING_CODE_KEY)
    since = request.session.get(PENDING_SINCE_KEY, 0)
    if user_id is None or code_id is None or time.time() - since > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    return user, code_id, request.session.get(PENDING_NEXT_KEY, "")


def clear_pending_activation(request: HttpRequest) -> None:
    for key in (PENDING_USER_KEY, PENDING_CODE_KEY, PENDING_SINCE_KEY, PENDING_NEXT_KEY):
        request.session.pop(key, None)
