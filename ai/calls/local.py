"""A call read by the local rules: each customer turn by the chat messages' analyzer, put together (sentiment
weighing the end, intents counted, entities merged), the outcome from cues and intents, the next action."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from ai.calls.matching import find_keywords, folded_words, phrase_pattern, score_steps
from ai.calls.types import AGENT, CUSTOMER, CallAnalysis, CallTurn, KeywordHit, Outcome, ScriptStep, WatchWord
from ai.types import Analysis, Entities, Intent, Sentiment

POSITIVE_FROM = 0.2
NEGATIVE_UNTIL = -0.2


def call_sentiment(scores: list[float]) -> tuple[Sentiment, float]:
    """The call's sentiment from its customer turns' scores, in order: the last turn weighs twice the first
    (linearly between), so a call that ends well reads better than one that starts well."""
    if not scores:
        return Sentiment.NEUTRAL, 0.0
    n = len(scores)
    weights = [1.0 + (i / (n - 1) if n > 1 else 0.0) for i in range(n)]
    score = round(sum(w * s for w, s in zip(weights, scores, strict=True)) / sum(weights), 3)
    if score >= POSITIVE_FROM:
        return Sentiment.POSITIVE, score
    if score <= NEGATIVE_UNTIL:
        return Sentiment.NEGATIVE, score
    return Sentiment.NEUTRAL, score


_SMALL_TALK = {Intent.GREETING, Intent.THANKS_GOODBYE, Intent.OTHER}
_SALES = {Intent.PRODUCT_QUERY, Intent.PRICE_QUERY, Intent.STOCK_QUERY, Intent.COVERAGE_QUERY,
          Intent.PURCHASE_INTENT, Intent.COMPARISON, Intent.PRICE_OBJECTION, Intent.WARRANTY_QUERY}
_SUPPORT = {Intent.COMPLAINT, Intent.SUPPORT_ISSUE}


def main_intent_of(counts: Counter[Intent]) -> Intent:
    if counts.get(Intent.PURCHASE_INTENT):
        return Intent.PURCHASE_INTENT
    meaningful = [(count, intent) for intent, count in counts.most_common() if intent not in _SMALL_TALK]
    if meaningful:
        return meaningful[0][1]
    return counts.most_common(1)[0][0] if counts else Intent.OTHER


def merge_entities(readings: Iterable[Entities]) -> Entities:
    """One set of entities for the call: each field as the last turn that said it."""
    merged = Entities()
    for entities in readings:
        changes = {f.name: getattr(entities, f.name) for f in dataclasses.fields(Entities)
                   if getattr(entities, f.name) not in (None, "", (), False)}
        if changes:
            merged = dataclasses.replace(merged, **changes)
    return merged


# ---------------------------------------------------------------------------------------------
# Outcome and next action
# ---------------------------------------------------------------------------------------------
ACCEPT_CUES = (
    "acepto", "trato hecho", "lo contrato", "la contrato", "quiero contratar", "quiero contratarlo",
    "lo quiero contratar", "me lo llevo", "lo compro", "dale contratamos", "si lo quiero", "hagamos el contrato",
)
CALLBACK_CUES = (
    "llamame", "llameme", "llamenme", "me llamas", "vuelva a llamar", "vuelve a llamar", "vuelvan a llamar",
    "mas tarde hablamos", "lo voy a pensar", "lo pienso", "dejame pensarlo", "dejeme pensarlo", "lo consulto",
    "te aviso", "le aviso",
)
NOT_INTERESTED_CUES = (
    "no me interesa", "no estoy interesado", "no estoy interesada", "no gracias", "no quiero nada",
    "no necesito", "no me llamen", "no me vuelvan a llamar", "no vuelvan a llamar", "no insista",
)
#: When the customer asks to be called back: as said (folded) → as written in the next action.
CALLBACK_WHEN = (
    ("pasado manana", "pasado mañana"), ("manana en la manana", "mañana en la mañana"),
    ("manana en la tarde", "mañana en la tarde"), ("manana", "mañana"), ("la proxima semana", "la próxima semana"),
    ("el lunes", "el lunes"), ("el martes", "el martes"), ("el miercoles", "el miércoles"),
    ("el jueves", "el jueves"), ("el viernes", "el viernes"), ("el sabado", "el sábado"),
    ("en la tarde", "en la tarde"), ("en la noche", "en la noche"), ("mas tarde", "más tarde"),
)

#: Spanish next actions; the caller may pass its own (translated) ones with the same keys and %-placeholders
#: (each template is formatted with a dict: a template without a placeholder is fine).
DEFAULT_TEMPLATES: dict[str, str] = {
    Outcome.SALE: "Confirmar la venta%(product)s: enviar el contrato y coordinar la instalación o entrega.",
    Outcome.INTERESTED: "Enviar la propuesta%(product)s por WhatsApp y volver a llamar en 2 días.",
    Outcome.CALLBACK: "Volver a llamar %(when)s%(product)s.",
    Outcome.NOT_INTERESTED: "Registrar el motivo y no insistir; ofrecer otra opción en 30 días.",
    Outcome.SUPPORT: "Abrir un ticket de soporte y dar seguimiento al reclamo.",
    Outcome.OTHER: "Revisar la llamada y definir el siguiente paso.",
    "product": " de %(product)s",
    "when_default": "en 24 horas",
    "competitor": " Mencionó a %(competitor)s: preparar una comparación.",
    "cancellation": " Habló de cancelar («%(phrase)s»): confirmar con qué servicio.",
}


_NEGATORS = {"no", "nunca", "ni"}


def _has_any(folded: str, cues: Iterable[str], *, negatable: bool = False) -> str:
    """The first cue said in ``folded``; with ``negatable``, not when "no" is one of the two words before it
    ("no me vuelvan a llamar" is no call back)."""
    for cue in cues:
        pattern = phrase_pattern(cue)
        if pattern is None:
            continue
        for match in pattern.finditer(folded):
            before = folded[:match.start()].split()[-2:]
            if not (negatable and _NEGATORS.intersection(before)):
                return cue
    return ""


def decide_outcome(*, customer_text: str, counts: Counter[Intent], keywords: Iterable[KeywordHit]
                   ) -> tuple[str, str]:
    """(outcome, why) from the customer's words and intents: a sale said in so many words, a call back asked for,
    a refusal, a support call, interest (a purchase intent without a yes is interest), or other — in that order,
    since a call that ends in a sale may have had doubts on the way, and "me interesa, llámame mañana" is a call
    back."""
    folded = folded_words(customer_text)
    accepted = _has_any(folded, ACCEPT_CUES, negatable=True)
    if accepted:
        return Outcome.SALE, f"accepted: {accepted}"
    callback = _has_any(folded, CALLBACK_CUES, negatable=True)
    if callback:
        return Outcome.CALLBACK, f"callback: {callback}"
    refused = _has_any(folded, NOT_INTERESTED_CUES)
    if refused:
        return Outcome.NOT_INTERESTED, f"refused: {refused}"
    sales = sum(count for intent, count in counts.items() if intent in _SALES)
    support = sum(count for intent, count in counts.items() if intent in _SUPPORT)
    cancellation = any(hit.kind == "cancellation" for hit in keywords)
    if support > sales or (cancellation and not sales):
        return Outcome.SUPPORT, "support: complaint or problem" if support else "support: cancellation"
    if sales:
        return Outcome.INTERESTED, "interested: asked about products or prices"
    return Outcome.OTHER, "other: nothing to act on"


def callback_when(customer_text: str) -> str:
    folded = folded_words(customer_text)
    for said, written in CALLBACK_WHEN:
        pattern = phrase_pattern(said)
        if pattern and pattern.search(folded):
            return written
    return ""


def next_action_text(*, outcome: str, entities: Entities, keywords: Iterable[KeywordHit], customer_text: str,
                     templates: Mapping[str, str] | None = None, max_length: int = 200) -> str:
    """The agent's next step in Spanish (or in the caller's ``templates``), from the outcome and what was said."""
    t = {**DEFAULT_TEMPLATES, **(templates or {})}
    product_name = entities.product_terms or ""
    product = t["product"] % {"product": product_name} if product_name else ""
    text = t.get(outcome, t[Outcome.OTHER]) % {"product": product,
                                               "when": callback_when(customer_text) or t["when_default"]}
    hits = list(keywords)
    competitor = next((hit for hit in hits if hit.source == "watch" and hit.kind == "competitor"), None)
    if competitor is not None and outcome not in (Outcome.NOT_INTERESTED,):
        text += t["competitor"] % {"competitor": competitor.phrase}
    cancellation = next((hit for hit in hits if hit.source == "watch" and hit.kind == "cancellation"), None)
    if cancellation is not None and outcome != Outcome.SUPPORT:
        text += t["cancellation"] % {"phrase": cancellation.phrase}
    return text[:max_length]


# ---------------------------------------------------------------------------------------------
# The local reading
# ---------------------------------------------------------------------------------------------
def split_turns(turns: list[CallTurn]) -> tuple[list[CallTurn], list[CallTurn], bool]:
    """(customer's turns, agent's turns, speakers known). Without ``customer``/``agent`` labels every turn is
    read as the customer's and the whole call as the agent's (the script can only be checked on all of it)."""
    customer = [t for t in turns if t.speaker == CUSTOMER and t.text.strip()]
    agent = [t for t in turns if t.speaker == AGENT and t.text.strip()]
    if customer or agent:
        return customer, agent, True
    spoken = [t for t in turns if t.text.strip()]
    return spoken, spoken, False


Analyzer = Callable[[str], Analysis]


def analyze_call_local(turns: list[CallTurn], *, steps: Iterable[ScriptStep] = (), watch: Iterable[WatchWord] = (),
                       analyze: Analyzer, templates: Mapping[str, str] | None = None) -> CallAnalysis:
    """The call read by the local rules: ``analyze`` reads one customer turn (the chat messages' analyzer)."""
    customer, agent, known = split_turns(turns)
    readings = [analyze(turn.text) for turn in customer]
    scores = [reading.sentiment_score for reading in readings]
    sentiment, score = call_sentiment(scores)
    counts: Counter[Intent] = Counter()
    for reading in readings:
        counts[reading.intent] += 1
        for intent in reading.secondary_intents:
            counts[intent] += 1
    whole = " ".join(t.text for t in turns)
    customer_text = " ".join(t.text for t in customer)
    agent_text = " ".join(t.text for t in agent)
    keywords = find_keywords(whole, watch)
    step_results, cue_hits, adherence = score_steps(agent_text, steps)
    entities = merge_entities(reading.entities for reading in readings)
    outcome, why = decide_outcome(customer_text=customer_text, counts=counts, keywords=keywords)
    notes = [why]
    if not known:
        notes.append("no speaker turns: the whole call read as the customer's and the agent's")
    return CallAnalysis(
        sentiment=sentiment,
        sentiment_score=score,
        intents=tuple((intent, n) for intent, n in counts.most_common()),
        # A customer who said yes to the sale meant to buy, whatever the analyzer made of "perfecto, contratemos".
        main_intent=Intent.PURCHASE_INTENT if outcome == Outcome.SALE else main_intent_of(counts),
        keywords=(*keywords, *cue_hits),
        outcome=outcome,
        next_action=next_action_text(outcome=outcome, entities=entities, keywords=keywords,
                                     customer_text=customer_text, templates=templates),
        adherence=adherence,
        steps=tuple(step_results),
        entities=entities,
        customer_text=customer_text[-2000:],
        turn_sentiments=tuple(scores),
        notes=tuple(notes),
    )
