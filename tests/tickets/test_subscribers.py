"""The seams: a complaint the AI hands over opens one ticket (not two on redelivery); a customer's message on an
open ticket's conversation shows on it without holding the AI step back."""

import pytest

from conversations.models import Conversation
from conversations.services.accounts import channel_accounts_sync_from_env
from core import events
from tests.conversations.conftest import drain, wa_payload, wa_text
from tests.tickets.factories import customer_message, make_conversation
from tickets.models import Ticket, TicketComment
from tickets.subscribers import conversation_escalated_open_ticket, message_received_customer_reply

pytestmark = pytest.mark.django_db


def escalate(conversation_id, reason, capture):
    with capture(execute=True):
        events.emit("conversation.escalated", conversation_id=conversation_id, reason=reason)


def test_subscribers_are_registered_in_their_order_when_the_app_is_ready():
    escalated = {s.name: s for s in events.subscribers("conversation.escalated")}
    received = {s.name: s for s in events.subscribers("message.received")}
    opener = escalated["tickets.subscribers.conversation_escalated_open_ticket"]
    reply = received["tickets.subscribers.message_received_customer_reply"]
    assert (opener.order, reply.order) == (60, 70)
    assert not reply.skip_if_handled  # a reply that accepted a quote still shows on the ticket
    names = [s.name for s in events.subscribers("message.received")]
    assert names.index("conversations.subscribers.message_received_assist") < names.index(reply.name)


@pytest.mark.parametrize("reason", ["complaint", "negative_sentiment"])
def test_complaint_escalation_opens_one_ticket_when_the_event_is_delivered_twice(
        agent, supervisor, reason, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent, name="Rosa Quispe")
    escalate(conversation.pk, reason, django_capture_on_commit_callbacks)
    escalate(conversation.pk, reason, django_capture_on_commit_callbacks)  # redelivered
    conversation_escalated_open_ticket(events.Event("conversation.escalated",
                                                    {"conversation_id": conversation.pk, "reason": reason}))
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.priority, ticket.escalation_reason) == ("ai_escalation", "high", reason)
    assert (ticket.conversation, ticket.contact, ticket.team, ticket.assignee) == (
        conversation, conversation.contact, agent.team, agent)
    assert "Rosa Quispe" in ticket.subject


@pytest.mark.parametrize("reason", ["human_request", "low_confidence", "ai_failure", "send_unknown"])
def test_escalation_opens_no_ticket_when_the_reason_is_not_a_complaint(agent, reason,
                                                                      django_capture_on_commit_callbacks):
    escalate(make_conversation(assignee=agent).pk, reason, django_capture_on_commit_callbacks)
    assert not Ticket.objects.exists()


def test_escalation_of_a_deleted_conversation_opens_nothing_when_it_arrives_late(django_capture_on_commit_callbacks):
    escalate(999_999, "complaint", django_capture_on_commit_callbacks)
    assert not Ticket.objects.exists()


def test_customer_complaint_over_whatsapp_opens_a_ticket_when_the_ai_hands_over(post_meta, supervisor, agent,
                                                                                django_capture_on_commit_callbacks):
    channel_accounts_sync_from_env()  # AI on: the assistant reads the message
    text = "Quiero presentar un reclamo, el servicio es pésimo y nadie me soluciona nada"
    with django_capture_on_commit_callbacks(execute=True):
        post_meta(wa_payload(wa_text("wamid.COMPLAINT1", text)))
    with django_capture_on_commit_callbacks(execute=True):
        drain()
    conversation = Conversation.objects.get()
    assert conversation.needs_human
    ticket = Ticket.objects.get()
    assert (ticket.conversation, ticket.source, ticket.priority) == (conversation, "ai_escalation", "high")
    # The customer writes again: it shows on the ticket, and no second ticket opens.
    with django_capture_on_commit_callbacks(execute=True):
        post_meta(wa_payload(wa_text("wamid.COMPLAINT2", "Sigo esperando, es un reclamo formal")))
    with django_capture_on_commit_callbacks(execute=True):
        drain()
    assert Ticket.objects.count() == 1
    assert list(TicketComment.objects.values_list("body", flat=True)) == ["Sigo esperando, es un reclamo formal"]


def test_customer_reply_still_shows_when_an_earlier_subscriber_handled_the_message(
        agent, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent)
    ticket = Ticket.objects.create(subject="Caso", conversation=conversation, assignee=agent)
    message = customer_message(conversation, "sí, lo quiero")

    def accepts_quote(event):
        return events.HANDLED

    events.subscribe("message.received", accepts_quote, order=5)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.emit("message.received", message_id=message.pk, conversation_id=conversation.pk,
                        text=message.text, interactive_id="")
    finally:
        events.unsubscribe("message.received", accepts_quote)
    assert TicketComment.objects.get().ticket == ticket


def test_reply_subscriber_never_claims_the_message_when_it_records_a_reply(agent):
    conversation = make_conversation(assignee=agent)
    Ticket.objects.create(subject="Caso", conversation=conversation, assignee=agent)
    message = customer_message(conversation)
    result = message_received_customer_reply(events.Event("message.received", {
        "message_id": message.pk, "conversation_id": conversation.pk, "text": message.text, "interactive_id": ""}))
    assert result is not events.HANDLED and TicketComment.objects.count() == 1


def test_a_message_in_a_chat_without_an_active_ticket_costs_one_narrow_read(agent, django_assert_num_queries):
    conversation = make_conversation(assignee=agent)
    message = customer_message(conversation, "¿Y mi pedido?")
    with django_assert_num_queries(1):
        message_received_customer_reply(events.Event("message.received", {
            "message_id": message.pk, "conversation_id": conversation.pk, "text": message.text,
            "interactive_id": ""}))
    assert not TicketComment.objects.exists()
