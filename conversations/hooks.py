"""Extension points of the inbound path.

``inbound_message_hook`` runs after a new inbound customer message is committed (and again once a
voice note's file is stored). A yes to the one quote waiting in the conversation accepts it (sales);
any other message goes to the AI step on the ``ai`` queue, so inbound processing never waits for the AI.
"""

from __future__ import annotations


def inbound_message_hook(message_id: int, *, said: tuple[str, str] | None = None) -> None:
    """``said``: the message's (text, interactive id) when the caller has them, to spare a read."""
    from conversations.tasks import assist_message
    from sales.services.quotes import quote_accept_from_message

    if quote_accept_from_message(message_id=message_id, said=said) is not None:
        # "sí, lo quiero" on a sent quote became a sale and the customer got its confirmation:
        # the assistant must not answer the same message a second time.
        return
    assist_message.delay(message_id)
