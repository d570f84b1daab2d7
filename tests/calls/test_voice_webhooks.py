"""Twilio Voice through its signed webhooks, against a local fake Twilio (pytest-httpserver) for recordings.

Inbound TwiML is parsed back with xml.etree; status and recording callbacks are posted signed with twilio's
RequestValidator, stored, then processed as the worker would (the service the task calls).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from pytest_httpserver import HTTPServer
from twilio.request_validator import RequestValidator
from werkzeug import Response

from calls.models import Call, CallRecording, VoiceWebhookEvent
from calls.services import inbound
from calls.services.inbound import voice_event_process
from core import events
from leads.models import Contact, Lead
from tests.conftest import celery_eager

pytestmark = pytest.mark.django_db

TOKEN = "twilio-auth-token-for-voice-tests"
SID = "AC" + "2" * 32
BASE = "https://crm.example.com"
OUR_NUMBER = "+51940111222"
CUSTOMER = "+51987654321"
CALL_SID = "CA" + "a" * 32
RECORDING_SID = "RE" + "b" * 32
AUDIO = b"ID3\x04\x00fake-mp3-frames" * 40
LIMA = ZoneInfo("America/Lima")
OPEN_TIME = datetime(2026, 12, 2, 11, 0, tzinfo=LIMA)  # a Wednesday morning
CLOSED_TIME = datetime(2026, 12, 6, 22, 0, tzinfo=LIMA)  # a Sunday night


@pytest.fixture(autouse=True)
def voice_settings(settings, httpserver: HTTPServer):  # type: ignore[no-untyped-def]
    settings.PUBLIC_BASE_URL = BASE
    settings.ALLOWED_HOSTS = ["crm.example.com", "testserver", "localhost", "127.0.0.1"]
    settings.SECURE_SSL_REDIRECT = False
    settings.TWILIO_ACCOUNT_SID = SID
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    settings.TWILIO_VOICE_NUMBER = OUR_NUMBER
    settings.VOICE_BUSINESS_HOURS = "mon-fri 09:00-19:00; sat 09:00-13:00"
    settings.VOICE_RING_SECONDS = 17
    settings.VOICE_MAX_RECORDING_BYTES = 1_000_000
    settings.PROVIDER_TIMEOUT_SECONDS = 2.0
    return settings


def recording_path(sid: str = RECORDING_SID) -> str:
    return f"/2010-04-01/Accounts/{SID}/Recordings/{sid}"


@pytest.fixture
def serve_audio(httpserver: HTTPServer):  # type: ignore[no-untyped-def]
    """Twilio's recording resource: ``GET …/Recordings/RE….mp3`` answers the audio (with Basic auth only)."""

    def _serve(body: bytes = AUDIO, content_type: str = "audio/mpeg", sid: str = RECORDING_SID) -> None:
        httpserver.expect_request(recording_path(sid) + ".mp3", method="GET").respond_with_response(
            Response(body, status=200, content_type=content_type))

    return _serve


@pytest.fixture
def post_voice(client):  # type: ignore[no-untyped-def]
    def _post(path: str, params: dict[str, str], *, signature: str | None = None, token: str = TOKEN):
        sig = signature if signature is not None else RequestValidator(token).compute_signature(BASE + path, params)
        return client.post(path, data=urlencode(params), content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": sig}, secure=True)

    return _post


def voice_params(**overrides: str) -> dict[str, str]:
    params = {"CallSid": CALL_SID, "AccountSid": SID, "From": CUSTOMER, "To": OUR_NUMBER, "CallStatus": "ringing",
              "Direction": "inbound", "ApiVersion": "2010-04-01", "CallerCountry": "PE"}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def status_params(status: str, sequence: int, **overrides: str) -> dict[str, str]:
    params = {"CallSid": CALL_SID, "AccountSid": SID, "CallStatus": status, "SequenceNumber": str(sequence),
              "Timestamp": f"Wed, 02 Dec 2026 16:00:{sequence * 10:02d} +0000", "Direction": "inbound",
              "From": CUSTOMER, "To": OUR_NUMBER, "CallbackSource": "call-progress-events"}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def recording_params(url: str, **overrides: str) -> dict[str, str]:
    params = {"AccountSid": SID, "CallSid": CALL_SID, "RecordingSid": RECORDING_SID, "RecordingUrl": url,
              "RecordingStatus": "completed", "RecordingDuration": "42", "RecordingChannels": "2",
              "RecordingSource": "DialVerb", "RecordingStartTime": "Wed, 02 Dec 2026 16:00:05 +0000"}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


VOICE = "/webhooks/twilio/voice/"
STATUS = "/webhooks/twilio/voice/status/"
RECORDING = "/webhooks/twilio/recording/"


def drain() -> dict[str, int]:
    """What the inbound worker would do: process every stored voice event not processed yet."""
    counts: dict[str, int] = {}
    pending = VoiceWebhookEvent.objects.filter(state=VoiceWebhookEvent.State.RECEIVED).order_by("pk")
    for event_id in pending.values_list("pk", flat=True):
        state = voice_event_process(event_id=event_id)
        counts[state] = counts.get(state, 0) + 1
    return counts


def twiml(response) -> ET.Element:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own answer, parsed back
    assert root.tag == "Response"
    return root


def spanish_texts() -> dict[str, str]:
    with translation.override("es"):
        return inbound._texts()


@pytest.fixture
def customer_with_lead(agent):  # type: ignore[no-untyped-def]
    agent.phone = "+51911222333"
    agent.save(update_fields=["phone"])
    contact = Contact.objects.create(phone=CUSTOMER, name="Rosa Quispe")
    lead = Lead.objects.create(contact=contact, assignee=agent)
    return contact, lead


@pytest.fixture
def inbound_call(post_voice, customer_with_lead) -> Call:  # type: ignore[no-untyped-def]
    with time_machine.travel(OPEN_TIME):
        twiml(post_voice(VOICE, voice_params()))
    return Call.objects.get(call_sid=CALL_SID)


# ---------------------------------------------------------------------------------------------
# Inbound: TwiML
# ---------------------------------------------------------------------------------------------
def test_inbound_call_in_hours_greets_warns_of_recording_and_rings_the_leads_agent(post_voice, customer_with_lead,
                                                                                  agent):
    contact, lead = customer_with_lead
    with time_machine.travel(OPEN_TIME):
        root = twiml(post_voice(VOICE, voice_params()))
    texts = spanish_texts()
    says = root.findall("Say")
    assert [s.text for s in says] == [texts["greeting"], texts["consent"]]
    assert all(s.get("language") == "es-MX" for s in says)
    dial = root.find("Dial")
    assert dial is not None
    assert dial.get("timeout") == "17"
    assert dial.get("record") == "record-from-answer-dual"
    assert dial.get("recordingStatusCallback") == BASE + RECORDING
    assert dial.get("action") == BASE + VOICE + "?stage=dial"
    assert [c.text for c in dial.findall("Client")] == [f"agent-{agent.pk}"]
    assert [n.text for n in dial.findall("Number")] == ["+51911222333"]
    assert dial.find("Client").get("statusCallback") == BASE + STATUS
    call = Call.objects.get()
    assert (call.direction, call.call_sid, call.status) == ("inbound", CALL_SID, "ringing")
    assert (call.contact, call.lead, call.agent) == (contact, lead, agent)
    assert (call.from_number, call.to_number, call.is_voicemail) == (CUSTOMER, OUR_NUMBER, False)
    event = VoiceWebhookEvent.objects.get()
    assert (event.kind, event.external_id, event.state) == ("inbound", CALL_SID, "processed")
    assert event.payload["From"] == CUSTOMER


def test_inbound_call_from_unknown_number_creates_contact_and_rings_the_agents(post_voice, agent, other_agent):
    with time_machine.travel(OPEN_TIME):
        root = twiml(post_voice(VOICE, voice_params(From="+51955666777")))
    clients = {c.text for c in root.find("Dial").findall("Client")}
    assert clients == {f"agent-{agent.pk}", f"agent-{other_agent.pk}"}
    call = Call.objects.get()
    assert call.agent is None and call.lead is None
    assert call.contact == Contact.objects.get(phone="+51955666777")


def test_inbound_call_without_a_lead_rings_whoever_holds_the_last_conversation(post_voice, other_agent):
    from conversations.models import ChannelAccount, Conversation

    contact = Contact.objects.create(phone=CUSTOMER, name="Rosa Quispe")
    account = ChannelAccount.objects.create(provider="twilio_whatsapp", name="WhatsApp Lima", account_ref=OUR_NUMBER)
    conversation = Conversation.objects.create(channel_account=account, contact=contact, assignee=other_agent)
    with time_machine.travel(OPEN_TIME):
        root = twiml(post_voice(VOICE, voice_params()))
    assert [c.text for c in root.find("Dial").findall("Client")] == [f"agent-{other_agent.pk}"]
    call = Call.objects.get()
    assert (call.contact, call.conversation, call.agent, call.lead) == (contact, conversation, other_agent, None)


def test_nobody_answers_then_voicemail_is_recorded_and_the_call_is_a_voicemail(post_voice, inbound_call):
    root = twiml(post_voice(VOICE + "?stage=dial", voice_params(CallStatus="in-progress",
                                                                 DialCallStatus="no-answer")))
    assert [s.text for s in root.findall("Say")] == [spanish_texts()["no_answer"]]
    record = root.find("Record")
    assert record is not None
    assert record.get("maxLength") == "120"
    assert record.get("recordingStatusCallback") == BASE + RECORDING
    assert record.get("action") == BASE + VOICE + "?stage=voicemail"
    assert root.find("Dial") is None and root.find("Hangup") is not None
    inbound_call.refresh_from_db()
    assert inbound_call.is_voicemail is True
    goodbye = twiml(post_voice(VOICE + "?stage=voicemail", voice_params(
        CallStatus="in-progress", RecordingSid="RE" + "e" * 32, RecordingDuration="12",
        RecordingUrl="https://api.twilio.com/2010-04-01/Accounts/x/Recordings/RE1")))
    assert goodbye.find("Say").text == spanish_texts()["goodbye"] and goodbye.find("Hangup") is not None
    inbound_call.refresh_from_db()
    assert (inbound_call.status, inbound_call.duration, inbound_call.answered_at) == ("completed", 12, None)
    assert inbound_call.ended_at is not None


def test_answered_dial_hangs_up_without_voicemail(post_voice, inbound_call):
    root = twiml(post_voice(VOICE + "?stage=dial", voice_params(CallStatus="in-progress", DialCallStatus="completed",
                                                                 DialCallDuration="30")))
    assert root.find("Record") is None and root.find("Hangup") is not None
    inbound_call.refresh_from_db()
    assert inbound_call.is_voicemail is False
    # Over as our TwiML sees it, even when the number's own status callback is not configured.
    assert (inbound_call.status, inbound_call.duration) == ("completed", 30)
    assert inbound_call.answered_at is not None and inbound_call.ended_at is not None
    assert (inbound_call.ended_at - inbound_call.answered_at).total_seconds() == 30


def test_closed_hours_go_straight_to_voicemail(post_voice, customer_with_lead):
    with time_machine.travel(CLOSED_TIME):
        root = twiml(post_voice(VOICE, voice_params()))
    texts = spanish_texts()
    assert [s.text for s in root.findall("Say")] == [texts["greeting"], texts["closed"]]
    assert root.find("Dial") is None
    assert root.find("Record").get("recordingStatusCallback") == BASE + RECORDING
    assert Call.objects.get().is_voicemail is True


def test_same_inbound_request_twice_gives_one_call_and_the_same_answer(post_voice, customer_with_lead):
    with time_machine.travel(OPEN_TIME):
        first = post_voice(VOICE, voice_params()).content
        second = post_voice(VOICE, voice_params()).content
    assert first == second
    assert Call.objects.count() == 1 and VoiceWebhookEvent.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Status callbacks
# ---------------------------------------------------------------------------------------------
def test_status_callbacks_out_of_order_never_move_the_call_backwards(post_voice, inbound_call):
    assert post_voice(STATUS, status_params("completed", 3, CallDuration="42")).status_code == 200
    assert post_voice(STATUS, status_params("ringing", 1)).status_code == 200
    assert post_voice(STATUS, status_params("in-progress", 2)).status_code == 200
    assert post_voice(STATUS, status_params("completed", 3, CallDuration="42")).status_code == 200  # redelivery
    assert VoiceWebhookEvent.objects.filter(kind="status").count() == 3
    assert drain() == {"processed": 3}
    inbound_call.refresh_from_db()
    assert inbound_call.status == "completed"
    assert inbound_call.duration == 42
    assert inbound_call.status_sequence == 3
    assert inbound_call.ended_at == datetime(2026, 12, 2, 16, 0, 30, tzinfo=ZoneInfo("UTC"))
    notes = list(VoiceWebhookEvent.objects.filter(kind="status").order_by("pk").values_list("last_error", flat=True))
    assert notes[0] == "" and all("not applied" in note for note in notes[1:])


def test_call_ended_is_emitted_once_when_the_call_becomes_final(post_voice, inbound_call,
                                                                 django_capture_on_commit_callbacks):
    ended: list[dict] = []
    subscriber = events.subscribe("call.ended", lambda event: ended.append(event.payload))
    try:
        post_voice(STATUS, status_params("completed", 3, CallDuration="42"))
        post_voice(STATUS, status_params("ringing", 1))
        with django_capture_on_commit_callbacks(execute=True):
            drain()
        with django_capture_on_commit_callbacks(execute=True):
            voice_event_process(event_id=VoiceWebhookEvent.objects.filter(kind="status").first().pk)  # again
    finally:
        events.unsubscribe("call.ended", subscriber.handler)
    assert ended == [{"call_id": inbound_call.pk}]


def test_agent_leg_answered_sets_who_answered_and_when(post_voice, inbound_call, other_agent):
    leg = "CA" + "c" * 32
    post_voice(STATUS, status_params("in-progress", 1, CallSid=leg, ParentCallSid=CALL_SID,
                                     To=f"client:agent-{other_agent.pk}", Direction="outbound-dial"))
    post_voice(STATUS, status_params("completed", 2, CallSid=leg, ParentCallSid=CALL_SID, CallDuration="61",
                                     To=f"client:agent-{other_agent.pk}", Direction="outbound-dial"))
    post_voice(STATUS, status_params("completed", 5, CallDuration="75"))
    assert drain() == {"processed": 3}
    inbound_call.refresh_from_db()
    assert inbound_call.agent == other_agent
    assert inbound_call.answered_at == datetime(2026, 12, 2, 16, 0, 10, tzinfo=ZoneInfo("UTC"))
    assert (inbound_call.status, inbound_call.duration) == ("completed", 61)  # the talk time, not the ringing


def test_click_to_call_statuses_find_the_call_by_its_sid(post_voice, agent):
    call = Call.objects.create(direction=Call.Direction.OUTBOUND, agent=agent, from_number=OUR_NUMBER,
                               to_number=CUSTOMER, call_sid=CALL_SID, status=Call.Status.QUEUED)
    for sequence, status in enumerate(["queued", "ringing", "in-progress"]):
        post_voice(STATUS, status_params(status, sequence, Direction="outbound-api"))
    post_voice(STATUS, status_params("completed", 3, Direction="outbound-api", CallDuration="20"))
    drain()
    call.refresh_from_db()
    assert call.status == "completed" and call.duration == 20
    assert call.answered_at == datetime(2026, 12, 2, 16, 0, 20, tzinfo=ZoneInfo("UTC"))
    assert call.ended_at == datetime(2026, 12, 2, 16, 0, 30, tzinfo=ZoneInfo("UTC"))


def test_status_of_an_unknown_call_waits_failed_and_replays_once_the_call_exists(post_voice, agent):
    post_voice(STATUS, status_params("ringing", 1, Direction="outbound-api"))
    event = VoiceWebhookEvent.objects.get()
    from calls.tasks import process_voice_event

    with celery_eager(True):
        assert process_voice_event.apply(args=[event.pk]).get() == "failed"
    event.refresh_from_db()
    assert event.state == "failed" and "CallNotFoundYetError" in event.last_error
    Call.objects.create(direction=Call.Direction.OUTBOUND, agent=agent, to_number=CUSTOMER, call_sid=CALL_SID)
    call_command("replay_voice_events", "--failed")
    event.refresh_from_db()
    assert event.state == "processed"
    assert Call.objects.get().status == "ringing"


# ---------------------------------------------------------------------------------------------
# Recordings
# ---------------------------------------------------------------------------------------------
def test_duplicated_recording_callback_is_stored_and_downloaded_once(post_voice, inbound_call, serve_audio,
                                                                      httpserver):
    serve_audio()
    url = httpserver.url_for(recording_path())
    assert post_voice(RECORDING, recording_params(url)).status_code == 200
    assert post_voice(RECORDING, recording_params(url)).status_code == 200
    assert VoiceWebhookEvent.objects.filter(kind="recording").count() == 1
    assert drain() == {"processed": 1}
    assert drain() == {}
    voice_event_process(event_id=VoiceWebhookEvent.objects.get(kind="recording").pk)  # a replay changes nothing
    recording = CallRecording.objects.get()
    assert recording.call == inbound_call
    assert (recording.state, recording.size, recording.content_type) == ("stored", len(AUDIO), "audio/mpeg")
    assert (recording.duration, recording.channels) == (42, 2)
    assert recording.file.name.endswith(".mp3") and RECORDING_SID in recording.file.name
    with recording.file.open("rb") as handle:
        assert handle.read() == AUDIO
    downloads = [r for r, _ in httpserver.log if r.path.startswith(recording_path())]
    assert len(downloads) == 1
    assert downloads[0].authorization.username == SID  # Basic auth with the account's credentials
    inbound_call.refresh_from_db()
    assert inbound_call.transcript_state == "pending"


def test_recording_callback_wired_through_the_task_after_commit(post_voice, inbound_call, serve_audio, httpserver,
                                                                django_capture_on_commit_callbacks):
    serve_audio()
    with celery_eager(True), django_capture_on_commit_callbacks(execute=True):
        post_voice(RECORDING, recording_params(httpserver.url_for(recording_path())))
    assert VoiceWebhookEvent.objects.get(kind="recording").state == "processed"
    assert CallRecording.objects.get().state == "stored"


def test_voicemail_is_a_call_with_a_recording(post_voice, inbound_call, serve_audio, httpserver):
    post_voice(VOICE + "?stage=dial", voice_params(CallStatus="in-progress", DialCallStatus="no-answer"))
    serve_audio()
    post_voice(RECORDING, recording_params(httpserver.url_for(recording_path()), RecordingSource="RecordVerb",
                                           RecordingChannels="1"))
    drain()
    call = Call.objects.get()
    assert call.is_voicemail and call.recordings.get().state == "stored"


def test_too_big_recording_fails_clearly_keeps_the_raw_event_and_replays(post_voice, inbound_call, serve_audio,
                                                                          httpserver, settings):
    settings.VOICE_MAX_RECORDING_BYTES = 100
    serve_audio()
    post_voice(RECORDING, recording_params(httpserver.url_for(recording_path())))
    assert drain() == {"failed": 1}
    recording = CallRecording.objects.get()
    assert recording.state == "failed" and "over the 100-byte limit" in recording.last_error
    assert not recording.file
    event = VoiceWebhookEvent.objects.get(kind="recording")
    assert event.state == "failed" and "100-byte limit" in event.last_error
    assert event.payload["RecordingSid"] == RECORDING_SID
    settings.VOICE_MAX_RECORDING_BYTES = 1_000_000
    call_command("replay_voice_events", "--failed")
    event.refresh_from_db()
    recording.refresh_from_db()
    assert (event.state, recording.state, recording.last_error) == ("processed", "stored", "")


def test_recording_that_is_not_audio_is_refused_with_a_clear_error(post_voice, inbound_call, serve_audio,
                                                                    httpserver):
    serve_audio(body=b"<html>login</html>", content_type="text/html")
    post_voice(RECORDING, recording_params(httpserver.url_for(recording_path())))
    assert drain() == {"failed": 1}
    recording = CallRecording.objects.get()
    assert recording.state == "failed" and "not audio" in recording.last_error and "text/html" in recording.last_error


def test_recording_download_that_twilio_refuses_for_now_is_retried(post_voice, inbound_call, httpserver):
    httpserver.expect_request(recording_path() + ".mp3").respond_with_data("busy", status=503)
    post_voice(RECORDING, recording_params(httpserver.url_for(recording_path())))
    from integrations.errors import TransientError

    with pytest.raises(TransientError):
        drain()
    recording = CallRecording.objects.get()
    assert (recording.state, recording.attempts) == ("pending", 1) and "503" in recording.last_error


# ---------------------------------------------------------------------------------------------
# Refused requests
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [VOICE, STATUS, RECORDING])
@pytest.mark.parametrize("signature", ["", "forged"])
def test_bad_or_missing_signature_is_403_and_nothing_is_stored(post_voice, path, signature):
    params = voice_params() if path == VOICE else status_params("ringing", 1) if path == STATUS else \
        recording_params("https://api.twilio.com/x")
    response = post_voice(path, params, signature=signature)
    assert response.status_code == 403
    assert response.json()["code"] == "invalid_signature"
    assert not VoiceWebhookEvent.objects.exists() and not Call.objects.exists()


def test_signature_with_another_token_is_403(post_voice):
    assert post_voice(VOICE, voice_params(), token="not-our-token").status_code == 403


@pytest.mark.parametrize(("path", "params"), [
    (VOICE, voice_params(CallSid=None)),
    (VOICE + "?stage=nonsense", voice_params()),
    (STATUS, status_params("ringing", 1, CallStatus=None)),
    (STATUS, status_params("exploded", 1)),
    (STATUS, status_params("ringing", 1, SequenceNumber="two")),
    (RECORDING, recording_params("https://api.twilio.com/x", RecordingSid=None)),
    (RECORDING, recording_params("not a url")),
])
def test_malformed_but_signed_body_is_a_json_400(post_voice, path, params):
    response = post_voice(path, params)
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_payload"
    assert not VoiceWebhookEvent.objects.exists()


# ---------------------------------------------------------------------------------------------
# Playback
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def stored_recording(post_voice, inbound_call, serve_audio, httpserver) -> CallRecording:  # type: ignore[no-untyped-def]
    serve_audio()
    post_voice(RECORDING, recording_params(httpserver.url_for(recording_path())))
    drain()
    return CallRecording.objects.get(state="stored")


def test_recording_plays_back_to_the_calls_agent_inline_and_uncached(client, agent, stored_recording):
    client.force_login(agent)
    response = client.get(reverse("calls:recording-audio", kwargs={"pk": stored_recording.pk}), secure=True)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == AUDIO
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(("header", "first", "last"), [
    ("bytes=4-9", 4, 9), ("bytes=10-", 10, None), ("bytes=-6", -6, None), ("bytes=0-999999", 0, None),
])
def test_recording_answers_byte_ranges_so_the_player_can_seek(client, agent, stored_recording, header, first, last):
    client.force_login(agent)
    url = reverse("calls:recording-audio", kwargs={"pk": stored_recording.pk})
    response = client.get(url, secure=True, headers={"Range": header})
    body = b"".join(response.streaming_content)
    want = AUDIO[first:None if last is None else last + 1]
    assert body == want
    assert response["Accept-Ranges"] == "bytes"
    if len(want) == len(AUDIO):
        assert response.status_code == 200
    else:
        assert response.status_code == 206
        start = first if first >= 0 else len(AUDIO) + first
        assert response["Content-Range"] == f"bytes {start}-{start + len(want) - 1}/{len(AUDIO)}"
        assert response["Content-Length"] == str(len(want))
        assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("header", ["bytes=999999-", "bytes=-0"])
def test_a_range_past_the_recordings_end_is_416(client, agent, stored_recording, header):
    client.force_login(agent)
    response = client.get(reverse("calls:recording-audio", kwargs={"pk": stored_recording.pk}), secure=True,
                          headers={"Range": header})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(AUDIO)}"


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "lines=1-2", "bytes=9-3", "bytes=x-"])
def test_a_range_we_do_not_serve_gets_the_whole_recording(client, agent, stored_recording, header):
    client.force_login(agent)
    response = client.get(reverse("calls:recording-audio", kwargs={"pk": stored_recording.pk}), secure=True,
                          headers={"Range": header})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == AUDIO


def test_recording_plays_back_to_the_agents_supervisor(client, supervisor, stored_recording):
    client.force_login(supervisor)
    response = client.get(reverse("calls:recording-audio", kwargs={"pk": stored_recording.pk}), secure=True)
    assert response.status_code == 200


def test_recording_is_refused_with_403_to_an_agent_who_may_not_see_the_call(client, other_agent, stored_recording):
    client.force_login(other_agent)
    response = client.get(reverse("calls:recording-audio", kwargs={"pk": stored_recording.pk}), secure=True)
    assert response.status_code == 403
    assert AUDIO not in response.content


def test_recording_is_never_public(client, stored_recording):
    response = client.get(reverse("calls:recording-audio", kwargs={"pk": stored_recording.pk}), secure=True)
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_missing_or_not_stored_recording_is_404(client, agent, inbound_call):
    client.force_login(agent)
    pending = CallRecording.objects.create(call=inbound_call, recording_sid="RE" + "d" * 32)
    for pk in (pending.pk, pending.pk + 999):
        assert client.get(reverse("calls:recording-audio", kwargs={"pk": pk}), secure=True).status_code == 404


# ---------------------------------------------------------------------------------------------
# Business hours
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("at", "expected"), [
    (datetime(2026, 12, 2, 8, 59, tzinfo=LIMA), False),  # Wednesday before opening
    (datetime(2026, 12, 2, 9, 0, tzinfo=LIMA), True),
    (datetime(2026, 12, 2, 18, 59, tzinfo=LIMA), True),
    (datetime(2026, 12, 2, 19, 0, tzinfo=LIMA), False),
    (datetime(2026, 12, 5, 12, 30, tzinfo=LIMA), True),  # Saturday morning
    (datetime(2026, 12, 5, 13, 30, tzinfo=LIMA), False),
    (datetime(2026, 12, 6, 11, 0, tzinfo=LIMA), False),  # Sunday
])
def test_business_hours_are_read_in_the_business_time_zone(at, expected):
    assert inbound.business_hours_open(at=at, spec="mon-fri 09:00-19:00; sat 09:00-13:00") is expected


def test_unreadable_or_empty_business_hours_never_turn_a_caller_away():
    with pytest.raises(ValueError, match="cannot read"):
        inbound.business_hours_parse("weekdays 9 to 5")
    assert inbound.business_hours_open(at=CLOSED_TIME, spec="weekdays 9 to 5") is True
    assert inbound.business_hours_open(at=CLOSED_TIME, spec="") is True
    assert inbound.business_hours_open(at=CLOSED_TIME, spec="sat-sun 00:00-24:00") is True
