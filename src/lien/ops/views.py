"""Operations endpoints: liveness, readiness and the Prometheus metrics."""

import hmac
import ipaddress

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lien.ops import metrics, readiness
from lien.ops.policy import can_read_metrics_from_this_machine

# A reverse proxy adds one of these: the request then came from elsewhere, whatever REMOTE_ADDR.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


@require_GET
def health(request):
    """Liveness, for load balancers and the benchmarks: the process answers. No database access."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@never_cache
def readiness_view(request):
    """Readiness: 200 when the database, the cache and Redis (if configured) answer, else 503
    naming what failed."""
    checks = readiness.run_checks()
    failing = [name for name, outcome in checks.items() if outcome != readiness.OK]
    body: dict[str, object] = {"status": "unavailable" if failing else "ok", "checks": checks}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _from_this_machine(request: HttpRequest) -> bool:
    if any(header in request.META for header in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def check_metrics_access(request: HttpRequest) -> None:
    """Allow the bearer token LIEN_METRICS_TOKEN from anywhere, or a direct request from the
    loopback address; 403 for a wrong token or a signed-in non-operator, 404 for anyone else."""
    token = _bearer_token(request)
    if token is not None:
        expected = settings.LIEN_METRICS_TOKEN
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return
        raise PermissionDenied
    if not _from_this_machine(request):
        raise Http404
    if not can_read_metrics_from_this_machine(request.user):
        raise PermissionDenied


@require_GET
@never_cache
def metrics_view(request):
    """Every process's metrics in the Prometheus text format."""
    check_metrics_access(request)
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
