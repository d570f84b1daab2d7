"""What tickets does when lower apps announce something (subscribed in ``TicketsConfig.ready``)."""

from __future__ import annotations

from core.events import Event
from tickets.services import ticket_customer_reply_add, ticket_from_escalation


def conversation_escalated_open_ticket(event: Event) -> int | None:
    """A complaint the AI handed over opens a ticket (once: a redelivery finds it). The ticket's id, if any."""
    ticket = ticket_from_escalation(conversation_id=event["conversation_id"], reason=event["reason"])
    return ticket.pk if ticket is not None else None


def message_received_customer_reply(event: Event) -> None:
    """A customer's message in a conversation with an open ticket shows on the ticket. Never ``HANDLED``: the
    AI step still reads the message."""
    ticket_customer_reply_add(message_id=event["message_id"], conversation_id=event["conversation_id"])
