"""Cached pieces of a user's own pages (their inbox listing, a message, the unread badge).

The busiest pages are mostly the same from one request to the next: what changes them is a
write (a message arrives, is read, is moved). Each user has a *content version* in the cache, a
random token that the services replace (`touch`) on every write that changes what that user's
pages show; a cached piece is stored under the user's current token, so a write makes every older
piece unreachable at once, for every page, with one cache write per user and nothing to delete.

A piece is also kept for at most `FRAGMENT_SECONDS`: what changes without a write of the user's
own (a correspondent renamed by an import, a rule of the establishment) shows after that delay.

Pieces that hold a form also vary on the session's CSRF secret, so that a token they carry is
always one the session accepts. Without a shared cache (the embedded mode's in-process cache),
the versions live in the one process that serves every request.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import get_language

FRAGMENT_SECONDS = 300
VERSION_SECONDS = 7 * 24 * 3600
_MISSING = object()


def _version_key(user_id: int | str | None) -> str:
    return f"content-version:{user_id}"


def _new_token() -> str:
    return uuid.uuid4().hex[:16]


def touch(user_ids: Iterable[int]) -> None:
    """The pages of these users have changed: forget their cached pieces, now and again after
    the commit (a reader between the two may have cached rows from before the commit under the
    first new token; the second makes that piece unreachable too)."""
    ids = {int(user_id) for user_id in user_ids}
    if ids:
        _replace_tokens(ids)
        transaction.on_commit(lambda: _replace_tokens(ids))


def _replace_tokens(user_ids: set[int]) -> None:
    cache.set_many({_version_key(user_id): _new_token() for user_id in user_ids}, VERSION_SECONDS)


def content_version(request: HttpRequest) -> str:
    """The user's current token, read once per request."""
    cached = getattr(request, "_lien_content_version", None)
    if cached is None:
        key = _version_key(request.user.pk)
        cached = cache.get(key)
        if cached is None:
            cache.add(key, _new_token(), VERSION_SECONDS)
            cached = cache.get(key) or _new_token()
        request._lien_content_version = cached  # type: ignore[attr-defined]
    return cached


def _fragment_key(request: HttpRequest, name: str, vary: tuple, with_csrf: bool) -> str | None:
    parts = [str(part) for part in vary]
    if with_csrf:
        secret = request.META.get("CSRF_COOKIE")
        if not secret:
            return None  # the page sets a new CSRF cookie: build it afresh
        parts.append(secret)
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()
    return f"fragment:{name}:{request.user.pk}:{content_version(request)}:{get_language()}:{digest}"


@dataclass(frozen=True)
class Piece:
    """A cached piece of page: its name, what it varies on, whether it holds a form."""

    name: str
    vary: tuple = ()
    with_csrf: bool = False


def prefetch(request: HttpRequest, pieces: Iterable[Piece]) -> None:
    """Read the pieces a page is about to show in one cache round trip (after the version's),
    rather than one each."""
    keys = [_fragment_key(request, p.name, p.vary, p.with_csrf) for p in pieces]
    wanted = [key for key in keys if key]
    found = cache.get_many(wanted)
    prefetched = getattr(request, "_lien_fragments", {})
    prefetched.update({key: found.get(key, _MISSING) for key in wanted})
    request._lien_fragments = prefetched  # type: ignore[attr-defined]


def cached(
    request: HttpRequest,
    name: str,
    compute: Callable[[], Any],
    vary: tuple = (),
    with_csrf: bool = False,
) -> Any:
    """`compute()`, or what it returned for this user at their current version (and, for a piece
    that holds a form, `with_csrf`, in this session). Rendered HTML keeps its safe-string type."""
    key = _fragment_key(request, name, vary, with_csrf)
    prefetched = getattr(request, "_lien_fragments", {})
    if key in prefetched:
        value = prefetched.pop(key)
    else:
        value = cache.get(key, _MISSING) if key else _MISSING
    if value is _MISSING:
        value = compute()
        if key:
            cache.set(key, value, FRAGMENT_SECONDS)
            _read_again_if_touched(request)
    return value


def _read_again_if_touched(request: HttpRequest) -> None:
    """Building a piece may have written for this user (opening a message marks it read): the
    rest of the page is then read under their new version, not shown as it was before."""
    if cache.get(_version_key(request.user.pk)) != request._lien_content_version:  # type: ignore[attr-defined]
        request._lien_content_version = None  # type: ignore[attr-defined]
        request._lien_fragments = {}  # type: ignore[attr-defined]
