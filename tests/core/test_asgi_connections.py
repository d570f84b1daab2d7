"""The web process gives back the database connections that error pages open outside the request's thread."""

from __future__ import annotations

import time

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.db import connection
from django.test import Client

from config.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def _other_sessions() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return {row[0] for row in cursor.fetchall()}


async def _get(path: str, cookie: str) -> tuple[int, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}
    app = ApplicationCommunicator(application, scope)
    await app.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await app.receive_output(timeout=10)
    body = b""
    while True:
        message = await app.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    return start["status"], body


def test_a_logged_in_users_404_pages_leave_no_database_session_behind(agent):
    client = Client()
    client.force_login(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    before = _other_sessions()  # what earlier tests' threads may still hold is not this test's question
    for k in range(3):
        status, body = async_to_sync(_get)(f"/no-such-page-{k}/", cookie)
        assert status == 404 and str(agent).encode() in body  # rendered with the session's user
    deadline = time.monotonic() + 3
    while _other_sessions() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _other_sessions() - before == set()
