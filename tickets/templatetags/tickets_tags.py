"""Template helpers of the ticket pages (SLA time left, badge colours), and the panel's tickets block: the
"Create ticket" button and the conversation's open tickets, in the conversation's sidebar."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from tickets.models import Ticket
from tickets.selectors import ticket_visible_queryset

register = template.Library()

STATE_COLOURS = {
    Ticket.State.OPEN: "primary", Ticket.State.IN_PROGRESS: "info", Ticket.State.REOPENED: "warning",
    Ticket.State.RESOLVED: "success", Ticket.State.CLOSED: "secondary",
}
PRIORITY_COLOURS = {"low": "secondary", "medium": "primary", "high": "warning", "critical": "danger"}
SLA_COLOURS = {"ok": "success", "warning": "warning", "breached": "danger", "met": "light", "none": "light"}
PANEL_TICKETS = 5


def span(seconds: float) -> str:
    """A duration in words, to the minute: "2 d 3 h", "1 h 05 min", "12 min"."""
    total = max(int(abs(seconds)) // 60, 0)
    days, rest = divmod(total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


@register.filter
def sla_left(seconds: Any) -> str:
    """"3 h 10 min left" or "late by 25 min" from the SLA's remaining seconds (negative when late)."""
    if seconds is None:
        return ""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return ""
    if value < 0:
        return _("late by %(time)s") % {"time": span(value)}
    return _("%(time)s left") % {"time": span(value)}


@register.filter
def state_colour(state: str) -> str:
    return STATE_COLOURS.get(state, "secondary")


@register.filter
def priority_colour(priority: str) -> str:
    return PRIORITY_COLOURS.get(priority, "secondary")


@register.filter
def sla_colour(state: str) -> str:
    return SLA_COLOURS.get(state, "light")


@register.inclusion_tag("tickets/_panel_tickets.html", takes_context=True)
def conversation_tickets(context: template.Context, conversation: Any) -> dict[str, Any]:
    """The panel's tickets block: a one-click "Create ticket" and the conversation's active tickets the user may
    open (newest first)."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    tickets: list[Ticket] = []
    if user is not None and user.is_authenticated and conversation is not None:
        tickets = list(ticket_visible_queryset(user=user).filter(
            conversation=conversation, state__in=Ticket.ACTIVE_STATES,
        ).select_related(None).only("pk", "subject", "state", "priority").order_by("-created_at", "-pk")[
            :PANEL_TICKETS])
    return {"conversation": conversation, "tickets": tickets, "csrf_token": context.get("csrf_token")}


@register.filter
def field_label(name: str) -> str:
    """A ticket field's name as people read it ("priority" → its translated verbose name)."""
    try:
        return str(Ticket._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # not a field (a history row of another kind): the name as written
        return name
