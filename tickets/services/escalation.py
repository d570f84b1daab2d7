"""A complaint the AI hands over becomes a ticket, once per conversation while it is open."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from conversations.models import Conversation
from tickets.models import Priority, Ticket
from tickets.services.tickets import ticket_create

#: The reasons (ai.decide, conversation.escalated) that are complaints. An explicit ask for a person, low
#: confidence, an AI failure or a failed send need a person, not a ticket.
COMPLAINT_REASONS = frozenset({"complaint", "negative_sentiment"})


def _existing(conversation_id: int) -> Ticket | None:
    return Ticket.objects.filter(conversation_id=conversation_id, source=Ticket.Source.AI_ESCALATION,
                                 state__in=Ticket.ACTIVE_STATES).first()


def ticket_from_escalation(*, conversation_id: int, reason: str) -> Ticket | None:
    """The open complaint ticket of the conversation: the existing one, or a new high-priority one.
    ``None`` for a reason that is not a complaint or a conversation that is gone."""
    if reason not in COMPLAINT_REASONS:
        return None
    existing = _existing(conversation_id)
    if existing is not None:
        return existing
    conversation = (Conversation.objects.select_related("contact", "lead", "assignee__team")
                    .filter(pk=conversation_id).first())
    if conversation is None:
        return None
    if reason == "complaint":
        subject = _("Complaint from %(contact)s") % {"contact": conversation.contact}
    else:
        subject = _("Unhappy customer: %(contact)s") % {"contact": conversation.contact}
    try:
        with transaction.atomic():
            return ticket_create(
                actor=None, subject=subject[:200], description=conversation.last_message_preview,
                priority=Priority.HIGH, source=Ticket.Source.AI_ESCALATION, conversation=conversation,
                escalation_reason=reason,
            )
    except IntegrityError:  # another delivery of the same escalation opened it meanwhile
        return _existing(conversation_id)
