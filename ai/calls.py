"""What a phone call says: plain data in (the transcript's turns, the script's steps, the watch list), a typed
``CallAnalysis`` out.

Locally, each of the customer's turns is read by the same analyzer as a chat message (intent, sentiment,
entities) and the readings are put together: the call's sentiment weighs the end of the call more (how the
customer left matters more than how they picked up), the intents are counted, the entities merged (a later
turn corrects an earlier one). Keywords, script steps and the outcome's cues are matched on accent- and
case-folded words. With the ``openai`` provider, one JSON reading of the whole call replaces the local
sentiment, intents, outcome and next action (keywords stay exact matches; steps covered are the union of
both); any failure of it falls back to the local reading and says so.

No Django models here: the caller turns its rows into ``ScriptStep`` and ``WatchWord``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ai.types import Analysis, Entities, Intent, Sentiment, Usage
from core.text import fold

CUSTOMER = "customer"
AGENT = "agent"


class Outcome:
    """Same values as ``calls.models.Call.Outcome`` (the ones a transcript can tell)."""

    SALE = "sale"
    INTERESTED = "interested"
    CALLBACK = "callback"
    NOT_INTERESTED = "not_interested"
    SUPPORT = "support"
    OTHER = "other"

    ALL = (SALE, INTERESTED, CALLBACK, NOT_INTERESTED, SUPPORT, OTHER)


@dataclass(frozen=True)
class CallTurn:
    """A stretch of the call: who spoke (``customer``, ``agent``, a server's label such as ``A``, or "")."""

    text: str
    speaker: str = ""
    start: float = 0.0


@dataclass(frozen=True)
class ScriptStep:
    key: str
    title: str
    kind: str  # opening | discovery | objection | closing
    cues: tuple[str, ...] = ()
    required: bool = True
    text: str = ""  # what to say: read for a step without cues


@dataclass(frozen=True)
class WatchWord:
    phrase: str
    kind: str  # competitor | cancellation | complaint | other


@dataclass(frozen=True)
class KeywordHit:
    phrase: str
    kind: str  # the watch word's kind, or the script step's kind
    count: int
    source: str  # "watch" | "script"
    step: str = ""  # the step's key for a script cue


@dataclass(frozen=True)
class StepResult:
    key: str
    title: str
    kind: str
    required: bool
    covered: bool
    cue: str = ""  # the cue that showed it ("" when the step's text or an LLM reading did, or not covered)
    scored: bool = True  # False for a step with neither cues nor text: nothing in a transcript can show it


@dataclass(frozen=True)
class CallAnalysis:
    sentiment: Sentiment
    sentiment_score: float  # -1..1, the end of the call weighing more
    intents: tuple[tuple[Intent, int], ...]  # intents of the customer's turns, most frequent first
    main_intent: Intent
    keywords: tuple[KeywordHit, ...]
    outcome: str  # an ``Outcome`` value
    next_action: str
    adherence: int | None  # % of the required (scorable) steps covered; None without a script
    steps: tuple[StepResult, ...] = ()
    entities: Entities = field(default_factory=Entities)
    customer_text: str = ""
    turn_sentiments: tuple[float, ...] = ()
    provider: str = "local"
    fallback: bool = False
    notes: tuple[str, ...] = ()
    usage: Usage | None = field(default=None, compare=False)

    def steps_covered(self) -> list[str]:
        return [step.key for step in self.steps if step.covered]

    def as_message_analysis(self) -> Analysis:
        """The call read as one customer message: what ``leads`` services take to rescore a lead."""
        total = sum(count for _intent, count in self.intents) or 1
        main_count = dict(self.intents).get(self.main_intent, 0)
        return Analysis(
            intent=self.main_intent,
            confidence=round(min(0.95, 0.5 + 0.5 * main_count / total), 3),
            sentiment=self.sentiment,
            sentiment_score=self.sentiment_score,
            entities=self.entities,
            secondary_intents=tuple(intent for intent, _count in self.intents if intent != self.main_intent),
            provider=self.provider,
            fallback=self.fallback,
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON for ``Call.analysis``."""
        e = self.entities
        entities = {
            "service_type": e.service_type, "operator": e.operator, "product_terms": e.product_terms,
            "budget": f"{e.budget.amount} {e.budget.currency}".strip() if e.budget else "",
            "zone": e.zone, "name": e.name, "email": e.email,
        }
        return {
            "sentiment": self.sentiment.value,
            "sentiment_score": round(self.sentiment_score, 3),
            "turn_sentiments": [round(score, 3) for score in self.turn_sentiments],
            "intents": [{"intent": intent.value, "count": count} for intent, count in self.intents],
            "main_intent": self.main_intent.value,
            "keywords": [dataclasses.asdict(hit) for hit in self.keywords],
            "outcome": self.outcome,
            "next_action": self.next_action,
            "script_adherence": self.adherence,
            "steps": [dataclasses.asdict(step) for step in self.steps],
            "entities": {k: v for k, v in entities.items() if v},
            "provider": self.provider,
            "fallback": self.fallback,
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------------------------
# Matching words: folded (no accents, lower case), whole words, spaces and punctuation between words loose
# ---------------------------------------------------------------------------------------------
_WORD = re.compile(r"[a-z0-9]+")


def _folded_words(text: str) -> str:
    return " " + " ".join(_WORD.findall(fold(text))) + " "


def phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """A pattern finding ``phrase`` as whole words in ``_folded_words`` text; None for a phrase with no words."""
    words = _WORD.findall(fold(phrase))
    if not words:
        return None
    return re.compile(r"(?<![a-z0-9])" + r" ".join(re.escape(w) for w in words) + r"(?![a-z0-9])")


def count_phrase(phrase: str, text: str) -> int:
    """How often ``phrase`` is said in ``text``, accents, case and punctuation aside, as whole words."""
    pattern = phrase_pattern(phrase)
    return len(pattern.findall(_folded_words(text))) if pattern else 0


def find_keywords(text: str, watch: Iterable[WatchWord]) -> list[KeywordHit]:
    hits = []
    folded = _folded_words(text)
    for word in watch:
        pattern = phrase_pattern(word.phrase)
        count = len(pattern.findall(folded)) if pattern else 0
        if count:
            hits.append(KeywordHit(phrase=word.phrase, kind=word.kind, count=count, source="watch"))
    return hits


#: Words too common to tell that a script's text was said.
_STOPWORDS = frozenset({
    "para", "como", "pero", "porque", "cuando", "donde", "desde", "hasta", "sobre", "entre", "este", "esta",
    "estos", "estas", "aquel", "usted", "ustedes", "nosotros", "tiene", "tienen", "tengo", "puede", "pueden",
    "quiere", "quieres", "somos", "estamos", "estan", "todo", "todos", "toda", "todas", "cada", "otro", "otra",
    "mucho", "muchas", "mas", "menos", "algo", "nada", "tambien", "solo", "ahora", "aqui", "hola", "buenos",
    "buenas", "dias", "tardes", "noches", "gracias", "favor", "senor", "senora"
})  # folded: no accents
#: A step without cues is covered when the agent said this share of its text's words.
TEXT_COVERAGE = 0.6


def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(fold(text)) if len(w) >= 4 and w not in _STOPWORDS)


def score_steps(text: str, steps: Iterable[ScriptStep]) -> tuple[list[StepResult], list[KeywordHit], int | None]:
    """Which steps ``text`` (what the agent said) covers, the cues heard, and the adherence in % (covered
    required steps over required steps; None without any). A step is covered when one of its cues is said, or,
    for a step without cues, when most of its text's words are (an agent reading the script says them)."""
    folded = _folded_words(text)
    said = content_words(text)
    results: list[StepResult] = []
    hits: list[KeywordHit] = []
    for step in steps:
        first_cue = ""
        for cue in step.cues:
            pattern = phrase_pattern(cue)
            count = len(pattern.findall(folded)) if pattern else 0
            if count:
                first_cue = first_cue or cue
                hits.append(KeywordHit(phrase=cue, kind=step.kind, count=count, source="script", step=step.key))
        covered = bool(first_cue)
        scored = bool(step.cues)
        if not step.cues:
            words = content_words(step.text)
            scored = bool(words)
            covered = scored and len(words & said) / len(words) >= TEXT_COVERAGE
        results.append(StepResult(key=step.key, title=step.title, kind=step.kind, required=step.required,
                                  covered=covered, cue=first_cue, scored=scored))
    return results, hits, adherence_of(results)


def adherence_of(results: Iterable[StepResult]) -> int | None:
    counted = [r for r in results if r.required and r.scored]
    if not counted:
        return None
    return round(100 * sum(1 for r in counted if r.covered) / len(counted))


# ---------------------------------------------------------------------------------------------
# Sentiment over the call, intents, entities
# ---------------------------------------------------------------------------------------------
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
    folded = _folded_words(customer_text)
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
    folded = _folded_words(customer_text)
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


# ---------------------------------------------------------------------------------------------
# The LLM reading (the ``openai`` provider), checked against a schema like a message's analysis
# ---------------------------------------------------------------------------------------------
MAX_TRANSCRIPT_CHARS = 12000

CALL_ANALYSIS_SYSTEM_PROMPT = """\
Analizas la transcripción de una llamada telefónica entre un asesor y un cliente de una tienda de \
telecomunicaciones en Latinoamérica (planes de internet, telefonía móvil, TV, combos, celulares y \
accesorios). Respondes solo con el JSON pedido, sin inventar nada que no se diga en la llamada.

- sentiment y sentiment_score (-1 a 1): cómo terminó el cliente la llamada (pesa más el final).
- intents: las intenciones del cliente durante la llamada (de la lista dada).
- outcome: sale (aceptó comprar o contratar), interested (pidió información o una propuesta), callback \
(pidió que lo llamen otro día), not_interested (no le interesa), support (reclamo, problema técnico o baja), \
other.
- next_action: el siguiente paso del asesor, en español, una frase corta (máximo 150 caracteres).
- steps_covered: las claves de los pasos del guion que el asesor cumplió (solo de la lista dada).
- entities: datos del cliente dichos en la llamada (cadena vacía, null o [] si no los dijo).
"""


def _call_schema(step_keys: list[str]) -> dict[str, Any]:
    from ai.openai_provider import ENTITIES_SCHEMA

    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "sentiment": {"type": "string", "enum": [s.value for s in Sentiment]},
            "sentiment_score": {"type": "number", "minimum": -1, "maximum": 1},
            "intents": {"type": "array", "items": {"type": "string", "enum": [i.value for i in Intent]}},
            "outcome": {"type": "string", "enum": list(Outcome.ALL)},
            "next_action": {"type": "string"},
            "steps_covered": {"type": "array", "items": {"type": "string", "enum": step_keys or [""]}},
            "entities": ENTITIES_SCHEMA,
        },
        "required": ["sentiment", "sentiment_score", "intents", "outcome", "next_action", "steps_covered",
                     "entities"],
    }


_LABELS = {CUSTOMER: "Cliente", AGENT: "Asesor"}


def transcript_lines(turns: list[CallTurn], limit: int = MAX_TRANSCRIPT_CHARS) -> str:
    text = "\n".join(f"{_LABELS.get(t.speaker, t.speaker or 'Voz')}: {t.text}" for t in turns if t.text.strip())
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + "\n[…]\n" + text[-half:]


def parse_call_json(content: str | None, schema: dict[str, Any]) -> dict[str, Any]:
    """The parsed reading, or ``ValueError`` saying what is wrong with it."""
    from ai.openai_provider import _schema_errors

    if not content or not content.strip():
        raise ValueError("empty content")
    text = content.strip()
    if text.startswith("```"):
        text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    errors = _schema_errors(data, schema)
    if errors:
        raise ValueError("; ".join(errors[:5]))
    return data


def analyze_call_llm(provider: Any, turns: list[CallTurn], *, local: CallAnalysis, steps: list[ScriptStep]
                     ) -> CallAnalysis:
    """The whole call read by an OpenAI-compatible chat model (``ai.openai_provider.OpenAIProvider``), on top
    of the ``local`` reading (keywords; steps the cues showed). Raises ``AIError`` on any failure."""
    from ai.errors import AIInvalidOutputError
    from ai.openai_provider import _entities_from, _with_outcome

    keys = [step.key for step in steps]
    schema = _call_schema(keys)
    script = "\n".join(f"- {s.key}: {s.title} ({s.kind})" for s in steps) or "(sin guion)"
    messages = [
        {"role": "system", "content": CALL_ANALYSIS_SYSTEM_PROMPT},
        {"role": "system", "content": "Pasos del guion (clave: título):\n" + script},
        {"role": "user", "content": "Transcripción:\n" + (transcript_lines(turns) or "(vacía)")},
    ]
    content, finish_reason, usage = provider._complete(  # the provider's one place that talks to the server
        messages,
        response_format={"type": "json_schema", "json_schema": {"name": "call_analysis", "strict": True,
                                                                 "schema": schema}},
    )
    try:
        if finish_reason == "length":
            raise ValueError("output cut at the token limit")
        data = parse_call_json(content, schema)
        entities, notes = _entities_from(data["entities"], {})
    except ValueError as exc:
        raise AIInvalidOutputError(f"call analysis: {exc}", _with_outcome(usage, "invalid", str(exc))) from exc
    said = set(data["steps_covered"]) & set(keys)
    step_results = tuple(
        dataclasses.replace(step, covered=True) if step.key in said and not step.covered else step
        for step in local.steps
    )
    # A step without cues can be scored when the model read it.
    step_results = tuple(dataclasses.replace(step, scored=True) if step.key in said else step
                         for step in step_results)
    counts = Counter(Intent(i) for i in data["intents"])
    next_action = " ".join(str(data["next_action"]).split())[:200] or local.next_action
    return dataclasses.replace(
        local,
        sentiment=Sentiment(data["sentiment"]),
        sentiment_score=float(data["sentiment_score"]),
        intents=tuple((intent, n) for intent, n in counts.most_common()) or local.intents,
        main_intent=main_intent_of(counts) if counts else local.main_intent,
        outcome=data["outcome"],
        next_action=next_action,
        steps=step_results,
        adherence=adherence_of(step_results),
        entities=merge_entities([local.entities, entities]),
        provider=getattr(provider, "name", "openai"),
        notes=(*local.notes, f"model={getattr(provider, 'model', '')}", *notes),
        usage=usage,
    )


# ---------------------------------------------------------------------------------------------
# As the app uses it: the configured provider, the local fallback, the log
# ---------------------------------------------------------------------------------------------
def analyze_call(turns: list[CallTurn], *, steps: Iterable[ScriptStep] = (), watch: Iterable[WatchWord] = (),
                 templates: Mapping[str, str] | None = None, subject: str = "") -> CallAnalysis:
    """Read a call with the configured provider (``AI_PROVIDER``): the LLM reading with ``openai`` (logged as an
    ``AIRequest``), else — or when it fails, or the monthly budget is spent — the local rules."""
    from dataclasses import replace

    from django.conf import settings

    from ai.errors import AIError
    from ai.models import AIRequest
    from ai.services import budget_exhausted, local_analysis, log_request, openai_provider, uses_openai

    steps = list(steps)
    local = analyze_call_local(turns, steps=steps, watch=list(watch), templates=templates,
                               analyze=lambda text: local_analysis(text, history=None, catalog=None))
    if not uses_openai():
        return local
    if budget_exhausted():
        log_request(Usage(provider="openai", model=settings.OPENAI_MODEL, outcome="budget",
                          error="monthly budget spent"), purpose=AIRequest.Purpose.ANALYSIS, subject=subject)
        return replace(local, fallback=True, notes=(*local.notes, "fallback: budget"))
    try:
        reading = analyze_call_llm(openai_provider(), turns, local=local, steps=steps)
    except AIError as exc:
        usage = exc.usage or Usage(provider="openai", model=settings.OPENAI_MODEL, outcome="error")
        log_request(replace(usage, error=usage.error or str(exc)[:300]), purpose=AIRequest.Purpose.ANALYSIS,
                    subject=subject)
        return replace(local, fallback=True, notes=(*local.notes, f"fallback: {type(exc).__name__}"))
    if reading.usage is not None:
        log_request(reading.usage, purpose=AIRequest.Purpose.ANALYSIS, subject=subject)
    return reading
