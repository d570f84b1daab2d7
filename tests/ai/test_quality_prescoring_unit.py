"""The local pre-scoring rules of an audit (``ai.quality``), as plain data: which answer, which quoted line
(its number and second), how sure — per answer type, speaker, accents and slips, negation, nothing said."""

from __future__ import annotations

from ai.quality.llm import answer_schema, merge_answer, numbered_lines
from ai.quality.local import DEFAULT_REASONS, propose_local, said_in
from ai.quality.types import SCALE_1_5, YES_NO, YES_PARTIAL_NO, CriterionSpec, Line

LINES = [
    Line(0, "agent", "Buenos días, mi nombre es Carla de Conecta Perú.", start=0.0),
    Line(1, "customer", "Hola, sí, dígame. ¿La llamada es grabada?", start=3.5),
    Line(2, "agent", "Sí, le informo que esta llamada es grabada por calidad.", start=7.25),
    Line(3, "agent", "¿En qué le puedo ayudar?", start=11.0),
    Line(4, "customer", "Quiero el plan de 200 megas.", start=13.0),
    Line(5, "agent", "Con gusto. No le envío la cotización hoy, pero le llamo mañana.", start=16.0),
]


def spec(**fields) -> CriterionSpec:  # type: ignore[no-untyped-def]
    return CriterionSpec(**{"id": "c1", "text": "Criterio", **fields})


def test_a_keyword_said_by_the_right_side_is_a_yes_quoting_its_first_line():
    proposal = propose_local(spec(keywords=("llamada es grabada",), speaker="agent"), LINES)

    assert proposal.answer == "yes"
    # The customer asked first (line 1), but only the agent's line counts.
    assert (proposal.evidence_index, proposal.evidence_start) == (2, 7.25)
    assert proposal.evidence == LINES[2].text
    assert 0.5 <= proposal.confidence <= 0.9
    assert "llamada es grabada" in proposal.reason


def test_the_customer_saying_it_does_not_count_for_the_agent():
    lines = [Line(0, "customer", "¿Esta llamada es grabada?"), Line(1, "agent", "Dígame.")]

    proposal = propose_local(spec(keywords=("llamada es grabada",), speaker="agent"), lines)

    assert proposal.answer == "no" and proposal.evidence == "" and proposal.evidence_index is None
    assert proposal.confidence < 0.5


def test_accents_case_and_punctuation_do_not_matter_and_a_long_word_may_have_a_slip():
    lines = [Line(0, "agent", "BUENOS DIAS... la llamda es grabada", start=1.0)]

    assert propose_local(spec(keywords=("Buenos días",)), lines).answer == "yes"
    slip = propose_local(spec(keywords=("llamada es grabada",)), lines)
    exact = propose_local(spec(keywords=("buenos días",)), lines)
    assert slip.answer == "yes" and slip.evidence_start == 1.0
    assert slip.confidence < exact.confidence  # a slip is weaker evidence
    # Whole words only: "gusto" is not "disgusto".
    assert said_in("gusto", "qué disgusto") == (False, False)


def test_a_negated_phrase_does_not_count_but_a_pause_after_no_does():
    assert said_in("le envío la cotización", "No le envío la cotización hoy") == (False, False)
    assert said_in("gracias por", "No, gracias por su tiempo") == (True, False)


def test_a_failure_word_is_a_no_quoting_it():
    lines = [Line(0, "agent", "Buenas tardes."), Line(1, "agent", "Eso no es mi problema.", start=20.0)]

    proposal = propose_local(spec(keywords=("buenas tardes",), negative_keywords=("no es mi problema",)),
                             lines[1:])
    assert (proposal.answer, proposal.evidence_index, proposal.evidence_start) == ("no", 1, 20.0)
    assert proposal.confidence >= 0.7

    mixed = propose_local(spec(answer_type=YES_PARTIAL_NO, keywords=("buenas tardes",),
                               negative_keywords=("no es mi problema",)), lines)
    assert (mixed.answer, mixed.evidence_index) == ("partial", 1)


def test_yes_partial_no_takes_any_evidence_phrase_as_yes():
    proposal = propose_local(spec(answer_type=YES_PARTIAL_NO,
                                  keywords=("qué necesita", "en qué le puedo ayudar", "qué está buscando")), LINES)

    assert (proposal.answer, proposal.evidence_index) == ("yes", 3)


def test_the_scale_maps_the_share_of_phrases_said_and_the_failure_words():
    tone = {"answer_type": SCALE_1_5, "speaker": "agent", "negative_keywords": ("no sé",)}

    assert propose_local(spec(keywords=("con gusto", "gracias por"), **tone), LINES).answer == "5"  # 1 of 2
    assert propose_local(spec(keywords=("con gusto", "gracias por", "a usted", "un placer"), **tone),
                         LINES).answer == "4"  # 1 of 4
    assert propose_local(spec(keywords=("un placer",), **tone), LINES).answer == "3"  # nothing either way
    rude = [Line(0, "agent", "No sé, pregunte en la tienda.")]
    assert propose_local(spec(keywords=("con gusto",), **tone), rude).answer == "1"
    mixed = [Line(0, "agent", "Con gusto... aunque no sé.")]
    assert propose_local(spec(keywords=("con gusto",), **tone), mixed).answer == "2"


def test_nothing_said_is_a_low_confidence_no_or_not_applicable_where_allowed():
    lines = [Line(0, "agent", "Hola.")]

    plain = propose_local(spec(answer_type=YES_NO, keywords=("confirmo su número",)), lines)
    optional = propose_local(spec(keywords=("confirmo su número",), allow_na=True), lines)

    assert (plain.answer, plain.evidence) == ("no", "") and plain.confidence <= 0.3
    assert (optional.answer, optional.evidence) == ("na", "") and optional.confidence <= 0.2
    assert plain.reason == DEFAULT_REASONS["nothing"]


def test_without_words_or_lines_there_is_no_proposal():
    assert propose_local(spec(), LINES).answer == ""
    assert propose_local(spec(keywords=("hola",)), []).answer == ""
    # Only failure words, none said: it passes.
    assert propose_local(spec(negative_keywords=("tarado",)), LINES).answer == "yes"


def test_without_speakers_the_whole_transcript_is_read_less_surely():
    known = propose_local(spec(keywords=("mi nombre es",), speaker="agent"), LINES)
    unknown = propose_local(spec(keywords=("mi nombre es",), speaker="agent"),
                            [Line(0, "", "Buenos días, mi nombre es Carla. Hola.", start=0.0)])

    assert unknown.answer == "yes" and unknown.evidence_index == 0
    assert unknown.confidence < known.confidence


def test_the_models_answer_is_checked_against_the_criterion_and_the_lines():
    criterion = spec(answer_type=YES_NO, keywords=("llamada es grabada",), speaker="agent")
    local = propose_local(criterion, LINES)
    schema = answer_schema(["c1"])

    def item(**fields):  # type: ignore[no-untyped-def]
        return {"criterion": "c1", "answer": "yes", "line": 2, "quote": "esta llamada es grabada",
                "confidence": 0.9, "reason": "Lo dijo.", **fields}

    kept = merge_answer(criterion, item(), lines=LINES, local=local, schema=schema, reasons=DEFAULT_REASONS)
    assert (kept.answer, kept.evidence, kept.evidence_start, kept.source) == ("yes", LINES[2].text, 7.25, "llm")
    # A wrong line number with a real quote: the line that says it.
    moved = merge_answer(criterion, item(line=0), lines=LINES, local=local, schema=schema, reasons=DEFAULT_REASONS)
    assert moved.evidence_index == 2
    # An invented quote is dropped and the confidence halved.
    invented = merge_answer(criterion, item(quote="la llamada será grabada y auditada"), lines=LINES, local=local,
                            schema=schema, reasons=DEFAULT_REASONS)
    assert (invented.answer, invented.evidence, invented.evidence_index) == ("yes", "", None)
    assert invented.confidence == 0.45 and DEFAULT_REASONS["quote_dropped"] in invented.reason
    # "partial" is no answer for a yes/no: the local rule answers.
    wrong = merge_answer(criterion, item(answer="partial"), lines=LINES, local=local, schema=schema,
                         reasons=DEFAULT_REASONS)
    assert (wrong.answer, wrong.source, wrong.evidence_index) == ("yes", "local", 2)


def test_numbered_lines_carry_the_number_speaker_and_clock():
    text = numbered_lines(LINES)
    assert text.splitlines()[2] == "[2] Asesor (00:07): Sí, le informo que esta llamada es grabada por calidad."
    long = [Line(i, "agent", f"Línea {i} " + "x" * 90) for i in range(400)]
    cut = numbered_lines(long, limit=2000)
    assert "[…]" in cut and cut.startswith("[0] ") and cut.endswith("x" * 90) and len(cut) <= 2100
