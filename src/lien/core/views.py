from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def health(request):
    """A liveness check for load balancers and the throughput benchmark: no database access."""
    return HttpResponse("ok", content_type="text/plain")
