"""Prometheus metrics of the web processes, and their exposition.

Metrics live in prometheus_client's default registry, like those of the other apps
(`lien/admission/metrics.py`). Under gunicorn, each worker is a process of its own: with the
environment variable PROMETHEUS_MULTIPROC_DIR set (an empty directory, wiped at each start),
every process writes its values there and the exposition adds them up.
"""

import os

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

# Seconds: from a trivial view (a few ms) to a page worth investigating.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "lien_http_requests",
    "HTTP requests answered, by method, status class and role class.",
    ["method", "status", "role"],
)
LATENCY_BY_ROLE = Histogram(
    "lien_http_request_duration_seconds",
    "Time to answer a request (inside Django), by role class.",
    ["role"],
    buckets=LATENCY_BUCKETS,
)
LATENCY_BY_ROUTE = Histogram(
    "lien_http_route_duration_seconds",
    "Time to answer a request (inside Django), by URL name.",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
LOGIN_GATE = Counter(
    "lien_login_gate",
    "Password checks admitted through the login gate, or refused after the queue timeout.",
    ["outcome"],
)
LOGIN_GATE_WAIT = Histogram(
    "lien_login_gate_wait_seconds",
    "Time a login waited for a password-check slot.",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0),
)


def exposition() -> bytes:
    """Every metric of the default registry in the Prometheus text format; under gunicorn with
    PROMETHEUS_MULTIPROC_DIR, the sum over every worker process."""
    multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not multiprocess_dir:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=multiprocess_dir)
    return generate_latest(registry)
