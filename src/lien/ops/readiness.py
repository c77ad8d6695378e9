"""Readiness: may this process take traffic? Its database, its cache and Redis answer."""

import logging
import threading
import time
import uuid
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

# A check slower than this fails: a load balancer must not wait on a stuck dependency.
TIMEOUT_SECONDS = 2.0
OK, ERROR, TIMEOUT = "ok", "error", "timeout"


def check_database() -> None:
    """A trivial query on a connection of its own (the check runs in a thread of its own)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def check_cache() -> None:
    key = f"ops:readiness:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("the cache did not keep a value")
    finally:
        cache.delete(key)


def check_redis() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=TIMEOUT_SECONDS,
        socket_connect_timeout=TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()


def checks() -> dict[str, Callable[[], None]]:
    """What this installation depends on: Redis only when REDIS_URL is set."""
    selected = {"database": check_database, "cache": check_cache}
    if settings.REDIS_URL:
        selected["redis"] = check_redis
    return selected


# The thread of each check still running, from this or an earlier probe.
_running: dict[str, threading.Thread] = {}
_running_lock = threading.Lock()


def run_checks(timeout: float | None = None) -> dict[str, str]:
    """Each check's outcome ("ok", "error", "timeout"), all run at once, within `timeout` in all.

    Each runs in a daemon thread: a dependency that hangs makes its check time out, and its
    thread, left behind, ends whenever the driver gives up. Until then the next probes report
    that check as timed out without starting another thread: stuck threads never pile up.
    """
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    outcomes: dict[str, str] = {}

    def run(name: str, check: Callable[[], None]) -> None:
        try:
            check()
        except Exception:
            logger.warning("readiness: the %s check failed", name, exc_info=True)
            outcomes[name] = ERROR
        else:
            outcomes[name] = OK

    started: dict[str, threading.Thread] = {}
    with _running_lock:
        for name, check in checks().items():
            previous = _running.get(name)
            if previous is not None and previous.is_alive():
                continue
            thread = threading.Thread(
                target=run, args=(name, check), daemon=True, name=f"readiness-{name}"
            )
            _running[name] = started[name] = thread
            thread.start()
    deadline = time.monotonic() + timeout
    for thread in started.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    return {name: outcomes.get(name, TIMEOUT) for name in checks()}
