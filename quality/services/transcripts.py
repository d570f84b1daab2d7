"""What an audit reads: the call's transcript turns or the conversation's messages, as numbered lines.

Both the audit page (transcript beside the matrix, with the audio player's timestamps) and the AI pre-scoring
(which quotes a line as evidence) read the same lines, so a quoted line is always one the analyst can see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calls.models import Call
from conversations.models import Conversation, Message

SPEAKERS = ("agent", "customer", "bot")


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One turn: who spoke (``agent``, ``customer``, ``bot`` or ``""`` when unknown), what, and when.

    ``start``/``end`` are seconds into the recording (calls); ``when`` is the message's time (chats)."""

    index: int
    speaker: str
    text: str
    start: float | None = None
    end: float | None = None
    when: datetime | None = None


def call_lines(call: Call) -> list[TranscriptLine]:
    """The call's transcript turns; the whole transcript as one line when it has no timed segments."""
    lines: list[TranscriptLine] = []
    for segment in call.transcript_segments or ():
        text = str(segment.get("text") or "").strip()
        if not text:
            continue
        speaker = str(segment.get("speaker") or "")
        lines.append(TranscriptLine(
            index=len(lines), speaker=speaker if speaker in SPEAKERS else "", text=text,
            start=_seconds(segment.get("start")), end=_seconds(segment.get("end")),
        ))
    if not lines and call.transcript.strip():
        lines.append(TranscriptLine(index=0, speaker="", text=call.transcript.strip(), start=0.0))
    return lines


_SENDERS = {Message.Sender.CUSTOMER: "customer", Message.Sender.AGENT: "agent", Message.Sender.AI: "bot"}


def conversation_lines(conversation: Conversation) -> list[TranscriptLine]:
    """The conversation's messages with text (a photo's caption, a voice note's transcript), oldest first."""
    lines: list[TranscriptLine] = []
    messages = conversation.messages.exclude(sender=Message.Sender.SYSTEM).order_by("created_at", "pk")
    for message in messages.only("sender", "text", "created_at", "type"):
        text = (message.text or "").strip()
        if not text:
            continue
        lines.append(TranscriptLine(
            index=len(lines), speaker=_SENDERS.get(message.sender, ""), text=text, when=message.created_at,
        ))
    return lines


def subject_lines(*, call: Call | None = None, conversation: Conversation | None = None) -> list[TranscriptLine]:
    """The lines of an audit's subject: exactly one of ``call`` or ``conversation``."""
    if (call is None) == (conversation is None):
        raise TypeError("subject_lines needs exactly one of call or conversation")
    return call_lines(call) if call is not None else conversation_lines(conversation)  # type: ignore[arg-type]


def _seconds(value: object) -> float | None:
    try:
        return round(float(value), 2)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
