"""WebSocket routes of every app, gathered in one place."""

from django.urls import path

from core.consumers import EventsConsumer

websocket_urlpatterns = [
    path("ws/panel/", EventsConsumer.as_asgi()),
]
