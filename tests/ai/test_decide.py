from decimal import Decimal

from ai.decide import Action, Known, Question, decide, missing_facts
from ai.types import Analysis, Entities, Intent, Money, Sentiment


def reading(intent: Intent, *, confidence: float = 0.9, sentiment: Sentiment = Sentiment.NEUTRAL,
            score: float = 0.0, fallback: bool = False, **entities) -> Analysis:
    return Analysis(intent=intent, confidence=confidence, sentiment=sentiment, sentiment_score=score,
                    entities=Entities(**entities), fallback=fallback)


def test_asks_in_order_interest_name_budget_two_at_a_time():
    decision = decide(reading(Intent.GREETING), Known())
    assert decision.action == Action.ASK_NEXT_QUESTION
    assert decision.missing == ("interest", "name")
    assert decision.questions == (Question.ASK_ABOUT_INTEREST, Question.REQUEST_CONTACT_INFO)
    assert not decision.create_lead


def test_zone_is_asked_only_when_coverage_matters():
    assert missing_facts(Known(interest=True, name=True, budget=True, service_type="internet_home")) == ["zone"]
    assert missing_facts(Known(interest=True, name=True, budget=True, service_type="device")) == []


def test_a_product_question_is_answered_and_asks_for_what_is_missing():
    decision = decide(reading(Intent.PRICE_QUERY, service_type="mobile"), Known(interest=True, service_type="mobile"))
    assert decision.action == Action.ANSWER
    assert decision.missing == ("name", "budget")
    assert decision.create_lead


def test_everything_known_means_the_lead_is_ready():
    known = Known(interest=True, name=True, budget=True, zone=True, service_type="internet_home")
    assert decide(reading(Intent.OTHER), known).action == Action.CREATE_OR_UPDATE_LEAD


def test_complaint_human_request_and_strong_anger_hand_over():
    assert decide(reading(Intent.COMPLAINT), Known()).action == Action.ESCALATE_TO_HUMAN
    assert decide(reading(Intent.HUMAN_REQUEST), Known()).reason == "human_request"
    angry = reading(Intent.PRICE_QUERY, sentiment=Sentiment.NEGATIVE, score=-0.8)
    assert decide(angry, Known()).reason == "negative_sentiment"
    assert decide(reading(Intent.SUPPORT_ISSUE), Known()).action == Action.TRANSFER_TO_SUPPORT


def test_two_low_confidence_turns_in_a_row_hand_over():
    unsure = reading(Intent.OTHER, confidence=0.2)
    assert decide(unsure, Known(), low_confidence_streak=0).action != Action.ESCALATE_TO_HUMAN
    assert decide(unsure, Known(), low_confidence_streak=1).reason == "low_confidence"


def test_ai_failure_with_an_unsure_fallback_hands_over():
    assert decide(reading(Intent.OTHER, confidence=0.3, fallback=True), Known()).reason == "ai_failure"


def test_contact_data_alone_is_enough_for_a_lead():
    decision = decide(reading(Intent.OTHER, email="ana@correo.pe"), Known())
    assert decision.create_lead
    assert decide(reading(Intent.OTHER, budget=Money(amount=Decimal("80"))),
                  Known(budget=True)).action == Action.ASK_NEXT_QUESTION
