"""core.realtime: events go to each user's group after the commit, never on rollback, and a
missing or failing channel layer changes nothing for the request."""

import asyncio
import logging

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from lien.core import realtime
from lien.tests.event_loop import outside_playwrights_loop  # noqa: F401

pytestmark = pytest.mark.usefixtures("outside_playwrights_loop")

EVENT = {"type": "test", "op": "ping", "value": 1}


async def join(group: str) -> str:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


async def received(channel) -> list:
    """What the channel has been sent so far."""
    layer = get_channel_layer()
    messages = []
    while True:
        try:
            messages.append(await asyncio.wait_for(layer.receive(channel), timeout=0.05))
        except TimeoutError:
            return messages


def test_group_of_a_user_is_named_after_their_id():
    assert realtime.group_name(42) == "user-42"


@pytest.mark.django_db
def test_events_wait_for_the_commit(django_capture_on_commit_callbacks):
    with (
        realtime.capture_send_event_calls() as events,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        realtime.send_event_on_commit(EVENT, [3, 1, 3])
        assert events == []
    assert events == [{"event": EVENT, "users": [3, 1]}]


@pytest.mark.django_db
def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with (
        realtime.capture_send_event_calls() as events,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        realtime.send_event_on_commit(EVENT, [1])
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert events == []


@pytest.mark.django_db
def test_events_built_after_the_commit_see_what_was_committed(
    django_capture_on_commit_callbacks,
):
    state = {"count": 0}
    with (
        realtime.capture_send_event_calls() as events,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        realtime.send_events_on_commit(lambda: [({"count": state["count"]}, [7])])
        state["count"] = 2
    assert events == [{"event": {"count": 2}, "users": [7]}]


def test_no_users_means_nothing_sent():
    with realtime.capture_send_event_calls() as events:
        assert realtime.send_events([(EVENT, [])]) == 0
    assert events == []


def test_each_user_gets_the_event_in_their_own_group_only():
    async_to_sync(get_channel_layer().flush)()
    alice = async_to_sync(join)("user-1")
    bob = async_to_sync(join)("user-2")
    assert realtime.send_events([(EVENT, [1]), ({"other": True}, [1])]) == 2
    assert async_to_sync(received)(alice) == [
        {"type": "lien.event", "event": EVENT},
        {"type": "lien.event", "event": {"other": True}},
    ]
    assert async_to_sync(received)(bob) == []


def test_many_users_are_sent_in_batches(monkeypatch):
    rounds = []
    original = realtime.asyncio.gather

    async def counting_gather(*awaitables):
        rounds.append(len(awaitables))
        return await original(*awaitables)

    monkeypatch.setattr(realtime.asyncio, "gather", counting_gather)
    assert realtime.send_events([(EVENT, range(1, 251))]) == 250
    assert rounds == [100, 100, 50]


def test_without_a_channel_layer_nothing_is_sent(settings):
    settings.CHANNEL_LAYERS = {}
    assert get_channel_layer() is None
    assert realtime.send_events([(EVENT, [1])]) == 0


def test_a_failing_channel_layer_is_logged_not_raised(settings, caplog):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # Nothing listens on port 9 (discard): the connection is refused.
            "CONFIG": {"hosts": ["redis://127.0.0.1:9/0"]},
        }
    }
    with caplog.at_level(logging.ERROR, logger="lien.core.realtime"):
        assert realtime.send_events([(EVENT, [1, 2])]) == 0
    assert caplog.messages == ["Real-time events not sent (2)"]


def test_events_are_not_sent_from_inside_an_event_loop(caplog):
    async def from_async_code():
        return realtime.send_events([(EVENT, [1])])

    with caplog.at_level(logging.WARNING, logger="lien.core.realtime"):
        assert async_to_sync(from_async_code)() == 0
    assert caplog.messages == ["Real-time events not sent from async code (1)"]
