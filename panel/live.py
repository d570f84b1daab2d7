"""Catch-up for the panel's socket: the events a tab missed while it was disconnected, from the log; and the
inbox tabs' counts, which the page refreshes when events arrive."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from conversations.selectors import CatchUp, conversation_events_after, events_since
from core.params import parse_int
from panel.selectors import inbox_tab_counts


def _number(raw: str | None) -> int | None:
    return parse_int(raw, minimum=0)


def _answer(result: CatchUp) -> JsonResponse:
    return JsonResponse({"events": result.events, "cursor": result.cursor, "more": result.more,
                         "reset": result.reset})


@login_required
@require_GET
def conversation_events(request: HttpRequest, pk: int) -> JsonResponse:
    """``?after=N``: the events of a conversation the user may see (404 otherwise) numbered above N;
    without it, just the conversation's current seq (a client's starting point)."""
    raw = request.GET.get("after")
    after = _number(raw)
    if raw not in (None, "") and after is None:
        return JsonResponse({"error": "invalid_after"}, status=400)
    return _answer(conversation_events_after(user=request.user, conversation_id=pk, after=after))


@login_required
@require_GET
def inbox_events(request: HttpRequest) -> JsonResponse:
    """``?since=<cursor>``: the events the user's inbox missed; without it, just the current cursor."""
    raw = request.GET.get("since")
    since = _number(raw)
    if raw not in (None, "") and since is None:
        return JsonResponse({"error": "invalid_since"}, status=400)
    return _answer(events_since(user=request.user, since=since))


@login_required
@require_GET
def inbox_counts(request: HttpRequest) -> JsonResponse:
    """The inbox tabs' badges: ``{"mine": {"count", "unread"}, "unassigned": {...}, "all": {...}}``, as the
    user may see them (open or pending conversations only)."""
    counts = inbox_tab_counts(user=request.user)
    return JsonResponse({tab: {"count": c.count, "unread": c.unread} for tab, c in counts.items()})
