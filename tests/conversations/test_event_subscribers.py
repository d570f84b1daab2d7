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
