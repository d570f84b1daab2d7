"""Where the AI's reply goes, by the channel account's mode: sent (auto), kept as a suggestion for an
agent (draft, or a conversation a person holds), or nowhere (off)."""

from __future__ import annotations

import logging

from ai import replies
from conversations.events import publish_conversation_event
from conversations.models import ChannelAccount, Conversation, Message
from conversations.services.outbound import WindowClosedError, message_send

logger = logging.getLogger(__name__)


def reply_deliver(conversation: Conversation, text: str, *, handover: bool) -> Message | None:
    """Send (auto), keep as a suggestion (draft, or a conversation a person holds) or do nothing (off)."""
    mode = conversation.channel_account.ai_mode
    if mode == ChannelAccount.AIMode.OFF or not text:
        return None
    in_human_hands = (conversation.needs_human and not handover) or conversation.assignee_id is not None
    if mode == ChannelAccount.AIMode.DRAFT or in_human_hands:
        Conversation.objects.filter(pk=conversation.pk).update(ai_draft=text)
        conversation.ai_draft = text
        publish_conversation_event(conversation, "conversation.updated")
        return None
    first_ai = not conversation.messages.filter(sender=Message.Sender.AI).exists()
    if first_ai:
        text = f"{replies.virtual_assistant_disclosure().strip()} {text.strip()}"
    try:
        return message_send(conversation=conversation, text=text, sender=Message.Sender.AI)
    except WindowClosedError:
        logger.info("AI reply not sent: window closed for conversation %s", conversation.pk)
        return None
