"""Extension points of the inbound path.

``inbound_message_hook`` runs after an inbound message is committed. The AI step (intent,
sentiment, lead qualification, reply or hand-over) plugs in here; until then the message waits in
the inbox for a person.
"""

from __future__ import annotations


def inbound_message_hook(message_id: int) -> None:
    """Called once per new inbound customer message, after commit."""
    return None
