"""The client's address comes from X-Forwarded-For only through a trusted proxy (login throttling, logs)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from axes.models import AccessAttempt

from config.asgi import application
from core.client_ip import TrustedProxyMiddleware, client_address, parse_networks

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "expected"),
    [
        ("127.0.0.1", "6.6.6.6", "", "127.0.0.1"),  # nobody trusted: the header is ignored
        ("198.51.100.9", "6.6.6.6", "10.0.0.0/8", "198.51.100.9"),  # the peer is not a trusted proxy
        ("10.0.0.2", "203.0.113.7", "10.0.0.0/8", "203.0.113.7"),
        ("10.0.0.2", "6.6.6.6, 203.0.113.7", "10.0.0.0/8", "203.0.113.7"),  # the client's own entry is spoofable
        ("10.0.0.2", "203.0.113.7, 10.0.0.3", "10.0.0.0/8", "203.0.113.7"),  # two trusted hops
        ("10.0.0.2", "not-an-ip", "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.0/8", "10.0.0.2"),
        ("::ffff:10.0.0.2", "[2001:db8::5]:443", "10.0.0.0/8", "2001:db8::5"),
    ],
)
def test_client_address_trusts_the_header_only_from_trusted_proxies(peer, header, trusted, expected):
    assert client_address(peer, header, parse_networks(trusted.split(","))) == expected


def test_a_bad_trusted_proxy_entry_is_refused_by_name():
    with pytest.raises(ValueError, match="not-a-network"):
        parse_networks(["10.0.0.0/8", "not-a-network"])


async def _call(app, method: str, path: str, *, headers: list[tuple[bytes, bytes]], body: bytes = b"",
                peer: str = "127.0.0.1") -> tuple[int, dict[bytes, list[bytes]], bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": (peer, 5000),
             "server": ("testserver", 80)}
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await communicator.receive_output(timeout=10)
    content = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        content += message.get("body", b"")
        if not message.get("more_body"):
            break
    response_headers: dict[bytes, list[bytes]] = {}
    for name, value in start["headers"]:
        response_headers.setdefault(name.lower(), []).append(value)
    return start["status"], response_headers, content


def _failed_logins(app, *, forwarded: list[str], peer: str = "127.0.0.1") -> list[int]:
    """Log in with a wrong password once per ``forwarded`` address, through the real ASGI stack."""
    status, headers, page = async_to_sync(_call)(app, "GET", "/accounts/login/", headers=[], peer=peer)
    assert status == 200
    cookie = next(c for c in headers[b"set-cookie"] if c.startswith(b"csrftoken=")).split(b";")[0]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    statuses = []
    for address in forwarded:
        body = urlencode({"username": "agente", "password": "wrong", "csrfmiddlewaretoken": token}).encode()
        status, _, _ = async_to_sync(_call)(app, "POST", "/accounts/login/", peer=peer, body=body, headers=[
            (b"cookie", cookie), (b"content-type", b"application/x-www-form-urlencoded"),
            (b"x-forwarded-for", address.encode()),
        ])
        statuses.append(status)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_a_spoofed_forwarded_for_neither_escapes_the_login_lockout_nor_reaches_the_log(agent, settings):
    addresses = [f"6.6.6.{n}" for n in range(settings.AXES_FAILURE_LIMIT + 2)]
    statuses = _failed_logins(application, forwarded=addresses)
    assert statuses[-1] == 429  # one address, whatever the header said
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


@pytest.mark.django_db(transaction=True)
def test_behind_a_trusted_proxy_each_real_client_is_throttled_on_its_own_address(agent, settings):
    behind_proxy = TrustedProxyMiddleware(application.app, trusted=["10.0.0.0/8"])
    first = _failed_logins(behind_proxy, peer="10.0.0.2", forwarded=["203.0.113.7"] * settings.AXES_FAILURE_LIMIT)
    assert first[-1] == 429
    other = _failed_logins(behind_proxy, peer="10.0.0.2", forwarded=["203.0.113.8"])
    assert other == [200]  # another customer behind the same proxy is not locked out
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7", "203.0.113.8"}


@pytest.mark.parametrize("launcher", ["Makefile", "Dockerfile", "docker-compose.yml"])
def test_every_server_command_leaves_forwarded_headers_to_the_app(launcher):
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told not to; the app decides instead."""
    lines = [line for line in (ROOT / launcher).read_text().splitlines() if "uvicorn" in line
             and "config.asgi:application" in line]
    assert lines and all("--no-proxy-headers" in line for line in lines)
