"""The provider webhooks' own ASGI entry: the same views, without the browser's request machinery.

Webhooks are machine to machine and carry their own signature: sessions, authentication, CSRF,
messages, login throttling and static files have nothing to do with them, and under Django's ASGI
handler a sync view also costs a new thread per request (with a database connection and a broker
channel set up in it each time). Here each request is read into memory (bounded), turned into a Django
``ASGIRequest``, and the view of ``conversations/urls.py`` runs in a small pool of long-lived threads,
with the connection housekeeping Django's request signals would do. Tests drive the views through
Django's test client too; ``tests/conversations/test_webhook_asgi.py`` drives this entry.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.handlers.asgi import ASGIRequest
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _json(status: int, detail: str, code: str) -> tuple[int, bytes]:
    return status, json.dumps({"detail": detail, "code": code}).encode()


class WebhookApp:
    """ASGI app for ``/webhooks/...``: resolve, read the body, run the view in a worker thread, answer."""

    def __init__(self, *, threads: int | None = None) -> None:
        self.threads = threads or getattr(settings, "WEBHOOK_THREADS", 8)
        self._executor: ThreadPoolExecutor | None = None

    @property
    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="webhook")
        return self._executor

    def close(self) -> None:
        """Close each worker thread's database connection, then the threads (shutdown, tests)."""
        if self._executor is None:
            return
        barrier = threading.Barrier(self.threads)

        def close_here() -> None:
            connections.close_all()
            barrier.wait(timeout=10)  # one call per thread: each waits until all have closed theirs

        for future in [self._executor.submit(close_here) for _ in range(self.threads)]:
            future.result()
        self._executor.shutdown()
        self._executor = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            match = resolve(scope["path"])
        except Resolver404:
            await self._send(send, *_json(404, "Not found.", "not_found"))
            return
        body = await self._read_body(receive)
        if body is None:
            await self._send(send, *_json(413, "Request body too large.", "too_large"))
            return
        loop = asyncio.get_running_loop()
        status, headers, content = await loop.run_in_executor(self.executor, self._run, scope, body, match)
        await self._send(send, status, content, headers)

    @staticmethod
    async def _read_body(receive: Receive) -> bytes | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b""  # nothing to answer; the provider will deliver again
            chunk = message.get("body", b"")
            size += len(chunk)
            if limit is not None and size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    def _run(scope: Scope, body: bytes, match: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """In a worker thread: what Django's handler and its request signals would do around the view."""
        close_old_connections()
        try:
            request = ASGIRequest(scope, io.BytesIO(body))
            response: HttpResponse = match.func(request, *match.args, **match.kwargs)
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.items()
                       if k.lower() != "content-length"]
            return response.status_code, headers, response.content
        except (SuspiciousOperation, MultiPartParserError) as exc:  # a request Django refuses to read: not ours
            logger.warning("webhook %s refused: %s", scope["path"], type(exc).__name__)
            status, content = _json(400, "Unreadable request.", "malformed_payload")
            return status, [(b"content-type", b"application/json")], content
        except (OperationalError, InterfaceError) as exc:  # the database unreachable: an outage, not a bug
            logger.warning("webhook %s: database unavailable: %s", scope["path"], str(exc).splitlines()[0][:200])
            status, content = _json(503, "Database unavailable, deliver it again.", "database_unavailable")
            return status, [(b"content-type", b"application/json"), (b"retry-after", b"5")], content
        except Exception:  # the provider retries a 5xx, so nothing unacknowledged is lost
            logger.exception("webhook %s failed", scope["path"])
            status, content = _json(500, "Server error, retry later.", "server_error")
            return status, [(b"content-type", b"application/json")], content
        finally:
            close_old_connections()

    @staticmethod
    async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        headers = headers if headers is not None else [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
