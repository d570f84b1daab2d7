"""People teach the AI: an agent or supervisor corrects the intent the AI read in a customer's message.

The correction is kept as ``ai.IntentCorrection`` (the words the AI read, copied, and the intent a person
says they carry), which ``manage.py train_intents`` learns from; the message shows the person's reading
from then on, and whoever has the conversation open sees it change.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.models import AuditKind, User
from ai.models import IntentCorrection
from ai.types import Intent
from conversations.events import publish_message_event
from conversations.models import Conversation, Message
from conversations.selectors import conversation_visible_queryset
from core.errors import ApplicationError, PermissionDeniedError

INTENT_VALUES = frozenset(i.value for i in Intent)
# What people read for each intent (the panel's reading card, its correction list, the admin).
INTENT_LABELS = {
    Intent.GREETING.value: gettext_lazy("Greeting"),
    Intent.PRODUCT_QUERY.value: gettext_lazy("Product question"),
    Intent.PRICE_QUERY.value: gettext_lazy("Price question"),
    Intent.STOCK_QUERY.value: gettext_lazy("Stock question"),
    Intent.COVERAGE_QUERY.value: gettext_lazy("Coverage question"),
    Intent.PURCHASE_INTENT.value: gettext_lazy("Wants to buy"),
    Intent.COMPARISON.value: gettext_lazy("Comparing"),
    Intent.PRICE_OBJECTION.value: gettext_lazy("Price objection"),
    Intent.WARRANTY_QUERY.value: gettext_lazy("Warranty question"),
    Intent.COMPLAINT.value: gettext_lazy("Complaint"),
    Intent.SUPPORT_ISSUE.value: gettext_lazy("Support issue"),
    Intent.HUMAN_REQUEST.value: gettext_lazy("Asks for a person"),
    Intent.THANKS_GOODBYE.value: gettext_lazy("Thanks / goodbye"),
    Intent.OTHER.value: gettext_lazy("Other"),
}


def message_read_text(*, message: Message) -> str:
    """The words the AI read for ``message``: the lines of its burst (sent one after another and read as one
    turn) and its own, one a line, as the assistant step joins them."""
    burst_ids = [pk for pk in (message.ai_flags or {}).get("burst") or [] if isinstance(pk, int)]
    lines: list[str] = []
    if burst_ids:
        texts = dict(Message.objects.filter(conversation_id=message.conversation_id, pk__in=burst_ids,
                                            direction=Message.Direction.IN).values_list("pk", "text"))
        lines = [texts[pk] for pk in burst_ids if texts.get(pk)]
    return "\n".join([*lines, message.text]).strip()


@transaction.atomic
def message_correct_intent(*, message: Message, intent: str, actor: User) -> IntentCorrection:
    """``actor`` says the customer's ``message`` means ``intent``.

    Only a customer's message (not ours, not an echo of the business's phone) in a conversation ``actor``
    may see. One correction per message: a second one replaces the first (who and what), keeping the intent
    the AI read. The message's ``intent`` becomes the person's and ``ai_flags`` say who corrected it.
    """
    intent = (intent or "").strip()
    if intent not in INTENT_VALUES:
        raise ApplicationError(
            _("“%(intent)s” is not an intent the AI knows. Choose one of the list.") % {"intent": intent[:40]},
            code="invalid_intent",
        )
    if not conversation_visible_queryset(user=actor).filter(pk=message.conversation_id).exists():
        raise PermissionDeniedError(_("You cannot correct messages of this conversation."))
    message = (Message.objects.select_for_update(of=("self",)).select_related("conversation__assignee")
               .get(pk=message.pk))
    if (message.direction != Message.Direction.IN or message.sender != Message.Sender.CUSTOMER
            or message.is_echo):
        raise ApplicationError(_("Only a customer's message has an intent to correct."), code="not_customer_message")
    text = message_read_text(message=message)
    if not text:
        raise ApplicationError(_("This message has no words to learn from."), code="no_text")

    correction = IntentCorrection.objects.select_for_update().filter(message_id=message.pk).first()
    was = message.intent
    if correction is None:
        # What the AI read, not what an earlier correction left on the message.
        correction = IntentCorrection(message_id=message.pk, predicted_intent=was)
    correction.text = text
    correction.intent = intent
    correction.corrected_by = actor
    correction.save()

    message.intent = intent
    message.ai_flags = {**(message.ai_flags or {}), "intent_corrected_by": actor.pk}
    message.save(update_fields=["intent", "ai_flags", "updated_at"])
    if was != intent:
        conversation: Conversation = message.conversation
        team_id = conversation.assignee.team_id if conversation.assignee else None
        audit_record(actor=actor, action=AuditKind.UPDATE, obj=message, changes={"intent": (was, intent)},
                     data={"conversation_id": conversation.pk, "predicted_intent": correction.predicted_intent},
                     team_id=team_id)
    publish_message_event(message, "message.updated")
    return correction
