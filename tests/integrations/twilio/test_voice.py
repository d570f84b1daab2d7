"""integrations.twilio.voice: TwiML built with VoiceResponse, callbacks parsed, and TwilioVoiceClient against a
local fake of Twilio's REST API (pytest-httpserver) speaking its wire format."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from integrations.errors import AmbiguousError, PayloadError, PermanentError, TransientError
from integrations.twilio import voice

ACCOUNT_SID = "ACe268443e43d93dab7ebef303bbe9642f"
AUTH_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CALLS_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
CALL_SID = "CA" + "1" * 32
RECORDING_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE{'2' * 32}"
AUDIO = b"RIFF....WAVEfmt " * 64


def parse(xml: str) -> ET.Element:
    return ET.fromstring(xml)  # noqa: S314 - our own TwiML, parsed back


@pytest.fixture
def client(httpserver: HTTPServer) -> Iterator[voice.TwilioVoiceClient]:
    with voice.TwilioVoiceClient(ACCOUNT_SID, AUTH_TOKEN, base_url=httpserver.url_for("").rstrip("/"),
                                 timeout=2.0, max_recording_bytes=10_000) as twilio:
        yield twilio


# ---------------------------------------------------------------------------------------------
# TwiML
# ---------------------------------------------------------------------------------------------
def test_answer_twiml_rings_every_target_recorded_with_the_dial_action():
    xml = voice.answer_twiml(
        greeting="Hola", consent="Esta llamada es grabada.",
        targets=[voice.DialTarget(client_identity="agent-3", phone="+51911222333"),
                 voice.DialTarget(client_identity="agent-4")],
        ring_seconds=20, caller_id="+51987654321", dial_action_url="https://crm/webhooks/twilio/voice/?stage=dial",
        recording_callback_url="https://crm/webhooks/twilio/recording/",
        agent_status_url="https://crm/webhooks/twilio/voice/status/",
    )
    root = parse(xml)
    assert [(s.text, s.get("language")) for s in root.findall("Say")] == [
        ("Hola", "es-MX"), ("Esta llamada es grabada.", "es-MX")]
    dial = root.find("Dial")
    assert dial.attrib["record"] == "record-from-answer-dual"
    assert dial.attrib["timeout"] == "20" and dial.attrib["callerId"] == "+51987654321"
    assert dial.attrib["action"].endswith("?stage=dial")
    assert [c.text for c in dial.findall("Client")] == ["agent-3", "agent-4"]
    assert [n.text for n in dial.findall("Number")] == ["+51911222333"]
    assert dial.find("Client").attrib["statusCallbackEvent"] == "answered completed"


def test_answer_twiml_without_anyone_to_ring_takes_a_voicemail():
    vm = voice.Voicemail(message="Deje su mensaje", recording_callback_url="https://crm/rec",
                         action_url="https://crm/vm", max_length=90)
    root = parse(voice.answer_twiml(greeting="Hola", consent="", targets=[], ring_seconds=20, caller_id="",
                                    dial_action_url="https://crm/d", recording_callback_url="https://crm/rec",
                                    voicemail=vm))
    assert root.find("Dial") is None
    assert [s.text for s in root.findall("Say")] == ["Hola", "Deje su mensaje"]
    record = root.find("Record")
    assert record.attrib["maxLength"] == "90" and record.attrib["recordingStatusCallback"] == "https://crm/rec"


def test_bridge_twiml_dials_the_customer_recorded():
    root = parse(voice.bridge_twiml(to="+51987654321", caller_id="+51940111222", ring_seconds=30,
                                    recording_callback_url="https://crm/rec", announcement="Conectando"))
    dial = root.find("Dial")
    assert dial.find("Number").text == "+51987654321" and dial.attrib["record"] == "record-from-answer-dual"


# ---------------------------------------------------------------------------------------------
# Callbacks
# ---------------------------------------------------------------------------------------------
def test_parse_call_status_reads_every_field():
    update = voice.parse_call_status({
        "CallSid": CALL_SID, "CallStatus": "completed", "CallDuration": "42", "SequenceNumber": "4",
        "Timestamp": "Wed, 02 Dec 2026 16:00:30 +0000", "ErrorCode": "", "ParentCallSid": "CA" + "3" * 32,
        "Direction": "outbound-dial", "From": "+51940111222", "To": "client:agent-3",
    })
    assert (update.status, update.duration, update.sequence, update.is_final) == ("completed", 42, 4, True)
    assert update.timestamp == datetime(2026, 12, 2, 16, 0, 30, tzinfo=UTC)
    assert update.parent_call_sid == "CA" + "3" * 32
    assert update.external_id == f"{CALL_SID}:completed:4"
    assert voice.agent_id_from_identity(update.to) == 3


def test_parse_call_status_reads_initiated_as_queued():
    assert voice.parse_call_status({"CallSid": CALL_SID, "CallStatus": "initiated"}).status == "queued"


@pytest.mark.parametrize("form", [
    {"CallStatus": "ringing"},
    {"CallSid": CALL_SID},
    {"CallSid": "SM" + "1" * 32, "CallStatus": "ringing"},
    {"CallSid": CALL_SID, "CallStatus": "exploded"},
    {"CallSid": CALL_SID, "CallStatus": "ringing", "SequenceNumber": "-1"},
])
def test_parse_call_status_refuses_what_it_cannot_read(form):
    with pytest.raises(PayloadError):
        voice.parse_call_status(form)


def test_parse_recording_and_its_refusals():
    update = voice.parse_recording({
        "RecordingSid": "RE" + "2" * 32, "CallSid": CALL_SID, "RecordingStatus": "completed",
        "RecordingUrl": "https://api.twilio.com" + RECORDING_PATH, "RecordingDuration": "12", "RecordingChannels": "2",
    })
    assert (update.duration, update.channels, update.external_id) == (12, 2, f"RE{'2' * 32}:completed")
    with pytest.raises(PayloadError):
        voice.parse_recording({"RecordingSid": "RE" + "2" * 32, "CallSid": CALL_SID, "RecordingStatus": "completed"})
    absent = voice.parse_recording({"RecordingSid": "RE" + "2" * 32, "CallSid": CALL_SID,
                                    "RecordingStatus": "absent"})
    assert absent.status == "absent" and absent.url == ""


def test_parse_voice_call_after_a_dial():
    call = voice.parse_voice_call({"CallSid": CALL_SID, "From": "+51987654321", "To": "+51940111222",
                                   "CallStatus": "in-progress", "DialCallStatus": "no-answer"})
    assert call.dial_status == "no-answer" and not call.agent_answered


# ---------------------------------------------------------------------------------------------
# REST
# ---------------------------------------------------------------------------------------------
def test_create_call_posts_the_calls_api_form_with_basic_auth(httpserver, client):
    httpserver.expect_request(CALLS_PATH, method="POST").respond_with_json(
        {"sid": CALL_SID, "status": "queued", "to": "+51911222333", "from": "+51940111222"}, status=201)
    body = client.create_call(to="+51911222333", from_="+51940111222", url="https://crm/connect/1/",
                              status_callback="https://crm/webhooks/twilio/voice/status/")
    assert body["sid"] == CALL_SID
    request, _ = httpserver.log[0]
    assert request.authorization.username == ACCOUNT_SID and request.authorization.password == AUTH_TOKEN
    assert request.form["To"] == "+51911222333" and request.form["Url"] == "https://crm/connect/1/"
    assert request.form["StatusCallback"].endswith("/voice/status/")
    assert request.form.getlist("StatusCallbackEvent") == ["initiated", "ringing", "answered", "completed"]


def test_create_call_refused_is_permanent_with_twilios_code(httpserver, client):
    httpserver.expect_request(CALLS_PATH, method="POST").respond_with_json(
        {"code": 21211, "message": "The 'To' number +51 987 654 is not a valid phone number.", "status": 400},
        status=400)
    with pytest.raises(PermanentError) as caught:
        client.create_call(to="+519", from_="+51940111222", url="https://crm/x", status_callback="https://crm/s")
    assert caught.value.code == "21211" and "987 654" not in str(caught.value)


def test_create_call_answer_without_sid_is_ambiguous(httpserver, client):
    httpserver.expect_request(CALLS_PATH, method="POST").respond_with_json({}, status=201)
    with pytest.raises(AmbiguousError):
        client.create_call(to="+51911222333", from_="+1", url="https://crm/x", status_callback="https://crm/s")


def test_download_recording_adds_the_format_and_returns_audio(httpserver, client):
    httpserver.expect_request(RECORDING_PATH + ".wav").respond_with_response(
        Response(AUDIO, content_type="audio/x-wav"))
    content, content_type = client.download_recording(httpserver.url_for(RECORDING_PATH), audio_format="wav")
    assert (content, content_type) == (AUDIO, "audio/x-wav")
    assert httpserver.log[0][0].authorization.username == ACCOUNT_SID


def test_download_recording_too_big_stops(httpserver, client):
    httpserver.expect_request(RECORDING_PATH + ".mp3").respond_with_response(
        Response(b"x" * 20_000, content_type="audio/mpeg"))
    with pytest.raises(PermanentError) as caught:
        client.download_recording(httpserver.url_for(RECORDING_PATH))
    assert caught.value.code == "recording_too_large"


def test_download_recording_not_audio_is_refused(httpserver, client):
    httpserver.expect_request(RECORDING_PATH + ".mp3").respond_with_response(
        Response(b"{}", content_type="application/json"))
    with pytest.raises(PermanentError) as caught:
        client.download_recording(httpserver.url_for(RECORDING_PATH))
    assert caught.value.code == "recording_not_audio"


@pytest.mark.parametrize(("status", "error"), [(503, TransientError), (500, TransientError), (429, TransientError),
                                               (404, PermanentError)])
def test_download_recording_errors_are_classified(httpserver, client, status, error):
    httpserver.expect_request(RECORDING_PATH + ".mp3").respond_with_data("no", status=status)
    with pytest.raises(error):
        client.download_recording(httpserver.url_for(RECORDING_PATH))


def test_download_recording_from_a_foreign_host_is_refused_before_any_request(client):
    with pytest.raises(PermanentError):
        client.download_recording("https://evil.example.com/2010-04-01/Recordings/RE1")


def test_client_never_shows_its_token():
    twilio = voice.TwilioVoiceClient(ACCOUNT_SID, AUTH_TOKEN)
    assert AUTH_TOKEN not in repr(twilio)
    twilio.close()
