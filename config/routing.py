"""WebSocket routes of every app, gathered in one place."""

from django.urls import path

from conversations.consumers import EventsConsumer

websocket_urlpatterns = [
    path("ws/panel/", EventsConsumer.as_asgi()),
]
