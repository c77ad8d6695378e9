"""Priority admission: when Lien is saturated, let the staff and teachers in first, then the
pupils, then the families, then anonymous visitors; the others wait in a waiting room.

The load is the number of requests in flight in every web process (`LIEN_ADMISSION_MAX_IN_FLIGHT`)
and the time requests waited before reaching Django, from the `X-Request-Start` header that
nginx sets (`LIEN_ADMISSION_MAX_QUEUE_DELAY_MS`). Each class has its share of the limits
(`SHARES`): as the load rises, anonymous visitors wait first, then families, then pupils; the
staff and teachers wait only at the full limit. Within a class, first come, first served.

The middleware only decides at the entry: an admitted request always runs to its end, and its
slot is always given back (in a `finally`).
"""

from __future__ import annotations

import logging
import math
import time
from functools import cache

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from lien.admission import metrics, services, waiting_room
from lien.admission.priority import PriorityClass, request_identity
from lien.admission.state import Admission, AdmissionState, get_state

logger = logging.getLogger(__name__)

# The share of each limit a class may use: the lower classes wait first as the load rises.
SHARES = {
    PriorityClass.STAFF: 1.0,
    PriorityClass.STUDENT: 0.9,
    PriorityClass.PARENT: 0.75,
    PriorityClass.ANONYMOUS: 0.6,
}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# After a failure of the shared state, requests are let in without asking it for this long.
STATE_PAUSE_SECONDS = 5.0
_state_paused_until = 0.0

current_time = timezone.now  # replaced by the tests


@cache
def _passing_paths() -> tuple[frozenset[str], frozenset[str]]:
    """Paths never held back: the health probes (not even counted; the readiness probe must
    report a failing cache, not trip on it), then the login and logout pages (counted): who
    reaches the login form gets the priority of their profile."""
    uncounted = frozenset({reverse("health"), reverse("health-ready")})
    counted = frozenset(
        {reverse("accounts:login"), reverse("accounts:login-verify"), reverse("accounts:logout")}
    )
    return uncounted, counted


def class_limit(priority: PriorityClass, maximum: int) -> int | None:
    if maximum <= 0:
        return None
    return max(1, math.floor(maximum * SHARES[priority]))


def queue_delay_ms(request, now: float) -> float | None:
    """How long the request waited before Django, from `X-Request-Start: t=<time>` (seconds,
    milliseconds or microseconds since the epoch, as nginx or a load balancer writes it)."""
    raw = request.META.get("HTTP_X_REQUEST_START", "")
    try:
        started = float(raw.removeprefix("t="))
    except ValueError:
        return None
    if started > 1e14:
        started /= 1e6
    elif started > 1e11:
        started /= 1e3
    return max(0.0, (now - started) * 1000)


def is_delayed(priority: PriorityClass, delay_ms: float | None, maximum_ms: int) -> bool:
    return maximum_ms > 0 and delay_ms is not None and delay_ms > maximum_ms * SHARES[priority]


class PriorityAdmissionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        uncounted, counted = _passing_paths()
        if path in uncounted or path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        always = path in counted or request.method not in SAFE_METHODS
        if not always:
            closed = self._parents_closed(request)
            if closed is not None:
                return closed
        max_in_flight = settings.LIEN_ADMISSION_MAX_IN_FLIGHT
        max_delay_ms = settings.LIEN_ADMISSION_MAX_QUEUE_DELAY_MS
        if max_in_flight <= 0 and max_delay_ms <= 0:
            return self.get_response(request)
        return self._admit(request, always, max_in_flight, max_delay_ms)

    def _parents_closed(self, request):
        # The session first: only parents ever look at the crisis rules.
        identity = request_identity(request)
        if identity.priority != PriorityClass.PARENT:
            return None
        if not services.active_crises().restricts_parents:
            return None
        now = current_time()
        closed = services.parents_closed(identity, now)
        if closed is None:
            return None
        metrics.decisions(identity.priority.label, "closed").inc()
        return waiting_room.closed_response(request, closed, now)

    def _admit(self, request, always: bool, max_in_flight: int, max_delay_ms: int):
        global _state_paused_until
        if time.monotonic() < _state_paused_until:
            return self.get_response(request)
        priority = request_identity(request).priority
        state = get_state()
        ticket = 0 if always else waiting_room.ticket_from(request, priority)
        try:
            admission = state.enter(
                priority,
                ticket=ticket,
                limit=class_limit(priority, max_in_flight),
                delayed=is_delayed(priority, queue_delay_ms(request, time.time()), max_delay_ms),
                always=always,
            )
        except Exception:
            # Redis unreachable or slow: let requests in rather than turn everyone away, and
            # stop asking for a few seconds rather than wait for its timeout on each request.
            _state_paused_until = time.monotonic() + STATE_PAUSE_SECONDS
            logger.warning("Admission state unavailable: requests let in", exc_info=True)
            return self.get_response(request)
        _observe(priority, admission)
        if not admission.admitted:
            return waiting_room.waiting_response(request, priority, admission)
        try:
            response = self.get_response(request)
        finally:
            _leave(state, admission.request_id)
        if ticket:
            waiting_room.forget_ticket(request, response)
        return response


def _observe(priority: PriorityClass, admission: Admission) -> None:
    outcome = "admitted" if admission.admitted else "queued"
    metrics.decisions(priority.label, outcome).inc()
    metrics.IN_FLIGHT.set(admission.in_flight)
    for waiting_class, count in zip(PriorityClass, admission.waiting, strict=True):
        metrics.waiting(waiting_class.label).set(count)


def _leave(state: AdmissionState, request_id: str) -> None:
    try:
        metrics.IN_FLIGHT.set(state.leave(request_id))
    except Exception:
        # The slot stops counting after IN_FLIGHT_TTL seconds anyway.
        logger.warning("Admission state unavailable: slot not released", exc_info=True)
