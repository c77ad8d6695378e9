"""Usage counters on the hot path, aggregated into DailyUsage in the background.

A page view costs a dictionary update under a lock; with REDIS_URL, each process pushes what it
counted to Redis in one round trip (a pipeline of HINCRBY, PFADD and SADD) at most every
LIEN_USAGE_PUSH_SECONDS, and when it exits; never a database write. `flush()` (the
`flush_usage` Celery task, every minute) adds the counters to DailyUsage; without Redis the
process also flushes its own buffer every LIEN_USAGE_FLUSH_SECONDS or when it holds
LIEN_USAGE_BUFFER_MAX_KEYS keys.
"""

from __future__ import annotations

import atexit
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import suppress
from datetime import date, timedelta

import redis
from django.conf import settings
from django.utils import timezone

from lien.usage.batch import Batch, Key
from lien.usage.services import do_add_batch

# Redis keys of unique visitors outlive the day long enough to be counted after midnight;
# counters nobody flushes (a test run, a stopped beat) go after a week.
VISITOR_KEYS_TTL_SECONDS = 3 * 24 * 3600
COUNTERS_TTL_SECONDS = 8 * 24 * 3600
FLUSH_LOCK_SECONDS = 300


class LocalCounters:
    """One process's counters (embedded mode). Unique visitors are exact within the process;
    several processes without Redis each report their own, and the largest is kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._page_views: Counter[Key] = Counter()
        self._sessions: Counter[Key] = Counter()
        self._seen: defaultdict[Key, set[int]] = defaultdict(set)
        self._new_visitors: set[Key] = set()
        self._last_flush = time.monotonic()

    def add_page_view(self, key: Key, user_id: int) -> bool:
        """Count the page view; True when the buffer is due for a flush."""
        with self._lock:
            self._page_views[key] += 1
            for visited in (key, key.whole_day()):
                seen = self._seen[visited]
                if user_id not in seen:
                    seen.add(user_id)
                    self._new_visitors.add(visited)
            return self._flush_due()

    def add_session(self, key: Key) -> bool:
        with self._lock:
            self._sessions[key] += 1
            return self._flush_due()

    def _flush_due(self) -> bool:
        size = len(self._page_views) + len(self._sessions) + len(self._new_visitors)
        if size >= settings.LIEN_USAGE_BUFFER_MAX_KEYS:
            return True
        seconds = settings.LIEN_USAGE_FLUSH_SECONDS
        return bool(seconds) and time.monotonic() - self._last_flush >= seconds

    def _take(self) -> Batch:
        with self._lock:
            batch = Batch(
                page_views=self._page_views,
                sessions=self._sessions,
                visitors={key: len(self._seen[key]) for key in self._new_visitors},
            )
            self._page_views, self._sessions, self._new_visitors = Counter(), Counter(), set()
            self._last_flush = time.monotonic()
            yesterday = timezone.localdate() - timedelta(days=1)
            for key in [key for key in self._seen if key.day < yesterday]:
                del self._seen[key]
            return batch

    def _give_back(self, batch: Batch) -> None:
        with self._lock:
            self._page_views.update(batch.page_views)
            self._sessions.update(batch.sessions)
            self._new_visitors.update(batch.visitors)

    def flush(self) -> int:
        """Add this process's counts to DailyUsage; on a database error, keep them for later."""
        batch = self._take()
        if batch.is_empty():
            return 0
        try:
            return do_add_batch(batch)
        except Exception:
            self._give_back(batch)
            raise


class RedisCounters:
    """Counters shared by every process in Redis: page views and sessions in one hash, unique
    visitors in one HyperLogLog per day, establishment, role and service."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client = redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix
        # What this process counted since its last push: page views by key, visitors by key.
        self._lock = threading.Lock()
        self._page_views: Counter[Key] = Counter()
        self._visitors_seen: defaultdict[Key, set[int]] = defaultdict(set)
        self._pushed_at = time.monotonic()
        atexit.register(self.push)

    def _name(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    @property
    def _counters(self) -> str:
        return self._name("counters")

    @property
    def _pending(self) -> str:
        return self._name("pending")

    @property
    def _pending_code(self) -> str:
        return self._name("pending-code")

    def _visitor_index(self, day: date) -> str:
        return self._name("visitor-keys", day.isoformat())

    def _visitors(self, key: Key) -> str:
        return self._name("visitors", key.encode())

    def add_page_view(self, key: Key, user_id: int) -> bool:
        with self._lock:
            self._page_views[key] += 1
            for counted in (key, key.whole_day()):
                self._visitors_seen[counted].add(user_id)
            due = time.monotonic() - self._pushed_at >= settings.LIEN_USAGE_PUSH_SECONDS
        if due:
            self.push()
        return False

    def push(self) -> None:
        """Send this process's counts to Redis, in one round trip; kept for the next push if
        Redis does not answer."""
        with self._lock:
            page_views, self._page_views = self._page_views, Counter()
            visitors, self._visitors_seen = self._visitors_seen, defaultdict(set)
            self._pushed_at = time.monotonic()
        if not page_views and not visitors:
            return
        try:
            pipe = self.client.pipeline(transaction=False)
            for key, count in page_views.items():
                pipe.hincrby(self._counters, "page_views|" + key.encode(), count)
            pipe.expire(self._counters, COUNTERS_TTL_SECONDS)
            for counted, user_ids in visitors.items():
                pipe.pfadd(self._visitors(counted), *user_ids)
                pipe.expire(self._visitors(counted), VISITOR_KEYS_TTL_SECONDS)
                index = self._visitor_index(counted.day)
                pipe.sadd(index, counted.encode())
                pipe.expire(index, VISITOR_KEYS_TTL_SECONDS)
            pipe.execute()
        except redis.RedisError:
            with self._lock:
                self._page_views.update(page_views)
                for counted, user_ids in visitors.items():
                    self._visitors_seen[counted] |= user_ids
            raise

    def add_session(self, key: Key) -> bool:
        pipe = self.client.pipeline(transaction=False)
        pipe.hincrby(self._counters, "sessions|" + key.encode(), 1)
        pipe.expire(self._counters, COUNTERS_TTL_SECONDS)
        pipe.execute()
        return False

    def flush(self) -> int:
        """Add the counters to DailyUsage, exactly once.

        Under a Redis lock, the counters hash is renamed to a pending batch with a code (one
        MULTI); the batch and its code are deleted only after the database committed it, and
        the database records the codes it committed: a flush interrupted in between is retried
        by the next one without counting twice. What this process holds goes to Redis first.
        """
        self.push()
        lock = self.client.lock(self._name("flush-lock"), timeout=FLUSH_LOCK_SECONDS)
        if not lock.acquire(blocking=False):
            return 0
        try:
            code = self._claim_pending_batch()
            batch = Batch(code=code or "")
            if code:
                for name, count in self.client.hgetall(self._pending).items():
                    kind, encoded = name.split("|", 1)
                    target = batch.page_views if kind == "page_views" else batch.sessions
                    target[Key.decode(encoded)] += int(count)
            today = timezone.localdate()
            days = {today, today - timedelta(days=1)}
            days |= {key.day for key in batch.page_views} | {key.day for key in batch.sessions}
            batch.visitors = self._count_visitors(days)
            written = do_add_batch(batch)
            if code:
                self.client.delete(self._pending, self._pending_code)
            return written
        finally:
            with suppress(redis.exceptions.LockError):
                lock.release()

    def _claim_pending_batch(self) -> str | None:
        """The code of the batch left by an interrupted flush, else a new batch taken from the
        counters (None if there is nothing to take)."""
        code = self.client.get(self._pending_code)
        if code:
            return code
        if not self.client.exists(self._counters):
            return None
        code = uuid.uuid4().hex
        pipe = self.client.pipeline(transaction=True)
        pipe.rename(self._counters, self._pending)
        pipe.set(self._pending_code, code)
        pipe.execute()
        return code

    def _count_visitors(self, days: set[date]) -> dict[Key, int]:
        encoded: list[str] = []
        for day in sorted(days):
            encoded.extend(sorted(self.client.smembers(self._visitor_index(day))))
        pipe = self.client.pipeline(transaction=False)
        for text in encoded:
            pipe.pfcount(self._name("visitors", text))
        counts = pipe.execute()
        return {Key.decode(text): int(count) for text, count in zip(encoded, counts, strict=True)}


_backends: dict[tuple[str, str], LocalCounters | RedisCounters] = {}
_backends_lock = threading.Lock()


def backend() -> LocalCounters | RedisCounters:
    """Redis counters when settings.REDIS_URL is set, this process's otherwise."""
    url = settings.REDIS_URL
    prefix = settings.LIEN_USAGE_REDIS_PREFIX or (
        settings.CACHES["default"].get("KEY_PREFIX", "lien") + ":usage"
    )
    cache_key = (url, prefix if url else "")
    with _backends_lock:
        if cache_key not in _backends:
            _backends[cache_key] = RedisCounters(url, prefix) if url else LocalCounters()
        return _backends[cache_key]


def count_page_view(key: Key, user_id: int) -> None:
    counters = backend()
    if counters.add_page_view(key, user_id):
        counters.flush()


def count_session(key: Key) -> None:
    counters = backend()
    if counters.add_session(key):
        counters.flush()


def flush() -> int:
    """Add the pending counts to DailyUsage; returns the number of rows written."""
    return backend().flush()
