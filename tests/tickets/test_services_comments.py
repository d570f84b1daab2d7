"""Comments: internal notes, replies sent to the customer in the linked conversation, and the customer's replies
coming back onto the ticket."""

import pytest

from conversations.models import Message
from core import events
from notifications.models import Notification
from tests.tickets.factories import customer_message, make_conversation
from tickets.models import TicketComment, TicketEvent
from tickets.selectors import ticket_timeline
from tickets.services import (
    TicketInvalidError,
    TicketNoConversationError,
    ticket_comment_add,
    ticket_create,
    ticket_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(agent):
    return make_conversation(assignee=agent)


@pytest.fixture
def ticket(agent, conversation):
    return ticket_create(actor=agent, subject="Router sin señal", conversation=conversation, assignee=agent)


def test_internal_note_stays_inside_when_visibility_is_internal(agent, ticket):
    comment = ticket_comment_add(actor=agent, ticket=ticket, body="Revisar con soporte técnico")
    ticket.refresh_from_db()
    assert (comment.visibility, comment.message, ticket.first_responded_at) == ("internal", None, None)
    assert not Message.objects.filter(direction="out").exists()
    assert ticket.events.filter(kind=TicketEvent.Kind.COMMENTED, field="internal").exists()


def test_reply_to_the_customer_goes_out_in_the_conversation_when_visibility_is_customer(agent, ticket,
                                                                                        conversation):
    comment = ticket_comment_add(actor=agent, ticket=ticket, body="Un técnico irá mañana.", visibility="customer")
    message = comment.message
    assert (message.conversation, message.direction, message.text, message.author) == (
        conversation, "out", "Un técnico irá mañana.", agent)
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None
    first = ticket.first_responded_at
    ticket_comment_add(actor=agent, ticket=ticket, body="Confirmado.", visibility="customer")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == first  # only the first reply stops that clock


def test_reply_to_the_customer_is_refused_when_the_ticket_has_no_conversation(agent):
    ticket = ticket_create(actor=agent, subject="Sin chat")
    with pytest.raises(TicketNoConversationError):
        ticket_comment_add(actor=agent, ticket=ticket, body="Hola", visibility="customer")
    assert not TicketComment.objects.exists()


@pytest.mark.parametrize(("body", "visibility", "code"), [
    ("   ", "internal", "empty_comment"),
    ("x" * 4001, "internal", "invalid"),
    ("Hola", "from_customer", "invalid_visibility"),
])
def test_comment_is_refused_when_input_is_invalid(agent, ticket, body, visibility, code):
    with pytest.raises(TicketInvalidError) as caught:
        ticket_comment_add(actor=agent, ticket=ticket, body=body, visibility=visibility)
    assert caught.value.code == code
    assert not TicketComment.objects.exists()


def emit_received(message, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.emit("message.received", message_id=message.pk, conversation_id=message.conversation_id,
                    text=message.text, interactive_id="")


def test_customer_reply_shows_on_the_ticket_when_it_arrives_in_the_linked_conversation(
        agent, ticket, conversation, django_capture_on_commit_callbacks):
    message = customer_message(conversation, "Sigue sin funcionar")
    emit_received(message, django_capture_on_commit_callbacks)
    emit_received(message, django_capture_on_commit_callbacks)  # a redelivery
    comment = TicketComment.objects.get(ticket=ticket)
    assert (comment.visibility, comment.body, comment.message, comment.author) == (
        "from_customer", "Sigue sin funcionar", message, None)
    assert ticket.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLIED).count() == 1
    assert Notification.objects.filter(user=agent, kind="ticket.customer_replied").count() == 1
    entries = ticket_timeline(ticket=ticket)
    assert [e.from_customer for e in entries if e.kind == "comment"] == [True]


def test_customer_reply_is_not_added_when_the_ticket_is_resolved(agent, ticket, conversation,
                                                                 django_capture_on_commit_callbacks):
    ticket_update(actor=agent, ticket=ticket, state="resolved")
    emit_received(customer_message(conversation, "Gracias"), django_capture_on_commit_callbacks)
    assert not TicketComment.objects.exists()


def test_customer_reply_goes_to_the_newest_open_ticket_when_the_chat_has_two(agent, ticket, conversation,
                                                                             django_capture_on_commit_callbacks):
    newer = ticket_create(actor=agent, subject="Otro tema", conversation=conversation, assignee=agent)
    emit_received(customer_message(conversation, "¿Y lo otro?"), django_capture_on_commit_callbacks)
    assert list(TicketComment.objects.values_list("ticket_id", flat=True)) == [newer.pk]
