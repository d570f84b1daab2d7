"""What to do with a customer's message: answer, ask for what is missing, or hand over to a person.

Pure function of the analysis and what we already know; the caller acts on the ``Decision``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ai.types import Analysis, Intent, Sentiment, ServiceType

# Below this calibrated confidence the reading is wrong about as often as right (measured on the corpus'
# cross-validation folds by bench/ai_eval.py): ask what the customer means instead of guessing.
LOW_CONFIDENCE = 0.5
STRONG_NEGATIVE = -0.6
# Coverage matters for services installed at home.
COVERAGE_SERVICES = {ServiceType.INTERNET_HOME, ServiceType.TV, ServiceType.COMBO}
ASK_ORDER = ("interest", "name", "budget", "zone")


class Action(StrEnum):
    ANSWER = "answer"
    ASK_NEXT_QUESTION = "ask_next_question"
    CREATE_OR_UPDATE_LEAD = "create_or_update_lead"
    ESCALATE_TO_HUMAN = "escalate_to_human"
    TRANSFER_TO_SUPPORT = "transfer_to_support"


class Question(StrEnum):
    REQUEST_CONTACT_INFO = "request_contact_info"
    ASK_ABOUT_INTEREST = "ask_about_interest"
    ASK_BUDGET = "ask_budget"
    ASK_ZONE = "ask_zone"
    CLARIFY_INTENT = "clarify_intent"


QUESTION_FOR = {
    "interest": Question.ASK_ABOUT_INTEREST,
    "name": Question.REQUEST_CONTACT_INFO,
    "budget": Question.ASK_BUDGET,
    "zone": Question.ASK_ZONE,
}


@dataclass(frozen=True)
class Known:
    """What the lead already holds (after this message's entities were applied)."""

    interest: bool = False
    name: bool = False
    budget: bool = False
    zone: bool = False
    service_type: str = ""


@dataclass(frozen=True)
class Decision:
    action: Action
    missing: tuple[str, ...] = ()  # what to ask for, in order, at most two
    questions: tuple[Question, ...] = ()
    reason: str = ""
    create_lead: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


def missing_facts(known: Known) -> list[str]:
    """What to ask for next, in the order of the brief: interest, name, budget, zone (when it matters)."""
    missing = []
    if not known.interest:
        missing.append("interest")
    if not known.name:
        missing.append("name")
    if not known.budget:
        missing.append("budget")
    if not known.zone and known.service_type in COVERAGE_SERVICES:
        missing.append("zone")
    return missing


def has_enough_for_a_lead(analysis: Analysis, known: Known) -> bool:
    """A lead is worth creating once the customer wants something (or left a way to reach them)."""
    buying = {Intent.PRODUCT_QUERY, Intent.PRICE_QUERY, Intent.STOCK_QUERY, Intent.COVERAGE_QUERY,
              Intent.PURCHASE_INTENT, Intent.COMPARISON, Intent.PRICE_OBJECTION}
    return known.interest or analysis.intent in buying or bool(analysis.entities.email or analysis.entities.phone)


def is_unsure(analysis: Analysis) -> bool:
    """Low confidence and nothing usable read: a message that only gives a name or a budget is fine."""
    e = analysis.entities
    useful = (e.name, e.budget, e.zone, e.address, e.email, e.phone, e.products, e.service_type, e.operator)
    return analysis.confidence < LOW_CONFIDENCE and not any(useful)


def decide(analysis: Analysis, known: Known, *, low_confidence_streak: int = 0) -> Decision:
    """The action for this message.

    ``low_confidence_streak`` counts the customer's previous consecutive low-confidence turns: the first
    unsure reading asks a clarifying question, the second in a row hands over to a person.
    """
    create = has_enough_for_a_lead(analysis, known)
    if analysis.intent == Intent.SUPPORT_ISSUE:
        return Decision(Action.TRANSFER_TO_SUPPORT, reason="support_issue", create_lead=create)
    if analysis.intent == Intent.COMPLAINT:
        return Decision(Action.ESCALATE_TO_HUMAN, reason="complaint", create_lead=create)
    if analysis.intent == Intent.HUMAN_REQUEST:
        return Decision(Action.ESCALATE_TO_HUMAN, reason="human_request", create_lead=create)
    if analysis.sentiment == Sentiment.NEGATIVE and analysis.sentiment_score <= STRONG_NEGATIVE:
        return Decision(Action.ESCALATE_TO_HUMAN, reason="negative_sentiment", create_lead=create)
    if analysis.fallback and is_unsure(analysis):
        return Decision(Action.ESCALATE_TO_HUMAN, reason="ai_failure", create_lead=create)
    if is_unsure(analysis) and low_confidence_streak >= 1:
        return Decision(Action.ESCALATE_TO_HUMAN, reason="low_confidence", create_lead=create)
    if is_unsure(analysis) and analysis.intent not in (Intent.GREETING, Intent.THANKS_GOODBYE):
        # Unsure once: ask which of the likeliest readings the customer means (a second time hands over).
        return Decision(Action.ASK_NEXT_QUESTION, questions=(Question.CLARIFY_INTENT,), reason="clarify_intent",
                        create_lead=create)

    missing = missing_facts(known)
    answers = {Intent.PRODUCT_QUERY, Intent.PRICE_QUERY, Intent.STOCK_QUERY, Intent.COVERAGE_QUERY,
               Intent.PURCHASE_INTENT, Intent.COMPARISON, Intent.PRICE_OBJECTION, Intent.WARRANTY_QUERY,
               Intent.THANKS_GOODBYE}
    if analysis.intent in answers:
        # Answer the question, and ask for what is missing in the same message when the lead is open.
        ask = tuple(m for m in missing if m != "interest")[:2] if analysis.intent != Intent.THANKS_GOODBYE else ()
        return Decision(Action.ANSWER, missing=ask, questions=tuple(QUESTION_FOR[m] for m in ask),
                        reason=analysis.intent.value, create_lead=create)
    if missing:
        ask = tuple(missing[:2])
        return Decision(Action.ASK_NEXT_QUESTION, missing=ask, questions=tuple(QUESTION_FOR[m] for m in ask),
                        reason="missing_" + "_".join(ask), create_lead=create)
    return Decision(Action.CREATE_OR_UPDATE_LEAD, reason="qualified", create_lead=True)
