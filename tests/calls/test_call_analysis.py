"""A transcribed call read by the AI (issue 14, items 5 and 6): sentiment, intents, the watch list's and the
script's keywords, outcome, next action and script adherence stored on the call, the lead rescored through
leads' services as a conversation's messages rescore it, ``call.transcribed`` emitted. The recording goes
through a local fake OpenAI-compatible audio endpoint; the LLM reading through a fake chat-completions one."""

from __future__ import annotations

import json

import pytest

from ai.models import AIRequest
from calls.models import Call, CallScript, CallScriptStep, WatchKeyword
from calls.scripts import script_for_call
from calls.services.analysis import call_analyze
from calls.services.transcripts import call_transcription_queue
from core import events
from leads.models import Contact, Lead
from operators.models import Category
from tests.calls.transcript_fakes import TRANSCRIPTIONS, by_channel, call_with_recording, stereo_wav, verbose_json
from tests.conftest import celery_eager

pytestmark = pytest.mark.django_db

CHAT = "/v1/chat/completions"
AGENT_SIDE = verbose_json([
    (0.0, 4.0, "Hola Rosa, te llamo de Conecta Perú por el internet que consultaste."),
    (9.0, 14.0, "El plan de 200 megas cuesta 89 soles al mes con instalación gratis."),
])
CUSTOMER_SIDE = verbose_json([
    (4.5, 8.5, "Hola. Ahorita tengo Movistar pero lo quiero dar de baja porque se cae a cada rato."),
    (14.5, 18.0, "¿Cuánto cuesta el plan de 200 megas? Me interesa."),
    (18.5, 22.0, "Llámame mañana en la tarde y lo vemos, gracias."),
])


@pytest.fixture
def audio_server(settings, httpserver):  # type: ignore[no-untyped-def]
    settings.AI_PROVIDER = "local"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_TRANSCRIBE_MODEL = "whisper-1"
    settings.AI_TIMEOUT_SECONDS = 2.0
    httpserver.expect_request(TRANSCRIPTIONS, method="POST").respond_with_handler(
        by_channel(silent=AGENT_SIDE, loud=CUSTOMER_SIDE))
    return httpserver


@pytest.fixture
def script(db) -> CallScript:  # type: ignore[no-untyped-def]
    script = CallScript.objects.create(name="Internet hogar", category=Category.INTERNET_HOME)
    steps = [
        ("opening", "Saludo", "te llamo de Conecta Perú\nle llamo de Conecta Perú"),
        ("discovery", "Necesidad", "cuántas personas\npara qué usa"),
        ("objection", "Precio", "instalación gratis\nsin costo de instalación"),
        ("closing", "Cierre", "agendamos la instalación\nte envío el contrato"),
    ]
    for position, (kind, title, cues) in enumerate(steps):
        CallScriptStep.objects.create(script=script, kind=kind, position=position, title=title, text=title,
                                      cues=cues)
    return script


@pytest.fixture
def watch_list(db) -> None:  # type: ignore[no-untyped-def]
    WatchKeyword.objects.create(phrase="Movistar", kind=WatchKeyword.Kind.COMPETITOR)
    WatchKeyword.objects.create(phrase="Dar de baja", kind=WatchKeyword.Kind.CANCELLATION)
    WatchKeyword.objects.create(phrase="Entel", kind=WatchKeyword.Kind.COMPETITOR)
    WatchKeyword.objects.create(phrase="estafa", kind=WatchKeyword.Kind.COMPLAINT, is_active=False)


@pytest.fixture
def lead(agent) -> Lead:  # type: ignore[no-untyped-def]
    contact = Contact.objects.create(phone="+51987654321", name="Rosa Quispe")
    return Lead.objects.create(contact=contact, assignee=agent, service_type=Category.INTERNET_HOME)


@pytest.fixture
def transcribed_events():  # type: ignore[no-untyped-def]
    seen: list[dict] = []

    def record(event: events.Event) -> None:
        seen.append(dict(event.payload))

    events.subscribe("call.transcribed", record)
    yield seen
    events.unsubscribe("call.transcribed", record)


def test_transcript_and_analysis_update_the_call_and_rescore_the_lead(audio_server, script, watch_list, lead, agent,
                                                                      transcribed_events,
                                                                      django_capture_on_commit_callbacks):
    before = (lead.score, lead.classification)
    call = call_with_recording(audio=stereo_wav(left_silent=True), content_type="audio/wav", channels=2,
                               direction=Call.Direction.OUTBOUND, contact=lead.contact, lead=lead, agent=agent)
    with celery_eager(True), django_capture_on_commit_callbacks(execute=True):
        call_transcription_queue(call)  # what the voice webhooks call once the recording is stored

    call.refresh_from_db()
    assert call.transcript_state == Call.TranscriptState.DONE
    assert [s["speaker"] for s in call.transcript_segments] == ["agent", "customer", "agent", "customer", "customer"]
    # The AI reading.
    assert call.analyzed_at is not None
    assert call.sentiment in {"positive", "neutral", "negative"}
    assert len(call.analysis["turn_sentiments"]) == 3  # the customer's three turns
    assert call.ai_outcome == Call.Outcome.CALLBACK
    assert "mañana en la tarde" in call.next_action
    assert "Movistar" in call.next_action and "Dar de baja" in call.next_action  # the watch list's words
    watch = {(k["phrase"], k["kind"], k["count"]) for k in call.analysis["keywords"] if k["source"] == "watch"}
    assert watch == {("Movistar", "competitor", 1), ("Dar de baja", "cancellation", 1)}
    intents = {i["intent"] for i in call.analysis["intents"]}
    assert "price_query" in intents
    # Script: the lead's product category chose it; 2 of its 4 steps were covered by the agent.
    assert call.script_id == script.pk
    assert call.script_adherence == 50
    covered = [s["title"] for s in call.analysis["steps"] if s["covered"]]
    assert covered == ["Saludo", "Precio"]
    assert call.analysis["script"] == {"id": script.pk, "name": "Internet hogar"}
    # The lead, through leads.services: rescored with what the customer said.
    lead.refresh_from_db()
    assert (lead.score, lead.classification) != before
    assert lead.score > before[0]
    assert "me interesa" in lead.ai_analysis["customer_text"].lower()
    assert lead.ai_analysis["reasons"][-1]["delta"] == lead.score - before[0]
    assert lead.next_action  # the lead's own next step, by its class
    assert transcribed_events == [{"call_id": call.pk}]
    # Logged: two transcription requests (one per side); the local reading logs no request of its own.
    assert AIRequest.objects.filter(purpose=AIRequest.Purpose.TRANSCRIPTION).count() == 2


def test_call_with_a_contact_and_no_open_lead_creates_one_when_the_customer_shows_interest(
        db, audio_server, agent, django_capture_on_commit_callbacks):
    contact = Contact.objects.create(phone="+51987000222", name="Luis Ramos")
    call = call_with_recording(audio=stereo_wav(), content_type="audio/wav", channels=2, contact=contact,
                               agent=agent)
    with celery_eager(True), django_capture_on_commit_callbacks(execute=True):
        call_transcription_queue(call)
    call.refresh_from_db()
    assert call.lead is not None
    assert (call.lead.contact_id, call.lead.source) == (contact.pk, "phone")
    assert call.lead.service_type == "internet_home"  # from "plan de 200 megas"
    assert call.lead.assignee == agent  # the agent who spoke with the customer
    assert call.lead.score > 0 and call.lead.classification
    assert call.ai_outcome == Call.Outcome.CALLBACK
    assert call.script_adherence is None  # the script is chosen before the lead exists: none for this call
    assert call.analysis["script"] is None


def _transcribed_call(**fields) -> Call:  # type: ignore[no-untyped-def]
    segments = [{"speaker": "agent", "start": 0.0, "end": 3.0, "text": "Buenas, le llamo de Conecta Perú."},
                {"speaker": "customer", "start": 3.0, "end": 6.0, "text": "No me interesa, gracias."}]
    return Call.objects.create(direction=Call.Direction.OUTBOUND, status=Call.Status.COMPLETED,
                               transcript_state=Call.TranscriptState.DONE, transcript_segments=segments,
                               transcript=" ".join(s["text"] for s in segments), transcribed_at="2026-12-01T10:00Z",
                               **fields)


def test_the_calls_own_script_wins_over_the_category_one(script, lead):
    own = CallScript.objects.create(name="Portabilidad diciembre", campaign="Portabilidad diciembre")
    CallScriptStep.objects.create(script=own, kind="opening", title="Saludo", text="...", cues="le llamo de")
    call = _transcribed_call(lead=lead, contact=lead.contact, script=own)
    assert script_for_call(call) == own
    assert call_analyze(call_id=call.pk) == "analyzed"
    call.refresh_from_db()
    assert call.script_adherence == 100
    assert call.ai_outcome == Call.Outcome.NOT_INTERESTED


def test_inactive_scripts_are_not_chosen(script, lead):
    CallScript.objects.filter(pk=script.pk).update(is_active=False)
    assert script_for_call(_transcribed_call(lead=lead, contact=lead.contact)) is None


def test_a_transcript_is_read_once_and_a_call_without_one_is_skipped(db):
    call = _transcribed_call()
    assert call_analyze(call_id=call.pk) == "analyzed"
    first = Call.objects.get(pk=call.pk).analyzed_at
    assert call_analyze(call_id=call.pk) == "skipped"
    assert Call.objects.get(pk=call.pk).analyzed_at == first
    pending = Call.objects.create(direction=Call.Direction.INBOUND, transcript_state=Call.TranscriptState.PENDING)
    assert call_analyze(call_id=pending.pk) == "skipped"


def _completion(content: str) -> dict:
    return {"id": "chatcmpl-call", "object": "chat.completion", "created": 1735689600, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 120, "total_tokens": 1020}}


def _entities() -> dict:
    return {"service_type": "internet_home", "operator": "", "products": [], "product_terms": "plan de 200 megas",
            "capacity_gb": None, "color": "", "speed_mbps": 200, "data_gb": None, "quantity": None, "budget": None,
            "zone": "Surco", "address": "", "name": "", "email": "", "phone": "", "urgency": False}


@pytest.fixture
def chat_server(settings, httpserver):  # type: ignore[no-untyped-def]
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_MODEL = "gpt-4o-mini"
    settings.AI_TIMEOUT_SECONDS = 2.0
    return httpserver


def test_with_the_openai_provider_an_llm_reads_the_whole_call_as_checked_json(chat_server, script, lead):
    step_keys = [str(pk) for pk in script.steps.order_by("position").values_list("pk", flat=True)]
    chat_server.expect_oneshot_request(CHAT, method="POST").respond_with_json(_completion(json.dumps({
        "sentiment": "positive", "sentiment_score": 0.6, "intents": ["price_query", "purchase_intent"],
        "outcome": "sale", "next_action": "Enviar el contrato del plan de 200 megas hoy.",
        "steps_covered": [step_keys[1], step_keys[3]], "entities": _entities(),
    })))
    call = _transcribed_call(lead=lead, contact=lead.contact)
    assert call_analyze(call_id=call.pk) == "analyzed"

    request, _ = chat_server.log[-1]
    body = json.loads(request.data)
    assert body["response_format"]["json_schema"]["name"] == "call_analysis"
    assert "Cliente: No me interesa, gracias." in body["messages"][-1]["content"]
    call.refresh_from_db()
    assert (call.ai_outcome, call.sentiment) == ("sale", "positive")
    assert call.next_action == "Enviar el contrato del plan de 200 megas hoy."
    # Steps: the opening by its cue ("le llamo de Conecta Perú"), two more by the model's reading.
    assert call.script_adherence == 75
    assert call.analysis["provider"] == "openai" and call.analysis["fallback"] is False
    logged = AIRequest.objects.get(purpose=AIRequest.Purpose.ANALYSIS)
    assert (logged.provider, logged.outcome, logged.tokens_in) == ("openai", "ok", 900)
    lead.refresh_from_db()
    assert lead.zone == "Surco" and lead.intent == "purchase_intent"


@pytest.mark.parametrize("answer", [
    {"status": 500, "body": {"error": {"message": "boom"}}},
    {"status": 200, "body": _completion('{"sentiment": "happy"}')},
])
def test_an_llm_that_fails_or_answers_badly_falls_back_to_the_local_reading(chat_server, answer):
    chat_server.expect_request(CHAT, method="POST").respond_with_json(answer["body"], status=answer["status"])
    call = _transcribed_call()
    assert call_analyze(call_id=call.pk) == "analyzed"
    call.refresh_from_db()
    assert call.ai_outcome == Call.Outcome.NOT_INTERESTED  # the local rules read "no me interesa"
    assert call.analysis["provider"] == "local" and call.analysis["fallback"] is True
    assert AIRequest.objects.get(purpose=AIRequest.Purpose.ANALYSIS).outcome in {"error", "invalid"}


def test_a_voicemail_is_all_the_customers_words_and_follows_no_script(settings, httpserver, script, lead,
                                                                    django_capture_on_commit_callbacks):
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_API_KEY = "sk-test"
    httpserver.expect_request(TRANSCRIPTIONS, method="POST").respond_with_json(verbose_json([
        (0.0, 4.0, "Hola, soy Rosa, me interesa el plan de 200 megas."),
        (4.0, 7.0, "Por favor llámenme mañana, gracias."),
    ]))
    call = call_with_recording(direction=Call.Direction.INBOUND, is_voicemail=True, contact=lead.contact, lead=lead)
    with celery_eager(True), django_capture_on_commit_callbacks(execute=True):
        call_transcription_queue(call)
    call.refresh_from_db()
    assert [s["speaker"] for s in call.transcript_segments] == ["customer", "customer"]
    assert call.ai_outcome == Call.Outcome.CALLBACK
    assert (call.script_id, call.script_adherence) == (None, None)
    assert not any("no speaker turns" in note for note in call.analysis["notes"])
