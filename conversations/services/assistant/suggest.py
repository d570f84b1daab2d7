"""For the agent's composer: the reply the AI step would give to the customer's last turn, and a summary."""

from __future__ import annotations

from ai import replies
from ai.services import summarize
from ai.types import Turn
from conversations.models import Conversation, Message
from conversations.services.assistant.turn import reply_write, turn_compose, turn_read


def conversation_suggest_reply(*, conversation: Conversation) -> str:
    """A reply for the agent's composer, from the last customer message (not sent).

    The same reading and composition as the AI step, with what the CRM knows now. A message the step
    already analysed counted in the conversation's low-confidence streak; the step read the streak
    before it, and so does this.
    """
    last = conversation.messages.filter(direction=Message.Direction.IN).exclude(text="").order_by("-pk").first()
    if last is None:
        return replies.greeting(None, disclose_assistant=False)
    subject = f"suggest:{conversation.pk}"
    turn = turn_read(conversation=conversation, message=last, subject=subject)
    streak = conversation.ai_low_confidence_streak
    if (last.ai_flags or {}).get("analyzed"):
        streak = max(streak - 1, 0)
    composed = turn_compose(turn, contact=conversation.contact, lead=conversation.lead, low_confidence_streak=streak)
    return reply_write(composed, subject=subject)


def conversation_summary(*, conversation: Conversation) -> str:
    rows = conversation.messages.exclude(text="").order_by("-pk").values_list("sender", "text")[:30]
    roles = {"customer": "customer", "ai": "assistant"}
    history = [Turn(role=roles.get(s, "agent"), text=t) for s, t in reversed(rows)]
    return summarize(history, subject=f"summary:{conversation.pk}")
