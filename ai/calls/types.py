"""The language of a call's reading: its turns, a script's steps, the watch list, and the typed result."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ai.types import Analysis, Entities, Intent, Sentiment, Usage

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
