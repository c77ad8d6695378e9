"""The ASGI application: the web pages (Django), and the WebSocket of real-time events.

In production, daphne serves it behind the reverse proxy for `/ws/` (see README); the web pages
may stay on the WSGI server. `make demo` serves both through runserver (daphne's).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lien.settings")
# First: it sets Django up, which the consumers' imports need.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from lien.messaging.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        # Only pages of an allowed host may open it (no cross-site WebSocket hijacking); the
        # session cookie says who the user is.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
