"""WebSocket routes (mounted by lien/asgi.py): the signed-in user's real-time events."""

from django.urls import path

from lien.messaging.consumers import EventsConsumer

websocket_urlpatterns = [
    path("ws/evenements/", EventsConsumer.as_asgi(), name="events"),
]
