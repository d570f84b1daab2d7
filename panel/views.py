"""The agents' chat panel: server-rendered pages and htmx partials. Thin: selectors and services only."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, User
from conversations.models import Channel, Conversation, Message
from conversations.selectors import conversation_get_for_user, quick_reply_list, transfer_candidates_list
from conversations.services.assistant import conversation_suggest_reply
from conversations.services.inbox import (
    conversation_add_note,
    conversation_add_tag,
    conversation_assign,
    conversation_mark_read,
    conversation_remove_tag,
    conversation_send_product,
    conversation_set_priority,
    conversation_set_status,
    conversation_transfer,
    conversation_transfer_to_team,
)
from conversations.services.intents import INTENT_LABELS, message_correct_intent
from conversations.services.outbound import WindowClosedError, message_send
from core.errors import ApplicationError
from core.params import parse_datetime, parse_id
from leads.models import Classification
from leads.services import contact_update, is_real_name
from operators.models import Product
from panel.calls import calls_context
from panel.forms import ContactForm
from panel.selectors import (
    InboxFilters,
    InvalidCursorError,
    MessageCursor,
    assign_candidates_list,
    contact_other_conversations,
    contact_purchases,
    inbox_assignee_choices,
    inbox_list,
    kanban_card_get_for_user,
    kanban_columns,
    last_inbound_analysis,
    mentioned_usernames,
    message_get_for_conversation,
    message_intent_correction,
    message_page,
    note_list,
    product_card_search,
    tag_list,
    template_list,
    transfer_team_list,
)

PAGE_SIZE = 25
STATUS_CHOICES = [(s.value, s.label) for s in Conversation.Status]
PRIORITY_CHOICES = [(p.value, p.label) for p in Conversation.Priority]
CHANNEL_CHOICES = [(c.value, c.label) for c in Channel]
TEMPERATURE_CHOICES = [(c.value, c.label) for c in Classification]


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _filter_context(request: HttpRequest, filters: InboxFilters) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    return {
        "tab": filters.tab, "filters": filters, "statuses": STATUS_CHOICES, "priorities": PRIORITY_CHOICES,
        "channels": CHANNEL_CHOICES, "temperatures": TEMPERATURE_CHOICES, "tags": tag_list(),
        "assignees": inbox_assignee_choices(user=user),
    }


def _inbox_context(request: HttpRequest, *, active_id: int | None = None) -> dict[str, Any]:
    filters = InboxFilters.from_query(request.GET)
    page: Page = Paginator(inbox_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # The tabs' badges are not counted here: the page asks /panel/counts/ once it is shown (an aggregate over
    # the whole visible inbox would be most of the page's time at 100,000 conversations).
    return {"page": page, "active_id": active_id, **_filter_context(request, filters)}


def _template_options(templates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**t, "slots": range(1, int(t.get("variables") or 0) + 1)} for t in templates]


def _conversation_context(request: HttpRequest, conversation: Conversation, **extra: Any) -> dict[str, Any]:
    """The conversation page: its header, latest messages, composer and the sidebar's actions, lead, calls, tags
    and notes. The inbox's list (``inbox_list_view``) and the sidebar's other cards (``conversation_details``) come
    right after it from the page's scripts, so opening a conversation costs what those need, not the whole panel."""
    user: User = request.user  # type: ignore[assignment]
    context = {"active_id": conversation.pk, "inbox_deferred": True,
               **_filter_context(request, InboxFilters.from_query(request.GET))}
    notes = list(note_list(conversation=conversation))
    context.update(
        conversation=conversation,
        history=message_page(conversation=conversation),
        notes=notes,
        mentioned=mentioned_usernames(notes=notes),
        candidates=_people_options(transfer_candidates_list(user=user, conversation=conversation)),
        teams=transfer_team_list(user=user, conversation=conversation),
        assign_candidates=_people_options(assign_candidates_list(user=user)),
        window_open=conversation.window_open(),
        can_take=conversation.assignee_id is None and (user.is_agent or user.is_supervisor or user.is_admin_role),
        composer_text="",
        composer_error="",
        window_templates=[],
        **calls_context(request, conversation),
    )
    context.update(extra)
    return context


def _people_options(people: Iterable[User]) -> list[tuple[int, str]]:
    """``(id, "Name · Role")`` for the transfer and assign selects: each role's label read once, not once a person
    (a team of 50 spent more on ``get_role_display`` than on its query)."""
    roles = {value: str(label) for value, label in Role.choices}
    return [(person.pk, f"{person} · {roles.get(person.role, person.role)}") for person in people]


def _reading_context(conversation: Conversation) -> dict[str, Any]:
    """What the AI reading card shows: the customer's last message, its correction if a person made one, and
    the intents to choose from."""
    analysis = last_inbound_analysis(conversation=conversation)
    return {"analysis": analysis, "intent_correction": message_intent_correction(message=analysis),
            "intent_choices": [(value, str(label)) for value, label in INTENT_LABELS.items()]}


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "panel/inbox.html", _inbox_context(request))


@login_required
@require_GET
def inbox_list_view(request: HttpRequest) -> HttpResponse:
    """The inbox's list and its pages as the filters show it (``?active=<id>`` marks the open conversation): the
    conversation page asks for it right after it is shown."""
    active_id = parse_id(request.GET.get("active", ""))
    return render(request, "panel/_inbox_list.html", _inbox_context(request, active_id=active_id))


@login_required
@require_GET
def inbox_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One row of the list as the current filters show it; 404 when it no longer belongs there."""
    filters = InboxFilters.from_query(request.GET)
    conversation = inbox_list(user=request.user, filters=filters).filter(pk=pk).first()
    if conversation is None:
        raise Http404
    active_id = parse_id(request.GET.get("active", ""))
    return render(request, "panel/_row.html", {"c": conversation, "active_id": active_id})


@login_required
@require_GET
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    if conversation_mark_read(actor=request.user, conversation=conversation) is not conversation:
        # It had unread messages: the service wrote the row it locked; read it again with its relations.
        conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    return render(request, "panel/conversation.html", _conversation_context(request, conversation))


@login_required
@require_GET
def conversation_details(request: HttpRequest, pk: int) -> HttpResponse:
    """The sidebar's cards the conversation page asks for right after it is shown: the customer's form (with their
    tickets and satisfaction), what the AI read, their other conversations and their purchases."""
    user: User = request.user  # type: ignore[assignment]
    conversation = conversation_get_for_user(user=user, conversation_id=pk)
    return render(request, "panel/_details.html", {
        "conversation": conversation,
        "contact_form": ContactForm(instance=conversation.contact),
        "other_conversations": contact_other_conversations(user=user, conversation=conversation),
        "purchases": contact_purchases(user=user, contact=conversation.contact),
        **_reading_context(conversation),
    })


@login_required
@require_GET
def earlier_messages(request: HttpRequest, pk: int) -> JsonResponse:
    """``?before=<cursor>``: the page of messages before it, for the conversation view's scroll up.

    ``{"html": the messages (day separators included), "cursor": for the page before these, "has_more": bool}``.
    The same reach as the conversation (404 outside it); a cursor that is not one we handed out is a 400.
    """
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    try:
        before = MessageCursor.parse(request.GET.get("before", ""))
    except InvalidCursorError as exc:
        return JsonResponse({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    page = message_page(conversation=conversation, before=before)
    html = render_to_string("panel/_messages.html", {"history": page}, request=request)
    return JsonResponse({"html": html, "cursor": page.cursor, "has_more": page.has_earlier})


@login_required
@require_GET
def message_detail(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    try:
        message = message_get_for_conversation(conversation=conversation, message_id=message_id)
    except Message.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "panel/_message.html", {"m": message})


@login_required
@require_GET
def ai_reading(request: HttpRequest, pk: int) -> HttpResponse:
    """The AI reading card as it stands (after a correction, from this or another panel)."""
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    context = _reading_context(conversation)
    if context["analysis"] is None:
        raise Http404
    return render(request, "panel/_ai_reading.html", {"conversation": conversation, **context})


@login_required
@permission_required("conversations.change_conversation", raise_exception=True)
@require_POST
def intent_correct(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    """A person corrects the intent the AI read in a customer's message; ``train_intents`` learns from it."""
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    try:
        message = message_get_for_conversation(conversation=conversation, message_id=message_id)
    except Message.DoesNotExist as exc:
        raise Http404 from exc
    error = ""
    try:
        message_correct_intent(message=message, intent=request.POST.get("intent", ""), actor=request.user)
    except ApplicationError as exc:
        error = exc.message
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Intent corrected. The AI learns from it at its next training."))
        return redirect("panel:conversation", pk=pk)
    context = {"conversation": conversation, **_reading_context(conversation), "intent_error": error,
               "intent_saved": not error}
    return render(request, "panel/_ai_reading.html", context, status=400 if error else 200)


def _composer(request: HttpRequest, conversation: Conversation, **extra: Any) -> HttpResponse:
    context = {"conversation": conversation, "composer_text": "", "composer_error": "", "window_templates": [],
               "window_open": conversation.window_open(), **extra}
    return render(request, "panel/_composer.html", context)


@login_required
@permission_required("conversations.add_message", raise_exception=True)
@require_POST
def message_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    text = request.POST.get("text", "")
    template = None
    if request.POST.get("template"):
        templates = template_list(conversation=conversation)
        template = get_object_or_404(templates, pk=parse_id(request.POST["template"]) or 0)
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
@permission_required("conversations.change_conversation", raise_exception=True)
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """The open conversation got a message while the agent looks at it: it is read."""
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    conversation_mark_read(actor=request.user, conversation=conversation)
    return HttpResponse(status=204)


def _done(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    """Run a quick action and report it: JSON for ``fetch`` (the kanban), else a message and a redirect back
    to the conversation (or the inbox if it left our sight, or the kanban when it came from there)."""
    try:
        message = action()
    except ApplicationError as exc:
        if _wants_json(request):
            return JsonResponse({"ok": False, "code": exc.code, "detail": exc.message}, status=exc.status_code)
        messages.error(request, exc.message)
    else:
        if _wants_json(request):
            return JsonResponse({"ok": True, "detail": message})
        messages.success(request, message)
    if request.POST.get("next") == "kanban":
        return redirect("panel:kanban")
    try:
        conversation_get_for_user(user=request.user, conversation_id=pk)
    except Http404:
        return redirect("panel:inbox")
    return redirect("panel:conversation", pk=pk)


@login_required
@permission_required("conversations.change_conversation", raise_exception=True)
@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)

    def action() -> str:
        conversation_assign(actor=request.user, conversation=conversation, assignee=request.user)
        return _("The conversation is yours.")

    return _done(request, pk, action)


@login_required
@permission_required("conversations.change_conversation", raise_exception=True)
@require_POST
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the conversation to a colleague (``to=<user id>``) or to a team (``to=team-<id>``), with a note."""
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    target = request.POST.get("to") or ""
    note = request.POST.get("note", "")
    if target.startswith("team-"):
        teams = transfer_team_list(user=request.user, conversation=conversation)
        team = get_object_or_404(teams, pk=parse_id(target[5:]) or 0)

        def team_action() -> str:
            updated = conversation_transfer_to_team(actor=request.user, conversation=conversation, team=team,
                                                    note=note)
            return _("Transferred to %(team)s: %(user)s receives it.") % {"team": team, "user": updated.assignee}

        return _done(request, pk, team_action)
    candidates = transfer_candidates_list(user=request.user, conversation=conversation)
    to = get_object_or_404(candidates, pk=parse_id(target) or 0)

    def action() -> str:
        conversation_transfer(actor=request.user, conversation=conversation, to=to, note=note)
        return _("Transferred to %(user)s.") % {"user": to}

    return _done(request, pk, action)


@login_required
@permission_required("conversations.change_conversation", raise_exception=True)
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Supervisors and admins assign (``to=<user id>``) or send back to the queue (``to=`` empty)."""
    user: User = request.user  # type: ignore[assignment]
    conversation = conversation_get_for_user(user=user, conversation_id=pk)
    if user.is_agent or user.is_backoffice:
        raise PermissionDenied
    target = request.POST.get("to") or ""
    assignee = None
    if target:
        assignee = get_object_or_404(assign_candidates_list(user=user), pk=parse_id(target) or 0)

    def action() -> str:
        conversation_assign(actor=user, conversation=conversation, assignee=assignee)
        if assignee is None:
            return _("Back in the unassigned queue.")
        return _("Assigned to %(user)s.") % {"user": assignee}

    return _done(request, pk, action)


@login_required
@permission_required("conversations.change_conversation", raise_exception=True)
@require_POST
def set_priority(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)

    def action() -> str:
        updated = conversation_set_priority(actor=request.user, conversation=conversation,
                                            priority=request.POST.get("priority", ""))
        return _("Priority: %(priority)s.") % {"priority": updated.get_priority_display()}

    return _done(request, pk, action)


@login_required
@permission_required("conversations.change_conversation", raise_exception=True)
@require_POST
def set_status(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    until = parse_datetime(request.POST.get("snoozed_until", ""))

    def action() -> str:
        updated = conversation_set_status(actor=request.user, conversation=conversation,
                                          status=request.POST.get("status", ""), snoozed_until=until)
        return _("Status: %(status)s.") % {"status": updated.get_status_display()}

    return _done(request, pk, action)


@login_required
@permission_required("conversations.add_note", raise_exception=True)
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


def _sidebar(request: HttpRequest, template: str, conversation: Conversation, status: int = 200,
             **extra: Any) -> HttpResponse:
    context = {"conversation": conversation, **extra}
    return render(request, template, context, status=status)


@login_required
@permission_required("leads.change_contact", raise_exception=True)
@require_POST
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the contact's data from the sidebar; invalid input comes back with its errors (400)."""
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    contact = conversation.contact
    form = ContactForm(request.POST, instance=contact)
    saved = False
    if form.is_valid():
        try:
            contact = contact_update(actor=request.user, contact=contact, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            saved = True
            form = ContactForm(instance=contact)
    if not _is_htmx(request):
        if saved:
            messages.success(request, _("Contact saved."))
        else:
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("panel:conversation", pk=pk)
    conversation.contact = contact
    return _sidebar(request, "panel/_contact.html", conversation, status=200 if saved else 400,
                    contact_form=form, contact_saved=saved)


def _tags_response(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    error = ""
    try:
        action(conversation)
    except ApplicationError as exc:
        error = exc.message
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect("panel:conversation", pk=pk)
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    return _sidebar(request, "panel/_tags.html", conversation, status=400 if error else 200, tag_error=error,
                    tags=tag_list())


@login_required
@permission_required("conversations.change_conversation", raise_exception=True)
@require_POST
def tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _tags_response(request, pk, lambda c: conversation_add_tag(
        actor=request.user, conversation=c, name=request.POST.get("name", "")))


@login_required
@permission_required("conversations.change_conversation", raise_exception=True)
@require_POST
def tag_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _tags_response(request, pk, lambda c: conversation_remove_tag(
        actor=request.user, conversation=c, name=request.POST.get("name", "")))


@login_required
@require_GET
def product_search_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Catalog products matching ``?q=``, each with a button that sends it as a card."""
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    query = request.GET.get("q", "")
    return render(request, "panel/_products.html", {
        "conversation": conversation, "products": product_card_search(query=query), "q": query.strip()})


@login_required
@permission_required("conversations.add_message", raise_exception=True)
@require_POST
def product_send(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = conversation_get_for_user(user=request.user, conversation_id=pk)
    product_id = request.POST.get("product") or ""
    product = get_object_or_404(Product.objects.select_related("operator"), pk=parse_id(product_id) or 0)
    try:
        message = conversation_send_product(actor=request.user, conversation=conversation, product=product)
    except ApplicationError as exc:
        if not _is_htmx(request):
            messages.error(request, exc.message)
            return redirect("panel:conversation", pk=pk)
        return render(request, "panel/_products.html", {"conversation": conversation, "products": [],
                                                        "product_error": exc.message}, status=400)
    if not _is_htmx(request):
        messages.success(request, _("Product sent."))
        return redirect("panel:conversation", pk=pk)
    response = render(request, "panel/_products.html", {"conversation": conversation, "products": [],
                                                         "product_sent": product})
    response["HX-Trigger"] = json.dumps({"panel:sent": {"conversation": pk, "message": message.pk}})
    return response


@login_required
@require_GET
def kanban(request: HttpRequest) -> HttpResponse:
    """The conversations as cards in one column per status; drag a card to change its status."""
    filters = InboxFilters.from_query(request.GET)
    return render(request, "panel/kanban.html", {
        "columns": kanban_columns(user=request.user, filters=filters), **_filter_context(request, filters)})


@login_required
@require_GET
def kanban_card(request: HttpRequest, pk: int) -> HttpResponse:
    """One card of the board as its tab and filters show it; 404 when it is not (or no longer) on that board."""
    filters = InboxFilters.from_query(request.GET)
    conversation = kanban_card_get_for_user(user=request.user, filters=filters, conversation_id=pk)
    return render(request, "panel/_card.html", {"c": conversation, "statuses": STATUS_CHOICES})
