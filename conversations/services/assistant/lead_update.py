"""What a read turn changes, in one transaction: the message's analysis, the lead (through leads'
services), the conversation's low-confidence streak and, on a hand-over, its priority."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from ai.decide import is_unsure
from ai.replies import ComposedReply
from ai.types import Analysis, Money
from conversations.events import publish_conversation_event
from conversations.models import Conversation, Message
from conversations.selectors import channel_account_cached
from conversations.services.assistant.turn import CustomerTurn, turn_compose
from core import events
from core.prepared import PreparedQuery, save_fields
from leads.models import Lead
from leads.services import lead_apply_analysis
from operators.models import Operator, Product


@dataclass(frozen=True)
class AppliedTurn:
    conversation: Conversation  # read again, locked, with its channel account, contact and assignee
    composed: ComposedReply


def _record_analysis(message: Message, analysis: Analysis, burst: list[tuple[int, str]]) -> None:
    e = analysis.entities
    message.intent = analysis.intent.value
    message.sentiment = analysis.sentiment.value
    message.ai_flags = {
        **(message.ai_flags or {}),
        "analyzed": True,
        **({"burst": [pk for pk, _text in burst]} if burst else {}),
        "confidence": round(analysis.confidence, 3),
        "sentiment_score": round(analysis.sentiment_score, 3),
        "provider": analysis.provider,
        "fallback": analysis.fallback,
        "secondary_intents": [i.value for i in analysis.secondary_intents],
        "entities": {
            k: (str(v) if not isinstance(v, int | bool | str | list | tuple | type(None)) else
                list(v) if isinstance(v, tuple) else v)
            for k, v in {
                "service_type": e.service_type, "operator": e.operator, "products": e.products,
                "product_terms": e.product_terms, "capacity_gb": e.capacity_gb, "color": e.color,
                "speed_mbps": e.speed_mbps, "data_gb": e.data_gb, "quantity": e.quantity,
                "budget": f"{e.budget.amount} {e.budget.currency}".strip() if e.budget else None,
                "zone": e.zone, "address": e.address, "name": e.name, "email": e.email, "phone": e.phone,
                "urgency": e.urgency,
            }.items() if v not in (None, "", (), False)
        },
    }
    save_fields(message, ["intent", "sentiment", "ai_flags", "updated_at"])


# The currency of a budget whose words do not tell it ("mi presupuesto es 1.800.000"): the phone's country's.
_CURRENCY_BY_CALLING_CODE = {"+51": "PEN", "+54": "ARS", "+56": "CLP", "+52": "MXN", "+57": "COP"}


def _with_phone_currency(analysis: Analysis, phone: str) -> Analysis:
    budget = analysis.entities.budget
    currency = _CURRENCY_BY_CALLING_CODE.get((phone or "")[:3], "")
    if budget is None or budget.currency or not currency:
        return analysis
    return replace(analysis, entities=replace(analysis.entities, budget=Money(budget.amount, currency)))


def _record_mobile_plan(lead: Lead, analysis: Analysis) -> None:
    """A turn that asks for a mobile plan ("mejor solo un plan con gigas", "me porto a Entel") moves a lead
    that had no product chosen from a phone or home internet to mobile: the service asked for last wins."""
    if analysis.entities.service_type != "mobile" or lead.service_type in ("mobile", "combo") or lead.product_id:
        return
    lead.service_type = "mobile"
    lead.save(update_fields=["service_type", "updated_at"])


# The conversation and its contact locked in one read (the lead, which may be missing, apart); read on every turn.
_LOCKED_CONVERSATION: PreparedQuery[Conversation] = PreparedQuery(
    lambda pk: Conversation.objects.select_for_update(of=("self", "contact")).select_related("contact", "assignee")
    .filter(pk=pk))
_LOCKED_LEAD: PreparedQuery[Lead] = PreparedQuery(lambda pk: Lead.objects.select_for_update().filter(pk=pk))
_LOCKED_FLAGS: PreparedQuery[dict] = PreparedQuery(
    lambda pk: Message.objects.select_for_update().filter(pk=pk).values_list("ai_flags", flat=True))


def conversation_apply_turn(*, conversation: Conversation, message: Message, turn: CustomerTurn) -> AppliedTurn | None:
    """Decide and compose the reply from what was known before the turn, then apply the turn.

    None when another run of the step analysed the message meanwhile.
    """
    entities = turn.analysis.entities
    product = Product.objects.filter(pk=int(entities.products[0])).select_related("operator").first() if (
        len(entities.products) == 1 and entities.products[0].isdigit()
    ) else None
    operator = Operator.objects.filter(slug=entities.operator).first() if entities.operator else None

    with transaction.atomic():
        conversation = _LOCKED_CONVERSATION.get(pk=conversation.pk)
        conversation.channel_account = channel_account_cached(conversation.channel_account_id)
        # Read again under the lock: another run of this step may have analysed it meanwhile.
        message.ai_flags = _LOCKED_FLAGS.get(pk=message.pk)
        if (message.ai_flags or {}).get("analyzed"):
            return None
        if conversation.lead_id:
            conversation.lead = _LOCKED_LEAD.get(pk=conversation.lead_id)
        _record_analysis(message, turn.analysis, turn.burst)
        composed = turn_compose(turn, contact=conversation.contact, lead=conversation.lead,
                                low_confidence_streak=conversation.ai_low_confidence_streak)
        lead = lead_apply_analysis(
            contact=conversation.contact, lead=conversation.lead,
            analysis=_with_phone_currency(turn.analysis, conversation.contact.phone), text=turn.text,
            message_id=message.pk, source=conversation.channel, create=composed.decision.create_lead,
            product=product, operator=operator, locked=True,
        )
        if lead is not None:
            _record_mobile_plan(lead, turn.analysis)
        fields = ["ai_low_confidence_streak", "updated_at"]
        conversation.ai_low_confidence_streak = (
            conversation.ai_low_confidence_streak + 1 if is_unsure(turn.analysis) else 0)
        if lead is not None and conversation.lead_id != lead.pk:
            conversation.lead = lead
            fields.append("lead")
        escalated = composed.is_handover and not conversation.needs_human
        if escalated:
            conversation.escalated_at = timezone.now()
            conversation.escalation_reason = composed.decision.reason[:40]
            fields += ["escalated_at", "escalation_reason"]
        if composed.is_handover:
            conversation.needs_human = True
            urgent = composed.decision.reason in ("complaint", "negative_sentiment")
            conversation.priority = Conversation.Priority.URGENT if urgent else Conversation.Priority.HIGH
            fields += ["needs_human", "priority"]
        save_fields(conversation, fields)
        if composed.is_handover:
            publish_conversation_event(conversation, "conversation.updated")
        if escalated:
            events.emit("conversation.escalated", conversation_id=conversation.pk, reason=composed.decision.reason)
    return AppliedTurn(conversation=conversation, composed=composed)
