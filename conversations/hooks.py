"""Extension points of the inbound path.

``inbound_message_hook`` runs after a new inbound customer message is committed (and again once a
voice note's file is stored): it hands the message to the AI step on the ``ai`` queue, so inbound
processing never waits for the AI.
"""

from __future__ import annotations


def inbound_message_hook(message_id: int) -> None:
    from conversations.tasks import assist_message

    assist_message.delay(message_id)
