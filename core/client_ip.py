"""The client's address, taken from ``X-Forwarded-For`` only when a trusted proxy sent it.

The ASGI server runs with its own proxy handling off (``--no-proxy-headers``): uvicorn trusts
``127.0.0.1`` by default, so anyone reaching the server on the same host could pick their address with
a header, past the login throttling and into the access log. Here the peer's address stays the
client's unless the peer is one of ``TRUSTED_PROXIES`` (addresses or networks). Then the header is
read from the right, skipping the trusted hops, and the first address no trusted proxy owns is the
client. Django sees the result as ``REMOTE_ADDR``; login throttling (axes), the IP allowlist and the
logs read that and nothing else.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``["10.0.0.0/8", "192.168.1.5"]`` as networks; a bad entry raises ``ValueError`` naming it."""
    networks = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as exc:
            raise ValueError(f"not an IP address or network: {value!r}") from exc
    return tuple(networks)


def parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as a peer or a header writes it (``[v6]:port`` and ``v4:port`` too), IPv4-mapped IPv6
    as IPv4; None when it is no address."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.5:51234
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    parsed = parse_address(address)
    return parsed is not None and any(parsed in network for network in networks)


def client_address(peer: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The client of a request that ``peer`` sent with this ``X-Forwarded-For`` (may be empty)."""
    if not trusted or not is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            return peer  # a garbled header from a trusted proxy: keep the address we know
        if not any(address in network for network in trusted):
            return str(address)
    return str(parse_address(hops[0])) if hops else peer


class TrustedProxyMiddleware:
    """ASGI: replace ``scope["client"]`` with the real client when a trusted proxy forwarded the request."""

    def __init__(self, app: ASGIApp, *, trusted: Iterable[str] | None = None) -> None:
        self.app = app
        if trusted is None:
            from django.conf import settings

            trusted = settings.TRUSTED_PROXIES
        self.trusted = parse_networks(trusted)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if self.trusted and scope["type"] in ("http", "websocket") and scope.get("client"):
            peer, port = scope["client"][0], scope["client"][1]
            forwarded = ",".join(
                value.decode("latin-1") for name, value in scope.get("headers", ()) if name == b"x-forwarded-for"
            )
            client = client_address(peer, forwarded, self.trusted)
            if client != peer:
                scope = {**scope, "client": (client, port)}
        await self.app(scope, receive, send)
