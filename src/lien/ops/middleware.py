import time
from functools import cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY

from lien.ops import metrics

# Set in the session at login by lien.admission (its priority class); read, never computed here.
PRIORITY_SESSION_KEY = "lien_priority"
ROLE_CLASSES = frozenset({"staff", "teacher", "student", "parent", "anonymous"})
AUTHENTICATED = "authenticated"
ANONYMOUS = "anonymous"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def role_class(request) -> str:
    """The role class of a request, from what the request already read: never a query.

    A session the request never opened (`/sante/`, static files) is not loaded for the metrics'
    sake: a session cookie then counts as "authenticated".
    """
    session = getattr(request, "session", None)
    if session is None:
        return ANONYMOUS
    if not session.accessed:
        return AUTHENTICATED if settings.SESSION_COOKIE_NAME in request.COOKIES else ANONYMOUS
    priority = session.get(PRIORITY_SESSION_KEY)
    if priority in ROLE_CLASSES:
        return priority
    return AUTHENTICATED if session.get(AUTH_SESSION_KEY) else ANONYMOUS


def route_name(request) -> str:
    """The URL's name ("messaging:inbox"): a bounded set, never the raw path."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


# The labelled series, looked up once each (prometheus_client's .labels() costs a lock and checks).
@cache
def _request_counter(method: str, status: str, role: str):
    return metrics.REQUESTS.labels(method, status, role)


@cache
def _role_latency(role: str):
    return metrics.LATENCY_BY_ROLE.labels(role)


@cache
def _route_latency(route: str):
    return metrics.LATENCY_BY_ROUTE.labels(route)


class MetricsMiddleware:
    """Counts every request and times it, by role class and by URL name (Prometheus)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        role = role_class(request)
        method = request.method if request.method in METHODS else "other"
        status = f"{response.status_code // 100}xx"
        _request_counter(method, status, role).inc()
        _role_latency(role).observe(elapsed)
        _route_latency(route_name(request)).observe(elapsed)
        return response
