"""An IP reputation lookup (VPN, proxy, Tor, hosting), for the IP allowlist's optional risk check.

Speaks the shape most such services share (ip-api's ``proxy``/``hosting``, ipinfo's privacy block,
proxycheck-like booleans): ``GET <base>/<address>`` answering a JSON object; any of the flags below set
to true, at the top level or under ``privacy`` / ``security``, makes the address risky. Off unless
``IP_RISK_LOOKUP_URL`` is set; tests point it at a local server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from integrations.errors import TransientError

RISK_FLAGS = ("proxy", "vpn", "tor", "relay", "hosting")


@dataclass(frozen=True)
class IPRisk:
    address: str
    flags: tuple[str, ...]

    @property
    def is_risky(self) -> bool:
        return bool(self.flags)


def _flags(body: dict[str, Any]) -> tuple[str, ...]:
    found = []
    for container in (body, body.get("privacy"), body.get("security")):
        if isinstance(container, dict):
            found += [flag for flag in RISK_FLAGS if container.get(flag) is True]
    return tuple(dict.fromkeys(found))


def ip_risk_lookup(address: str, *, base_url: str, api_key: str = "", timeout: float = 2.0) -> IPRisk:
    """Ask the reputation service about ``address``; ``TransientError`` when it cannot answer."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx.get(f"{base_url.rstrip('/')}/{address}", headers=headers, timeout=timeout,
                             follow_redirects=False)
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise TransientError(f"IP risk lookup failed: {type(exc).__name__}", code="iprisk_unavailable") from exc
    if not isinstance(body, dict):
        raise TransientError("IP risk lookup answered no object", code="iprisk_unavailable")
    return IPRisk(address=address, flags=_flags(body))
