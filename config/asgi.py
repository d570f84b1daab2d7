"""ASGI entry point: HTTP through Django, WebSocket through Channels."""

import asyncio
import os
import weakref
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CRM_PROCESS", "web")  # settings give the web process a connection pool
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from accounts.ip_allowlist_asgi import IPAllowlistSocketMiddleware  # noqa: E402
from accounts.two_factor.asgi import TwoFactorSocketMiddleware  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from conversations.asgi import WebhookApp  # noqa: E402
from core.client_ip import TrustedProxyMiddleware  # noqa: E402
from core.heap import heap_freeze  # noqa: E402
from core.realtime import server_loop_bind  # noqa: E402
from core.runtime import log_runtime_mode  # noqa: E402
from core.scheduler import start_embedded_scheduler  # noqa: E402

webhook_app = WebhookApp()


def _closing_connections(fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return fn(*args, **kwargs)
    finally:
        connections.close_all()


class ConnectionClosingExecutor(ThreadPoolExecutor):
    """The event loop's default executor, whose jobs give back the database connections they open.

    Django renders error pages (404, 500) there, outside the request's own thread: the page reads the
    session, which opens a connection, and the end-of-request cleanup runs in the other thread. Each of
    those threads would keep a connection of the pool (or a PostgreSQL session) for good.
    """

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[no-untyped-def,override]
        return super().submit(_closing_connections, fn, *args, **kwargs)


_loops_with_executor: "weakref.WeakSet[asyncio.AbstractEventLoop]" = weakref.WeakSet()


def install_connection_closing_executor() -> None:
    """Make the running loop's default executor a :class:`ConnectionClosingExecutor` (once per loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _loops_with_executor:
        loop.set_default_executor(ConnectionClosingExecutor(thread_name_prefix="asgi-default"))
        _loops_with_executor.add(loop)


async def http_app(scope, receive, send):  # type: ignore[no-untyped-def]
    """Provider webhooks take their lean entry (conversations/asgi.py); everything else is Django's."""
    install_connection_closing_executor()
    server_loop_bind()  # the in-memory layer's sends from other threads go to this loop (core/realtime.py)
    if scope["path"].startswith("/webhooks/"):
        await webhook_app(scope, receive, send)
    else:
        await django_asgi_app(scope, receive, send)


application = TrustedProxyMiddleware(
    ProtocolTypeRouter(
        {
            "http": http_app,
            "websocket": AllowedHostsOriginValidator(
                AuthMiddlewareStack(
                    IPAllowlistSocketMiddleware(TwoFactorSocketMiddleware(URLRouter(websocket_urlpatterns)))
                )
            ),
        }
    )
)

log_runtime_mode(process="web")
heap_freeze()  # what is loaded now lives as long as the process (core/heap.py)

if settings.EMBEDDED_SCHEDULER:
    start_embedded_scheduler()  # the periodic jobs in this process (embedded mode), one process per checkout
