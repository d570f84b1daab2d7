"""The AI step of the inbound path (DESIGN step 3).

For each new customer message: read it (intent, sentiment, entities), update the contact and the
lead (score, class, next action, and the reasons), decide (answer, ask for what is missing, or hand
over) and, depending on the channel account's mode, send the reply (auto), keep it as a suggestion
for an agent (draft) or stay silent (off). A conversation already in a person's hands only gets
suggestions.

A customer often writes in bursts ("hola", "quiero un plan", "de 50 soles"). When the step reaches a
message that a newer customer message has already followed, it leaves it ("superseded"): the newer
message's step reads the whole burst as one turn and answers once. With the AI keeping up nothing
changes; when it falls behind (a spike of traffic, a slow provider) it answers each customer once per
burst instead of replaying every line, and catches up that much sooner.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from ai import replies
from ai.decide import Action, Decision, Known, decide, is_unsure
from ai.services import analyze_text, summarize, transcribe_audio, write_reply
from ai.types import Analysis, CatalogItem, Intent, Turn
from conversations.events import publish_conversation_event, publish_message_event
from conversations.models import ChannelAccount, Conversation, Message
from core.text import tokens
from leads.models import CustomerType, Lead
from leads.services import is_real_name, lead_apply_analysis
from operators.models import Operator, Product

logger = logging.getLogger(__name__)

HISTORY_TURNS = 10
BURST_MAX = 6  # at most this many earlier unanswered lines join the newest one
TEXT_TYPES = {Message.Type.TEXT, Message.Type.INTERACTIVE, Message.Type.AUDIO, Message.Type.IMAGE,
              Message.Type.VIDEO, Message.Type.DOCUMENT}


@dataclass(frozen=True)
class AssistantOutcome:
    state: str  # "skipped" | "pending_transcription" | "superseded" | "analyzed"
    decision: Decision | None = None
    reply: Message | None = None


# ---------------------------------------------------------------------------------------------
# Catalog as plain data for the AI library
# ---------------------------------------------------------------------------------------------
def _catalog_item(product: Product) -> CatalogItem:
    return CatalogItem(
        id=str(product.pk),
        name=product.name,
        price=product.final_price,
        currency=product.currency,
        stock=product.stock,
        category=product.category,
        operator=product.operator.slug if product.operator_id else "",
        wholesale_price=product.wholesale_price,
        attributes={
            k: v for k, v in {
                "capacity_gb": product.capacity_gb, "color": product.color, "speed_mbps": product.speed_mbps,
                "data_gb": int(product.data_gb) if product.data_gb is not None else None, "brand": product.brand,
                "list_price": str(product.price), "final_price": str(product.final_price),
            }.items() if v not in (None, "")
        },
    )


_catalog_memo: dict[str, tuple[tuple[object, ...], list[CatalogItem]]] = {}


def catalog_memo_clear(**_: object) -> None:
    _catalog_memo.clear()


def active_catalog() -> list[CatalogItem]:
    """The whole active catalog as CatalogItems, kept in this process while the catalog's version holds.

    The version is read on every call (one small aggregate): any product saved, added or deleted
    changes it. Building the items takes a read of every product; unpickling them from a shared cache
    cost as much, so they live in the process.
    """
    version = tuple(Product.objects.aggregate(last=Max("updated_at"), n=Count("pk"), top=Max("pk")).values())
    database = str(connection.settings_dict["NAME"])
    hit = _catalog_memo.get(database)
    if hit is not None and hit[0] == version:
        return hit[1]
    items = [_catalog_item(p) for p in Product.objects.filter(is_active=True).select_related("operator")]
    _catalog_memo[database] = (version, items)
    return items


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\b(\d{2,4})\b", text)]


def _with_context(analysis: Analysis, conversation: Conversation, before_id: int,
                  catalog: list[CatalogItem], text: str = "") -> Analysis:
    """"El de 256 negro", "lo quiero": no product named, so narrow the products of the last turns."""
    e = analysis.entities
    if e.products or e.service_type:
        return analysis
    follow_up = e.capacity_gb or e.color or analysis.intent in (
        Intent.PRICE_QUERY, Intent.STOCK_QUERY, Intent.PURCHASE_INTENT, Intent.COMPARISON)
    if not follow_up:
        return analysis
    earlier = (
        conversation.messages.filter(pk__lt=before_id, direction=Message.Direction.IN)
        .order_by("-pk").values_list("ai_flags", flat=True)[:5]
    )
    by_id = {item.id: item for item in catalog}
    for flags in earlier:
        ids = [i for i in ((flags or {}).get("entities", {}).get("products") or []) if i in by_id]
        if not ids:
            continue
        items = [by_id[i] for i in ids]
        capacities = {i.attributes.get("capacity_gb") for i in items} - {None}
        capacity = e.capacity_gb or next((n for n in _numbers(text) if n in capacities), None)
        if capacity:
            items = [i for i in items if i.attributes.get("capacity_gb") == capacity] or items
        if e.color:
            items = [i for i in items if str(i.attributes.get("color", "")).lower() == e.color.lower()] or items
        return replace(analysis, entities=replace(e, products=tuple(i.id for i in items)),
                       notes=(*analysis.notes, "products from the previous turns"))
    return analysis


def _hits(analysis: Analysis, catalog: list[CatalogItem], text: str = "") -> list[CatalogItem]:
    by_id = {item.id: item for item in catalog}
    hits = [by_id[i] for i in analysis.entities.products if i in by_id]
    if hits:
        return hits
    e = analysis.entities
    if e.service_type:
        pool = [i for i in catalog if i.category == e.service_type and (not e.operator or i.operator == e.operator)]
        # "precio del cargador": prefer the items whose name holds one of the customer's words
        words = {w for w in tokens(text) if len(w) >= 4}
        pool = [i for i in pool if words & set(tokens(i.name))] or pool
        if e.speed_mbps:
            pool = [i for i in pool if i.attributes.get("speed_mbps") == e.speed_mbps] or pool
        if e.data_gb:
            pool = [i for i in pool if i.attributes.get("data_gb") == e.data_gb] or pool
        return sorted(pool, key=lambda i: i.price)[:5]
    return []


# ---------------------------------------------------------------------------------------------
# The step
# ---------------------------------------------------------------------------------------------
def _history(conversation: Conversation, before_id: int) -> tuple[list[Turn], list[tuple[int, str]]]:
    """The turns before a message, and the burst: the customer's unanswered lines right before it.

    The burst is (pk, text) of the customer's messages since the last one the step analysed (or
    anyone else spoke), oldest first; they are left out of the turns.
    """
    rows = (
        conversation.messages.filter(pk__lt=before_id)
        .exclude(type=Message.Type.REACTION)
        .order_by("-created_at", "-pk")
        .values_list("pk", "sender", "text", "ai_flags")[:HISTORY_TURNS + BURST_MAX]
    )
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
    roles = {"customer": "customer", "ai": "assistant", "agent": "agent", "system": "agent"}
    turns = [Turn(role=roles.get(sender, "agent"), text=text) for sender, text in reversed(older[:HISTORY_TURNS])
             if text]
    return turns, burst[::-1]


def _superseded(message: Message) -> bool:
    """A newer customer message in the conversation: its step will answer this one with it."""
    return (
        Message.objects.filter(conversation_id=message.conversation_id, created_at__gte=message.created_at,
                               direction=Message.Direction.IN, is_echo=False, type__in=TEXT_TYPES)
        .filter(Q(created_at__gt=message.created_at) | Q(pk__gt=message.pk))
        .exists()
    )


def _known(lead: Lead | None, contact_name: str, analysis: Analysis) -> Known:
    e = analysis.entities
    return Known(
        interest=bool((lead and (lead.product_id or lead.product_interest or lead.service_type))
                      or e.products or e.service_type or e.product_terms),
        name=is_real_name(contact_name) or bool(e.name),
        budget=bool((lead and lead.budget) or e.budget),
        zone=bool((lead and (lead.zone or lead.address)) or e.zone or e.address),
        service_type=(lead.service_type if lead and lead.service_type else e.service_type),
    )


def _money(item: CatalogItem, wholesale: bool) -> Decimal:
    return item.wholesale_price if wholesale and item.wholesale_price is not None else item.price


def _compose(analysis: Analysis, decision: Decision, *, hits: list[CatalogItem], name: str | None,
             wholesale: bool, zone: str) -> str:
    """The templated reply: the truth of the catalog, in short warm Spanish."""
    if decision.action in (Action.ESCALATE_TO_HUMAN, Action.TRANSFER_TO_SUPPORT):
        return replies.handoff(name)
    parts: list[str] = []
    intent = analysis.intent
    in_stock = [i for i in hits if i.stock is None or i.stock > 0]
    if decision.action == Action.ANSWER:
        if intent == Intent.THANKS_GOODBYE:
            return replies.thanks_goodbye(name)
        if intent == Intent.COVERAGE_QUERY:
            parts.append(replies.coverage_answer(zone) if zone else "")
        elif not hits:
            parts.append(replies.no_match(analysis.entities.product_terms) if analysis.entities.product_terms
                         else "")
        elif intent == Intent.STOCK_QUERY:
            alternatives = [i for i in in_stock if i.id != hits[0].id][:3]
            parts.append(replies.stock_answer(hits[0], alternatives))
        elif intent == Intent.PRICE_QUERY and len(hits) == 1:
            parts.append(replies.price_answer(hits[0], wholesale=wholesale))
        elif intent == Intent.PURCHASE_INTENT and len(hits) == 1:
            parts.append(replies.purchase_confirmation(hits[0], wholesale=wholesale))
        elif intent == Intent.PRICE_OBJECTION:
            cheaper = sorted(in_stock, key=lambda i: _money(i, wholesale))[:3]
            parts.append(replies.product_list(cheaper or hits, name=name, wholesale=wholesale))
        else:
            variants = _variant_options(hits, analysis)
            if variants:
                parts.append(replies.ask_variant(_base_name(hits), variants))
            else:
                parts.append(replies.product_list(hits, name=name, wholesale=wholesale))
    elif decision.action == Action.CREATE_OR_UPDATE_LEAD:
        parts.append(_("Thank you! A sales adviser will contact you shortly to close the details. 🙌"))
    if intent == Intent.GREETING and not parts:
        parts.append(replies.greeting(name, disclose_assistant=False))
    if decision.missing:
        parts.append(replies.ask_for(list(decision.missing), name=name))
    text = "\n\n".join(p for p in parts if p)
    return text or replies.ask_for(["interest"], name=name)


def _base_name(hits: list[CatalogItem]) -> str:
    words = [h.name.split() for h in hits]
    common = []
    for group in zip(*words, strict=False):
        if len(set(group)) != 1:
            break
        common.append(group[0])
    return " ".join(common) or hits[0].name


def _variant_options(hits: list[CatalogItem], analysis: Analysis) -> dict[str, list[str]]:
    """When several variants match and the customer did not say which: capacity and colour options."""
    if len(hits) < 2:
        return {}
    options: dict[str, list[str]] = {}
    capacities = sorted({h.attributes.get("capacity_gb") for h in hits if h.attributes.get("capacity_gb")})
    colours = sorted({h.attributes.get("color") for h in hits if h.attributes.get("color")})
    if len(capacities) > 1 and not analysis.entities.capacity_gb:
        options["capacidad"] = [f"{c} GB" for c in capacities]
    if len(colours) > 1 and not analysis.entities.color:
        options["color"] = colours
    return options


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
    message.save(update_fields=["intent", "sentiment", "ai_flags", "updated_at"])


def message_assist(*, message_id: int, pause: Callable[[Message], float] | None = None) -> AssistantOutcome:
    """Run the AI step for one inbound message (idempotent: a message is analysed once).

    ``pause``, when given, is called once the message is known to need the step, before the work; it
    returns the seconds it waited (the task lets the inbound queue catch up there). Lines that came in
    meanwhile make this one superseded.
    """
    message = Message.objects.select_related("conversation__contact", "channel_account").get(pk=message_id)
    if (
        message.direction != Message.Direction.IN
        or message.is_echo
        or (message.ai_flags or {}).get("analyzed")
        or (message.ai_flags or {}).get("handled")  # answered by an earlier step (a quote accepted)
        or message.type not in TEXT_TYPES
    ):
        return AssistantOutcome(state="skipped")
    if message.type == Message.Type.AUDIO and not message.text:
        if message.media_state == Message.MediaState.PENDING:
            return AssistantOutcome(state="pending_transcription")
        transcript = None
        if message.media:
            with message.media.open("rb") as handle:
                transcript = transcribe_audio(handle.read(), filename=message.media.name.rsplit("/", 1)[-1],
                                              mime_type=message.media_mime, subject=f"message:{message.pk}")
        if not transcript:
            message.ai_flags = {**(message.ai_flags or {}), "transcription": "pending"}
            message.save(update_fields=["ai_flags", "updated_at"])
            publish_message_event(message, "message.updated")
            return AssistantOutcome(state="pending_transcription")
        message.text = transcript
        message.ai_flags = {**(message.ai_flags or {}), "transcription": "done"}
        message.save(update_fields=["text", "ai_flags", "updated_at"])
    if not message.text.strip():
        return AssistantOutcome(state="skipped")
    if _superseded(message) or (pause is not None and pause(message) and _superseded(message)):
        return AssistantOutcome(state="superseded")

    conversation = message.conversation
    history, burst = _history(conversation, message.pk)
    text = "\n".join([*(line for _pk, line in burst), message.text])
    catalog = active_catalog()
    analysis = analyze_text(text, history=history, catalog=catalog,
                            context={"catalog": [i.name for i in catalog][:200]}, subject=f"message:{message.pk}")
    analysis = _with_context(analysis, conversation, message.pk, catalog, text)
    hits = _hits(analysis, catalog, text)
    product = Product.objects.filter(pk=int(analysis.entities.products[0])).select_related("operator").first() if (
        len(analysis.entities.products) == 1 and analysis.entities.products[0].isdigit()
    ) else None
    operator = Operator.objects.filter(slug=analysis.entities.operator).first() if analysis.entities.operator else None

    with transaction.atomic():
        # The conversation and its contact locked in one read (the lead, which may be missing, apart).
        conversation = (
            Conversation.objects.select_for_update(of=("self", "contact"))
            .select_related("channel_account", "contact", "assignee").get(pk=conversation.pk)
        )
        # Read again under the lock: another run of this step may have analysed it meanwhile.
        message.ai_flags = Message.objects.select_for_update().filter(pk=message.pk).values_list(
            "ai_flags", flat=True).get()
        if (message.ai_flags or {}).get("analyzed"):
            return AssistantOutcome(state="skipped")
        if conversation.lead_id:
            conversation.lead = Lead.objects.select_for_update().get(pk=conversation.lead_id)
        _record_analysis(message, analysis, burst)
        known = _known(conversation.lead, conversation.contact.name, analysis)
        decision = decide(analysis, known, low_confidence_streak=conversation.ai_low_confidence_streak)
        lead = lead_apply_analysis(
            contact=conversation.contact, lead=conversation.lead, analysis=analysis, text=text,
            message_id=message.pk, source=conversation.channel, create=decision.create_lead,
            product=product, operator=operator, locked=True,
        )
        fields = ["ai_low_confidence_streak", "updated_at"]
        conversation.ai_low_confidence_streak = conversation.ai_low_confidence_streak + 1 if is_unsure(analysis) else 0
        if lead is not None and conversation.lead_id != lead.pk:
            conversation.lead = lead
            fields.append("lead")
        handover = decision.action in (Action.ESCALATE_TO_HUMAN, Action.TRANSFER_TO_SUPPORT)
        if handover:
            conversation.needs_human = True
            urgent = decision.reason in ("complaint", "negative_sentiment")
            conversation.priority = Conversation.Priority.URGENT if urgent else Conversation.Priority.HIGH
            fields += ["needs_human", "priority"]
        conversation.save(update_fields=fields)
        if handover:
            publish_conversation_event(conversation, "conversation.updated")

    contact = conversation.contact
    name = (contact.name.split()[0] if is_real_name(contact.name) else None) or (
        analysis.entities.name.split()[0] if analysis.entities.name else None
    )
    wholesale = contact.customer_type == CustomerType.WHOLESALE
    zone = analysis.entities.zone or (lead.zone if lead else "") or contact.zone
    fallback_text = _compose(analysis, decision, hits=hits, name=name, wholesale=wholesale, zone=zone)
    reply_text = fallback_text
    if decision.action not in (Action.ESCALATE_TO_HUMAN, Action.TRANSFER_TO_SUPPORT):
        reply_text = write_reply(
            instruction=f"{decision.action.value}: {decision.reason}; ask for: {', '.join(decision.missing)}",
            history=[*history, Turn(role="customer", text=text)], catalog=hits,
            facts={"name": name, "wholesale": wholesale, "zone": zone,
                   "budget": str(lead.budget) if lead and lead.budget else None},
            fallback_text=fallback_text, subject=f"message:{message.pk}",
        ).text
    return AssistantOutcome(state="analyzed", decision=decision,
                            reply=_deliver(conversation, reply_text, handover=handover))


def _deliver(conversation: Conversation, text: str, *, handover: bool) -> Message | None:
    """Send (auto), keep as a suggestion (draft, or a conversation a person holds) or do nothing (off)."""
    from conversations.services.outbound import WindowClosedError, message_send

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
    try:
        return message_send(conversation=conversation, text=text, sender=Message.Sender.AI)
    except WindowClosedError:
        logger.info("AI reply not sent: window closed for conversation %s", conversation.pk)
        return None


def conversation_suggest_reply(*, conversation: Conversation) -> str:
    """A reply for the agent's composer, from the last customer message (not sent)."""
    last = conversation.messages.filter(direction=Message.Direction.IN).exclude(text="").order_by("-pk").first()
    if last is None:
        return replies.greeting(None, disclose_assistant=False)
    catalog = active_catalog()
    history, burst = _history(conversation, last.pk)
    text = "\n".join([*(line for _pk, line in burst), last.text])
    analysis = analyze_text(text, history=history, catalog=catalog, subject=f"suggest:{conversation.pk}")
    known = _known(conversation.lead, conversation.contact.name, analysis)
    decision = decide(analysis, known)
    contact = conversation.contact
    name = contact.name.split()[0] if is_real_name(contact.name) else None
    wholesale = contact.customer_type == CustomerType.WHOLESALE
    zone = analysis.entities.zone or contact.zone
    hits = _hits(analysis, catalog, text)
    fallback_text = _compose(analysis, decision, hits=hits, name=name, wholesale=wholesale, zone=zone)
    return write_reply(instruction=f"{decision.action.value}: {decision.reason}",
                       history=[*history, Turn(role="customer", text=text)], catalog=hits,
                       facts={"name": name, "wholesale": wholesale, "zone": zone}, fallback_text=fallback_text,
                       subject=f"suggest:{conversation.pk}").text


def conversation_summary(*, conversation: Conversation) -> str:
    rows = conversation.messages.exclude(text="").order_by("-pk").values_list("sender", "text")[:30]
    roles = {"customer": "customer", "ai": "assistant"}
    history = [Turn(role=roles.get(s, "agent"), text=t) for s, t in reversed(rows)]
    return summarize(history, subject=f"summary:{conversation.pk}")
