"""The agents' chat panel: server-rendered pages and htmx partials. Thin: selectors and services only."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from conversations.models import Conversation, Message
from conversations.selectors import (
    ConversationFilters,
    conversation_get_for_user,
    conversation_list,
    quick_reply_list,
)
from conversations.services.assistant import conversation_suggest_reply
from conversations.services.inbox import (
    conversation_add_note,
    conversation_assign,
    conversation_mark_read,
    conversation_set_status,
    conversation_transfer,
)
from conversations.services.outbound import WindowClosedError, message_send
from core.errors import ApplicationError
from leads.services import is_real_name
from panel.selectors import (
    message_get_for_conversation,
    message_history,
    note_list,
    template_list,
    transfer_candidates_list,
)

PAGE_SIZE = 25
TABS = {"mine": "me", "unassigned": "none", "all": ""}
STATUS_CHOICES = [(s.value, s.label) for s in Conversation.Status]


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _filters(request: HttpRequest) -> tuple[str, ConversationFilters]:
    tab = request.GET.get("tab", "all")
    if tab not in TABS:
        tab = "all"
    status = request.GET.get("status", "")
    if status not in Conversation.Status.values:
        status = ""
    return tab, ConversationFilters(status=status, assignee=TABS[tab], q=request.GET.get("q", "").strip()[:100])


def _inbox_context(request: HttpRequest, *, active_id: int | None = None) -> dict[str, Any]:
    tab, filters = _filters(request)
    page: Page = Paginator(conversation_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {"page": page, "tab": tab, "filters": filters, "statuses": STATUS_CHOICES, "active_id": active_id}


def _template_options(templates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**t, "slots": range(1, int(t.get("variables") or 0) + 1)} for t in templates]


def _conversation_context(request: HttpRequest, conversation: Conversation, **extra: Any) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    context = _inbox_context(request, active_id=conversation.pk)
    context.update(
        conversation=conversation,
        history=message_history(conversation=conversation),
        notes=note_list(conversation=conversation),
        candidates=transfer_candidates_list(user=user, conversation=conversation),
        window_open=conversation.window_open(),
        can_take=conversation.assignee_id is None and (user.is_agent or user.is_supervisor or user.is_admin_role),
        composer_text="",
        composer_error="",
        window_templates=[],
    )
    context.update(extra)
    return context


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "panel/inbox.html", _inbox_context(request))


@login_required
@require_GET
def inbox_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One row of the list as the current filters show it; 404 when it no longer belongs there."""
    _, filters = _filters(request)
    conversation = conversation_list(user=request.user, filters=filters).filter(pk=pk).first()
    if conversation is None:
        raise Http404
    active = request.GET.get("active", "")
    active_id = int(active) if active.isdigit() else None
    return render(request, "panel/_row.html", {"c": conversation, "active_id": active_id})


@login_required
@require_GET
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    conversation = conversation_mark_read(actor=request.user, conversation=conversation)
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    return render(request, "panel/conversation.html", _conversation_context(request, conversation))


@login_required
@require_GET
def message_detail(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    try:
        message = message_get_for_conversation(conversation=conversation, message_id=message_id)
    except Message.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "panel/_message.html", {"m": message})


def _composer(request: HttpRequest, conversation: Conversation, **extra: Any) -> HttpResponse:
    context = {"conversation": conversation, "composer_text": "", "composer_error": "", "window_templates": [],
               "window_open": conversation.window_open(), **extra}
    return render(request, "panel/_composer.html", context)


@login_required
@require_POST
def message_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    text = request.POST.get("text", "")
    template = None
    if request.POST.get("template"):
        template = get_object_or_404(template_list(conversation=conversation), pk=request.POST["template"])
    error: dict[str, Any] = {}
    try:
        message = message_send(conversation=conversation, text=text, actor=request.user, template=template,
                               variables=request.POST.getlist("variables") if template else None)
    except WindowClosedError as exc:
        error = {"composer_error": exc.message, "composer_text": text,
                 "window_templates": _template_options(exc.extra.get("templates", []))}
    except ApplicationError as exc:
        error = {"composer_error": exc.message, "composer_text": text}
    if not _is_htmx(request):
        if error:
            return render(request, "panel/conversation.html", _conversation_context(request, conversation, **error))
        return redirect("panel:conversation", pk=pk)
    if error:
        return _composer(request, conversation, **error)
    response = _composer(request, conversation)
    response["HX-Trigger"] = json.dumps({"panel:sent": {"conversation": pk, "message": message.pk}})
    return response


@login_required
@require_POST
def suggest_reply(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    text = conversation_suggest_reply(conversation=conversation)
    return render(request, "panel/_composer_text.html", {"composer_text": text})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """The open conversation got a message while the agent looks at it: it is read."""
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    conversation_mark_read(actor=request.user, conversation=conversation)
    return HttpResponse(status=204)


def _done(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    """Run a quick action, report it, and go back to the conversation (or the inbox if it left our sight)."""
    try:
        message = action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    try:
        conversation_get_for_user(user=request.user, conversation_id=pk)
    except Http404:
        return redirect("panel:inbox")
    return redirect("panel:conversation", pk=pk)


@login_required
@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)

    def action() -> str:
        conversation_assign(actor=request.user, conversation=conversation, assignee=request.user)
        return _("The conversation is yours.")

    return _done(request, pk, action)


@login_required
@require_POST
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    candidates = transfer_candidates_list(user=request.user, conversation=conversation)
    to = get_object_or_404(candidates, pk=request.POST.get("to") or 0)

    def action() -> str:
        conversation_transfer(actor=request.user, conversation=conversation, to=to, note=request.POST.get("note", ""))
        return _("Transferred to %(user)s.") % {"user": to}

    return _done(request, pk, action)


@login_required
@require_POST
def set_status(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    until = parse_datetime(request.POST.get("snoozed_until", "") or "")
    if until is not None and timezone.is_naive(until):
        until = timezone.make_aware(until)

    def action() -> str:
        updated = conversation_set_status(actor=request.user, conversation=conversation,
                                          status=request.POST.get("status", ""), snoozed_until=until)
        return _("Status: %(status)s.") % {"status": updated.get_status_display()}

    return _done(request, pk, action)


@login_required
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)

    def action() -> str:
        conversation_add_note(actor=request.user, conversation=conversation, text=request.POST.get("text", ""))
        return _("Note saved. The customer does not see it.")

    return _done(request, pk, action)


@login_required
@require_GET
def quick_replies(request: HttpRequest, pk: int) -> JsonResponse:
    """Canned replies whose shortcut starts with ``?q=``, ready to insert for this customer."""
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    name = conversation.contact.name
    first_name = name.split()[0] if is_real_name(name) else ""
    replies = quick_reply_list(user=request.user, prefix=request.GET.get("q", "")[:40])
    return JsonResponse({"results": [
        {"shortcut": r.shortcut, "title": r.title, "text": r.render(first_name=first_name)} for r in replies
    ]})
