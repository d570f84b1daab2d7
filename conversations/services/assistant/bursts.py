"""Bursts: the customer's lines that one answer reads together, and the turns before them.

A customer often writes in bursts ("hola", "quiero un plan", "de 50 soles"). When the step reaches a
message that a newer customer message has already followed, it leaves it ("superseded"): the newer
message's step reads the whole burst as one turn and answers once.
"""

from __future__ import annotations

from django.db.models import Q

from ai.types import Turn
from conversations.models import Conversation, Message
from core.prepared import PreparedQuery

HISTORY_TURNS = 10
BURST_MAX = 6  # at most this many earlier unanswered lines join the newest one
TEXT_TYPES = {Message.Type.TEXT, Message.Type.INTERACTIVE, Message.Type.AUDIO, Message.Type.IMAGE,
              Message.Type.VIDEO, Message.Type.DOCUMENT}
_ROLES = {"customer": "customer", "ai": "assistant", "agent": "agent", "system": "agent"}


# The latest lines before a message, read on every turn: prepared (core.prepared).
_HISTORY: PreparedQuery[tuple[int, str, str, dict]] = PreparedQuery(
    lambda conversation_id, before_id: Message.objects.filter(conversation_id=conversation_id, pk__lt=before_id)
    .exclude(type=Message.Type.REACTION).order_by("-created_at", "-pk")
    .values_list("pk", "sender", "text", "ai_flags")[:HISTORY_TURNS + BURST_MAX])


def history_and_burst(conversation: Conversation, before_id: int) -> tuple[list[Turn], list[tuple[int, str]]]:
    """The turns before a message, and the burst: the customer's unanswered lines right before it.

    The burst is (pk, text) of the customer's messages since the last one the step analysed (or
    anyone else spoke), oldest first; they are left out of the turns.
    """
    rows = _HISTORY.all(conversation_id=conversation.pk, before_id=before_id)
    burst: list[tuple[int, str]] = []
    older = []
    for pk, sender, text, flags in rows:
        flags = flags or {}
        in_burst = (not older and sender == Message.Sender.CUSTOMER and len(burst) < BURST_MAX
                    and not flags.get("analyzed") and not flags.get("handled"))
        if in_burst:
            if text.strip():
                burst.append((pk, text))
        else:
            older.append((sender, text))
    turns = [Turn(role=_ROLES.get(sender, "agent"), text=text) for sender, text in reversed(older[:HISTORY_TURNS])
             if text]
    return turns, burst[::-1]


def burst_text(message: Message, burst: list[tuple[int, str]]) -> str:
    """The turn the step answers: the burst's lines and the message's, one a line."""
    return "\n".join([*(line for _pk, line in burst), message.text])


# A newer customer message than (created_at, pk): read for every message the step answers.
_NEWER: PreparedQuery[int] = PreparedQuery(
    lambda conversation_id, created_at, pk: Message.objects.filter(
        conversation_id=conversation_id, created_at__gte=created_at, direction=Message.Direction.IN, is_echo=False,
        type__in=TEXT_TYPES)
    .filter(Q(created_at__gt=created_at) | Q(pk__gt=pk)).order_by().values_list("pk", flat=True)[:1])


def is_superseded(message: Message) -> bool:
    """A newer customer message in the conversation: its step will answer this one with it."""
    return bool(_NEWER.all(conversation_id=message.conversation_id, created_at=message.created_at, pk=message.pk))
