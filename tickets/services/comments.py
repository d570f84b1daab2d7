"""Comments on a ticket: internal notes, replies sent to the customer through the linked conversation, and the
customer's own messages in that conversation."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from conversations.models import Message
from conversations.services.outbound import message_send
from core.prepared import PreparedQuery
from notifications.services import notification_create
from tickets.models import Ticket, TicketComment, TicketEvent
from tickets.services.common import TicketInvalidError, TicketNoConversationError, clip, event_add, ticket_url

BODY_MAX = 4000
Visibility = TicketComment.Visibility


@transaction.atomic
def ticket_comment_add(*, actor: User, ticket: Ticket, body: str, visibility: str = Visibility.INTERNAL
                       ) -> TicketComment:
    """An internal note, or a reply to the customer (sent as a message of the ticket's conversation after commit).
    The first reply to the customer stops the first-response clock."""
    body = str(body or "").strip()
    if not body:
        raise TicketInvalidError(_("Write a comment."), code="empty_comment", extra={"field": "body"})
    if len(body) > BODY_MAX:
        raise TicketInvalidError(_("The comment is too long (at most %(n)d characters).") % {"n": BODY_MAX},
                                 extra={"field": "body"})
    if visibility not in (Visibility.INTERNAL, Visibility.CUSTOMER):
        raise TicketInvalidError(_("Choose internal or to the customer."), code="invalid_visibility",
                                 extra={"field": "visibility"})
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("conversation").get(pk=ticket.pk)
    message = None
    if visibility == Visibility.CUSTOMER:
        if ticket.conversation is None:
            raise TicketNoConversationError(_("This ticket has no conversation to reply in."))
        message = message_send(conversation=ticket.conversation, text=body, actor=actor)
    comment = TicketComment.objects.create(ticket=ticket, author=actor, visibility=visibility, body=body,
                                           message=message)
    event_add(ticket=ticket, actor=actor, kind=TicketEvent.Kind.COMMENTED, field=visibility, new=clip(body, 120))
    fields = ["updated_at"]
    if visibility == Visibility.CUSTOMER and ticket.first_responded_at is None:
        now = timezone.now()
        ticket.first_responded_at = now
        ticket.sla_warned_at = None  # the resolution clock gets its own warning
        fields += ["first_responded_at", "sla_warned_at"]
        if ticket.first_response_due_at is not None and now > ticket.first_response_due_at:
            ticket.is_first_response_breached = True
            fields.append("is_first_response_breached")
    ticket.save(update_fields=fields)
    return comment


#: Whether a conversation has an active ticket: read for every customer's message.
_ACTIVE_TICKET: PreparedQuery[int] = PreparedQuery(
    lambda conversation_id: Ticket.objects.filter(conversation_id=conversation_id, state__in=Ticket.ACTIVE_STATES)
    .order_by().values_list("pk", flat=True)[:1])


def ticket_customer_reply_add(*, message_id: int, conversation_id: int | None = None) -> TicketComment | None:
    """A customer's message in a conversation linked to an active ticket shows on it (the newest such ticket),
    with a history row and a notice to the assignee. Once per message: a redelivery finds the comment.

    ``conversation_id`` (the event's, when the caller has it): most conversations have no active ticket, and
    one narrow read says so."""
    if conversation_id is not None and not _ACTIVE_TICKET.all(conversation_id=conversation_id):
        return None
    with transaction.atomic():
        return _customer_reply_add(message_id)


def _customer_reply_add(message_id: int) -> TicketComment | None:
    message = (Message.objects.filter(pk=message_id, direction=Message.Direction.IN)
               .select_related("conversation").first())
    if message is None:
        return None
    existing = TicketComment.objects.filter(message=message).first()
    if existing is not None:
        return existing
    ticket = (Ticket.objects.select_for_update(of=("self",))
              .filter(conversation_id=message.conversation_id, state__in=Ticket.ACTIVE_STATES)
              .order_by("-created_at", "-pk").first())
    if ticket is None:
        return None
    body = message.text.strip() or f"[{message.get_type_display()}]"
    try:
        with transaction.atomic():
            comment = TicketComment.objects.create(ticket=ticket, author=None, visibility=Visibility.FROM_CUSTOMER,
                                                   body=body, message=message)
    except IntegrityError:  # the same message, handled at the same moment by another worker
        return TicketComment.objects.filter(message=message).first()
    event_add(ticket=ticket, actor=None, kind=TicketEvent.Kind.CUSTOMER_REPLIED, new=clip(body, 120))
    ticket.save(update_fields=["updated_at"])
    if ticket.assignee_id:
        notification_create(
            user=ticket.assignee, kind="ticket.customer_replied",
            title=_("The customer replied on ticket %(number)s") % {"number": ticket.number},
            body=body, url=ticket_url(ticket), dedupe_key=f"message:{message.pk}",
        )
    return comment
