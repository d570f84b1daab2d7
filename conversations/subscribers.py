"""What conversations does when events happen (subscribed in ``ConversationsConfig.ready``)."""

from __future__ import annotations

from conversations.tasks import assist_message
from core.events import Event


def message_received_assist(event: Event) -> None:
    """The AI step (DESIGN step 3) reads the message on the ``ai`` queue, so inbound never waits for it."""
    assist_message.delay(event["message_id"])
