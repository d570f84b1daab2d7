"""Click to call in a real browser (issue 14, "Must show"): an agent opens a conversation and clicks "Call"; the
fake Twilio is asked to ring the agent's phone; Twilio's signed status callbacks (ringing, in progress, completed)
show live in the call bar (a running timer, then the duration); the recording callback brings the recording from
the fake Twilio, the fake OpenAI-compatible audio endpoint transcribes it, and the transcript with its AI reading
appears in the sidebar's call line. Screenshots in var/screenshots/calls-*.png."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from werkzeug import Response

from calls.models import Call, CallScript, CallScriptStep
from conversations.models import Conversation
from leads.models import Lead
from operators.models import Category
from tests.browser.live import inbound, log_in, off_loop
from tests.conftest import celery_eager
from tests.conversations.conftest import OUR_TWILIO_NUMBER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"
ACCOUNT_SID = "AC" + "1" * 32
CALLS_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
CALL_SID = "CA" + "c" * 32
RECORDING_SID = "RE" + "d" * 32
RECORDING_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"
AGENT_PHONE = "+51987000111"
CUSTOMER = "+51987654321"
AUDIO = b"ID3\x04\x00fake-mp3-frames" * 64
TRANSCRIPT = ("Hola Rosa, te llamo de Conecta Perú por el internet para tu casa. Sí, me interesa el plan de 200 megas, "
              "¿cuánto sale al mes? Son 89 soles con instalación gratis. Perfecto, quiero contratarlo.")
STATUS = "/webhooks/twilio/voice/status/"
RECORDING = "/webhooks/twilio/recording/"


@pytest.fixture
def fake_providers(httpserver, settings):  # type: ignore[no-untyped-def]
    """One local server playing Twilio (Calls API, the recording) and an OpenAI-compatible audio endpoint."""
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    settings.TWILIO_VOICE_NUMBER = OUR_TWILIO_NUMBER
    settings.OPENAI_BASE_URL = httpserver.url_for("/v1")
    settings.OPENAI_API_KEY = "sk-test"
    settings.PROVIDER_TIMEOUT_SECONDS = 3.0
    httpserver.expect_request(CALLS_PATH, method="POST").respond_with_json(
        {"sid": CALL_SID, "status": "queued", "direction": "outbound-api", "to": AGENT_PHONE,
         "from": OUR_TWILIO_NUMBER, "account_sid": ACCOUNT_SID}, status=201)
    httpserver.expect_request(RECORDING_PATH + ".mp3", method="GET").respond_with_response(
        Response(AUDIO, status=200, content_type="audio/mpeg"))
    httpserver.expect_request("/v1/audio/transcriptions", method="POST").respond_with_json(
        {"text": TRANSCRIPT, "language": "es", "duration": 42.0,
         "segments": [{"id": 0, "start": 0.0, "end": 6.0, "text": TRANSCRIPT[:80]},
                      {"id": 1, "start": 6.0, "end": 42.0, "text": TRANSCRIPT[80:]}]})
    return httpserver


def _rfc2822(at: datetime) -> str:
    return format_datetime(at.astimezone(UTC), usegmt=True)


def _status(status: str, sequence: int, at: datetime, **extra: str) -> dict[str, str]:
    return {"CallSid": CALL_SID, "AccountSid": ACCOUNT_SID, "CallStatus": status, "SequenceNumber": str(sequence),
            "Timestamp": _rfc2822(at), "Direction": "outbound-api", "From": OUR_TWILIO_NUMBER, "To": AGENT_PHONE,
            "CallbackSource": "call-progress-events", "ApiVersion": "2010-04-01", **extra}


def _recording(url: str) -> dict[str, str]:
    return {"AccountSid": ACCOUNT_SID, "CallSid": CALL_SID, "RecordingSid": RECORDING_SID, "RecordingUrl": url,
            "RecordingStatus": "completed", "RecordingDuration": "42", "RecordingChannels": "1",
            "RecordingSource": "DialVerb", "RecordingStartTime": _rfc2822(datetime.now(UTC))}


def _shot(page, name: str, selector: str | None = None) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = page.locator(selector) if selector else page
    target.screenshot(path=str(SCREENSHOTS / f"calls-{name}.png"))


def _conversation_for(lucia) -> Conversation:  # type: ignore[no-untyped-def]
    conversation = Conversation.objects.select_related("lead").get(pk=Conversation.objects.order_by("-pk")[0].pk)
    lead = conversation.lead or Lead.objects.create(contact=conversation.contact)
    Lead.objects.filter(pk=lead.pk).update(assignee=lucia, service_type=Category.INTERNET_HOME)
    Conversation.objects.filter(pk=conversation.pk).update(assignee=lucia, lead=lead)
    return Conversation.objects.get(pk=conversation.pk)


def _script() -> CallScript:
    script = CallScript.objects.create(name="Internet hogar", category=Category.INTERNET_HOME)
    steps = [
        ("opening", "Saludo", "Hola, te llamo de Conecta Perú por el internet que consultaste.", "", "te llamo de"),
        ("discovery", "Uso", "¿Cuántas personas usan internet en casa?", "", "cuántas personas"),
        ("objection", "Precio", "El plan de 200 megas incluye la instalación gratis.", "Está caro",
         "instalación gratis"),
        ("closing", "Cierre", "¿Agendamos la instalación para esta semana?", "", "agendamos"),
    ]
    for position, (kind, title, text, objection, cue) in enumerate(steps):
        CallScriptStep.objects.create(script=script, kind=kind, position=position, title=title, text=text,
                                      objection=objection, cues=cue)
    return script


def _timer_seconds(page) -> int:  # type: ignore[no-untyped-def]
    minutes, seconds = page.locator("#call-timer").inner_text().strip().split(":")[-2:]
    return int(minutes) * 60 + int(seconds)


@pytest.fixture(autouse=True)
def _tasks_in_process():  # type: ignore[no-untyped-def]
    """With REDIS_URL no worker runs here: the voice callbacks' tasks and the transcription run in the web process,
    as in the embedded mode."""
    with celery_eager(True):
        yield


def test_click_to_call_shows_each_state_live_then_the_transcript_and_reading(
        asgi_live_server, page, hosts, agents, ai_off, post_twilio, fake_providers):
    lucia, _marco = agents
    lucia.phone = AGENT_PHONE
    lucia.save(update_fields=["phone"])
    base = asgi_live_server
    inbound(post_twilio, Body="Hola, quiero internet para mi casa, ¿me pueden llamar?")
    conversation = _conversation_for(lucia)
    _script()

    log_in(page, base, "lucia")
    page.goto(f"{base}/panel/c/{conversation.pk}/")
    page.wait_for_selector("#panel[data-live='subscribed']")
    assert page.locator("#call-bar").is_hidden()

    # Click to call: our server asks Twilio to ring the agent's phone first.
    page.locator("#call-button").click()
    page.wait_for_selector("#call-bar[data-status='queued']")
    call = Call.objects.get()
    assert (call.call_sid, call.direction, call.to_number, call.agent_id) == (CALL_SID, "outbound", CUSTOMER,
                                                                              lucia.pk)
    [form] = [r.form for r, _ in fake_providers.log if r.path == CALLS_PATH]
    assert form["To"] == AGENT_PHONE and form["From"] == OUR_TWILIO_NUMBER
    assert form["Url"].endswith(f"/webhooks/twilio/voice/connect/{call.pk}/")
    assert form["StatusCallback"].endswith(STATUS)
    assert page.locator("#call-script .call-script-kind").count() == 4  # opening, discovery, objection, closing
    page.wait_for_selector("#call-button:disabled")  # no second call while this one is live
    page.wait_for_selector(f"#call-entry-{call.pk}[data-status='queued']")

    # Twilio's status callbacks, signed, through the voice webhook: each state shows live.
    started = datetime.now(UTC)
    assert off_loop(post_twilio, _status("ringing", 1, started), STATUS).status_code == 200
    page.wait_for_selector("#call-bar[data-status='ringing']")
    _shot(page, "ringing", "#conversation")

    assert off_loop(post_twilio, _status("in-progress", 2, datetime.now(UTC)), STATUS).status_code == 200
    page.wait_for_selector("#call-bar[data-status='in-progress'] #call-timer")
    assert page.locator("#call-script").is_visible()
    first = _timer_seconds(page)
    page.wait_for_timeout(3200)  # the timer ticks once a second: shown up to a second late
    assert _timer_seconds(page) >= first + 2  # the timer runs
    _shot(page, "in-progress", "#conversation")

    assert off_loop(post_twilio, _status("completed", 3, datetime.now(UTC), CallDuration="42"),
                    STATUS).status_code == 200
    page.wait_for_selector("#call-bar[data-status='completed']")
    assert page.locator("#call-duration").inner_text() == "0:42"
    assert page.locator("#call-timer").count() == 0 and page.locator("#call-script").count() == 0
    page.wait_for_selector("#call-button:enabled")
    entry = page.locator(f"#call-entry-{call.pk}")
    page.wait_for_selector(f"#call-entry-{call.pk}[data-status='completed']")
    assert "0:42" in entry.inner_text()
    _shot(page, "ended")

    # The recording: downloaded from the fake Twilio, transcribed by the fake audio endpoint, then read by the AI.
    url = fake_providers.url_for(RECORDING_PATH)
    assert off_loop(post_twilio, _recording(url), RECORDING).status_code == 200
    page.wait_for_selector(f"#call-entry-{call.pk}[data-transcript='done'] .call-excerpt")
    assert "Conecta Perú" in entry.locator(".call-excerpt").inner_text()
    assert entry.locator("audio.call-audio").count() == 1
    # The AI's reading of the transcript (local rules): outcome, sentiment, script adherence by step.
    page.wait_for_selector(f"#call-entry-{call.pk} .call-reading .call-adherence")
    call.refresh_from_db()
    assert call.transcript_state == "done" and call.analyzed_at is not None
    reading = entry.locator(".call-reading").inner_text()
    assert (call.script_adherence, call.ai_outcome, call.sentiment) == (50, "sale", "positive")
    assert "50%" in reading and "✓ Saludo" in reading and "✗ Uso" in reading and "✓ Precio" in reading
    assert entry.locator(".call-entry-sentiment").count() == 1 and entry.locator(".call-entry-outcome").count() == 1
    page.wait_for_load_state("networkidle")  # the line's last refreshes are in
    page.locator("#calls-card").scroll_into_view_if_needed()
    _shot(page, "transcript", "#calls-card")

    # The agent writes down the outcome.
    entry.locator("select[name='outcome']").select_option("interested")
    entry.locator("textarea[name='notes']").fill("Quiere la instalación el sábado")
    entry.locator("button[type='submit']").click()
    # Saved: the line comes back with it (and again when its call.updated arrives).
    page.wait_for_selector(f"#call-entry-{call.pk}[data-outcome='interested']")
    call.refresh_from_db()
    assert (call.outcome, call.notes) == ("interested", "Quiere la instalación el sábado")
    _shot(page, "outcome", "#calls-card")


def test_a_refused_call_is_explained_in_the_bar_and_nobody_is_rung(
        asgi_live_server, page, hosts, agents, ai_off, post_twilio, fake_providers):
    lucia, _marco = agents  # no phone on her profile
    base = asgi_live_server
    inbound(post_twilio, Body="Hola, ¿me pueden llamar?")
    conversation = _conversation_for(lucia)

    log_in(page, base, "lucia")
    page.goto(f"{base}/panel/c/{conversation.pk}/")
    page.wait_for_selector("#panel[data-live='subscribed']")
    page.locator("#lead-call-button").click()

    page.wait_for_selector("#call-bar[data-error='1'] #call-error")
    assert "phone" in page.locator("#call-error").inner_text() or "teléfono" in page.locator("#call-error").inner_text()
    assert not Call.objects.exists()
    assert not [r for r, _ in fake_providers.log if r.path == CALLS_PATH]
    _shot(page, "refused", "#conversation")
