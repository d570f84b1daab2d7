"""Where the AI's reply goes, by the channel account's mode: sent (auto), kept as a suggestion for an
agent (draft, or a conversation a person holds), or nowhere (off).

A sent reply carries its rich parts (``options.RichReply``): buttons or a list in the same message, then
the product's photo with a caption, then the store's location pin, each as a message of its own. Every
channel sends what it supports and words the rest (``conversations.services.outbound``).
"""

from __future__ import annotations

import logging
import posixpath

from django.conf import settings

from ai import replies
from conversations.events import publish_conversation_event
from conversations.models import ChannelAccount, Conversation, Message
from conversations.services.assistant.options import RichReply
from conversations.services.outbound import WindowClosedError, message_send
from core.media import public_base_url_is_local
from integrations.base import Provider

logger = logging.getLogger(__name__)


def _photo_reachable(conversation: Conversation) -> bool:
    """Whether the provider can fetch a photo we store: the sandbox never fetches; a storage with its own
    host (S3) gives a presigned link; the local disk needs a public ``PUBLIC_BASE_URL``."""
    if conversation.channel_account.provider == Provider.SANDBOX:
        return True
    local_disk = settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
    return not (local_disk and public_base_url_is_local())


def _rich_send(conversation: Conversation, rich: RichReply) -> None:
    """The photo and the pin after the reply; a failure to queue them never undoes the reply."""
    if rich.photo is not None and _photo_reachable(conversation):
        image = rich.photo.image.image
        message_send(conversation=conversation, text=rich.photo.caption, sender=Message.Sender.AI,
                     document=image, filename=posixpath.basename(image.name), media_kind=Message.Type.IMAGE)
    if rich.location is not None:
        message_send(conversation=conversation, text=rich.location.name, sender=Message.Sender.AI,
                     location=rich.location)


def reply_deliver(conversation: Conversation, text: str, *, handover: bool,
                  rich: RichReply | None = None) -> Message | None:
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
    rich = rich or RichReply()
    try:
        message = message_send(conversation=conversation, text=text, sender=Message.Sender.AI,
                               buttons=rich.buttons, rows=rich.rows, list_button=rich.list_button,
                               list_section=rich.section)
        _rich_send(conversation, rich)
    except WindowClosedError:
        logger.info("AI reply not sent: window closed for conversation %s", conversation.pk)
        return None
    return message
