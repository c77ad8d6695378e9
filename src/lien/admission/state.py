"""Requests in flight and the waiting line, shared by every web process.

With `REDIS_URL`, the state lives in Redis and one Lua script decides each entry atomically
(one round trip), so every process and machine sees the same line; otherwise it lives in the
process (the embedded mode serves everything from one process).

Both backends follow the same rule, `enter`:

- a request of class `c` is admitted when fewer people are ahead of it (waiting in a better
  class, then before it in its own class) than there are free slots for its class
  (`limit - in_flight`), and its class is not slowed down by the queueing delay;
- otherwise it waits: it keeps its ticket if it had one still in the line, else it gets the
  next ticket of its class;
- a waiter that has not come back for `WAITING_TTL` seconds (a closed tab) leaves the line, and
  a request in flight for more than `IN_FLIGHT_TTL` seconds (a crashed worker never released
  it) stops counting.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from lien.admission.priority import PriorityClass

CLASSES = tuple(PriorityClass)
# Longer than the slowest request the WSGI server lets finish (gunicorn kills workers at 30 s).
IN_FLIGHT_TTL = 300
# Waiting pages reload themselves every 5 to 20 s: missing a few reloads keeps the place.
WAITING_TTL = 120
# The wait is estimated from the tickets admitted over this window.
DRAIN_WINDOW = 60
REDIS_TIMEOUT_SECONDS = 0.25


@dataclass(frozen=True)
class Admission:
    admitted: bool
    request_id: str = ""  # to hand back to `leave` when admitted
    ticket: int = 0  # when waiting
    place: int = 0  # 1 = next in line
    in_flight: int = 0
    waiting: tuple[int, ...] = (0, 0, 0, 0)  # per class
    drained: int = 0  # tickets admitted over the last DRAIN_WINDOW seconds


class AdmissionState(Protocol):
    def enter(
        self,
        priority: PriorityClass,
        *,
        ticket: int = 0,
        limit: int | None = None,
        delayed: bool = False,
        always: bool = False,
    ) -> Admission:
        """Admit the request or put it in line. `limit`: requests in flight allowed for this
        class (None: no limit); `delayed`: the queueing delay is too long for this class;
        `always`: admit (and count) whatever the load."""
        ...

    def leave(self, request_id: str) -> int:
        """The request has finished; returns the number still in flight."""
        ...


def _new_request_id() -> str:
    return uuid.uuid4().hex


class LocalAdmissionState:
    """The state of one process, behind a lock (the embedded mode)."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight: dict[str, float] = {}
        # Per class: ticket → last seen; tickets are inserted in increasing order.
        self._waiting: list[dict[int, float]] = [{} for _ in CLASSES]
        self._last_ticket = [0 for _ in CLASSES]
        self._drained: deque[float] = deque()

    def _forget_stale(self, now: float) -> None:
        for request_id, started in list(self._in_flight.items()):
            if started < now - IN_FLIGHT_TTL:
                del self._in_flight[request_id]
        for line in self._waiting:
            for ticket, seen in list(line.items()):
                if seen < now - WAITING_TTL:
                    del line[ticket]
        while self._drained and self._drained[0] < now - DRAIN_WINDOW:
            self._drained.popleft()

    def enter(self, priority, *, ticket=0, limit=None, delayed=False, always=False):
        with self._lock:
            now = self._clock()
            self._forget_stale(now)
            line = self._waiting[priority]
            ahead = sum(len(self._waiting[better]) for better in CLASSES[:priority])
            holds_ticket = ticket in line
            ahead += list(line).index(ticket) if holds_ticket else len(line)
            free = None if limit is None else limit - len(self._in_flight)
            if always or (not delayed and (free is None or ahead < free)):
                request_id = _new_request_id()
                self._in_flight[request_id] = now
                if holds_ticket and not always:
                    del line[ticket]
                    self._drained.append(now)
                return Admission(
                    True,
                    request_id=request_id,
                    in_flight=len(self._in_flight),
                    waiting=tuple(len(waiting) for waiting in self._waiting),
                    drained=len(self._drained),
                )
            if not holds_ticket:
                self._last_ticket[priority] += 1
                ticket = self._last_ticket[priority]
            line[ticket] = now
            return Admission(
                False,
                ticket=ticket,
                place=ahead + 1,
                in_flight=len(self._in_flight),
                waiting=tuple(len(waiting) for waiting in self._waiting),
                drained=len(self._drained),
            )

    def leave(self, request_id):
        with self._lock:
            self._in_flight.pop(request_id, None)
            return len(self._in_flight)


# KEYS: 1 in flight (request id → start), 2 drained (request id → time),
# 3..6 waiting lines (ticket → ticket), 7..10 last seen (ticket → time), 11..14 ticket counters,
# one of each per class. ARGV: now, request id, class (0-3), ticket (0: none), limit (-1: none),
# delayed (0/1), always (0/1), IN_FLIGHT_TTL, WAITING_TTL, DRAIN_WINDOW.
ENTER_SCRIPT = """
local now = tonumber(ARGV[1])
local class = tonumber(ARGV[3])
local ticket = ARGV[4]
local limit = tonumber(ARGV[5])
local in_flight_ttl = tonumber(ARGV[8])
local waiting_ttl = tonumber(ARGV[9])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - in_flight_ttl)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[10]))
local waiting = {}
for i = 0, 3 do
  waiting[i + 1] = redis.call('ZCARD', KEYS[3 + i])
  if waiting[i + 1] > 0 then
    local stale = redis.call(
      'ZRANGEBYSCORE', KEYS[7 + i], '-inf', now - waiting_ttl, 'LIMIT', 0, 500)
    if #stale > 0 then
      waiting[i + 1] = waiting[i + 1] - redis.call('ZREM', KEYS[3 + i], unpack(stale))
      redis.call('ZREM', KEYS[7 + i], unpack(stale))
    end
  end
end
local in_flight = redis.call('ZCARD', KEYS[1])
local ahead = 0
for i = 1, class do ahead = ahead + waiting[i] end
local rank = false
if ticket ~= '0' then rank = redis.call('ZRANK', KEYS[3 + class], ticket) end
if rank then ahead = ahead + rank else ahead = ahead + waiting[class + 1] end
if ARGV[7] == '1' or (ARGV[6] == '0' and (limit < 0 or ahead < limit - in_flight)) then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  redis.call('EXPIRE', KEYS[1], in_flight_ttl)
  if rank and ARGV[7] == '0' then
    redis.call('ZREM', KEYS[3 + class], ticket)
    redis.call('ZREM', KEYS[7 + class], ticket)
    redis.call('ZADD', KEYS[2], now, ARGV[2])
    redis.call('EXPIRE', KEYS[2], tonumber(ARGV[10]))
    waiting[class + 1] = waiting[class + 1] - 1
  end
  return {1, 0, 0, in_flight + 1, redis.call('ZCARD', KEYS[2]),
          waiting[1], waiting[2], waiting[3], waiting[4]}
end
if not rank then
  ticket = tostring(redis.call('INCR', KEYS[11 + class]))
  redis.call('EXPIRE', KEYS[11 + class], 86400)
  redis.call('ZADD', KEYS[3 + class], tonumber(ticket), ticket)
  waiting[class + 1] = waiting[class + 1] + 1
end
redis.call('ZADD', KEYS[7 + class], now, ticket)
redis.call('EXPIRE', KEYS[3 + class], waiting_ttl)
redis.call('EXPIRE', KEYS[7 + class], waiting_ttl)
return {0, tonumber(ticket), ahead + 1, in_flight, redis.call('ZCARD', KEYS[2]),
        waiting[1], waiting[2], waiting[3], waiting[4]}
"""

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def redis_client(url: str) -> redis.Redis:
    """One client (connection pool) per process and URL, with short timeouts: a slow Redis
    must not hold requests up (the middleware lets requests in when Redis fails)."""
    client = _clients.get(url)
    if client is None:
        with _clients_lock:
            client = _clients.get(url)
            if client is None:
                client = redis.Redis.from_url(
                    url,
                    socket_timeout=REDIS_TIMEOUT_SECONDS,
                    socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                    retry=Retry(NoBackoff(), 0),
                )
                _clients[url] = client
    return client


class RedisAdmissionState:
    """The state in Redis, shared by every process and machine using the same database."""

    def __init__(self, client: redis.Redis, prefix: str, clock: Callable[[], float] = time.time):
        self._client = client
        self._clock = clock
        # One hash tag: every key in the same slot of a Redis Cluster, as a script requires.
        base = f"{prefix}:{{admission}}"
        self.keys = [f"{base}:in-flight", f"{base}:drained"]
        for kind in ("waiting", "seen", "tickets"):
            self.keys += [f"{base}:{kind}:{priority.label}" for priority in CLASSES]
        self._script = client.register_script(ENTER_SCRIPT)

    def enter(self, priority, *, ticket=0, limit=None, delayed=False, always=False):
        request_id = _new_request_id()
        arguments = [
            repr(self._clock()),
            request_id,
            int(priority),
            int(ticket),
            -1 if limit is None else limit,
            int(delayed),
            int(always),
            IN_FLIGHT_TTL,
            WAITING_TTL,
            DRAIN_WINDOW,
        ]
        admitted, ticket, place, in_flight, drained, *waiting = self._script(
            keys=self.keys, args=arguments
        )
        return Admission(
            bool(admitted),
            request_id=request_id if admitted else "",
            ticket=int(ticket),
            place=int(place),
            in_flight=int(in_flight),
            waiting=tuple(int(count) for count in waiting),
            drained=int(drained),
        )

    def leave(self, request_id):
        pipeline = self._client.pipeline(transaction=False)
        pipeline.zrem(self.keys[0], request_id)
        pipeline.zcard(self.keys[0])
        return int(pipeline.execute()[1])

    def clear(self) -> None:
        """Forget everything (tests)."""
        self._client.delete(*self.keys)


_states: dict[tuple[str, str], AdmissionState] = {}
_states_lock = threading.Lock()


def get_state() -> AdmissionState:
    """The state of this installation: in Redis when `REDIS_URL` is set, else in the process.

    Keyed on the cache key prefix, so that installations (and tests) sharing one Redis
    database keep their lines apart."""
    url = settings.REDIS_URL
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "") or "lien"
    key = (url, prefix)
    state = _states.get(key)
    if state is None:
        with _states_lock:
            state = _states.get(key)
            if state is None:
                state = (
                    RedisAdmissionState(redis_client(url), prefix) if url else LocalAdmissionState()
                )
                _states[key] = state
    return state
