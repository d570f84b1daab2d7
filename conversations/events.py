"""Real-time payloads of the conversations domain, and who hears them."""

from __future__ import annotations

from typing import Any

from conversations.models import Conversation, Message
from core.realtime import publish_on_commit, user_group

QUEUE_GROUP = "queue.unassigned"
EVERYTHING_GROUP = "role.all"


def team_group(team_id: int) -> str:
    return f"team.{team_id}"


def conversation_groups(conversation: Conversation) -> list[str]:
    """Who hears a conversation: the assignee (or the unassigned queue), the assignee's team (their
    supervisors), the people looking at it, and back office and admins, who see everything."""
    groups = [f"conversation.{conversation.pk}", EVERYTHING_GROUP]
    if conversation.assignee_id:
        groups.append(user_group(conversation.assignee_id))
        team_id = conversation.assignee.team_id if conversation.assignee else None
        if team_id:
            groups.append(team_group(team_id))
    else:
        groups.append(QUEUE_GROUP)
    return groups


def message_event(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "direction": message.direction,
        "sender": message.sender,
        "type": message.type,
        "text": message.text,
        "media": message.media.url if message.media else None,
        "media_state": message.media_state,
        "status": message.status,
        "error_code": message.error_code,
        "created_at": message.created_at,
    }


def conversation_event(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "status": conversation.status,
        "priority": conversation.priority,
        "assignee": conversation.assignee_id,
        "needs_human": conversation.needs_human,
        "unread_count": conversation.unread_count,
        "last_message_at": conversation.last_message_at,
    }


def publish_message_event(message: Message, event_type: str) -> None:
    publish_on_commit(conversation_groups(message.conversation), event_type, message_event(message))


def publish_conversation_event(conversation: Conversation, event_type: str = "conversation.updated") -> None:
    publish_on_commit(conversation_groups(conversation), event_type, conversation_event(conversation))
