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
from conversations.services.accounts import channel_account_provider
from conversations.services.choices import message_options
from core.prepared import insert_rows
from core.realtime import (
    EVERYTHING_GROUP,
    QUEUE_GROUP,
    conversation_group,
    publish_many_on_commit,
    publish_on_commit,
    sandbox_group,
    team_group,
    user_group,
)
from integrations.base import Provider
from integrations.sandbox.webhooks import client_id_of

__all__ = ["EVERYTHING_GROUP", "QUEUE_GROUP", "conversation_groups", "publish_conversation_event",
           "publish_message_event", "publish_message_with_conversation"]


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


def _next_seqs(conversation_id: int, count: int) -> range:
    """Take the next ``count`` numbers of the conversation's sequence (one UPDATE, row-locked)."""
    table = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET event_seq = event_seq + %s WHERE id = %s RETURNING event_seq",  # noqa: S608
            [count, conversation_id],
        )
        last = int(cursor.fetchone()[0])
    return range(last - count + 1, last + 1)


def conversation_events_record(
    *, conversation_id: int, events: list[tuple[str, dict[str, Any]]], groups: list[str],
    former_groups: list[str] | tuple[str, ...] = (),
) -> list[ConversationEvent]:
    """Allocate the next numbers of the conversation and log ``events`` (type, data), in the caller's
    transaction (or one of their own): one UPDATE and one INSERT, whatever their number.

    A ``conversation.assigned`` event also records who lost the conversation with it: the groups of the
    event before it that are not in ``groups``, plus ``former_groups`` (the caller knows the former
    assignee, or that it was in the unassigned queue, even when the log was pruned).
    """
    with transaction.atomic(savepoint=False):
        seqs = _next_seqs(conversation_id, len(events))
        audience = audience_text(groups)
        former = ""
        if any(event_type == "conversation.assigned" for event_type, _ in events):
            previous = (
                ConversationEvent.objects.filter(conversation_id=conversation_id, seq__lt=seqs[0])
                .order_by("-seq").values_list("audience", flat=True).first()
            )
            current = set(audience.split())
            lost = [g for g in [*(previous or "").split(), *former_groups] if g not in current]
            former = audience_text(lost) if lost else ""
        rows = [
            ConversationEvent(conversation_id=conversation_id, seq=seq, type=event_type, data=data, audience=audience,
                              former_audience=former if event_type == "conversation.assigned" else "")
            for seq, (event_type, data) in zip(seqs, events, strict=True)
        ]
        insert_rows(*rows)
        return rows


def publish_logged(conversation_id: int, groups: list[str], event_type: str, data: dict[str, Any]) -> None:
    publish_logged_many(conversation_id, groups, [(event_type, data)])


def publish_logged_many(conversation_id: int, groups: list[str], events: list[tuple[str, dict[str, Any]]],
                        *, former_groups: list[str] | tuple[str, ...] = ()) -> None:
    """Log ``events`` of one conversation and send them, in order, once the transaction commits.

    Those who lost the conversation with a ``conversation.assigned`` event hear it too (their inbox
    drops the row; a socket that was watching it leaves).
    """
    logged = conversation_events_record(conversation_id=conversation_id, events=events, groups=groups,
                                        former_groups=former_groups)
    lost = [g for row in logged for g in row.former_audience.split()]
    if lost:
        groups = [*groups, *lost]
    publish_many_on_commit(groups, [
        (row.type, row.data, {"conversation": conversation_id, "seq": row.seq, "cursor": row.pk}) for row in logged
    ])


def publish_message_event(message: Message, event_type: str) -> None:
    """A message's change. ``message.updated`` (ticks, a transcript, a downloaded file) only matters
    where the conversation is open, so it goes to the conversation's group alone; a new message
    goes everywhere the conversation is seen (its row, the unread counts)."""
    groups = ([conversation_group(message.conversation_id)] if event_type == "message.updated"
              else conversation_groups(message.conversation))
    publish_logged(message.conversation_id, groups, event_type, message_event(message))
    publish_to_sandbox(message, event_type)


def publish_conversation_event(conversation: Conversation, event_type: str = "conversation.updated",
                               *, former_groups: list[str] | tuple[str, ...] = ()) -> None:
    publish_logged_many(conversation.pk, conversation_groups(conversation),
                        [(event_type, conversation_event(conversation))], former_groups=former_groups)


def former_assignee_groups(assignee_id: int | None) -> list[str]:
    """Who had a conversation before it changed hands: its assignee, or the unassigned queue."""
    return [user_group(assignee_id)] if assignee_id else [QUEUE_GROUP]


def publish_message_with_conversation(message: Message, conversation: Conversation, *,
                                      status_changed: bool = False) -> None:
    """A new message, with the state of the conversation it moved (preview, unread count, last
    activity) in ``data["conversation_state"]``: one frame per socket where there were two. A
    ``conversation.updated`` follows only when the message changed the status (a snoozed chat reopens).
    """
    state = conversation_event(conversation)
    events = [("message.created", {**message_event(message), "conversation_state": state})]
    if status_changed:
        events.append(("conversation.updated", state))
    publish_logged_many(conversation.pk, conversation_groups(conversation), events)
    publish_to_sandbox(message, "message.created")


def sandbox_message_event(message: Message) -> dict[str, Any]:
    """What the sandbox customer's phone shows of a message: its words and ticks, nothing of the back office
    (no author, error, intent or media URL). ``ref`` is our send's provider id (the page reports it read),
    ``client_id`` the page's own id of a line the customer typed."""
    return {
        "id": message.pk,
        "ref": message.provider_message_id if message.direction == Message.Direction.OUT else "",
        "client_id": client_id_of(message.provider_message_id) if message.direction == Message.Direction.IN else "",
        "direction": message.direction,
        "sender": message.sender,
        "type": message.type,
        "text": message.text,
        "filename": (message.media_ref or {}).get("filename", "") if message.media else "",
        "status": message.status,
        "created_at": message.created_at,
        # Rich content as the phone shows it: the buttons or list rows offered (tapping one sends its title),
        # and a location pin we sent.
        "options": [{"title": str(o.get("title", "")), "description": str(o.get("description", "") or "")}
                    for o in message_options(message)] if message.direction == Message.Direction.OUT else [],
        "location": _pin(message),
    }


def _pin(message: Message) -> dict[str, Any] | None:
    place = message.location or {}
    if message.direction != Message.Direction.OUT or "latitude" not in place or "longitude" not in place:
        return None
    return {"name": str(place.get("name") or ""), "latitude": place["latitude"], "longitude": place["longitude"]}


def _on_sandbox(message: Message) -> bool:
    if Message.channel_account.is_cached(message):
        return message.channel_account.provider == Provider.SANDBOX
    return channel_account_provider(message.channel_account_id) == Provider.SANDBOX


def publish_to_sandbox(message: Message, event_type: str) -> None:
    """A message of a sandbox conversation also goes to its customer's sandbox pages, after commit, in the
    shape they may see (``sandbox_message_event``). Internal lines never do; other channels cost no query."""
    if message.sender == Message.Sender.SYSTEM or not _on_sandbox(message):
        return
    publish_on_commit([sandbox_group(message.conversation.contact_id)], event_type, sandbox_message_event(message))
