"""WebSocket routes of every app, gathered in one place."""

from django.urls import path

from conversations.consumers import EventsConsumer, SandboxConsumer

websocket_urlpatterns = [
    path("ws/panel/", EventsConsumer.as_asgi()),
    path("ws/sandbox/", SandboxConsumer.as_asgi()),  # the sandbox's pretend phone (no user; a signed token)
]
