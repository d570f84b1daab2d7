"""The AI step for one inbound message: transcribe a voice note, leave a superseded line, read the
turn, apply it, word the reply and deliver it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ai.decide import Decision
from ai.services import transcribe_audio
from conversations.events import publish_message_event
from conversations.models import Message
from conversations.selectors import channel_account_cached
from conversations.services.assistant.bursts import TEXT_TYPES, is_superseded
from conversations.services.assistant.delivery import reply_deliver
from conversations.services.assistant.lead_update import conversation_apply_turn
from conversations.services.assistant.options import rich_reply
from conversations.services.assistant.turn import reply_write, turn_read
from core.prepared import PreparedQuery


@dataclass(frozen=True)
class AssistantOutcome:
    state: str  # "skipped" | "pending_transcription" | "superseded" | "analyzed"
    decision: Decision | None = None
    reply: Message | None = None


def _transcribed(message: Message) -> bool:
    """A voice note's text, transcribed now when a provider can; False while it has none."""
    if message.media_state == Message.MediaState.PENDING:
        return False
    transcript = None
    if message.media:
        with message.media.open("rb") as handle:
            transcript = transcribe_audio(handle.read(), filename=message.media.name.rsplit("/", 1)[-1],
                                          mime_type=message.media_mime, subject=f"message:{message.pk}")
    if not transcript:
        message.ai_flags = {**(message.ai_flags or {}), "transcription": "pending"}
        message.save(update_fields=["ai_flags", "updated_at"])
        publish_message_event(message, "message.updated")
        return False
    message.text = transcript
    message.ai_flags = {**(message.ai_flags or {}), "transcription": "done"}
    message.save(update_fields=["text", "ai_flags", "updated_at"])
    return True


# The message with its conversation and contact, read for every customer's message.
_MESSAGE: PreparedQuery[Message] = PreparedQuery(
    lambda pk: Message.objects.select_related("conversation__contact").filter(pk=pk))


def message_assist(*, message_id: int, pause: Callable[[Message], float] | None = None) -> AssistantOutcome:
    """Run the AI step for one inbound message (idempotent: a message is analysed once).

    ``pause``, when given, is called once the message is known to need the step, before the work; it
    returns the seconds it waited (the task lets the inbound queue catch up there). Lines that came in
    meanwhile make this one superseded.
    """
    message = _MESSAGE.get(pk=message_id)
    message.channel_account = channel_account_cached(message.channel_account_id)
    if (
        message.direction != Message.Direction.IN
        or message.is_echo
        or (message.ai_flags or {}).get("analyzed")
        or (message.ai_flags or {}).get("handled")  # answered by an earlier step (a quote accepted)
        or message.type not in TEXT_TYPES
    ):
        return AssistantOutcome(state="skipped")
    if message.type == Message.Type.AUDIO and not message.text and not _transcribed(message):
        return AssistantOutcome(state="pending_transcription")
    if not message.text.strip():
        return AssistantOutcome(state="skipped")
    if is_superseded(message) or (pause is not None and pause(message) and is_superseded(message)):
        return AssistantOutcome(state="superseded")

    subject = f"message:{message.pk}"
    turn = turn_read(conversation=message.conversation, message=message, subject=subject)
    applied = conversation_apply_turn(conversation=message.conversation, message=message, turn=turn)
    if applied is None:
        return AssistantOutcome(state="skipped")
    composed = applied.composed
    text = reply_write(composed, subject=subject)
    rich = rich_reply(composed=composed, analysis=turn.analysis, text=text, chosen=message.interactive_id,
                      catalog=turn.catalog)  # buttons or a list, the product's photo, the store's pin
    return AssistantOutcome(state="analyzed", decision=composed.decision,
                            reply=reply_deliver(applied.conversation, text, handover=composed.is_handover, rich=rich))
