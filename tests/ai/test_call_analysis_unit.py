"""ai/calls.py on plain data: keywords (accents and case aside, whole words), script adherence, the call's
sentiment weighing its end, the outcome and the next action. The customer's turns are read by the real local
analyzer, as chat messages are."""

from __future__ import annotations

import pytest

from ai.calls import (
    AGENT,
    CUSTOMER,
    CallTurn,
    KeywordHit,
    Outcome,
    ScriptStep,
    WatchWord,
    analyze_call_local,
    call_sentiment,
    count_phrase,
    find_keywords,
    next_action_text,
    score_steps,
)
from ai.local.analyzer import analyze
from ai.local.lexicon import DEFAULT_LEXICON
from ai.types import Entities, Intent, Sentiment

STEPS = [
    ScriptStep(key="1", title="Saludo", kind="opening", cues=("te llamo de Conecta Perú", "le llamo de Conecta Perú")),
    ScriptStep(key="2", title="Necesidad", kind="discovery", cues=("cuántas personas", "para qué usa")),
    ScriptStep(key="3", title="Precio", kind="objection", cues=("instalación gratis", "sin costo de instalación")),
    ScriptStep(key="4", title="Cierre", kind="closing", cues=("agendamos la instalación", "te envío el contrato")),
]
WATCH = [
    WatchWord("Movistar", "competitor"),
    WatchWord("dar de baja", "cancellation"),
    WatchWord("cancelación", "cancellation"),
    WatchWord("Claro", "competitor"),
]


def local(text: str):  # type: ignore[no-untyped-def]
    return analyze(text, lexicon=DEFAULT_LEXICON)


def read(turns: list[CallTurn], **kwargs):  # type: ignore[no-untyped-def]
    return analyze_call_local(turns, steps=kwargs.pop("steps", STEPS), watch=kwargs.pop("watch", WATCH),
                              analyze=local, **kwargs)


@pytest.mark.parametrize(("phrase", "text", "count"), [
    ("dar de baja", "Quiero DAR DE BAJA el servicio", 1),
    ("dar de baja", "quiero dar  de  baja, sí, dar de baja", 2),
    ("cancelación", "pedí la cancelacion ayer", 1),  # said without the accent
    ("cancelacion", "pedí la CANCELACIÓN ayer", 1),  # listed without it
    ("Movistar", "tengo movistar.", 1),
    ("Movistar", "tengo movistarplus", 0),  # whole words only
    ("Claro", "declaro todo", 0),
    ("instalación gratis", "con instalacion, gratis", 1),  # punctuation between words
])
def test_count_phrase_ignores_accents_case_and_punctuation_but_not_word_boundaries(phrase, text, count):
    assert count_phrase(phrase, text) == count


def test_keywords_report_which_words_how_often_and_their_kind():
    hits = find_keywords("Tengo Movistar y quiero dar de baja Movistar. La cancelacion es fácil?", WATCH)
    assert hits == [
        KeywordHit(phrase="Movistar", kind="competitor", count=2, source="watch"),
        KeywordHit(phrase="dar de baja", kind="cancellation", count=1, source="watch"),
        KeywordHit(phrase="cancelación", kind="cancellation", count=1, source="watch"),
    ]


def test_adherence_is_covered_required_steps_over_required_steps():
    said = "Hola Rosa, te llamo de Conecta Peru. El plan incluye INSTALACIÓN GRATIS."
    results, hits, adherence = score_steps(said, STEPS)
    assert adherence == 50
    assert [r.key for r in results if r.covered] == ["1", "3"]
    assert {(h.step, h.phrase) for h in hits} == {("1", "te llamo de Conecta Perú"), ("3", "instalación gratis")}


def test_adherence_leaves_out_optional_steps_and_steps_with_nothing_to_find():
    steps = [*STEPS[:2], ScriptStep(key="5", title="Extra", kind="discovery", cues=("plan familiar",), required=False),
             ScriptStep(key="6", title="Vacío", kind="closing", cues=(), text="")]
    results, _hits, adherence = score_steps("te llamo de Conecta Perú, ¿le interesa el plan familiar?", steps)
    assert adherence == 50  # 1 of the 2 required steps that can be told
    assert [r.key for r in results if r.covered] == ["1", "5"]
    assert [r.scored for r in results] == [True, True, True, False]


def test_a_step_without_cues_is_covered_when_most_of_its_text_was_said():
    step = ScriptStep(key="7", title="Cierre", kind="closing",
                      text="¿Agendamos la instalación para esta semana? Le envío el contrato por WhatsApp.")
    said = "Perfecto señora, agendamos su instalacion esta semana y el contrato le llega por whatsapp."
    assert score_steps(said, [step])[2] == 100  # agendamos, instalación, semana, contrato, whatsapp: 5 of 6
    assert score_steps("Le envío el contrato.", [step])[2] == 0  # 1 of 6 words


def test_no_script_gives_no_adherence():
    assert score_steps("hola", [])[2] is None


def test_call_sentiment_weighs_the_end_of_the_call_more():
    sad_then_happy = call_sentiment([-0.6, 0.0, 0.6])
    happy_then_sad = call_sentiment([0.6, 0.0, -0.6])
    assert sad_then_happy[1] > 0 > happy_then_sad[1]
    assert call_sentiment([]) == (Sentiment.NEUTRAL, 0.0)
    assert call_sentiment([0.5, 0.6])[0] == Sentiment.POSITIVE
    assert call_sentiment([-0.5, -0.4])[0] == Sentiment.NEGATIVE


def test_a_call_ending_in_a_contract_is_a_sale_with_its_next_action():
    turns = [
        CallTurn("Hola Rosa, te llamo de Conecta Perú por el internet que consultaste.", AGENT),
        CallTurn("Hola, sí. ¿Cuánto cuesta el plan de 200 megas?", CUSTOMER),
        CallTurn("Son 89 soles con instalación gratis. ¿Agendamos la instalación?", AGENT),
        CallTurn("Perfecto, quiero contratarlo. Gracias, excelente atención.", CUSTOMER),
    ]
    reading = read(turns)
    assert reading.outcome == Outcome.SALE
    assert reading.sentiment == Sentiment.POSITIVE
    assert reading.adherence == 75
    assert reading.main_intent == Intent.PURCHASE_INTENT
    assert dict(reading.intents)[Intent.PRICE_QUERY] == 1
    assert reading.next_action.startswith("Confirmar la venta")
    assert reading.entities.service_type == "internet_home"
    assert "Cuánto cuesta" in reading.customer_text and "Agendamos" not in reading.customer_text


def test_a_customer_who_asks_to_be_called_back_is_a_callback_on_the_day_they_said():
    turns = [CallTurn("¿Cuánto cuesta el plan de 200 megas?", CUSTOMER),
             CallTurn("Me interesa, pero llámame mañana en la tarde que ahora estoy manejando.", CUSTOMER)]
    reading = read(turns)
    assert reading.outcome == Outcome.CALLBACK
    assert reading.next_action.startswith("Volver a llamar mañana en la tarde")


def test_a_refusal_is_not_interested():
    reading = read([CallTurn("No me interesa, gracias. No me vuelvan a llamar.", CUSTOMER)])
    assert reading.outcome == Outcome.NOT_INTERESTED


def test_a_complaint_without_sales_questions_is_support_and_its_mood_is_negative():
    reading = read([CallTurn("Pésimo servicio, el internet no funciona desde el lunes.", CUSTOMER),
                    CallTurn("Ya llamé tres veces y nadie me ayuda, quiero la cancelación.", CUSTOMER)])
    assert reading.outcome == Outcome.SUPPORT
    assert reading.sentiment == Sentiment.NEGATIVE
    assert reading.next_action.startswith("Abrir un ticket")


def test_questions_about_plans_with_a_competitor_and_a_cancellation_are_interest_flagged_in_the_next_action():
    turns = [CallTurn("Tengo Movistar pero lo quiero dar de baja porque se cae a cada rato.", CUSTOMER),
             CallTurn("¿Qué planes de internet tienen en Miraflores?", CUSTOMER)]
    reading = read(turns)
    assert reading.outcome == Outcome.INTERESTED
    assert "Movistar" in reading.next_action and "dar de baja" in reading.next_action
    kinds = {(hit.phrase, hit.kind) for hit in reading.keywords if hit.source == "watch"}
    assert kinds == {("Movistar", "competitor"), ("dar de baja", "cancellation")}
    assert reading.entities.zone == "Miraflores"


def test_a_call_with_nothing_to_act_on_is_other():
    reading = read([CallTurn("Aló, sí, buenas tardes.", CUSTOMER)], steps=[], watch=[])
    assert (reading.outcome, reading.adherence, reading.keywords) == (Outcome.OTHER, None, ())


def test_without_speakers_the_whole_call_is_read_for_the_script_and_the_customer():
    reading = read([CallTurn("Hola, te llamo de Conecta Perú. Sí, no me interesa, gracias.")])
    assert reading.adherence == 25
    assert reading.outcome == Outcome.NOT_INTERESTED
    assert any("no speaker turns" in note for note in reading.notes)


def test_next_action_templates_can_be_given_by_the_caller():
    text = next_action_text(
        outcome=Outcome.INTERESTED, entities=Entities(product_terms="plan de 200 megas"),
        keywords=[KeywordHit("Claro", "competitor", 1, "watch")], customer_text="",
        templates={Outcome.INTERESTED: "Send the offer%(product)s.", "product": " of %(product)s",
                   "competitor": " Mentioned %(competitor)s."},
    )
    assert text == "Send the offer of plan de 200 megas. Mentioned Claro."


def test_as_dict_is_plain_json_and_as_message_analysis_feeds_the_lead():
    import json

    reading = read([CallTurn("¿Cuánto cuesta el plan de 200 megas? Lo quiero contratar.", CUSTOMER)])
    data = json.loads(json.dumps(reading.as_dict()))
    assert data["outcome"] == "sale" and data["main_intent"] == "purchase_intent"
    message = reading.as_message_analysis()
    assert message.intent == Intent.PURCHASE_INTENT and 0 < message.confidence <= 0.95
