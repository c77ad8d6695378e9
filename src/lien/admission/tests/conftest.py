import os
import uuid

import pytest
from django.test import Client

from lien.admission import services
from lien.admission.priority import PriorityClass
from lien.admission.state import LocalAdmissionState, RedisAdmissionState, redis_client


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _fresh_crisis_snapshot():
    """The crisis rules are remembered by the process: start and end every test without."""
    services.forget_crises()
    yield
    services.forget_crises()


@pytest.fixture(autouse=True)
def _trivial_page(settings):
    """`/essai/`: a page that answers 200 to everyone, whatever the other apps do."""
    settings.ROOT_URLCONF = "lien.admission.tests.urls"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture(params=["local", "redis"])
def admission_state(request, clock, monkeypatch):
    """Each backend of the shared state in turn, used by the middleware."""
    if request.param == "local":
        state = LocalAdmissionState(clock)
    else:
        url = os.environ.get("REDIS_URL")
        if not url:
            pytest.skip("REDIS_URL is not set: the Redis admission state is not tried")
        state = RedisAdmissionState(redis_client(url), f"lien-test-{uuid.uuid4().hex[:8]}", clock)
        request.addfinalizer(state.clear)
    monkeypatch.setattr("lien.admission.middleware.get_state", lambda: state)
    return state


def occupy(state, count: int) -> list[str]:
    """Simulate `count` requests in flight (of the staff, admitted whatever the load)."""
    return [state.enter(PriorityClass.STAFF, always=True).request_id for _ in range(count)]


def release(state, request_ids: list[str]) -> None:
    for request_id in request_ids:
        state.leave(request_id)


@pytest.fixture
def client_for(db):
    """A separate browser (its own cookies) logged in as the given profile, or anonymous."""

    def make(profile=None) -> Client:
        client = Client()
        if profile is not None:
            client.force_login(profile.user)
        return client

    return make
