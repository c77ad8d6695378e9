import pytest

from lien.tests.factories import make_cast


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
