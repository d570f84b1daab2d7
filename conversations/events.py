"""Real-time payloads of the conversations domain, who hears them, and the log a socket catches up from.

Every event about a conversation gets ``seq``, the next number of that conversation's event sequence,
allocated with ``UPDATE ... RETURNING`` in the transaction of the change (the row lock orders the
events of one conversation), and is written to ``ConversationEvent`` in that same transaction. The
socket frame is ``{"type", "v": 1, "data", "conversation", "seq", "cursor"}``; ``cursor`` is the log
row's id, the inbox's position for ``/panel/events/?since=``.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from conversations.models import Conversation, ConversationEvent, Message
from core.realtime import EVERYTHING_GROUP, QUEUE_GROUP, publish_on_commit, user_group

__all__ = ["EVERYTHING_GROUP", "QUEUE_GROUP", "conversation_groups", "publish_conversation_event",
           "publish_message_event"]


def team_group(team_id: int) -> str:
    return f"team.{team_id}"


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def conversation_groups(conversation: Conversation) -> list[str]:
    """Who hears a conversation: the assignee (or the unassigned queue), the assignee's team (their
    supervisors), the people looking at it, and back office and admins, who see everything."""
    groups = [conversation_group(conversation.pk), EVERYTHING_GROUP]
    if conversation.assignee_id:
        groups.append(user_group(conversation.assignee_id))
        team_id = conversation.assignee.team_id if conversation.assignee else None
        if team_id:
            groups.append(team_group(team_id))
    else:
        groups.append(QUEUE_GROUP)
    return groups


def audience_text(groups: list[str]) -> str:
    """Role groups as stored in the log, space-delimited on both sides so ``" user.5 "`` matches exactly."""
    names = [g for g in dict.fromkeys(groups) if not g.startswith("conversation.")]
    return " " + " ".join(names) + " "


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


def _next_seq(conversation_id: int) -> int:
    table = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET event_seq = event_seq + 1 WHERE id = %s RETURNING event_seq",  # noqa: S608
            [conversation_id],
        )
        return int(cursor.fetchone()[0])


def conversation_event_record(
    *, conversation_id: int, event_type: str, data: dict[str, Any], groups: list[str]
) -> ConversationEvent:
    """Allocate the next ``seq`` of the conversation and log the event, in the caller's transaction."""
    with transaction.atomic():
        seq = _next_seq(conversation_id)
        former = ""
        if event_type == "conversation.assigned":
            previous = (
                ConversationEvent.objects.filter(conversation_id=conversation_id)
                .order_by("-seq").values_list("audience", flat=True).first()
            )
            current = set(audience_text(groups).split())
            lost = [g for g in (previous or "").split() if g not in current]
            former = audience_text(lost) if lost else ""
        return ConversationEvent.objects.create(
            conversation_id=conversation_id, seq=seq, type=event_type, data=data,
            audience=audience_text(groups), former_audience=former,
        )


def publish_logged(conversation_id: int, groups: list[str], event_type: str, data: dict[str, Any]) -> None:
    event = conversation_event_record(conversation_id=conversation_id, event_type=event_type, data=data,
                                      groups=groups)
    publish_on_commit(groups, event_type, data,
                      meta={"conversation": conversation_id, "seq": event.seq, "cursor": event.pk})


def publish_message_event(message: Message, event_type: str) -> None:
    publish_logged(message.conversation_id, conversation_groups(message.conversation), event_type,
                   message_event(message))


def publish_conversation_event(conversation: Conversation, event_type: str = "conversation.updated") -> None:
    publish_logged(conversation.pk, conversation_groups(conversation), event_type, conversation_event(conversation))
