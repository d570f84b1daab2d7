"""Follow-ups in the panel: the list of a conversation's scheduled messages, schedule, cancel, done.

htmx posts get the ``_followups.html`` partial back (with the error, if any); plain posts redirect to
the conversation with a flash message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conversations.models import Conversation, FollowUpTask
from conversations.selectors import conversation_get_for_user, followup_get_for_user, followup_list
from conversations.services.followups import followup_cancel, followup_done, followup_schedule
from core.errors import ApplicationError
from core.params import parse_id
from panel.forms import FollowUpForm
from panel.selectors import template_list


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _form(conversation: Conversation, data: Any = None) -> FollowUpForm:
    return FollowUpForm(data, templates=list(template_list(conversation=conversation)),
                        now_local=timezone.localtime().strftime("%Y-%m-%dT%H:%M"))


def _render(request: HttpRequest, conversation: Conversation, *, form: FollowUpForm | None = None,
            **extra: Any) -> HttpResponse:
    context = {
        "conversation": conversation,
        "followups": list(followup_list(conversation=conversation)[:20]),
        "followup_error": "",
        "followup_form": form or _form(conversation),
        **extra,
    }
    return render(request, "panel/_followups.html", context)


def _answer(request: HttpRequest, conversation: Conversation, *, error: str = "", ok: str = "",
            form: FollowUpForm | None = None) -> HttpResponse:
    if _is_htmx(request):
        return _render(request, conversation, followup_error=error, form=form)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, ok)
    return redirect("panel:conversation", pk=conversation.pk)


@login_required
@require_GET
def followups(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    return _render(request, conversation)


@login_required
@require_POST
def followup_create(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    template = None
    if request.POST.get("template"):  # a template of another number is not found, whatever else is wrong
        template = get_object_or_404(template_list(conversation=conversation),
                                     pk=parse_id(request.POST["template"]) or 0)
    form = _form(conversation, request.POST)
    if not form.is_valid():
        if _is_htmx(request):  # each error shows under its field
            return _render(request, conversation, form=form)
        return _answer(request, conversation, error=" ".join(e for errors in form.errors.values() for e in errors))
    try:
        followup_schedule(actor=request.user, conversation=conversation, due_at=form.cleaned_data["due_at"],
                          text=form.cleaned_data["text"], template=template,
                          variables=form.cleaned_data["variables"])
    except ApplicationError as exc:
        return _answer(request, conversation, error=exc.message, form=form)
    return _answer(request, conversation, ok=_("Follow-up scheduled."))


def _close(request: HttpRequest, pk: int, followup_id: int, action: Any, ok: str) -> HttpResponse:
    followup: FollowUpTask = followup_get_for_user(user=request.user, conversation_id=pk, followup_id=followup_id)
    try:
        action(actor=request.user, followup=followup)
    except ApplicationError as exc:
        return _answer(request, followup.conversation, error=exc.message)
    return _answer(request, followup.conversation, ok=ok)


@login_required
@require_POST
def followup_cancel_view(request: HttpRequest, pk: int, followup_id: int) -> HttpResponse:
    return _close(request, pk, followup_id, followup_cancel, _("Follow-up cancelled."))


@login_required
@require_POST
def followup_done_view(request: HttpRequest, pk: int, followup_id: int) -> HttpResponse:
    return _close(request, pk, followup_id, followup_done, _("Follow-up marked as done."))
