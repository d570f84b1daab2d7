"""A call read by an OpenAI-compatible chat model (the ``openai`` provider) as schema-checked JSON, and the
reading as the app uses it: the configured provider, the local fallback, the log."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from ai.calls.local import analyze_call_local, main_intent_of, merge_entities
from ai.calls.matching import adherence_of
from ai.calls.types import AGENT, CUSTOMER, CallAnalysis, CallTurn, Outcome, ScriptStep, WatchWord
from ai.types import Intent, Sentiment, Usage

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
