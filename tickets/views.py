"""The ticket pages: the lists ("My tickets", the team queue, all the user may see), a new ticket (in one click
from the panel's conversation), the ticket page (SLA clocks, links, timeline) and its forms: change, comment,
attach; and an attachment's download. Thin: selectors, forms and services only (tickets.services,
tickets.selectors, tickets.sla)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.selectors import assignable_users_list
from conversations.models import Conversation, Message
from conversations.selectors import conversation_get_for_user
from core.errors import ApplicationError
from core.params import parse_id
from tickets.forms import TicketAttachmentForm, TicketCommentForm, TicketCreateForm, TicketUpdateForm
from tickets.models import Priority, Ticket, TicketEvent
from tickets.selectors import (
    TicketFilters,
    ticket_attachment_get_for_user,
    ticket_category_list,
    ticket_get_for_user,
    ticket_list,
    ticket_timeline,
)
from tickets.services import (
    TRANSITIONS,
    ticket_assign,
    ticket_attachment_add,
    ticket_comment_add,
    ticket_create,
    ticket_update,
)
from tickets.sla import DEFAULT_WARNING_PERCENT, SlaStatus, clock_state, ticket_sla

PAGE_SIZE = 25
SUBJECT_MAX = 200


def _views_for(user: User) -> list[tuple[str, str]]:
    views = [("mine", _("My tickets")), ("team", _("Team queue"))]
    if user.is_supervisor or user.is_backoffice or user.is_admin_role:
        views.append(("all", _("All")))
    return views


def _default_view(user: User) -> str:
    """Agents start on their own tickets, supervisors on their teams' queue, back office and admins on all."""
    if user.is_backoffice or user.is_admin_role:
        return "all"
    return "team" if user.is_supervisor else "mine"


def _may_close(user: User) -> bool:
    return bool(user.is_supervisor or user.is_backoffice or user.is_admin_role)


def next_states(user: User, ticket: Ticket) -> list[str]:
    states = list(TRANSITIONS.get(ticket.state, ()))  # the service's rules; closing is not for agents
    if not _may_close(user):
        states = [s for s in states if s != Ticket.State.CLOSED]
    return states


def _assignee_filter(value: str | None) -> str:
    if value in ("me", "none"):
        return value
    pk = parse_id(value)
    return str(pk) if pk is not None else ""


@dataclass
class Row:
    ticket: Ticket
    sla: SlaStatus


# --- the lists ---------------------------------------------------------------------------------------------
@login_required
@require_GET
def ticket_list_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    views = _views_for(user)
    view = request.GET.get("view") or _default_view(user)
    if view not in dict(views):
        view = _default_view(user)
    state = request.GET.get("state", "")
    priority = request.GET.get("priority", "")
    filters = TicketFilters(
        view=view,
        state=state if state in {*Ticket.State.values, "active"} else "",
        priority=priority if priority in Priority.values else "",
        category=parse_id(request.GET.get("category")),
        assignee=_assignee_filter(request.GET.get("assignee")),
        q=(request.GET.get("q") or "").strip()[:100],
    )
    page = Paginator(ticket_list(user=user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [Row(ticket=t, sla=ticket_sla(t, now)) for t in page]
    query = urlencode({k: v for k, v in (("view", view), ("state", filters.state), ("priority", filters.priority),
                                         ("category", filters.category or ""),
                                         ("assignee", filters.assignee), ("q", filters.q)) if v})
    context = {
        "views": views, "view": view, "filters": filters, "page": page, "rows": rows, "query": query,
        "states": [("active", _("Active")), *Ticket.State.choices], "priorities": Priority.choices,
        "categories": ticket_category_list(active_only=False).order_by("name"),
        "assignees": assignable_users_list(user=user).order_by("first_name", "username"),
        "create_form": TicketCreateForm(),
    }
    return render(request, "tickets/list.html", context)


# --- a new ticket ------------------------------------------------------------------------------------------
def _subject_for(conversation: Conversation) -> str:
    """"<customer>: <their last words>", or the customer alone when they have written nothing yet."""
    contact = conversation.contact
    who = (contact.name or contact.phone) if contact else _("Customer")
    last = (Message.objects.filter(conversation=conversation, direction=Message.Direction.IN)
            .exclude(text="").order_by("-created_at", "-pk").values_list("text", flat=True).first())
    subject = f"{who}: {' '.join(last.split())}" if last else _("Request from %(customer)s") % {"customer": who}
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…"


@login_required
@require_http_methods(["GET", "POST"])
def ticket_create_view(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: create the ticket and open it. The panel's button posts only ``conversation``."""
    user: User = request.user  # type: ignore[assignment]
    form = TicketCreateForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        conversation = None
        if data.get("conversation"):
            conversation = conversation_get_for_user(user=user, conversation_id=data["conversation"])
        subject = (data.get("subject") or "").strip() or _subject_for(conversation)  # type: ignore[arg-type]
        try:
            ticket = ticket_create(actor=user, subject=subject, description=data.get("description") or "",
                                   priority=data.get("priority") or None, category=data.get("category"),
                                   source=Ticket.Source.PANEL, conversation=conversation)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Ticket %(number)s created.") % {"number": ticket.number})
            return redirect("tickets:detail", pk=ticket.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "tickets/new.html", {"form": form, "error": error}, status=status)


# --- the ticket page ---------------------------------------------------------------------------------------
def _links(user: User, ticket: Ticket) -> list[dict[str, str]]:
    """What the ticket is about, each with a page the user may open (the back office's for staff)."""
    links: list[dict[str, str]] = []

    def admin_url(name: str, pk: int) -> str:
        return reverse(f"admin:{name}_change", args=[pk]) if user.is_staff else ""

    if ticket.contact_id:
        contact = ticket.contact
        links.append({"id": "link-contact", "label": _("Contact"), "text": f"{contact.name or contact.phone}"
                      + (f" · {contact.phone}" if contact.name and contact.phone else ""),
                      "url": admin_url("leads_contact", contact.pk)})
    if ticket.lead_id:
        lead = ticket.lead
        links.append({"id": "link-lead", "label": _("Lead"),
                      "text": f"#{lead.pk} · {lead.get_status_display()} · {lead.score}",
                      "url": admin_url("leads_lead", lead.pk)})
    if ticket.conversation_id:
        links.append({"id": "link-conversation", "label": _("Conversation"),
                      "text": _("Conversation #%(id)s") % {"id": ticket.conversation_id},
                      "url": reverse("panel:conversation", args=[ticket.conversation_id])})
    if ticket.call_id:
        links.append({"id": "link-call", "label": _("Call"), "text": _("Call #%(id)s") % {"id": ticket.call_id},
                      "url": admin_url("calls_call", ticket.call_id)})
    if ticket.sale_id:
        links.append({"id": "link-sale", "label": _("Sale"), "text": ticket.sale.number,
                      "url": reverse("sales:sale", args=[ticket.sale_id])})
    return links


def _clocks(ticket: Ticket, now: datetime) -> list[dict[str, Any]]:
    """The two SLA clocks, first response then resolution: due time, state and time left (or when met)."""
    percent = getattr(ticket, "sla_warning_percent", None) or DEFAULT_WARNING_PERCENT
    clocks = []
    for which, label, due, done, breached in (
        ("first_response", _("First response"), ticket.first_response_due_at, ticket.first_responded_at,
         ticket.is_first_response_breached),
        ("resolution", _("Resolution"), ticket.resolution_due_at, ticket.resolved_at or ticket.closed_at,
         ticket.is_resolution_breached),
    ):
        if due is None:
            state, remaining = "none", None
        elif done is not None:
            state, remaining = ("breached" if breached or done > due else "met"), None
        else:
            state = clock_state(start=ticket.created_at or now, due=due, now=now, warning_percent=percent)
            remaining = int((due - now).total_seconds())
        clocks.append({"which": which, "label": label, "due": due, "done": done, "state": state,
                       "remaining": remaining})
    return clocks


# History rows that repeat an entry the timeline shows in full (the comment, the file, the customer's words).
_SHOWN_ELSEWHERE = frozenset({TicketEvent.Kind.COMMENTED, TicketEvent.Kind.ATTACHED, TicketEvent.Kind.CUSTOMER_REPLIED})


def _timeline(ticket: Ticket) -> list[Any]:
    return [entry for entry in ticket_timeline(ticket=ticket)
            if not (entry.kind == "event" and entry.item.kind in _SHOWN_ELSEWHERE)]


def _detail(request: HttpRequest, ticket: Ticket, status: int = 200, **extra: Any) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    context: dict[str, Any] = {
        "ticket": ticket, "sla": ticket_sla(ticket, now), "clocks": _clocks(ticket, now),
        "links": _links(user, ticket), "timeline": _timeline(ticket),
        "update_form": TicketUpdateForm(ticket=ticket, states=next_states(user, ticket),
                                        assignees=assignable_users_list(user=user)),
        "comment_form": TicketCommentForm(), "attach_form": TicketAttachmentForm(),
        "can_reply": bool(ticket.conversation_id),
        **extra,
    }
    return render(request, "tickets/detail.html", context, status=status)


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    return ticket_get_for_user(user=request.user, ticket_id=pk)  # type: ignore[arg-type]


@login_required
@require_GET
def ticket_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _ticket(request, pk))


@login_required
@require_POST
def ticket_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change state, priority, category and assignee: one history row per field that changed."""
    user: User = request.user  # type: ignore[assignment]
    ticket = _ticket(request, pk)
    form = TicketUpdateForm(request.POST, ticket=ticket, states=next_states(user, ticket),
                            assignees=assignable_users_list(user=user))
    if not form.is_valid():
        messages.error(request, _("Choose values from the lists."))
        return _detail(request, ticket, status=400, update_form=form)
    changes = form.changes()
    assignee_changed = "assignee" in changes
    assignee = changes.pop("assignee", None)
    try:
        if changes:
            ticket = ticket_update(actor=user, ticket=ticket, **changes)
        if assignee_changed:
            ticket = ticket_assign(actor=user, ticket=ticket, assignee=assignee)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _detail(request, _ticket(request, pk), status=400)
    if changes or assignee_changed:
        messages.success(request, _("Ticket updated."))
    return redirect("tickets:detail", pk=pk)


@login_required
@require_POST
def ticket_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An internal note, or a reply to the customer (sent through the ticket's conversation)."""
    user: User = request.user  # type: ignore[assignment]
    ticket = _ticket(request, pk)
    form = TicketCommentForm(request.POST)
    if not form.is_valid():
        return _detail(request, ticket, status=400, comment_form=form)
    try:
        comment = ticket_comment_add(actor=user, ticket=ticket, body=form.cleaned_data["body"],
                                     visibility=form.cleaned_data["visibility"])
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _detail(request, _ticket(request, pk), status=400, comment_form=form)
    messages.success(request, _("Reply sent to the customer.") if comment.visibility == "customer"
                     else _("Internal note added."))
    return redirect(reverse("tickets:detail", args=[pk]) + "#timeline")


@login_required
@require_POST
def ticket_attach_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file; a refused type or size comes back on the page with the reason."""
    user: User = request.user  # type: ignore[assignment]
    ticket = _ticket(request, pk)
    form = TicketAttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, ticket, status=400, attach_form=form)
    try:
        attachment = ticket_attachment_add(actor=user, ticket=ticket, upload=form.cleaned_data["file"])
    except ApplicationError as exc:
        form.add_error("file", exc.message)
        return _detail(request, _ticket(request, pk), status=400, attach_form=form)
    messages.success(request, _("%(name)s attached.") % {"name": attachment.original_name})
    return redirect(reverse("tickets:detail", args=[pk]) + "#timeline")


@login_required
@require_GET
def ticket_attachment_view(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment's file, for who may see its ticket (anyone else: 404); always downloaded, never shown."""
    attachment = ticket_attachment_get_for_user(user=request.user, attachment_id=pk)  # type: ignore[arg-type]
    if not attachment.file:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, SuspiciousFileOperation) as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
