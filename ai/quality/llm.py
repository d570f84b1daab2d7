"""Pre-scoring by an OpenAI-compatible chat model: one completion answers every criterion as JSON, checked here.

The model reads the numbered lines and the criteria and answers, per criterion, an answer, the number of the
line it rests on with a quote, a confidence and a reason. Each answer is checked on its own: one the
criterion does not take (a "partial" for a yes/no, an "na" where it may not be "not applicable"), a missing
or malformed item, falls back to the local rule for that criterion. A quote is kept only when it is one of the
lines (the line the model named, else any line that says it); else it is dropped and the confidence halved,
so an invented quote never reaches the analyst. The evidence kept is the whole line, as the page shows it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ai.calls.matching import folded_words
from ai.errors import AIInvalidOutputError
from ai.openai_provider import _schema_errors, _with_outcome
from ai.quality.local import DEFAULT_REASONS
from ai.quality.types import ALL_ANSWERS, NA, CriterionSpec, Line, Proposal
from ai.types import Usage

MAX_TRANSCRIPT_CHARS = 12000
MAX_REASON_CHARS = 250
QUOTE_DROPPED_FACTOR = 0.5

PRESCORING_SYSTEM_PROMPT = """\
Eres analista de calidad de un centro de contacto en Latinoamérica (ventas y atención de planes de internet, \
telefonía, TV, celulares y accesorios). Evalúas una llamada o un chat entre un asesor y un cliente con los \
criterios dados y respondes solo con el JSON pedido, uno por criterio.

- answer: solo una de las respuestas permitidas del criterio (yes, no, partial, na, o 1 a 5). "na" (no \
aplica) solo si el criterio lo permite y la situación no se dio. Juzga por lo que se dijo, aunque no use \
las palabras de ejemplo; "quién" dice de qué lado deben venir las palabras.
- line y quote: el número de la línea que lo demuestra y el texto copiado exactamente de esa línea. Si nada \
lo demuestra (por ejemplo, el asesor nunca lo dijo), line null y quote "". No inventes citas.
- confidence: 0 a 1, qué tan seguro estás. reason: por qué, en español, una frase corta.
"""

_LABELS = {"agent": "Asesor", "customer": "Cliente", "bot": "Bot"}
_LABEL = re.compile(r"^\s*(?:\[\d+\]\s*)?(?:(?:asesor|cliente|bot|voz)\s*(?:\(\d+:\d+\))?\s*:\s*)?",
                    re.IGNORECASE)
_TYPE_LABELS = {"yes_no": "sí/no", "yes_partial_no": "sí/parcial/no", "scale_1_5": "escala 1 a 5"}


def prescoring_schema(criterion_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {"answers": {"type": "array", "items": answer_schema(criterion_ids)}},
        "required": ["answers"],
    }


def answer_schema(criterion_ids: Sequence[str]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "criterion": {"type": "string", "enum": list(criterion_ids)},
        "answer": {"type": "string", "enum": list(ALL_ANSWERS)},
        "line": {"type": ["integer", "null"]},
        "quote": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "reason": {"type": "string"},
    }
    return {"type": "object", "additionalProperties": False, "properties": properties, "required": list(properties)}


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    return f" ({whole // 60:02d}:{whole % 60:02d})"


def numbered_lines(lines: Sequence[Line], limit: int = MAX_TRANSCRIPT_CHARS) -> str:
    """``[3] Asesor (00:12): ...`` per line; a transcript past ``limit`` keeps its start and its end."""
    rows = [f"[{line.index}] {_LABELS.get(line.speaker, 'Voz')}{_clock(line.start)}: {line.text}"
            for line in lines if line.text.strip()]
    if sum(len(row) + 1 for row in rows) <= limit:
        return "\n".join(rows)
    head: list[str] = []
    tail: list[str] = []
    budget = limit // 2
    for row in rows:
        if budget - len(row) - 1 < 0:
            break
        head.append(row)
        budget -= len(row) + 1
    budget = limit // 2
    for row in reversed(rows[len(head):]):
        if budget - len(row) - 1 < 0:
            break
        tail.insert(0, row)
        budget -= len(row) + 1
    return "\n".join([*head, "[…]", *tail])


def criteria_text(criteria: Sequence[CriterionSpec]) -> str:
    rows = []
    for spec in criteria:
        parts = [f"id {spec.id}: {spec.text}",
                 f"tipo: {_TYPE_LABELS.get(spec.answer_type, spec.answer_type)}",
                 "respuestas permitidas: " + ", ".join(spec.valid_answers())]
        if spec.speaker:
            parts.append("quién: " + _LABELS.get(spec.speaker, spec.speaker).lower())
        if spec.is_critical:
            parts.append("crítico")
        if spec.guidance.strip():
            parts.append("guía: " + " ".join(spec.guidance.split()))
        if spec.keywords:
            parts.append("palabras de ejemplo: " + "; ".join(spec.keywords))
        if spec.negative_keywords:
            parts.append("palabras de falla: " + "; ".join(spec.negative_keywords))
        rows.append("- " + " | ".join(parts))
    return "\n".join(rows)


def parse_answers(content: str | None) -> list[Any]:
    """The ``answers`` list of the model's JSON, or ``ValueError`` saying what is wrong with the whole."""
    if not content or not content.strip():
        raise ValueError("empty content")
    text = content.strip()
    if text.startswith("```"):  # some compatible servers wrap JSON in a fence
        text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
        raise ValueError("$.answers: missing or not a list")
    return data["answers"]


def _quoted_line(quote: str, number: int | None, lines: Sequence[Line]) -> Line | None:
    """The line the quote is from: the one the model named if it says the quote (a label such as "[3] Asesor:"
    before it aside), else the first line that says it; None for a quote that is none of them."""
    wanted = folded_words(_LABEL.sub("", quote))
    by_index = {line.index: line for line in lines}

    def says(line: Line) -> bool:
        said = folded_words(line.text)
        return wanted in said

    named = by_index.get(number) if number is not None else None
    if not wanted.strip():
        return named
    if named is not None and says(named):
        return named
    return next((line for line in lines if says(line)), None)


def merge_answer(spec: CriterionSpec, item: Any, *, lines: Sequence[Line], local: Proposal,
                 schema: dict[str, Any], reasons: Mapping[str, str]) -> Proposal:
    """The model's proposal for ``spec`` checked, or the local one when the model's is not valid."""
    if item is None or _schema_errors(item, schema) or not spec.takes(item["answer"]):
        return replace(local, reason=(reasons["model_invalid"] % {"reason": local.reason})[:MAX_REASON_CHARS])
    confidence = float(item["confidence"])
    reason = " ".join(str(item["reason"]).split())
    quote = str(item["quote"]).strip()
    line = _quoted_line(quote, item["line"], lines)
    if quote and line is None:
        confidence *= QUOTE_DROPPED_FACTOR
        reason = f"{reason} {reasons['quote_dropped']}".strip()
    if item["answer"] == NA and line is None:
        confidence = min(confidence, 0.6)
    return Proposal(
        criterion_id=spec.id, answer=item["answer"], confidence=round(max(0.0, min(1.0, confidence)), 2),
        reason=reason[:MAX_REASON_CHARS], evidence=line.text if line else "",
        evidence_index=line.index if line else None, evidence_start=line.start if line else None, source="llm",
    )


def prescore_llm(provider: Any, criteria: Sequence[CriterionSpec], lines: Sequence[Line], *,
                 local: Sequence[Proposal], reasons: Mapping[str, str] | None = None
                 ) -> tuple[list[Proposal], Usage]:
    """Every criterion's proposal by an OpenAI-compatible chat model (``ai.openai_provider.OpenAIProvider``),
    each checked against its criterion and the lines, the local proposal where the model's is not valid.
    Raises ``AIError`` when the provider fails or its whole answer is unreadable."""
    r = {**DEFAULT_REASONS, **(reasons or {})}
    ids = [spec.id for spec in criteria]
    schema = prescoring_schema(ids)
    messages = [
        {"role": "system", "content": PRESCORING_SYSTEM_PROMPT},
        {"role": "system", "content": "Criterios:\n" + criteria_text(criteria)},
        {"role": "user", "content": "Transcripción (líneas numeradas):\n" + (numbered_lines(lines) or "(vacía)")},
    ]
    content, finish_reason, usage = provider._complete(  # the provider's one place that talks to the server
        messages,
        response_format={"type": "json_schema", "json_schema": {"name": "audit_prescoring", "strict": True,
                                                                 "schema": schema}},
    )
    try:
        if finish_reason == "length":
            raise ValueError("output cut at the token limit")
        items = parse_answers(content)
    except ValueError as exc:
        raise AIInvalidOutputError(f"audit prescoring: {exc}", _with_outcome(usage, "invalid", str(exc))) from exc
    by_id: dict[str, Any] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("criterion"), str):
            by_id.setdefault(item["criterion"], item)
    item_schema = answer_schema(ids)
    proposals = [merge_answer(spec, by_id.get(spec.id), lines=lines, local=fallback, schema=item_schema, reasons=r)
                 for spec, fallback in zip(criteria, local, strict=True)]
    return proposals, usage
