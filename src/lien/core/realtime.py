"""Real-time events to the pages users have open, after Zulip's event system.

Services build small `{"type", "op", …}` dicts (each app's `events.py`) and hand them over with
`send_event_on_commit(event, user_ids)`: once the transaction commits, the group `user-<id>` of
each user gets the event, and the WebSocket consumer (`messaging/consumers.py`) passes it on to
every page that user has open. The channel layer is Redis in production and in-process in the
embedded mode (settings.CHANNEL_LAYERS).

Real time is a comfort, never a requirement: without a channel layer, or when it fails (Redis
down), nothing is sent, nothing is raised, and every page shows the same on its next load.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# The consumer method that receives the events (`lien.event` → `lien_event`).
CHANNEL_MESSAGE_TYPE = "lien.event"
# group_send calls awaited together: a 2,000-recipient message is sent in 20 rounds of 100
# concurrent Redis commands, in one event loop, rather than 2,000 round trips one after another.
CONCURRENT_SENDS = 100

Event = dict
Batch = list[tuple[Event, list[int]]]

# Stack of lists that `capture_send_event_calls` fills instead of sending (tests).
_captures: list[list[dict]] = []


def group_name(user_id: int) -> str:
    """The group of one user's open pages. Only the consumer of that user's session joins it."""
    return f"user-{user_id}"


def send_event_on_commit(event: Event, user_ids: Iterable[int]) -> None:
    """Send `event` to these users once the current transaction commits (at once outside one);
    nothing is sent if it rolls back."""
    users = list(dict.fromkeys(user_ids))
    if users:
        transaction.on_commit(partial(send_events, [(event, users)]), robust=True)


def send_events_on_commit(build: Callable[[], Batch]) -> None:
    """Build the events after the commit, then send them: for events that carry counts (read,
    unread), so that they count what other transactions committed meanwhile."""
    transaction.on_commit(lambda: send_events(build()), robust=True)


def send_events(batch: Iterable[tuple[Event, Iterable[int]]]) -> int:
    """Send each event to each of its users now (the caller has committed), in one round of
    batched group_send calls. Call it from synchronous code. Returns the number of (event, user)
    pairs handed to the channel layer: 0 when there is none or it failed."""
    listed = [(event, list(user_ids)) for event, user_ids in batch]
    listed = [(event, user_ids) for event, user_ids in listed if user_ids]
    if not listed:
        return 0
    if _captures:
        _captures[-1].extend({"event": event, "users": user_ids} for event, user_ids in listed)
        return sum(len(user_ids) for _event, user_ids in listed)
    sends = [
        (group_name(user_id), {"type": CHANNEL_MESSAGE_TYPE, "event": event})
        for event, user_ids in listed
        for user_id in user_ids
    ]
    if _in_event_loop():
        logger.warning("Real-time events not sent from async code (%d)", len(sends))
        return 0
    try:
        layer = get_channel_layer()
        if layer is None:
            return 0
        async_to_sync(_group_send_all)(layer, sends)
    except Exception:
        # Redis unreachable, a misconfigured layer: pages catch up on their next load.
        logger.exception("Real-time events not sent (%d)", len(sends))
        return 0
    return len(sends)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _group_send_all(layer, sends: list[tuple[str, dict]]) -> None:
    for start in range(0, len(sends), CONCURRENT_SENDS):
        await asyncio.gather(
            *(
                layer.group_send(group, message)
                for group, message in sends[start : start + CONCURRENT_SENDS]
            )
        )


@contextmanager
def capture_send_event_calls() -> Iterator[list[dict]]:
    """Record the events sent inside the block instead of sending them (tests), as
    `{"event": …, "users": [user ids]}` in the order sent. Events are recorded when they would
    be sent: after the commit (use pytest-django's `django_capture_on_commit_callbacks(
    execute=True)`), never for a transaction rolled back."""
    captured: list[dict] = []
    _captures.append(captured)
    try:
        yield captured
    finally:
        _captures.remove(captured)
