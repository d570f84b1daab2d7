"""The sandbox's page and JSON endpoints (``/sandbox/``). Every one is a 404 unless ``SANDBOX_ENABLED``.

- ``GET /sandbox/``: the pretend phone.
- ``POST /sandbox/start/`` ``{"phone", "name"}``: who the visitor writes as -> ``{"token", "phone", "name"}``.
- ``GET /sandbox/messages/``: what the phone shows -> ``{"messages": [...]}``, oldest first.
- ``POST /sandbox/messages/`` ``{"text", "client_id"}``: a line the customer typed, into the inbound path (202).
- ``POST /sandbox/read/`` ``{"refs": [...]}``: the page showed these messages of ours (read receipts).

The session token travels in the ``X-Sandbox-Token`` header (a missing, forged or expired one is a 403). Errors
are JSON ``{"detail", "code"}`` with a 4xx; a refused post stores nothing. The JSON endpoints are exempt from
CSRF: they act only for the holder of a token the page keeps in its own storage, never in a cookie, so a
request another site makes in the visitor's browser carries no authority.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conversations.events import sandbox_message_event
from conversations.models import Message
from conversations.sandbox.selectors import sandbox_contact_id, sandbox_message_list
from conversations.services.ingest import kept_headers
from conversations.services.sandbox import (
    SandboxSession,
    sandbox_message_receive,
    sandbox_messages_read,
    sandbox_session_read,
    sandbox_session_start,
)
from core.errors import ApplicationError
from integrations.limits import NAME_CHARS, TEXT_CHARS

TOKEN_HEADER = "X-Sandbox-Token"  # noqa: S105 - a header name, not a secret

# Made-up customers to start from in one click (never the database's contacts: the page has no login).
PRESETS = [
    {"name": "Rosa Quispe", "phone": "+51 987 654 321", "hint": "Fibra 200 Mbps en Surco"},
    {"name": "Carlos Mendoza", "phone": "+51 912 345 678", "hint": "iPhone 15 en cuotas"},
    {"name": "Ana Torres", "phone": "+51 955 444 333", "hint": "Plan postpago con Claro"},
]


def _error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def _refused(exc: ApplicationError) -> JsonResponse:
    return _error(exc.status_code, exc.message, exc.code)


def sandbox_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.SANDBOX_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _json_body(request: HttpRequest) -> dict[str, Any] | JsonResponse:
    """The body as a JSON object, or the 4xx that says why it is not one."""
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, _("The request is too large."), "too_large")
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        return _error(400, _("The sandbox could not read that request."), "malformed_payload")
    return data


def _session(request: HttpRequest) -> SandboxSession:
    return sandbox_session_read(token=request.headers.get(TOKEN_HEADER))


@sandbox_only
@require_GET
def sandbox_page(request: HttpRequest) -> HttpResponse:
    strings = {
        "ai": _("AI assistant"), "agent": _("Agent"), "file": _("File"),
        "online": _("online"), "offline": _("reconnecting…"),
        "send_failed": _("The message could not be sent; it is kept in the box. Try again."),
        "statuses": {value: str(label) for value, label in Message.Status.choices},
    }
    return render(request, "conversations/sandbox.html", {
        "presets": PRESETS, "max_chars": TEXT_CHARS, "name_chars": NAME_CHARS, "strings": strings,
    })


@csrf_exempt
@sandbox_only
@require_POST
def sandbox_start(request: HttpRequest) -> HttpResponse:
    data = _json_body(request)
    if isinstance(data, JsonResponse):
        return data
    try:
        session, token = sandbox_session_start(phone=data.get("phone"), name=data.get("name", ""))
    except ApplicationError as exc:
        return _refused(exc)
    return JsonResponse({"token": token, "phone": session.phone, "name": session.name})


@csrf_exempt
@sandbox_only
@require_http_methods(["GET", "POST"])
def sandbox_messages(request: HttpRequest) -> HttpResponse:
    try:
        session = _session(request)
    except ApplicationError as exc:
        return _refused(exc)
    if request.method == "GET":
        contact_id = sandbox_contact_id(sender_id=session.sender_id, phone=session.phone)
        messages = sandbox_message_list(contact_id=contact_id) if contact_id else []
        return JsonResponse({"messages": [sandbox_message_event(m) for m in messages]})
    data = _json_body(request)
    if isinstance(data, JsonResponse):
        return data
    try:
        result = sandbox_message_receive(session=session, payload=data, headers=kept_headers(request.headers))
    except ApplicationError as exc:
        return _refused(exc)
    return JsonResponse({"status": "accepted", "duplicate": result.created == 0}, status=202)


@csrf_exempt
@sandbox_only
@require_POST
def sandbox_read(request: HttpRequest) -> HttpResponse:
    try:
        session = _session(request)
    except ApplicationError as exc:
        return _refused(exc)
    data = _json_body(request)
    if isinstance(data, JsonResponse):
        return data
    try:
        count = sandbox_messages_read(session=session, payload=data)
    except ApplicationError as exc:
        return _refused(exc)
    return JsonResponse({"read": count})
