"""The live server of the browser tests: the real ASGI application (HTTP and WebSocket) under daphne in a thread.

pytest-django's ``live_server`` speaks WSGI only, and the panel needs its WebSocket. Events published from the test
thread reach the server through the channel layer (in-memory is shared by the threads of this process). Webhook
posts and ``drain()`` run in a worker thread (``off_loop``): Playwright's event loop in the test thread forbids the
``async_to_sync`` that publishing uses.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.db.backends.signals import connection_created

# SQLite's in-memory test database is one shared cache for every thread's connection, with table locks that fail
# at once instead of waiting (Django's own live_server avoids this by sharing a single connection). So, on SQLite
# only: readers do not take table locks, and HTTP requests and the test's webhook work run one at a time.
DB_LOCK = threading.Lock()


def _sqlite_readers_do_not_lock(sender, connection, **kwargs):  # type: ignore[no-untyped-def]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")


class OneRequestAtATime:
    def __init__(self, app):  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        # As the product's entry (config/asgi.py) does: error pages rendered off the request's thread give
        # their database connections back, so the test database can be dropped at the end; and events the test
        # publishes from its own threads (posts, drain()) are sent on this loop, which holds the sockets' queues.
        from config.asgi import install_connection_closing_executor
        from core.realtime import server_loop_bind

        install_connection_closing_executor()
        server_loop_bind()
        # Polled on the loop, never acquired in a thread: daphne cancels a request whose client went away, and
        # a cancelled wait must not leave a thread that takes the lock later and never gives it back (every
        # later request would hang).
        while not DB_LOCK.acquire(blocking=False):
            await asyncio.sleep(0.005)
        try:
            await self.app(scope, receive, send)
        finally:
            DB_LOCK.release()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def asgi_live_server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The ASGI app (HTTP and WebSocket) under daphne, once per session: Twisted's reactor cannot restart.

    Defined for every test in ``tests/conftest.py`` only: a second import into another conftest or module would
    be a second session fixture, whose daphne would touch the running reactor from its own thread.
    """
    from channels.routing import ProtocolTypeRouter
    from daphne.server import Server
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.asgi import get_asgi_application
    from twisted.internet import reactor

    from config.asgi import application

    if reactor.running:
        raise RuntimeError("daphne is already serving in this process: use the asgi_live_server of tests/conftest.py")
    db = connections.settings["default"]
    max_age = db.get("CONN_MAX_AGE", 0)
    db["CONN_MAX_AGE"] = 0  # the server's threads must not keep connections past a request (test DB teardown)
    connection_created.connect(_sqlite_readers_do_not_lock)
    http = OneRequestAtATime(ASGIStaticFilesHandler(get_asgi_application()))
    app = ProtocolTypeRouter({"http": http, "websocket": application})
    port = _free_port()
    server = Server(application=app, endpoints=[f"tcp:port={port}:interface=127.0.0.1"], signal_handlers=False,
                    verbosity=0)
    thread = threading.Thread(target=server.run, name="daphne-live-server", daemon=True)
    with django_db_blocker.unblock():
        thread.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("daphne did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
        reactor.callFromThread(reactor.stop)
        thread.join(timeout=5)
    db["CONN_MAX_AGE"] = max_age
    connection_created.disconnect(_sqlite_readers_do_not_lock)


def off_loop(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run ``fn`` in a worker thread: Playwright's loop in this thread forbids ``async_to_sync`` (publishing)."""

    def call():  # type: ignore[no-untyped-def]
        try:
            with DB_LOCK:
                return fn(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=60)


def log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/panel/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill("pass-for-tests-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{base}/panel/")


def inbound(post, **params: str):  # type: ignore[no-untyped-def]
    """A customer's signed Twilio message through the webhook, processed as the workers would; its conversation."""
    from conversations.models import Conversation
    from tests.conversations.conftest import drain, twilio_params

    assert off_loop(post, twilio_params(**params)).status_code == 200
    off_loop(drain)
    return Conversation.objects.order_by("-pk").first()
