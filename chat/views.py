"""The chat pages: rooms and people on the left, the open room's messages and composer on the right, search,
announcements with their read receipts. Thin: selectors and services; the page's JS (static/chat/chat.js) listens
to ``chat.message`` / ``chat.read`` through window.CRMLive."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Team, User
from chat import selectors
from chat.models import Room
from chat.services import (
    broadcast_send,
    chat_message_send,
    message_payload,
    room_direct_get_or_create,
    room_mark_read,
    room_team_get_or_create,
)
from core.errors import ApplicationError
from core.params import parse_id

EVERYONE = "all"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _team_rooms_ensure(user: User) -> None:
    """Every person finds their team's room on their first visit."""
    for team in Team.objects.filter(pk__in=selectors.chat_team_ids(user=user)):
        room_team_get_or_create(team=team)


def receipts_payload(receipts: selectors.Receipts) -> dict[str, Any]:
    def person(r: Any) -> dict[str, Any]:
        return {"id": r.user_id, "name": str(r.user), "read_at": r.read_at}

    return {"message": receipts.message.pk, "read": [person(r) for r in receipts.read],
            "unread": [person(r) for r in receipts.unread]}


def _page(request: HttpRequest, room: Room | None = None, status: int = 200, **extra: Any) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    _team_rooms_ensure(user)
    entries = selectors.room_list_for_user(user=user)
    dm_rooms = {e.other.pk: e.room.pk for e in entries if e.other is not None}
    context: dict[str, Any] = {
        "entries": entries,
        "people": [(p, dm_rooms.get(p.pk)) for p in selectors.chat_people_list(user=user)],
        "room": room,
        "may_broadcast": selectors.broadcast_may_send(user=user),
        **extra,
    }
    if room is not None:
        page = selectors.room_messages(user=user, room=room)
        receipts = selectors.receipts_for_messages(user=user, messages=page.messages)
        context.update({
            "title": next((e.title for e in entries if e.room.pk == room.pk), selectors.room_title(room)),
            "chat_messages": [(message_payload(m), receipts.get(m.pk)) for m in page.messages],
            "has_more": page.has_more,
            "may_write": room.kind != Room.Kind.BROADCAST or (
                room.team_id is None and user.is_admin_role
                or any(t.pk == room.team_id for t in selectors.broadcast_teams(user=user))),
        })
    return render(request, "chat/chat.html", context, status=status)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_GET
def room(request: HttpRequest, room_id: int) -> HttpResponse:
    """The room's latest messages; ``?before=<message id>`` with ``Accept: application/json`` gives older ones."""
    user: User = request.user  # type: ignore[assignment]
    found = selectors.room_get_for_user(user=user, room_id=room_id)
    if _wants_json(request):
        page = selectors.room_messages(user=user, room=found, before=parse_id(request.GET.get("before")))
        receipts = selectors.receipts_for_messages(user=user, messages=page.messages)
        return JsonResponse({
            "messages": [{**message_payload(m), "receipts": receipts_payload(receipts[m.pk]) if m.pk in receipts
                          else None} for m in page.messages],
            "has_more": page.has_more,
        })
    return _page(request, found)


@login_required
@require_POST
def direct(request: HttpRequest, user_id: int) -> HttpResponse:
    other = get_object_or_404(User, pk=user_id, is_active=True)
    try:
        found = room_direct_get_or_create(actor=request.user, other=other)  # type: ignore[arg-type]
    except ApplicationError:
        raise Http404 from None  # someone the user may not write to is someone they do not see
    return redirect("chat:room", room_id=found.pk)


@login_required
@require_POST
def send(request: HttpRequest, room_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = selectors.room_get_for_user(user=user, room_id=room_id)
    try:
        message = chat_message_send(actor=user, room=found, body=request.POST.get("body", ""))
    except ApplicationError as exc:
        if _wants_json(request):
            return JsonResponse({"detail": exc.message, "code": exc.code}, status=exc.status_code)
        flash.error(request, exc.message)
        return redirect("chat:room", room_id=found.pk)
    if _wants_json(request):
        return JsonResponse({"message": message_payload(message)}, status=201)
    return redirect("chat:room", room_id=found.pk)


@login_required
@require_POST
def read(request: HttpRequest, room_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = selectors.room_get_for_user(user=user, room_id=room_id)
    marked = room_mark_read(user=user, room=found)
    return JsonResponse({"room": found.pk, "marked": marked, "unread_total": selectors.chat_unread_total(user=user)})


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    q = request.GET.get("q", "")[:200]
    results = selectors.chat_search(user=user, q=q)
    titles = {e.room.pk: e.title for e in selectors.room_list_for_user(user=user)}
    return _page(request, search_q=q, results=[(message_payload(m), m.room_id, titles.get(m.room_id, ""))
                                               for m in results], searched=True)


@login_required
@require_http_methods(["GET", "POST"])
def broadcast(request: HttpRequest) -> HttpResponse:
    """The announcement form (a team of the sender's, or everyone for an admin) and the sender's latest
    announcements with who has read them."""
    user: User = request.user  # type: ignore[assignment]
    if not selectors.broadcast_may_send(user=user):
        raise Http404
    teams = selectors.broadcast_teams(user=user)
    error = ""
    if request.method == "POST":
        choice = request.POST.get("team", "")
        team: Team | None = None
        if choice != EVERYONE:
            team = next((t for t in teams if t.pk == parse_id(choice)), None)
        if choice != EVERYONE and team is None:
            error = _("Choose one of your teams.")
        else:
            try:
                broadcast_send(actor=user, team=team, body=request.POST.get("body", ""))
            except ApplicationError as exc:
                error = exc.message
            else:
                return redirect("chat:broadcast")
    return _page(request, broadcasting=True, teams=teams, everyone=user.is_admin_role, error=error,
                 sent=selectors.broadcasts_sent(user=user), body=request.POST.get("body", ""),
                 chosen=request.POST.get("team", ""), status=400 if error else 200)


@login_required
@require_GET
def receipts(request: HttpRequest, message_id: int) -> HttpResponse:
    found = selectors.broadcast_receipts(user=request.user, message_id=message_id)  # type: ignore[arg-type]
    if _wants_json(request):
        return JsonResponse(receipts_payload(found))
    return render(request, "chat/_receipts.html", {"receipts": found, "message_id": found.message.pk})
