from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy on every response: no inline script, no third party."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.LIEN_CSP)
        return response
