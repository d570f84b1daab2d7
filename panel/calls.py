"""Calls in the chat panel: the "Call" button (click to call), the live call bar with its script, the calls in
the 360° sidebar's timeline and the outcome form. Thin views: selectors and services only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from calls.models import Call
from calls.selectors import call_get_visible
from calls.services.outbound import call_start
from calls.services.outcomes import call_can_edit_outcome, call_set_outcome
from conversations.selectors import conversation_get_for_user, conversation_visible_queryset
from core.errors import ApplicationError
from leads.selectors import lead_visible_queryset
from panel.selectors import call_script_steps, contact_calls, live_call_for


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def call_bar_context(call: Call | None, **extra: Any) -> dict[str, Any]:
    return {"call": call, "script_steps": call_script_steps(call=call), **extra}


def calls_context(request: HttpRequest, conversation: Any) -> dict[str, Any]:
    """What the conversation page needs for calls: the agent's live call here (the bar) and the contact's calls."""
    user = request.user
    calls = contact_calls(user=user, contact_id=conversation.contact_id)
    for call in calls:
        call.can_edit_outcome = call_can_edit_outcome(actor=user, call=call)
    return {
        "contact_calls": calls,
        **call_bar_context(live_call_for(user=user, conversation=conversation)),
        "outcome_choices": Call.Outcome.choices,
    }


@login_required
@require_POST
def call_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent clicks "Call" in a conversation: their phone rings, then the customer's (optionally ``to``)."""
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    error = ""
    call = None
    try:
        call = call_start(agent=request.user, contact=conversation.contact, lead=conversation.lead,
                          conversation=conversation, to_number=request.POST.get("to") or None)
    except ApplicationError as exc:
        error = exc.message
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Your phone is ringing: answer it and we will call the customer."))
        return redirect("panel:conversation", pk=pk)
    return render(request, "panel/_call_bar.html", call_bar_context(call, call_error=error),
                  status=400 if error else 200)


@login_required
@require_POST
def lead_call_start_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """"Call" on a lead's card in the pipeline: the agent's phone rings, then the lead's contact. The agent lands
    on the lead's latest conversation, where the call's bar and script are live (or back on the pipeline)."""
    lead = get_object_or_404(lead_visible_queryset(user=request.user).select_related("contact"), pk=lead_id)
    conversation = (conversation_visible_queryset(user=request.user).filter(lead=lead)
                    .order_by(F("last_message_at").desc(nulls_last=True), "-pk").first())
    try:
        call_start(agent=request.user, contact=lead.contact, lead=lead, conversation=conversation)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("leads:pipeline")
    messages.success(request, _("Your phone is ringing: answer it and we will call the customer."))
    if conversation is not None:
        return redirect("panel:conversation", pk=conversation.pk)
    return redirect("leads:pipeline")


@login_required
@require_GET
def call_bar(request: HttpRequest, call_id: int) -> HttpResponse:
    """The live bar of one call as it stands (asked again on every ``call.updated``)."""
    call = call_get_visible(request.user, call_id)
    return render(request, "panel/_call_bar.html", call_bar_context(call))


def _entry(request: HttpRequest, call: Call, status: int = 200, **extra: Any) -> HttpResponse:
    call.can_edit_outcome = call_can_edit_outcome(actor=request.user, call=call)
    context = {"call": call, "outcome_choices": Call.Outcome.choices, **extra}
    return render(request, "panel/_call_entry.html", context, status=status)


@login_required
@require_GET
def call_entry(request: HttpRequest, call_id: int) -> HttpResponse:
    """One call's line in the sidebar's timeline (state, transcript excerpt, AI reading, audio, outcome)."""
    return _entry(request, call_get_visible(request.user, call_id))


@login_required
@require_POST
def call_outcome(request: HttpRequest, call_id: int) -> HttpResponse:
    """The agent writes down how the call went: the outcome and notes."""
    call = call_get_visible(request.user, call_id)
    error = ""
    try:
        call_set_outcome(actor=request.user, call=call, outcome=request.POST.get("outcome", ""),
                         notes=request.POST.get("notes", "")[:4000])
    except ApplicationError as exc:
        error = exc.message
    call = call_get_visible(request.user, call_id)
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Call outcome saved."))
        if call.conversation_id:
            return redirect("panel:conversation", pk=call.conversation_id)
        return redirect("panel:inbox")
    return _entry(request, call, status=400 if error else 200, outcome_error=error, outcome_saved=not error)
