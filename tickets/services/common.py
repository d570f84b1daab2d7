"""Shared by the tickets services: errors, the history writer, links and notices."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from rest_framework import status

from accounts.models import User
from core.errors import ApplicationError
from notifications.services import notification_create
from tickets.models import Ticket, TicketEvent


class TicketInvalidError(ApplicationError):
    code = "invalid"


class TicketStateError(ApplicationError):
    code = "invalid_state"


class TicketCloseNotAllowedError(ApplicationError):
    code = "close_not_allowed"
    status_code = status.HTTP_403_FORBIDDEN


class TicketAssigneeError(ApplicationError):
    code = "invalid_assignee"


class TicketNoConversationError(ApplicationError):
    code = "no_conversation"


class AttachmentTypeError(ApplicationError):
    code = "attachment_type"


class AttachmentSizeError(ApplicationError):
    code = "attachment_size"


class AttachmentEmptyError(ApplicationError):
    code = "attachment_empty"


FIELD_MAX = 255


def clip(value: object, limit: int = FIELD_MAX) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_add(
    *, ticket: Ticket, actor: User | None, kind: str, field: str = "", old: object = "", new: object = ""
) -> TicketEvent:
    """One line of history (never edited)."""
    return TicketEvent.objects.create(ticket=ticket, actor=actor, kind=kind, field=field, old_value=clip(old),
                                      new_value=clip(new))


def ticket_url(ticket: Ticket) -> str:
    try:
        return reverse("tickets:detail", args=[ticket.pk])
    except NoReverseMatch:  # the pages are not wired (a partial install): the path they will have
        return f"/tickets/{ticket.pk}/"


def notify_assigned(*, ticket: Ticket, actor: User | None) -> None:
    """``ticket.assigned`` to the new assignee (not when they gave it to themselves)."""
    assignee = ticket.assignee
    if assignee is None or (actor is not None and assignee.pk == actor.pk):
        return
    notification_create(
        user=assignee, kind="ticket.assigned",
        title=_("Ticket %(number)s assigned to you") % {"number": ticket.number},
        body=ticket.subject, url=ticket_url(ticket),
    )
