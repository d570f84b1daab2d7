"""Templated Spanish replies: short, warm, "tú", one or two emojis, prices only from the catalog.

Pure functions of plain data. ``compose_reply`` answers one customer turn with them: the decision
(answer, ask the next qualification question, hand over, and why) and the reply. The ``local`` provider
sends that reply, and the ``openai`` provider falls back to it when a generated reply is not grounded.
Every amount is written by ``format_money`` so ``ai.grounding.prices_in_text`` reads it back as the
same number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ai.budget import budget_reply
from ai.decide import Action, Decision, Known, decide
from ai.grounding import as_decimal
from ai.knowledge import KnowledgeItem, KnowledgeMatch, policy_topic, ranked_for, relevant
from ai.knowledge import answers as knowledge_answers
from ai.types import Analysis, CatalogItem, Intent, LeadState, Turn
from core.money import format_money  # the one money writer; ai.grounding reads its amounts back

MAX_LISTED = 5
MAX_ALTERNATIVES = 3
ASK_ORDER = ("interest", "name", "budget", "zone")
_QUESTIONS = {
    "interest": "qué producto o plan te interesa",
    "name": "cómo te llamas",
    "budget": "cuál es tu presupuesto aproximado",
    "zone": "en qué distrito o zona te encuentras",
}
_VARIANT_LABELS = {
    "capacity": "capacidad", "capacidad": "capacidad", "capacity_gb": "capacidad", "storage": "capacidad",
    "almacenamiento": "capacidad", "color": "color", "colour": "color", "size": "talla", "talla": "talla",
    "tamaño": "tamaño", "model": "modelo", "modelo": "modelo", "memory": "memoria", "ram": "memoria RAM",
}
def _first_name(name: str | None) -> str:
    words = (name or "").strip().split()
    if not words:
        return ""
    first = words[0].strip(",.;:!¡?¿")
    return first.capitalize() if first.islower() or first.isupper() else first


def _is_available(item: CatalogItem) -> bool:
    return item.stock is None or item.stock > 0


def _unit_price(item: CatalogItem, *, wholesale: bool) -> Decimal:
    if wholesale and item.wholesale_price is not None:
        return item.wholesale_price
    final = as_decimal(item.attributes.get("final_price"))
    return final if final is not None else item.price


def _price_text(item: CatalogItem, *, wholesale: bool) -> str:
    price = _unit_price(item, wholesale=wholesale)
    text = format_money(price, item.currency)
    if wholesale and item.wholesale_price is not None:
        return f"{text} (precio por mayor)"
    if price != item.price:
        return f"{text} (antes {format_money(item.price, item.currency)})"
    return text


def _join(words: list[str], last: str = "y") -> str:
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def virtual_assistant_disclosure() -> str:
    """A prefix that says a program is answering; end with a space so it can be put before any reply."""
    return "Soy el asistente virtual de la tienda 🤖. "


def greeting(name: str | None, *, disclose_assistant: bool) -> str:
    first = _first_name(name)
    hello = f"¡Hola, {first}! 👋 " if first else "¡Hola! 👋 "
    disclosure = virtual_assistant_disclosure() if disclose_assistant else ""
    return f"{hello}{disclosure}¿En qué te puedo ayudar hoy?"


def product_list(items: list[CatalogItem], *, name: str | None = None, wholesale: bool = False) -> str:
    """Up to five in-stock items with their prices, one a line."""
    available = [item for item in items if _is_available(item)][:MAX_LISTED]
    first = _first_name(name)
    if not available:
        who = f", {first}" if first else ""
        return f"Uy{who}, por ahora no tengo stock de eso 😕. ¿Te muestro otras opciones parecidas?"
    intro = f"¡Claro, {first}! 😊 Esto es lo que tengo:" if first else "¡Claro! 😊 Esto es lo que tengo:"
    lines = [f"• {item.name}: {_price_text(item, wholesale=wholesale)}" for item in available]
    return "\n".join([intro, *lines, "¿Cuál te interesa?"])


def ask_variant(product_name: str, options: dict[str, list[str]]) -> str:
    """Which capacity / colour / size: {"capacidad": ["128 GB", "256 GB"], "color": ["negro", "azul"]}."""
    parts = [
        f"{_VARIANT_LABELS.get(key.lower(), key)}: {_join([str(v) for v in values], 'o')}"
        for key, values in options.items()
        if values
    ]
    if not parts:
        return f"¡Genial! ¿Qué versión de {product_name} buscas? 😊"
    labels = _join([part.split(":", 1)[0] for part in parts], "y")
    return f"¡Genial! Tengo {product_name} en {'; '.join(parts)}. ¿Qué {labels} prefieres? 😊"


def price_answer(item: CatalogItem, *, wholesale: bool = False) -> str:
    text = f"{item.name} está a {_price_text(item, wholesale=wholesale)} 💰"
    if _is_available(item):
        return f"{text} y hay stock disponible. ¿Te lo separo?"
    return f"{text}, pero por ahora no nos queda stock 😕. ¿Quieres que te avise cuando llegue?"


def stock_answer(item: CatalogItem, alternatives: list[CatalogItem]) -> str:
    """Available: says so (and that few are left). No stock: up to three in-stock alternatives."""
    if _is_available(item):
        few = " ¡Quedan pocas unidades!" if item.stock is not None and item.stock <= 3 else ""
        return f"¡Sí, tenemos {item.name} disponible! ✅{few} ¿Te lo separo?"
    options = [alt for alt in alternatives if _is_available(alt) and alt.id != item.id][:MAX_ALTERNATIVES]
    text = f"Uy, por ahora no nos queda stock de {item.name} 😕."
    if not options:
        return f"{text} ¿Quieres que te avise cuando llegue?"
    lines = [f"• {alt.name}: {_price_text(alt, wholesale=False)}" for alt in options]
    return "\n".join([f"{text} Pero te puedo ofrecer:", *lines, "¿Alguna te interesa?"])


def purchase_confirmation(item: CatalogItem, *, wholesale: bool = False) -> str:
    """Confirms price and availability and offers a quote and delivery or pickup."""
    if not _is_available(item):
        return (f"¡Gracias por elegirnos! Por ahora no nos queda stock de {item.name} 😕. "
                "¿Te muestro opciones parecidas o te aviso cuando llegue?")
    return (f"¡Excelente elección! 🎉 {item.name} está a {_price_text(item, wholesale=wholesale)} y hay stock "
            "disponible. ¿Te preparo la cotización? Te lo enviamos por delivery o puedes recogerlo en tienda, "
            "¿qué prefieres?")


def ask_for(missing: list[str], *, name: str | None = None) -> str:
    """Asks for up to two of "interest", "name", "budget", "zone", in that order."""
    unknown = set(missing) - set(ASK_ORDER)
    if unknown:
        raise ValueError(f"ask_for: unknown fields {sorted(unknown)}; expected some of {ASK_ORDER}")
    wanted = [key for key in ASK_ORDER if key in missing][:2]
    first = _first_name(name) if "name" not in wanted else ""
    prefix = f"¡Gracias, {first}! " if first else ""
    if not wanted:
        return f"{prefix}¿En qué más te puedo ayudar? 😊"
    return f"{prefix}Para ayudarte mejor, ¿me cuentas {_join([_QUESTIONS[k] for k in wanted])}? 😊"


def coverage_answer(zone: str) -> str:
    """Coverage is confirmed by a person with the exact address; this asks for it."""
    zone = (zone or "").strip()
    if not zone:
        return "¡Con gusto reviso la cobertura! 📍 ¿En qué distrito o zona te encuentras?"
    return (f"¡Con gusto reviso la cobertura en {zone}! 📍 "
            "¿Me compartes tu dirección exacta o una referencia para confirmarte?")


def handoff(name: str | None = None) -> str:
    first = _first_name(name)
    who = f"Gracias, {first}. " if first else "Gracias por escribirnos. "
    return f"{who}Una persona de nuestro equipo te responderá en breve 🙌"


def policy_unknown(name: str | None = None) -> str:
    """A policy question (warranty, delivery, hours, payment...) the knowledge base does not answer."""
    first = _first_name(name)
    who = f"¡Buena pregunta, {first}! " if first else "¡Buena pregunta! "
    return f"{who}Para no darte un dato equivocado, una persona de nuestro equipo te lo confirma en breve 🙌"


def knowledge_answer(answers: Sequence[str], *, before: str = "") -> str:
    """The business's own answers, word for word, after ``before`` (a catalog answer) or with a follow-up."""
    parts = [before, *(a.strip() for a in answers)]
    if not before:
        parts.append(KNOWLEDGE_FOLLOW_UP)
    return "\n\n".join(p for p in parts if p)


def qualified(name: str | None = None) -> str:
    """The final confirmation of a qualification, by the customer's first name when known."""
    first = _first_name(name)
    who = f"¡Gracias, {first}!" if first else "¡Gracias!"
    return f"{who} Un asesor de ventas te contactará en breve para cerrar los detalles. 🙌"


def thanks_goodbye(name: str | None = None) -> str:
    first = _first_name(name)
    who = f"¡Gracias a ti, {first}!" if first else "¡Gracias a ti!"
    return f"{who} 😊 Aquí estamos para lo que necesites. ¡Que tengas un lindo día!"


def no_match(product_terms: str) -> str:
    terms = (product_terms or "").strip()
    what = f"«{terms}»" if terms else "eso"
    return (f"Mmm, no encontré {what} en nuestro catálogo 🤔. "
            "¿Me das más detalles (marca, modelo o capacidad) o te muestro opciones parecidas?")


_CLARIFY_OPTIONS = {
    Intent.PRICE_QUERY: "saber el precio de un plan o producto",
    Intent.PRODUCT_QUERY: "conocer nuestros planes y productos",
    Intent.STOCK_QUERY: "saber si tenemos algo disponible",
    Intent.COVERAGE_QUERY: "saber si llegamos a tu zona",
    Intent.PURCHASE_INTENT: "comprar o contratar algo",
    Intent.COMPARISON: "comparar opciones",
    Intent.PRICE_OBJECTION: "ver opciones más económicas",
    Intent.WARRANTY_QUERY: "consultar por una garantía",
    Intent.COMPLAINT: "dejarnos un reclamo",
    Intent.SUPPORT_ISSUE: "resolver un problema con tu servicio o equipo",
    Intent.HUMAN_REQUEST: "hablar con un asesor",
}


def clarifying_question(analysis: Analysis, name: str | None = None) -> str:
    """When the reading is unsure: a short question offering the two likeliest readings."""
    options = [_CLARIFY_OPTIONS[i] for i in (analysis.intent, *analysis.alternatives) if i in _CLARIFY_OPTIONS]
    options = list(dict.fromkeys(options))[:2]
    for default in (_CLARIFY_OPTIONS[Intent.PRICE_QUERY], _CLARIFY_OPTIONS[Intent.SUPPORT_ISSUE]):
        if len(options) < 2 and default not in options:
            options.append(default)
    first = _first_name(name)
    lead = f"Perdona, {first}, quiero entenderte bien 🙂" if first else "Perdona, quiero entenderte bien 🙂"
    return f"{lead} ¿Quieres {options[0]} o {options[1]}?"


# ---------------------------------------------------------------------------------------------
# One customer turn: the decision and the reply
# ---------------------------------------------------------------------------------------------
HANDOVER_ACTIONS = frozenset({Action.ESCALATE_TO_HUMAN, Action.TRANSFER_TO_SUPPORT})
KNOWLEDGE_FOLLOW_UP = "¿Te ayudo con algo más? 😊"
# Hand-overs for not understanding the message: a knowledge-base answer to it replaces them.
KNOWLEDGE_OVERRIDES = frozenset({"low_confidence", "ai_failure"})
# A named product's price, stock or purchase is answered from the catalog, the policy after it.
NAMED_PRODUCT_INTENTS = frozenset({Intent.PRICE_QUERY, Intent.STOCK_QUERY, Intent.PURCHASE_INTENT})


@dataclass(frozen=True)
class ComposedReply:
    """The answer to one customer turn, and what a generating provider needs to word it."""

    decision: Decision
    text: str  # the templated reply, grounded in the hits; a hand-over is always sent as it is
    instruction: str  # for a generating provider: the action, its reason and what to ask for
    history: tuple[Turn, ...]  # the turns a generating provider reads, the customer's turn last
    hits: tuple[CatalogItem, ...]
    facts: dict[str, Any]
    knowledge: KnowledgeItem | None = None  # the knowledge-base entry the reply answers with (its location pin)

    @property
    def is_handover(self) -> bool:
        return self.decision.action in HANDOVER_ACTIONS


def compose_reply(
    *,
    analysis: Analysis,
    text: str,
    hits: Sequence[CatalogItem],
    history: Sequence[Turn],
    lead: LeadState,
    low_confidence_streak: int = 0,
    knowledge: Sequence[KnowledgeItem] = (),
) -> ComposedReply:
    """Decide what to do with a customer's turn and write the reply. Pure: no database, no network.

    ``text`` is the turn (the lines of a burst, one a line) and ``analysis`` its reading; ``hits`` the
    catalog items it points at; ``history`` the turns before it; ``lead`` what was known before it (this
    turn's entities are added here); ``low_confidence_streak`` the customer's previous consecutive
    low-confidence turns. ``knowledge`` is the business's knowledge base: a turn it answers gets the
    entry's answer word for word; a policy question it does not answer goes to a person (never a guess).
    """
    e = analysis.entities
    known = Known(
        interest=bool(lead.has_interest or e.products or e.service_type or e.product_terms),
        name=bool(lead.name or e.name),
        budget=bool(lead.budget) or e.budget is not None,
        zone=bool(lead.zone or lead.address or e.zone or e.address),
        service_type=lead.service_type or e.service_type,
    )
    decision = decide(analysis, known, low_confidence_streak=low_confidence_streak)
    name = _first_word(lead.name) or _first_word(e.name) or None
    zone = e.zone or lead.zone or lead.contact_zone
    budget = e.budget.amount if e.budget is not None and e.budget.amount > 0 else lead.budget
    has_lead = lead.has_lead or decision.create_lead
    hits = list(hits)
    ranked = ranked_for(text, knowledge)  # once, for the answer and for a generating provider's context
    found, decision = _knowledge_decision(analysis, decision, text, ranked)
    reply = _templated(analysis, decision, hits=hits, name=name, wholesale=lead.is_wholesale, zone=zone)
    instruction = f"{decision.action.value}: {decision.reason}; ask for: {', '.join(decision.missing)}"
    facts = {"name": name, "wholesale": lead.is_wholesale, "zone": zone,
             "budget": str(budget) if has_lead and budget else None}
    if found:
        named = analysis.intent in NAMED_PRODUCT_INTENTS and bool(analysis.entities.products) and bool(hits)
        reply = knowledge_answer([m.item.answer for m in found], before=reply if named else "")
        instruction += "; answer from the store's answers (Respuestas de la tienda)"
    context = _knowledge_context(found, text, knowledge, ranked)
    if context:
        facts["knowledge"] = context
    return ComposedReply(
        decision=decision,
        text=reply,
        instruction=instruction,
        history=(*history, Turn(role="customer", text=text)),
        hits=tuple(hits),
        facts=facts,
        knowledge=found[0].item if found else None,
    )


def _knowledge_decision(analysis: Analysis, decision: Decision, text: str, ranked: Sequence[KnowledgeMatch]
                        ) -> tuple[list[KnowledgeMatch], Decision]:
    """The entries that answer the turn and the decision with them: answer, or hand a policy question
    nobody wrote an answer for to a person. A complaint or a request for a person stays a hand-over."""
    if decision.action in HANDOVER_ACTIONS and decision.reason not in KNOWLEDGE_OVERRIDES:
        return [], decision
    found = knowledge_answers(text, (), ranked=ranked)
    if found:
        return found, Decision(Action.ANSWER, reason=f"knowledge_{found[0].item.topic}",
                               create_lead=decision.create_lead, notes=(*decision.notes, *found[0].matched[:3]))
    if decision.action in HANDOVER_ACTIONS:
        return [], decision
    named = analysis.intent in NAMED_PRODUCT_INTENTS and bool(analysis.entities.products)
    if not named and (analysis.intent == Intent.WARRANTY_QUERY or policy_topic(text)):
        return [], Decision(Action.ESCALATE_TO_HUMAN, reason="policy_unknown", create_lead=decision.create_lead)
    return [], decision


def _knowledge_context(found: list[KnowledgeMatch], text: str, knowledge: Sequence[KnowledgeItem],
                       ranked: Sequence[KnowledgeMatch]) -> list[dict[str, str]]:
    """What a generating provider may say about policy: the entries found, then the nearest others."""
    items = [m.item for m in found]
    items += [i for i in relevant(text, knowledge, ranked=ranked) if i not in items]
    return [{"topic": i.topic, "question": i.question, "answer": i.answer} for i in items[:3]]


def _first_word(text: str) -> str:
    words = (text or "").split()
    return words[0] if words else ""


def _money(item: CatalogItem, wholesale: bool) -> Decimal:
    return item.wholesale_price if wholesale and item.wholesale_price is not None else item.price


def _templated(analysis: Analysis, decision: Decision, *, hits: list[CatalogItem], name: str | None,
               wholesale: bool, zone: str) -> str:
    """The templated reply: the truth of the catalog, in short warm Spanish."""
    if decision.action in HANDOVER_ACTIONS:
        return policy_unknown(name) if decision.reason == "policy_unknown" else handoff(name)
    if decision.reason == "clarify_intent":
        return clarifying_question(analysis, name)
    parts: list[str] = []
    intent = analysis.intent
    in_stock = [i for i in hits if i.stock is None or i.stock > 0]
    sold = budget_reply(analysis, hits, name=name) if decision.action not in HANDOVER_ACTIONS else ""
    if sold:
        parts.append(sold)  # a budget for what was asked: the quote, or the closest fits and the difference
    elif decision.action == Action.ANSWER:
        if intent == Intent.THANKS_GOODBYE:
            return thanks_goodbye(name)
        if intent == Intent.COVERAGE_QUERY:
            parts.append(coverage_answer(zone) if zone else "")
        elif not hits:
            parts.append(no_match(analysis.entities.product_terms) if analysis.entities.product_terms else "")
        elif intent == Intent.STOCK_QUERY and sum(  # several of the items asked for in stock: offer them
                h.id in analysis.entities.products and _is_available(h) for h in hits) < 2:
            alternatives = [i for i in in_stock if i.id != hits[0].id][:3]
            parts.append(stock_answer(hits[0], alternatives))
        elif intent == Intent.PRICE_QUERY and len(hits) == 1:
            parts.append(price_answer(hits[0], wholesale=wholesale))
        elif intent == Intent.PURCHASE_INTENT and len(hits) == 1:
            parts.append(purchase_confirmation(hits[0], wholesale=wholesale))
        elif intent == Intent.PRICE_OBJECTION:
            cheaper = sorted(in_stock, key=lambda i: _money(i, wholesale))[:3]
            parts.append(product_list(cheaper or hits, name=name, wholesale=wholesale))
        else:
            variants = _variant_options(hits, analysis)
            if variants:
                parts.append(ask_variant(_base_name(hits), variants))
            else:
                parts.append(product_list(hits, name=name, wholesale=wholesale))
    elif decision.action == Action.CREATE_OR_UPDATE_LEAD:
        parts.append(qualified(name))
    if intent == Intent.GREETING and not parts:
        parts.append(greeting(name, disclose_assistant=False))
    if decision.missing:
        parts.append(ask_for(list(decision.missing), name=name))
    text = "\n\n".join(p for p in parts if p)
    return text or ask_for(["interest"], name=name)


def _base_name(hits: list[CatalogItem]) -> str:
    words = [h.name.split() for h in hits]
    common = []
    for group in zip(*words, strict=False):
        if len(set(group)) != 1:
            break
        common.append(group[0])
    return " ".join(common) or hits[0].name


def _variant_price(hits: list[CatalogItem], key: str, value: object) -> str:
    """The variant's price as ' (S/ 3,799.00)' when all its items share one, else ''."""
    items = [h for h in hits if h.attributes.get(key) == value]
    prices = {(_unit_price(h, wholesale=False), h.currency) for h in items}
    if len(prices) != 1 or any(h.wholesale_price is not None for h in items):  # a wholesaler's price differs
        return ""
    price, currency = prices.pop()
    return f" ({format_money(price, currency)})"


def _variant_options(hits: list[CatalogItem], analysis: Analysis) -> dict[str, list[str]]:
    """When several variants match and the customer did not say which: capacity and colour options."""
    if len(hits) < 2:
        return {}
    options: dict[str, list[str]] = {}
    capacities = sorted({h.attributes.get("capacity_gb") for h in hits if h.attributes.get("capacity_gb")})
    colours = sorted({h.attributes.get("color") for h in hits if h.attributes.get("color")})
    if len(capacities) > 1 and not analysis.entities.capacity_gb:
        options["capacidad"] = [f"{c} GB{_variant_price(hits, 'capacity_gb', c)}" for c in capacities]
    if len(colours) > 1 and not analysis.entities.color:
        options["color"] = colours
    return options
