"""Reactions to an inbound message go through the event registry; a broken one loses nothing."""

import logging

import pytest

from conversations.models import Message
from core import events
from tests.conversations.conftest import drain, twilio_params

pytestmark = pytest.mark.django_db


def test_inbound_message_reaches_the_ai_even_when_an_earlier_subscriber_fails(
    post_twilio, caplog, django_capture_on_commit_callbacks
):
    """A broken reaction (here: before quote acceptance) costs nothing: the message is stored, the AI answers."""
    def broken(event: events.Event) -> None:
        raise RuntimeError("a subscriber bug")

    events.subscribe("message.received", broken, order=1)
    try:
        with caplog.at_level(logging.ERROR, logger="core.events"):
            post_twilio(twilio_params(Body="hola, ¿tienen planes de internet?"))
            with django_capture_on_commit_callbacks(execute=True):
                drain()
    finally:
        events.unsubscribe("message.received", broken)
    incoming = Message.objects.get(direction="in")
    assert incoming.text == "hola, ¿tienen planes de internet?"
    assert "subscriber=tests.conversations.test_event_subscribers" in caplog.text
    assert "987654321" not in caplog.text  # no customer data in the log
    assert Message.objects.filter(direction="out", sender="ai").exists()


@pytest.fixture
def heard():
    """A subscriber that records every conversation.* event it hears."""
    got: list[tuple[str, dict]] = []

    def listener(event: events.Event) -> None:
        got.append((event.name, dict(event.payload)))

    for name in ("conversation.escalated", "conversation.resolved"):
        events.subscribe(name, listener)
    yield got
    for name in ("conversation.escalated", "conversation.resolved"):
        events.unsubscribe(name, listener)


def test_a_complaint_escalates_once_and_resolving_announces_it(post_twilio, heard, agent,
                                                                 django_capture_on_commit_callbacks):
    from conversations.models import Conversation
    from conversations.services.inbox import conversation_set_status

    with django_capture_on_commit_callbacks(execute=True):
        post_twilio(twilio_params(MessageSid="SM" + "1" * 32, Body="Pésimo servicio, quiero poner un reclamo 😡"))
        drain()
        post_twilio(twilio_params(MessageSid="SM" + "2" * 32, Body="¡¡nadie me responde, reclamo!!"))
        drain()
    conversation = Conversation.objects.get()
    assert conversation.needs_human
    assert heard == [("conversation.escalated", {"conversation_id": conversation.pk, "reason": "complaint"})]
    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_status(actor=agent, conversation=conversation, status="resolved")
        conversation_set_status(actor=agent, conversation=conversation, status="resolved")  # no change: no event
    assert heard[1:] == [("conversation.resolved", {"conversation_id": conversation.pk, "actor_id": agent.pk})]
