import copy
import uuid

import pytest

from lien.tests.factories import make_cast


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """Each test its own cache keys: user ids come back from one test to the next, and pieces of
    page cached for a user in one test (lien.core.fragments) must not show in another."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = (
        f"{caches['default'].get('KEY_PREFIX', '')}-{uuid.uuid4().hex[:8]}"
    )
    settings.CACHES = caches


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def login(client):
    """Log the test client in as the given profile's (or user's) account."""

    def do_login(who):
        client.force_login(getattr(who, "user", who))
        return client

    return do_login


from lien.tests.world import world  # noqa: E402, F401  (the fixture, for the permission matrices)
