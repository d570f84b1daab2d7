"""What the audit log needs from the request being served: who acts and from which address.

``AuditRequestMiddleware`` keeps the request in a context variable for the length of the request, so an
entry written deep in a service or by django-auditlog's model signals knows its actor and address without
every caller passing the request along. The address is ``REMOTE_ADDR`` and nothing else: config/asgi.py
(core/client_ip.py) has already taken ``X-Forwarded-For`` into account, and only from TRUSTED_PROXIES.
django-auditlog's own middleware reads the header directly, so it is not used.

This module imports no model, so the models module can use it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponseBase

# What a secret or a password hash becomes in an entry: it says that the value changed, never what it is.
MASKED = "********"

_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


def current_request() -> HttpRequest | None:
    return _request.get()


def request_actor(request: HttpRequest | None) -> Any:
    """The signed-in user of ``request``, or ``None`` (the lazy user is loaded only when an entry is written)."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def request_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR") or ""))
    except ValueError:
        return None


def secret_mask(value: str) -> str:
    """django-auditlog's mask for secrets (``AUDITLOG_INCLUDE_TRACKING_MODELS``): set or not, never the value.

    Its default mask keeps half of the string, which would still give half a token away.
    """
    return "" if value in ("", "None") else MASKED


class AuditRequestMiddleware:
    """Makes the current request known to the audit log (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
