"""The WebSocket /ws/evenements/ (consumers.py), through the whole ASGI stack of lien/asgi.py:
origin check, session cookie, the user's own group only. On the in-process channel layer, and on
Redis when REDIS_URL is set (as in production)."""

import os
import time
from importlib import import_module
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from lien.accounts.middleware import LAST_SEEN_KEY, LOGIN_TIME_KEY
from lien.asgi import application
from lien.core import realtime
from lien.messaging import consumers, events
from lien.messaging.tests.mailbox_fixtures import send
from lien.tests.event_loop import outside_playwrights_loop  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("outside_playwrights_loop"),
]

PATH = "/ws/evenements/"
ORIGIN = "http://127.0.0.1:8000"
PING = {"type": "test", "op": "ping"}


@pytest.fixture(params=["memory", "redis"], autouse=True)
def channel_layer(request, settings):
    request.getfixturevalue("outside_playwrights_loop")  # first: the flush below runs a loop
    if request.param == "redis":
        if not os.environ.get("REDIS_URL"):
            pytest.skip("REDIS_URL is not set: the Redis channel layer is tried with it only")
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "prefix": f"lien-test-{worker}"},
            }
        }
    layer = get_channel_layer()
    async_to_sync(layer.flush)()
    yield layer
    async_to_sync(layer.flush)()


def session_of(user, **values) -> str:
    """Log in through the session framework, as the login page does; the session key."""
    client = Client()
    client.force_login(user)
    if values:
        session = client.session
        session.update(values)
        session.save()
    return client.session.session_key


def socket(session_key=None, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [(b"host", b"127.0.0.1:8000")]
    if origin:
        headers.append((b"origin", origin.encode()))
    if session_key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    return WebsocketCommunicator(application, PATH, headers=headers)


async def open_socket(session_key) -> WebsocketCommunicator:
    """A connected socket, past its first event (the unread count to start from)."""
    communicator = socket(session_key)
    connected, _ = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=2)
    assert first["type"] == "unread_count"
    return communicator


send_events = sync_to_async(realtime.send_events)


def test_an_anonymous_visitor_is_closed_with_4401():
    async def scenario():
        communicator = socket()
        connected, _ = await communicator.connect()
        assert connected
        assert await communicator.receive_output(timeout=2) == {
            "type": "websocket.close",
            "code": 4401,
        }

    async_to_sync(scenario)()


def test_an_unknown_session_is_closed_with_4401():
    async def scenario():
        communicator = socket("not-a-session-key")
        await communicator.connect()
        assert (await communicator.receive_output(timeout=2))["code"] == 4401

    async_to_sync(scenario)()


def test_another_sites_page_may_not_open_it(cast):
    key = session_of(cast.a.parent.user)

    async def scenario():
        for origin in ("https://attaquant.example", None):
            communicator = socket(key, origin=origin)
            connected, _ = await communicator.connect()
            assert not connected

    async_to_sync(scenario)()


def test_the_page_starts_from_the_users_unread_count(cast):
    send(cast.a.teacher, cast.a.parent)
    send(cast.a.direction, cast.a.parent)
    key = session_of(cast.a.parent.user)

    async def scenario():
        communicator = socket(key)
        connected, _ = await communicator.connect()
        assert connected
        assert await communicator.receive_json_from(timeout=2) == events.unread_count(2)
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_a_user_gets_their_own_events_and_never_anothers(cast):
    parent, other = cast.a.parent.user, cast.a.classmate_parent.user
    parent_key, other_key = session_of(parent), session_of(other)

    async def scenario():
        parent_page = await open_socket(parent_key)
        second_tab = await open_socket(parent_key)
        other_page = await open_socket(other_key)
        assert await send_events([(PING, [parent.pk])]) == 1
        assert await parent_page.receive_json_from(timeout=2) == PING
        assert await second_tab.receive_json_from(timeout=2) == PING
        assert await other_page.receive_nothing(timeout=0.3)
        await send_events([({"for": "other"}, [other.pk])])
        assert await other_page.receive_json_from(timeout=2) == {"for": "other"}
        assert await parent_page.receive_nothing(timeout=0.3)
        for page in (parent_page, second_tab, other_page):
            await page.disconnect()

    async_to_sync(scenario)()


def test_a_page_cannot_subscribe_to_another_users_events(cast):
    parent, other = cast.a.parent.user, cast.a.classmate_parent.user
    key = session_of(parent)

    async def scenario():
        page = await open_socket(key)
        await page.send_json_to({"type": "subscribe", "group": realtime.group_name(other.pk)})
        await send_events([(PING, [other.pk])])
        assert await page.receive_nothing(timeout=0.3)
        await page.disconnect()

    async_to_sync(scenario)()


def test_a_closed_page_leaves_its_group(cast, channel_layer, monkeypatch):
    parent = cast.a.parent.user
    key = session_of(parent)
    left = []
    discard = channel_layer.group_discard

    async def recording_discard(group, channel):
        left.append(group)
        await discard(group, channel)

    monkeypatch.setattr(channel_layer, "group_discard", recording_discard)

    async def scenario():
        page = await open_socket(key)
        await page.disconnect()

    async_to_sync(scenario)()
    assert left == [realtime.group_name(parent.pk)]


def test_an_idle_session_is_refused_as_the_web_pages_refuse_it(cast):
    idle = settings.LIEN_SESSION_IDLE_MINUTES * 60
    now = time.time()
    key = session_of(cast.a.parent.user, **{LOGIN_TIME_KEY: now - idle - 60})

    async def scenario():
        communicator = socket(key)
        await communicator.connect()
        assert (await communicator.receive_output(timeout=2))["code"] == 4401

    async_to_sync(scenario)()


@pytest.fixture
def clock(monkeypatch):
    """The consumer's clock, moved by hand."""
    state = SimpleNamespace(now=time.time())
    monkeypatch.setattr(consumers, "time", SimpleNamespace(time=lambda: state.now))
    return state


def test_a_session_that_ended_since_is_closed_at_the_next_event(cast, clock):
    user = cast.a.parent.user
    key = session_of(user, **{LOGIN_TIME_KEY: clock.now, LAST_SEEN_KEY: clock.now})

    async def scenario():
        page = await open_socket(key)
        # Half an hour later, without any page loaded meanwhile.
        clock.now += settings.LIEN_SESSION_IDLE_MINUTES * 60 + 1
        await send_events([(PING, [user.pk])])
        assert (await page.receive_output(timeout=2))["code"] == 4401

    async_to_sync(scenario)()


def test_a_session_kept_alive_by_other_pages_keeps_its_events(cast, clock):
    user = cast.a.parent.user
    key = session_of(user, **{LOGIN_TIME_KEY: clock.now, LAST_SEEN_KEY: clock.now})

    async def scenario():
        page = await open_socket(key)
        clock.now += settings.LIEN_SESSION_IDLE_MINUTES * 60 + 1
        # Another tab loaded a page a minute ago: the session is alive.
        await sync_to_async(touch)(key, clock.now - 60)
        await send_events([(PING, [user.pk])])
        assert await page.receive_json_from(timeout=2) == PING
        await page.disconnect()

    async_to_sync(scenario)()


def test_a_logged_out_session_is_closed_at_the_next_event_past_its_deadline(cast, clock):
    user = cast.a.parent.user
    key = session_of(user, **{LOGIN_TIME_KEY: clock.now, LAST_SEEN_KEY: clock.now})

    async def scenario():
        page = await open_socket(key)
        await sync_to_async(end_session)(key)
        clock.now += settings.LIEN_SESSION_IDLE_MINUTES * 60 + 1
        await send_events([(PING, [user.pk])])
        assert (await page.receive_output(timeout=2))["code"] == 4401

    async_to_sync(scenario)()


def touch(session_key, when):
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    session[LAST_SEEN_KEY] = when
    session.save()


def end_session(session_key):
    import_module(settings.SESSION_ENGINE).SessionStore(session_key).delete()
