"""ASGI entry point: HTTP through Django, WebSocket through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CRM_PROCESS", "web")  # settings give the web process a connection pool
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from conversations.asgi import WebhookApp  # noqa: E402
from core.runtime import log_runtime_mode  # noqa: E402

webhook_app = WebhookApp()


async def http_app(scope, receive, send):  # type: ignore[no-untyped-def]
    """Provider webhooks take their lean entry (conversations/asgi.py); everything else is Django's."""
    if scope["path"].startswith("/webhooks/"):
        await webhook_app(scope, receive, send)
    else:
        await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

log_runtime_mode(process="web")
