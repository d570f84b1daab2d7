"""The bell's pages: its dropdown's JSON, the full list, and marking notices read. Thin: parse, select, answer."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.params import parse_id
from notifications.selectors import notification_list
from notifications.services import notification_payload, notifications_mark_read, unread_count
from notifications.topbar import topbar_count

DROPDOWN_SIZE = 20
PAGE_SIZE = 25


@login_required
@require_GET
def notifications_feed(request: HttpRequest) -> JsonResponse:
    """The dropdown: ``{unread, chat_unread, results: [the latest 20]}``."""
    latest = notification_list(user=request.user)[:DROPDOWN_SIZE]
    return JsonResponse({
        "unread": unread_count(user=request.user),
        "chat_unread": topbar_count("chat_unread", user=request.user),
        "results": [notification_payload(n) for n in latest],
    })


@login_required
@require_GET
def notifications_all(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(notification_list(user=request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "notifications/all.html", {
        "page": page, "unread_only": unread_only, "unread": unread_count(user=request.user),
        "rows": [notification_payload(n) for n in page.object_list],
    })


class _BadIds(ValueError):
    pass


def _read_input(request: HttpRequest) -> tuple[bool, list[int]]:
    """(all, ids) from a form (``all=1`` or ``ids=1&ids=2``) or a JSON body (``{"all": true}`` / ``{"ids": []}``)."""
    if request.content_type == "application/json":
        try:
            body: Any = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise _BadIds from exc
        if not isinstance(body, dict):
            raise _BadIds
        everything, raw = bool(body.get("all")), body.get("ids") or []
        if not isinstance(raw, list):
            raise _BadIds
    else:
        everything, raw = request.POST.get("all") in ("1", "true", "on"), request.POST.getlist("ids")
    ids = [parse_id(str(value)) if not isinstance(value, bool) else None for value in raw]
    if None in ids:  # not an id, or past what an id column holds
        raise _BadIds
    if not everything and not ids:
        raise _BadIds
    return everything, ids[:500]


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("accept", "") or request.content_type == "application/json"


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark the user's notices read (``ids``, or ``all``): ``{unread}``. Ids of other people's notices do nothing."""
    try:
        everything, ids = _read_input(request)
    except _BadIds:
        return JsonResponse({"detail": _("Say which notifications, or all."), "code": "invalid_ids"}, status=400)
    notifications_mark_read(user=request.user, ids=None if everything else ids)
    if _wants_json(request):
        return JsonResponse({"unread": unread_count(user=request.user)})
    return HttpResponseRedirect(reverse("notifications:all"))
