"""``ai.replies.compose_reply``: one customer turn in, the decision and the reply out. No database, no network."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai import replies
from ai.decide import Action
from ai.replies import compose_reply
from ai.types import Analysis, CatalogItem, Entities, Intent, LeadState, Money, Sentiment, Turn

PLAN = CatalogItem(id="1", name="Internet Hogar 200 Mbps", price=Decimal("119.00"), currency="PEN", stock=None,
                   category="internet_home", operator="claro", attributes={"speed_mbps": 200})
PHONE = CatalogItem(id="2", name="Galaxy A15", price=Decimal("699.00"), currency="PEN", stock=4, category="device",
                    wholesale_price=Decimal("620.00"))
IPHONE_128 = CatalogItem(id="3", name="iPhone 15 128 GB", price=Decimal("3799.00"), currency="PEN", stock=2,
                         category="device", attributes={"capacity_gb": 128})
IPHONE_256 = CatalogItem(id="4", name="iPhone 15 256 GB", price=Decimal("4299.00"), currency="PEN", stock=2,
                         category="device", attributes={"capacity_gb": 256})
SOLD_OUT = CatalogItem(id="5", name="Cargador 20 W", price=Decimal("59.00"), currency="PEN", stock=0,
                       category="accessory")


def reading(intent: Intent, *, confidence: float = 0.9, sentiment: Sentiment = Sentiment.NEUTRAL,
            score: float = 0.0, fallback: bool = False, **entities: object) -> Analysis:
    return Analysis(intent=intent, confidence=confidence, sentiment=sentiment, sentiment_score=score,
                    entities=Entities(**entities), fallback=fallback)


NOBODY = LeadState()
MARIA = LeadState(name="María Quispe", has_lead=True, has_interest=True, service_type="internet_home",
                  budget=Decimal("100.00"))
MARIA_IN_MIRAFLORES = LeadState(name="María Quispe", has_lead=True, has_interest=True, service_type="internet_home",
                                budget=Decimal("100.00"), zone="Miraflores")
WHOLESALER = LeadState(name="Jorge Ramos", is_wholesale=True)

# (case, analysis, hits, lead, streak) -> (action, reason, reply text)
CASES = [
    ("hello from a stranger", reading(Intent.GREETING), [], NOBODY, 0,
     Action.ASK_NEXT_QUESTION, "missing_interest_name",
     "¡Hola! 👋 ¿En qué te puedo ayudar hoy?\n\n" + replies.ask_for(["interest", "name"])),
    ("hello from a known customer", reading(Intent.GREETING), [], MARIA_IN_MIRAFLORES, 0,
     Action.CREATE_OR_UPDATE_LEAD, "qualified",
     "¡Gracias, María! Un asesor de ventas te contactará en breve para cerrar los detalles. 🙌"),
    ("a complaint", reading(Intent.COMPLAINT, sentiment=Sentiment.NEGATIVE, score=-0.8), [], MARIA, 0,
     Action.ESCALATE_TO_HUMAN, "complaint", replies.handoff("María")),
    ("a support issue", reading(Intent.SUPPORT_ISSUE), [], NOBODY, 0,
     Action.TRANSFER_TO_SUPPORT, "support_issue", replies.handoff(None)),
    ("an explicit ask for a person", reading(Intent.HUMAN_REQUEST), [], NOBODY, 0,
     Action.ESCALATE_TO_HUMAN, "human_request", replies.handoff(None)),
    ("strongly negative", reading(Intent.OTHER, sentiment=Sentiment.NEGATIVE, score=-0.9), [], NOBODY, 0,
     Action.ESCALATE_TO_HUMAN, "negative_sentiment", replies.handoff(None)),
    ("unsure once", reading(Intent.OTHER, confidence=0.2), [], NOBODY, 0,
     Action.ASK_NEXT_QUESTION, "clarify_intent",
     "Perdona, quiero entenderte bien 🙂 ¿Quieres saber el precio de un plan o producto o resolver un problema "
     "con tu servicio o equipo?"),
    ("unsure twice in a row", reading(Intent.OTHER, confidence=0.2), [], NOBODY, 1,
     Action.ESCALATE_TO_HUMAN, "low_confidence", replies.handoff(None)),
    ("the provider failed and nothing was read", reading(Intent.OTHER, confidence=0.2, fallback=True), [], NOBODY, 0,
     Action.ESCALATE_TO_HUMAN, "ai_failure", replies.handoff(None)),
    ("price of one plan, zone missing", reading(Intent.PRICE_QUERY, service_type="internet_home"), [PLAN], MARIA, 0,
     Action.ANSWER, "price_query", replies.price_answer(PLAN) + "\n\n" + replies.ask_for(["zone"], name="María")),
    ("price of one plan, zone on the lead", reading(Intent.PRICE_QUERY, service_type="internet_home"), [PLAN],
     MARIA_IN_MIRAFLORES, 0, Action.ANSWER, "price_query", replies.price_answer(PLAN)),
    ("price for a wholesaler", reading(Intent.PRICE_QUERY, products=("2",)), [PHONE], WHOLESALER, 0,
     Action.ANSWER, "price_query",
     replies.price_answer(PHONE, wholesale=True) + "\n\n" + replies.ask_for(["budget"], name="Jorge")),
    ("stock of a sold-out item", reading(Intent.STOCK_QUERY, products=("5",)), [SOLD_OUT, PHONE], WHOLESALER, 0,
     Action.ANSWER, "stock_query",
     replies.stock_answer(SOLD_OUT, [PHONE]) + "\n\n" + replies.ask_for(["budget"], name="Jorge")),
    ("two capacities, none said", reading(Intent.PRODUCT_QUERY, products=("3", "4")), [IPHONE_128, IPHONE_256],
     WHOLESALER, 0, Action.ANSWER, "product_query",
     replies.ask_variant("iPhone 15", {"capacidad": ["128 GB (S/ 3,799.00)", "256 GB (S/ 4,299.00)"]}) + "\n\n"
     + replies.ask_for(["budget"], name="Jorge")),
    ("a product the catalog lacks", reading(Intent.PRODUCT_QUERY, product_terms="xiaomi 14"), [], WHOLESALER, 0,
     Action.ANSWER, "product_query",
     replies.no_match("xiaomi 14") + "\n\n" + replies.ask_for(["budget"], name="Jorge")),
    ("thanks and goodbye", reading(Intent.THANKS_GOODBYE), [], MARIA, 0,
     Action.ANSWER, "thanks_goodbye", replies.thanks_goodbye("María")),
]


@pytest.mark.parametrize(("analysis", "hits", "lead", "streak", "action", "reason", "text"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_compose_reply_decides_and_words_each_turn(analysis, hits, lead, streak, action, reason, text):
    composed = compose_reply(analysis=analysis, text="…", hits=hits, history=[], lead=lead,
                             low_confidence_streak=streak)
    assert (composed.decision.action, composed.decision.reason) == (action, reason)
    assert composed.text == text
    assert composed.is_handover == (action in (Action.ESCALATE_TO_HUMAN, Action.TRANSFER_TO_SUPPORT))


@pytest.mark.parametrize(("entities", "lead", "zone"), [
    ({}, LeadState(zone="Miraflores", contact_zone="Surco", has_lead=True), "Miraflores"),
    ({}, LeadState(contact_zone="Surco"), "Surco"),
    ({"zone": "San Isidro"}, LeadState(zone="Miraflores", contact_zone="Surco", has_lead=True), "San Isidro"),
], ids=["the lead's zone", "the contact's zone when the lead has none", "the zone the customer just gave"])
def test_coverage_answer_uses_the_zone_known_when_the_customer_does_not_say_it(entities, lead, zone):
    composed = compose_reply(analysis=reading(Intent.COVERAGE_QUERY, **entities), text="¿llega la fibra?", hits=[],
                             history=[], lead=lead)
    assert composed.text.startswith(replies.coverage_answer(zone))
    assert composed.facts["zone"] == zone


def test_a_zone_on_the_lead_means_the_zone_question_is_not_asked():
    asked = compose_reply(analysis=reading(Intent.OTHER), text="ok", hits=[], history=[],
                          lead=LeadState(name="Ana Torres", has_lead=True, has_interest=True, service_type="tv",
                                         budget=Decimal("80"), contact_zone="Surco"))
    answered = compose_reply(analysis=reading(Intent.OTHER), text="ok", hits=[], history=[],
                             lead=LeadState(name="Ana Torres", has_lead=True, has_interest=True, service_type="tv",
                                            budget=Decimal("80"), zone="Surco"))
    assert asked.decision.missing == ("zone",)  # the lead holds no zone (the contact's does not count)
    assert answered.decision.action == Action.CREATE_OR_UPDATE_LEAD


def test_the_name_comes_from_the_contact_else_from_the_message():
    from_contact = compose_reply(analysis=reading(Intent.THANKS_GOODBYE, name="Rosa"), text="gracias", hits=[],
                                 history=[], lead=LeadState(name="María Quispe"))
    from_message = compose_reply(analysis=reading(Intent.THANKS_GOODBYE, name="Rosa Díaz"), text="gracias", hits=[],
                                 history=[], lead=NOBODY)
    assert (from_contact.facts["name"], from_message.facts["name"]) == ("María", "Rosa")
    assert from_message.text == replies.thanks_goodbye("Rosa")


def test_what_a_generating_provider_gets():
    history = [Turn(role="assistant", text="¡Hola! ¿En qué te ayudo?")]
    composed = compose_reply(analysis=reading(Intent.PRICE_QUERY, service_type="internet_home",
                                              budget=Money(Decimal("120"), "PEN")),
                             text="cuánto el de 200 megas", hits=[PLAN], history=history, lead=MARIA)
    assert composed.instruction == "answer: price_query; ask for: zone"
    assert composed.history == (*history, Turn(role="customer", text="cuánto el de 200 megas"))
    assert composed.hits == (PLAN,)
    assert composed.facts == {"name": "María", "wholesale": False, "zone": "", "budget": "120"}


def test_no_budget_fact_without_a_lead_to_hold_it():
    hello = reading(Intent.GREETING, budget=Money(Decimal("50"), "PEN"))
    assert compose_reply(analysis=hello, text="hola", hits=[], history=[], lead=NOBODY).facts["budget"] is None
    asking = reading(Intent.PRODUCT_QUERY, budget=Money(Decimal("50"), "PEN"))  # a lead is created for it
    assert compose_reply(analysis=asking, text="un plan de 50", hits=[], history=[],
                         lead=NOBODY).facts["budget"] == "50"
