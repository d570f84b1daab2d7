"""The language of an audit's pre-scoring: a criterion to check, a line of the transcript, a proposal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

YES, PARTIAL, NO, NA = "yes", "partial", "no", "na"
SCALE = ("1", "2", "3", "4", "5")

YES_NO = "yes_no"
YES_PARTIAL_NO = "yes_partial_no"
SCALE_1_5 = "scale_1_5"

#: The answers each answer type takes ("na" only where the criterion allows it).
ANSWERS: dict[str, tuple[str, ...]] = {
    YES_NO: (YES, NO),
    YES_PARTIAL_NO: (YES, PARTIAL, NO),
    SCALE_1_5: SCALE,
}
ALL_ANSWERS = (YES, PARTIAL, NO, NA, *SCALE)


@dataclass(frozen=True)
class CriterionSpec:
    """One thing to check. ``id`` is the caller's (a criterion's primary key as text, say); ``speaker`` is
    ``agent``, ``customer`` or "" (either side) — whose lines may show it."""

    id: str
    text: str
    guidance: str = ""
    answer_type: str = YES_NO
    allow_na: bool = False
    is_critical: bool = False
    keywords: tuple[str, ...] = ()
    negative_keywords: tuple[str, ...] = ()
    speaker: str = ""

    def valid_answers(self) -> tuple[str, ...]:
        return (*ANSWERS.get(self.answer_type, ()), *((NA,) if self.allow_na else ()))

    def takes(self, answer: str) -> bool:
        return answer in self.valid_answers()


@dataclass(frozen=True)
class Line:
    """A turn of the call or a message of the chat: who (``agent``, ``customer``, ``bot`` or ""), what, and
    when (``start``: seconds into the recording; ``when``: the message's time)."""

    index: int
    speaker: str
    text: str
    start: float | None = None
    when: datetime | None = None


@dataclass(frozen=True)
class Proposal:
    """The AI's answer to one criterion, with the line it rests on (none when nothing was said) and why.

    ``answer`` is "" when the rules have nothing to go on (a criterion without evidence words, read locally).
    ``source`` is ``local`` or ``llm``."""

    criterion_id: str
    answer: str
    confidence: float  # 0..1
    reason: str
    evidence: str = ""
    evidence_index: int | None = None
    evidence_start: float | None = None
    source: str = "local"


@dataclass(frozen=True)
class Prescoring:
    """Every criterion's proposal and who made them: ``local``, ``openai:<model>`` or
    ``local (openai failed: <why>)``."""

    proposals: tuple[Proposal, ...]
    provider: str
    fallback: bool = False
