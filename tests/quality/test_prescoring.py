"""The AI's pre-scoring of an audit (issue 15, item 3): for every criterion a proposed answer, the quoted line
and its second, pre-filled where the analyst has not answered, by the local rules or by an OpenAI-compatible
model (a local fake chat-completions server here); an invented quote dropped; a failing model replaced by the
local rules with the reason; a chat's messages read the same way."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal

import pytest
from werkzeug import Request, Response

from ai.models import AIRequest
from quality.models import Audit, AuditScore
from quality.services.prescoring import audit_prescore, prescoring_reasons
from quality.services.scoring import audit_recompute
from tests.calls.backoffice_data import make_call
from tests.quality.factories import criterion, make_audit, make_conversation, make_matrix

pytestmark = pytest.mark.django_db

CHAT = "/v1/chat/completions"
SEGMENTS = [
    {"speaker": "agent", "start": 0.0, "end": 4.2, "text": "Buenos días, mi nombre es Carla, de Conecta Perú."},
    {"speaker": "agent", "start": 4.2, "end": 8.0, "text": "Le informo que esta llamada es grabada por calidad."},
    {"speaker": "customer", "start": 8.5, "end": 11.0, "text": "Hola, sí. Quiero información del internet."},
    {"speaker": "agent", "start": 11.5, "end": 14.0, "text": "Claro, ¿en qué le puedo ayudar exactamente?"},
    {"speaker": "customer", "start": 14.5, "end": 19.0, "text": "Un plan de 200 megas para mi casa en Surco."},
    {"speaker": "agent", "start": 19.5, "end": 25.75,
     "text": "Con gusto. Hoy mismo le envío la cotización por WhatsApp."},
]


def transcribed_call(agent, segments=SEGMENTS):  # type: ignore[no-untyped-def]
    return make_call(agent=agent, transcript_segments=segments, transcript=" ".join(s["text"] for s in segments))


def rows(audit: Audit) -> dict[str, AuditScore]:
    return {row.criterion.text: row for row in audit.scores.select_related("criterion")}


@pytest.fixture
def matrix():  # type: ignore[no-untyped-def]
    return make_matrix()  # the factories' default scorecard: 6 criteria, one critical, partial, scale, N/A


@pytest.fixture
def audit(matrix, agent, supervisor):  # type: ignore[no-untyped-def]
    return make_audit(matrix=matrix, agent=agent, analyst=supervisor, call=transcribed_call(agent), recompute=False)


def test_local_rules_propose_answers_with_the_quoted_line_and_its_second(settings, audit):
    settings.AI_PROVIDER = "local"

    audit = audit_prescore(audit)

    audit.refresh_from_db()
    assert audit.ai_provider == "local" and audit.ai_scored_at is not None
    by_text = rows(audit)
    notice = by_text["Informa que la llamada es grabada"]
    assert notice.ai_answer == "yes"
    assert notice.ai_evidence == "Le informo que esta llamada es grabada por calidad."
    assert notice.ai_evidence_at == 4.2
    # Pre-filled for the analyst to confirm.
    assert (notice.answer, notice.evidence, notice.evidence_at) == ("yes", notice.ai_evidence, 4.2)
    step = by_text["Ofrece el siguiente paso"]
    assert (step.ai_answer, step.ai_evidence_at) == ("yes", 19.5)
    assert by_text["Pregunta por la necesidad del cliente"].ai_answer == "yes"
    assert by_text["Tono y amabilidad"].ai_answer == "5"  # "con gusto", 1 of its 2 phrases
    data = by_text["Confirma los datos del cliente"]
    assert (data.ai_answer, data.ai_evidence, data.ai_evidence_at) == ("na", "", None)  # may be N/A: not asked
    assert all(0 <= row.ai_confidence <= 1 and row.ai_reason for row in by_text.values())
    # Scored with the pre-filled answers; the analyst has changed nothing yet.
    assert audit.score is not None and audit.ai_agreement == 100
    # The local rules ask no provider.
    assert not AIRequest.objects.exists()


def test_an_answer_the_analyst_gave_is_kept_and_the_agreement_shows_it(settings, matrix, agent, supervisor):
    settings.AI_PROVIDER = "local"
    audit = make_audit(matrix=matrix, agent=agent, analyst=supervisor, call=transcribed_call(agent),
                       answers={"Informa que la llamada es grabada": "no"}, recompute=False)

    audit = audit_prescore(audit)

    row = rows(audit)["Informa que la llamada es grabada"]
    assert (row.answer, row.ai_answer) == ("no", "yes")
    audit.refresh_from_db()
    assert audit.critical_failed and audit.score == 0  # the analyst's "no" on the critical criterion
    # 5 of the 6 answers agree (N/A included as an answer both gave).
    assert audit.ai_agreement == Decimal("83.33")


def test_nothing_said_proposes_a_no_without_evidence(settings, matrix, agent, supervisor):
    settings.AI_PROVIDER = "local"
    segments = [{"speaker": "agent", "start": 0.0, "end": 2.0, "text": "Aló."},
                {"speaker": "customer", "start": 2.0, "end": 4.0, "text": "¿Mi nombre es? No, ¿quién habla?"}]
    audit = make_audit(matrix=matrix, agent=agent, analyst=supervisor,
                       call=transcribed_call(agent, segments), recompute=False)

    audit = audit_prescore(audit)

    greeting = rows(audit)["Saluda y se presenta"]
    assert (greeting.ai_answer, greeting.ai_evidence, greeting.ai_evidence_at) == ("no", "", None)
    assert greeting.ai_confidence < 0.5


# ---------------------------------------------------------------------------------------------
# The OpenAI-compatible model
# ---------------------------------------------------------------------------------------------
def completion(content: str) -> dict:
    return {
        "id": "chatcmpl-audit", "object": "chat.completion", "created": 1765000000, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1500, "completion_tokens": 400, "total_tokens": 1900},
    }


def answer(crit, value, *, line=None, quote="", confidence=0.9, reason="Razón."):  # type: ignore[no-untyped-def]
    return {"criterion": str(crit.pk), "answer": value, "line": line, "quote": quote, "confidence": confidence,
            "reason": reason}


@pytest.fixture
def chat_server(settings, httpserver):  # type: ignore[no-untyped-def]
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_MODEL = "gpt-4o-mini"
    settings.AI_TIMEOUT_SECONDS = 2.0
    settings.AI_MONTHLY_BUDGET_USD = ""
    return httpserver


def test_the_models_answers_and_quotes_are_used_and_an_invented_quote_is_dropped(chat_server, matrix, audit):
    c = {text: criterion(matrix, text) for text in rows(audit)}
    chat_server.expect_oneshot_request(CHAT, method="POST").respond_with_json(completion(json.dumps({"answers": [
        answer(c["Saluda y se presenta"], "yes", line=0, quote="mi nombre es Carla", confidence=0.95),
        # Quoted from another line than the one named: the line that says it.
        answer(c["Informa que la llamada es grabada"], "yes", line=3, quote="esta llamada es grabada"),
        # The model judges by meaning where the words miss: "¿en qué le puedo ayudar exactamente?" only half asks.
        answer(c["Pregunta por la necesidad del cliente"], "partial", line=3,
               quote="¿en qué le puedo ayudar exactamente?", confidence=0.6),
        # Invented: nobody said it.
        answer(c["Confirma los datos del cliente"], "yes", line=4, quote="Confirmo su número, 987 654 321"),
        answer(c["Tono y amabilidad"], "4", line=5, quote="Con gusto."),
        # Not an answer a yes/no criterion takes: the local rule answers this one.
        answer(c["Ofrece el siguiente paso"], "3", line=5, quote="le envío la cotización"),
    ]})))

    audit = audit_prescore(audit)

    request, _ = chat_server.log[-1]
    body = json.loads(request.data)
    assert body["model"] == "gpt-4o-mini"
    assert body["response_format"]["json_schema"]["name"] == "audit_prescoring"
    prompt = "\n".join(message["content"] for message in body["messages"])
    assert "[1] Asesor (00:04): Le informo que esta llamada es grabada por calidad." in prompt
    assert f"id {c['Tono y amabilidad'].pk}: Tono y amabilidad" in prompt

    audit.refresh_from_db()
    assert audit.ai_provider == "openai:gpt-4o-mini"
    by_text = rows(audit)
    greeting = by_text["Saluda y se presenta"]
    assert (greeting.ai_answer, greeting.ai_evidence_at, greeting.ai_confidence) == ("yes", 0.0, 0.95)
    assert greeting.ai_evidence == SEGMENTS[0]["text"]  # the whole line, as the page shows it
    notice = by_text["Informa que la llamada es grabada"]
    assert (notice.ai_evidence, notice.ai_evidence_at) == (SEGMENTS[1]["text"], 4.2)
    need = by_text["Pregunta por la necesidad del cliente"]
    assert (need.ai_answer, need.answer, need.evidence_at) == ("partial", "partial", 11.5)
    invented = by_text["Confirma los datos del cliente"]
    assert (invented.ai_answer, invented.ai_evidence, invented.ai_evidence_at) == ("yes", "", None)
    assert invented.ai_confidence == 0.45
    assert invented.ai_reason.endswith(prescoring_reasons()["quote_dropped"])  # in the active language
    assert invented.evidence == ""  # nothing invented reaches the analyst's evidence either
    assert by_text["Tono y amabilidad"].ai_answer == "4"
    step = by_text["Ofrece el siguiente paso"]
    assert (step.ai_answer, step.ai_evidence_at) == ("yes", 19.5)  # the local rule's answer and quote
    assert "local" in step.ai_reason
    logged = AIRequest.objects.get()
    assert (logged.provider, logged.outcome, logged.tokens_in, logged.tokens_out) == ("openai", "ok", 1500, 400)
    assert logged.subject == f"audit:{audit.pk}"


@pytest.mark.parametrize("reply", [
    {"status": 500, "body": {"error": {"message": "boom"}}, "why": "HTTP 500", "outcome": "error"},
    {"status": 200, "body": completion("no es JSON"), "why": "invalid output", "outcome": "invalid"},
])
def test_a_failing_model_falls_back_to_the_local_rules_with_the_reason(chat_server, audit, reply):
    chat_server.expect_request(CHAT, method="POST").respond_with_json(reply["body"], status=reply["status"])

    audit = audit_prescore(audit)

    audit.refresh_from_db()
    assert audit.ai_provider == f"local (openai failed: {reply['why']})"
    notice = rows(audit)["Informa que la llamada es grabada"]
    assert (notice.ai_answer, notice.ai_evidence_at, notice.answer) == ("yes", 4.2, "yes")
    assert AIRequest.objects.get().outcome == reply["outcome"]


def test_a_model_slower_than_the_timeout_falls_back_to_the_local_rules(chat_server, audit, settings):
    settings.AI_TIMEOUT_SECONDS = 0.3
    done = threading.Event()

    def slow(request: Request) -> Response:
        time.sleep(0.8)
        done.set()
        return Response(json.dumps(completion('{"answers": []}')), content_type="application/json")

    chat_server.expect_request(CHAT, method="POST").respond_with_handler(slow)

    started = time.perf_counter()
    audit = audit_prescore(audit)
    assert time.perf_counter() - started < 0.8  # the provider's timeout, not the server's pace

    audit.refresh_from_db()
    assert audit.ai_provider == "local (openai failed: timeout)"
    assert rows(audit)["Saluda y se presenta"].ai_answer == "yes"
    assert AIRequest.objects.get().outcome == "timeout"
    assert done.wait(2)  # let the slow handler finish before the server stops


def test_a_spent_monthly_budget_asks_no_model(chat_server, audit, settings):
    settings.AI_MONTHLY_BUDGET_USD = "0"

    audit = audit_prescore(audit)

    assert audit.ai_provider == "local (openai failed: budget)"
    assert not chat_server.log
    assert AIRequest.objects.get().outcome == "budget"


# ---------------------------------------------------------------------------------------------
# A chat
# ---------------------------------------------------------------------------------------------
def test_a_chats_messages_are_pre_scored_with_the_message_as_evidence(settings, matrix, agent, supervisor):
    settings.AI_PROVIDER = "local"
    conversation = make_conversation(assignee=agent, messages=[
        ("customer", "Hola, quiero info del plan de 200 megas"),
        ("ai", "¡Hola! Te paso con un asesor."),
        ("agent", "Buenas tardes, mi nombre es Luis. ¿En qué le puedo ayudar?"),
        ("customer", "Eso, el plan de 200"),
        ("agent", "Le envío la cotización por aquí mismo. Gracias por escribirnos."),
    ])
    audit = make_audit(matrix=matrix, agent=agent, analyst=supervisor, conversation=conversation, recompute=False)

    audit = audit_prescore(audit)

    by_text = rows(audit)
    greeting = by_text["Saluda y se presenta"]
    assert greeting.ai_answer == "yes"
    assert greeting.ai_evidence == "Buenas tardes, mi nombre es Luis. ¿En qué le puedo ayudar?"
    assert greeting.ai_evidence_at is None  # a chat has no recording to seek
    assert by_text["Ofrece el siguiente paso"].ai_evidence.startswith("Le envío la cotización")
    assert by_text["Informa que la llamada es grabada"].ai_answer == "no"
    assert audit.ai_provider == "local"


def test_the_agreement_drops_when_the_analyst_changes_a_proposal(settings, audit):
    settings.AI_PROVIDER = "local"
    audit = audit_prescore(audit)
    AuditScore.objects.filter(audit=audit, criterion__text="Tono y amabilidad").update(answer="3")

    audit = audit_recompute(audit)

    assert audit.ai_agreement == Decimal("83.33")
