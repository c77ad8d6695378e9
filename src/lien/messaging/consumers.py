"""The WebSocket of the messaging pages (`/ws/evenements/`): the signed-in user's events.

A page never chooses what it listens to: the consumer joins the group of the user of the session
cookie (`user-<id>`) and nothing else, and ignores whatever the page sends. The session rules of
the web pages apply (accounts.middleware.SessionLifetimeMiddleware): an anonymous or expired
session is closed with code 4401, and so is an open socket whose session has ended since.
"""

from __future__ import annotations

import time
from importlib import import_module

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from lien.accounts.middleware import LAST_SEEN_KEY, LOGIN_TIME_KEY
from lien.core import realtime
from lien.messaging import events, services

# Like HTTP 401: the page should stop reconnecting (reloading it shows the login page).
CLOSE_UNAUTHENTICATED = 4401


def session_deadline(session, now: float) -> float:
    """When this session ends, by the web pages' rules (idle time and absolute lifetime)."""
    login_time = session.get(LOGIN_TIME_KEY, now)
    last_seen = session.get(LAST_SEEN_KEY, login_time)
    return min(
        last_seen + settings.LIEN_SESSION_IDLE_MINUTES * 60,
        login_time + settings.LIEN_SESSION_MAX_HOURS * 3600,
    )


def current_deadline(session_key: str | None, user_id: int) -> float | None:
    """Reread the session from its store: its deadline, or None if it ended or changed user."""
    if not session_key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if session.get(SESSION_KEY) != str(user_id):
        return None
    now = time.time()
    deadline = session_deadline(session, now)
    return deadline if deadline > now else None


class EventsConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    deadline: float = 0.0

    async def connect(self):
        # Accepted first: a close code only reaches the page on an open socket.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        session = self.scope.get("session")
        deadline = await database_sync_to_async(current_deadline)(
            getattr(session, "session_key", None), user.pk
        )
        if deadline is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.deadline = deadline
        self.group = realtime.group_name(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        # The state to start from (Zulip's register): a page loaded a while ago, or that has
        # just reconnected, catches up on the unread count.
        count = await database_sync_to_async(services.unread_count)(user)
        await self.send_json(events.unread_count(count))

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def receive_json(self, content, **kwargs):
        """Pages only listen."""

    async def lien_event(self, message):
        """An event sent to this user's group (lien.core.realtime.send_events)."""
        if self.group is None:
            return
        if time.time() >= self.deadline:
            # Past the deadline seen at connection: the session may have been used since.
            deadline = await database_sync_to_async(current_deadline)(
                self.scope["session"].session_key, self.scope["user"].pk
            )
            if deadline is None:
                await self.disconnect(CLOSE_UNAUTHENTICATED)
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            self.deadline = deadline
        await self.send_json(message["event"])
