"""For tests that drive async code (Channels) from synchronous tests.

The browser tests' session-wide Playwright (sync API) leaves its event loop marked as running in
the main thread, where asgiref's `async_to_sync` then refuses to run: a test that ran after them
in the same process would fail or, for `lien.core.realtime`, send nothing. This fixture hides
that loop for the duration of a test.
"""

import asyncio

import pytest


@pytest.fixture
def outside_playwrights_loop():
    loop = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(loop)
