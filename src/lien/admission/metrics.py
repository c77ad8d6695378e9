"""Prometheus metrics of the priority admission (served by lien.ops with the others).

The gauges show the shared state as the last decision in any process saw it (with Redis, every
process sees the same numbers): under PROMETHEUS_MULTIPROC_DIR they keep the most recent value
of the live processes rather than a sum.
"""

from functools import cache

from prometheus_client import Counter, Gauge

DECISIONS = Counter(
    "lien_admission_decisions",
    "Requests admitted, queued in the waiting room, or refused to parents outside their hours "
    "during a crisis, by priority class.",
    ["priority_class", "outcome"],
)
IN_FLIGHT = Gauge(
    "lien_admission_in_flight",
    "Requests in flight in every web process, as last seen by the admission.",
    multiprocess_mode="livemostrecent",
)
WAITING = Gauge(
    "lien_admission_waiting",
    "People in the waiting room, by priority class.",
    ["priority_class"],
    multiprocess_mode="livemostrecent",
)


# The labelled series, looked up once each (.labels() takes a lock and checks its arguments).
@cache
def decisions(priority_class: str, outcome: str):
    return DECISIONS.labels(priority_class=priority_class, outcome=outcome)


@cache
def waiting(priority_class: str):
    return WAITING.labels(priority_class=priority_class)
