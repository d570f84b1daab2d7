"""Click to call (issue 14, item 3) against a local fake of Twilio's Calls API (pytest-httpserver).

The agent's phone is rung first; when they answer, Twilio fetches our connect TwiML, which dials the customer and
records the call. Everything the service refuses is refused before Twilio is asked anything.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from defusedxml import ElementTree as ET
from django.urls import reverse
from twilio.request_validator import RequestValidator

from accounts.models import Role
from calls.models import Call, CallScript
from calls.services.outbound import call_start
from conftest import make_user
from conversations.models import ChannelAccount, Conversation
from core.errors import ApplicationError, NotFoundError
from integrations.base import Provider
from operators.models import Category
from tests.calls.test_voice_webhooks import drain
from tests.conversations.conftest import BASE, OUR_TWILIO_NUMBER, TWILIO_TOKEN, provider_settings  # noqa: F401 - autouse
from tests.leads.factories import ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db

ACCOUNT_SID = "AC" + "1" * 32
CALLS_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
AGENT_PHONE = "+51987000111"
CALL_SID = "CA" + "f" * 32


@pytest.fixture(autouse=True)
def voice_settings(settings):  # type: ignore[no-untyped-def]
    settings.TWILIO_VOICE_NUMBER = OUR_TWILIO_NUMBER
    settings.CALLS_PER_AGENT_PER_HOUR = 30
    return settings


@pytest.fixture
def twilio_calls(httpserver, settings):  # type: ignore[no-untyped-def]
    """The fake Twilio: answers the Calls API like Twilio does (201 and the call resource)."""
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(CALLS_PATH, method="POST").respond_with_json(
        {"sid": CALL_SID, "status": "queued", "direction": "outbound-api", "to": AGENT_PHONE,
         "from": OUR_TWILIO_NUMBER, "account_sid": ACCOUNT_SID}, status=201)
    return httpserver


@pytest.fixture
def caller(agent):  # type: ignore[no-untyped-def]
    agent.phone = AGENT_PHONE
    agent.save(update_fields=["phone"])
    return agent


@pytest.fixture
def conversation(caller):  # type: ignore[no-untyped-def]
    contact = ContactFactory(phone="+51987654321", whatsapp_id="51987654321", extra_phones=["+51912345678"])
    lead = LeadFactory(contact=contact, assignee=caller, service_type=Category.INTERNET_HOME)
    account = ChannelAccount.objects.create(provider=Provider.TWILIO_WHATSAPP, name="WhatsApp",
                                            account_ref=OUR_TWILIO_NUMBER, phone_number=OUR_TWILIO_NUMBER)
    return Conversation.objects.create(contact=contact, channel_account=account, lead=lead, assignee=caller)


def _start(conversation: Conversation, agent, **kwargs):  # type: ignore[no-untyped-def]
    return call_start(agent=agent, contact=conversation.contact, conversation=conversation, **kwargs)


def _error(fn, *args, **kwargs) -> ApplicationError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError) as caught:
        fn(*args, **kwargs)
    return caught.value


def test_click_to_call_rings_the_agent_first_with_the_connect_url(twilio_calls, caller, conversation):
    script = CallScript.objects.create(name="Internet hogar", category=Category.INTERNET_HOME)
    CallScript.objects.create(name="Móvil", category=Category.MOBILE)

    call = _start(conversation, caller)

    call.refresh_from_db()
    assert (call.direction, call.status, call.call_sid) == ("outbound", "queued", CALL_SID)
    assert (call.from_number, call.to_number) == (OUR_TWILIO_NUMBER, "+51987654321")
    assert (call.agent, call.contact, call.lead, call.conversation) == (
        caller, conversation.contact, conversation.lead, conversation)
    assert call.script == script
    [(request, _response)] = twilio_calls.log
    form = request.form
    assert form["To"] == AGENT_PHONE  # the agent's phone rings first
    assert form["From"] == OUR_TWILIO_NUMBER
    assert form["Url"] == BASE + reverse("webhook-twilio-voice-connect", kwargs={"call_id": call.pk})
    assert form["StatusCallback"] == f"{BASE}/webhooks/twilio/voice/status/"
    assert request.authorization.username == ACCOUNT_SID


def test_click_to_call_accepts_any_of_the_contacts_numbers_in_any_format(twilio_calls, caller, conversation):
    call = _start(conversation, caller, to_number="912 345 678")  # an extra phone, written the Peruvian way
    assert call.to_number == "+51912345678"


def test_click_to_call_when_the_number_is_not_the_contacts_is_refused(twilio_calls, caller, conversation):
    error = _error(_start, conversation, caller, to_number="+51911111111")
    assert error.code == "phone_not_contacts"
    assert not Call.objects.exists()
    assert twilio_calls.log == []


def test_click_to_call_when_the_number_is_invalid_is_refused(twilio_calls, caller, conversation):
    error = _error(_start, conversation, caller, to_number="12ab")
    assert error.code == "phone_invalid"
    assert not Call.objects.exists()
    assert twilio_calls.log == []


def test_click_to_call_when_the_agent_has_no_phone_is_refused(twilio_calls, caller, conversation):
    caller.phone = ""
    caller.save(update_fields=["phone"])
    error = _error(_start, conversation, caller)
    assert error.code == "agent_no_phone"
    assert twilio_calls.log == []


def test_click_to_call_when_the_hourly_budget_is_spent_is_rate_limited(twilio_calls, caller, conversation,
                                                                       settings):
    settings.CALLS_PER_AGENT_PER_HOUR = 2
    _start(conversation, caller)
    Call.objects.update(call_sid=None)  # the fake answers the same sid every time
    _start(conversation, caller)
    error = _error(_start, conversation, caller)
    assert error.code == "rate_limited"
    assert error.status_code == 429
    assert Call.objects.count() == 2
    assert len(twilio_calls.log) == 2


def test_click_to_call_when_voice_is_not_configured_is_refused(twilio_calls, caller, conversation, settings):
    settings.TWILIO_VOICE_NUMBER = ""
    ChannelAccount.objects.update(phone_number="")
    error = _error(_start, conversation, caller)
    assert error.code == "voice_not_configured"
    assert twilio_calls.log == []


def test_click_to_call_uses_the_twilio_accounts_credentials_without_environment_ones(
        httpserver, caller, conversation, settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_VOICE_NUMBER = ""
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    sid = "AC" + "2" * 32
    ChannelAccount.objects.update(account_sid=sid, access_token="account-token")
    httpserver.expect_request(f"/2010-04-01/Accounts/{sid}/Calls.json", method="POST").respond_with_json(
        {"sid": CALL_SID, "status": "queued"}, status=201)

    call = _start(conversation, caller)

    assert call.call_sid == CALL_SID
    assert call.from_number == OUR_TWILIO_NUMBER
    assert httpserver.log[0][0].authorization.password == "account-token"


def test_click_to_call_when_twilio_fails_leaves_a_failed_call_with_a_clear_error(httpserver, caller, conversation,
                                                                                 settings):
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(CALLS_PATH, method="POST").respond_with_json(
        {"code": 20500, "message": "Internal Server Error", "status": 500}, status=500)

    error = _error(_start, conversation, caller)

    assert error.code == "provider_error"
    call = Call.objects.get()
    assert (call.status, call.error_code, call.call_sid) == ("failed", "500", None)
    assert call.ended_at is not None
    assert error.extra["call_id"] == call.pk
    assert "Twilio" in error.message and "500" in error.message and "podría sonar" in error.message


def test_click_to_call_when_twilio_refuses_the_number_keeps_twilios_code(httpserver, caller, conversation, settings):
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(CALLS_PATH, method="POST").respond_with_json(
        {"code": 21211, "message": "The 'To' number +51987000111 is not a valid phone number.", "status": 400},
        status=400)

    error = _error(_start, conversation, caller)

    assert error.code == "provider_error"
    assert Call.objects.get().error_code == "21211"
    assert "No se llamó a nadie" in error.message


def test_click_to_call_when_the_agent_may_not_see_the_conversation_is_not_found(twilio_calls, conversation,
                                                                                other_agent):
    other_agent.phone = "+51987000222"
    other_agent.save(update_fields=["phone"])
    with pytest.raises(NotFoundError):
        _start(conversation, other_agent)
    with pytest.raises(NotFoundError):
        call_start(agent=other_agent, contact=conversation.contact)
    assert twilio_calls.log == []


def test_click_to_call_from_a_conversation_whose_lead_nobody_holds_yet(twilio_calls, caller, conversation):
    """The agent holds the conversation; its lead waits in the supervisors' queue: the call is theirs to make."""
    conversation.lead.assignee = None
    conversation.lead.save(update_fields=["assignee"])
    call = call_start(agent=caller, contact=conversation.contact, lead=conversation.lead, conversation=conversation)
    assert call.lead == conversation.lead


def test_a_supervisor_calls_their_agents_contact(twilio_calls, supervisor, conversation):
    supervisor.phone = "+51987000333"
    supervisor.save(update_fields=["phone"])
    call = call_start(agent=supervisor, contact=conversation.contact, lead=conversation.lead)
    assert call.agent == supervisor
    assert twilio_calls.log[0][0].form["To"] == "+51987000333"


def _signed_post(client, path: str, params: dict[str, str], token: str = TWILIO_TOKEN):  # type: ignore[no-untyped-def]
    signature = RequestValidator(token).compute_signature(BASE + path, params)
    return client.post(path, data=urlencode(params), content_type="application/x-www-form-urlencoded",
                       headers={"X-Twilio-Signature": signature}, secure=True)


def test_connect_twiml_dials_the_customer_with_recording(client, twilio_calls, caller, conversation):
    call = _start(conversation, caller)
    path = reverse("webhook-twilio-voice-connect", kwargs={"call_id": call.pk})
    params = {"CallSid": CALL_SID, "AccountSid": ACCOUNT_SID, "From": OUR_TWILIO_NUMBER, "To": AGENT_PHONE,
              "CallStatus": "in-progress", "Direction": "outbound-api"}

    response = _signed_post(client, path, params)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    dial = root.find("Dial")
    assert dial is not None
    assert dial.get("callerId") == OUR_TWILIO_NUMBER
    assert dial.get("record") == "record-from-answer-dual"
    assert dial.get("recordingStatusCallback") == f"{BASE}/webhooks/twilio/recording/"
    assert [n.text for n in dial.findall("Number")] == ["+51987654321"]
    assert root.find("Say") is not None  # the agent hears that we are connecting


def test_connect_twiml_refuses_an_unsigned_request_and_hangs_up_on_a_stranger_call(client, twilio_calls, caller,
                                                                                   conversation):
    call = _start(conversation, caller)
    path = reverse("webhook-twilio-voice-connect", kwargs={"call_id": call.pk})
    params = {"CallSid": CALL_SID, "From": OUR_TWILIO_NUMBER, "To": AGENT_PHONE}
    assert _signed_post(client, path, params, token="wrong-token").status_code == 403

    other = _signed_post(client, path, {**params, "CallSid": "CA" + "0" * 32})
    assert ET.fromstring(other.content).find("Hangup") is not None
    assert ET.fromstring(other.content).find("Dial") is None

    Call.objects.filter(pk=call.pk).update(status=Call.Status.CANCELED)
    over = _signed_post(client, path, params)
    assert ET.fromstring(over.content).find("Dial") is None


def test_an_agent_without_a_conversation_calls_a_contact_of_their_lead(twilio_calls, caller):
    contact = ContactFactory(phone="+51955000111")
    LeadFactory(contact=contact, assignee=caller)
    call = call_start(agent=caller, contact=contact)
    assert (call.to_number, call.conversation, call.script) == ("+51955000111", None, None)


def test_an_inactive_user_cannot_call(twilio_calls, conversation, team):
    user = make_user("baja", Role.AGENT, team)
    user.phone, user.is_active = "+51987000444", False
    user.save(update_fields=["phone", "is_active"])
    with pytest.raises(NotFoundError):
        call_start(agent=user, contact=conversation.contact, conversation=conversation)


# ---------------------------------------------------------------------------------------------
# The customer's side (<Dial action>): a customer who never answers is not a completed call, and the talk time
# is theirs, not the agent's leg's (which rang first).
# ---------------------------------------------------------------------------------------------
def _agent_leg(client, status: str, sequence: int, **extra: str):  # type: ignore[no-untyped-def]
    params = {"CallSid": CALL_SID, "AccountSid": ACCOUNT_SID, "CallStatus": status, "SequenceNumber": str(sequence),
              "Direction": "outbound-api", "From": OUR_TWILIO_NUMBER, "To": AGENT_PHONE, **extra}
    response = _signed_post(client, reverse("webhook-twilio-voice-status"), params)
    assert response.status_code == 200
    drain()


def _dial_done(client, call: Call, dial_status: str, duration: str):  # type: ignore[no-untyped-def]
    path = reverse("webhook-twilio-voice-connect", kwargs={"call_id": call.pk}) + "?stage=done"
    params = {"CallSid": CALL_SID, "AccountSid": ACCOUNT_SID, "DialCallStatus": dial_status,
              "DialCallDuration": duration, "DialCallSid": "CA" + "d" * 32}
    return _signed_post(client, path, params)


def test_connect_twiml_asks_twilio_how_the_customers_side_ended(client, twilio_calls, caller, conversation):
    call = _start(conversation, caller)
    path = reverse("webhook-twilio-voice-connect", kwargs={"call_id": call.pk})
    response = _signed_post(client, path, {"CallSid": CALL_SID, "From": OUR_TWILIO_NUMBER, "To": AGENT_PHONE})
    dial = ET.fromstring(response.content).find("Dial")
    assert dial.get("action") == f"{BASE}{path}?stage=done"
    assert dial.get("method") == "POST"


def test_a_customer_who_never_answers_ends_the_call_as_no_answer_without_talk_time(client, twilio_calls, caller,
                                                                                  conversation):
    call = _start(conversation, caller)
    _agent_leg(client, "ringing", 1)
    _agent_leg(client, "in-progress", 2)  # the agent picked up; the customer is being rung

    response = _dial_done(client, call, "no-answer", "0")
    assert ET.fromstring(response.content).find("Hangup") is not None
    _agent_leg(client, "completed", 3, CallDuration="35")  # the agent's leg, 35 s of ringing the customer

    call.refresh_from_db()
    assert call.status == Call.Status.NO_ANSWER
    assert call.duration == 0
    assert call.answered_at is None
    assert call.ended_at is not None


def test_a_customer_who_answers_gives_the_call_their_talk_time(client, twilio_calls, caller, conversation):
    call = _start(conversation, caller)
    _agent_leg(client, "in-progress", 1)

    _dial_done(client, call, "completed", "42")
    _agent_leg(client, "completed", 2, CallDuration="60")

    call.refresh_from_db()
    assert call.status == Call.Status.COMPLETED
    assert call.duration == 42
    assert (call.ended_at - call.answered_at).total_seconds() == pytest.approx(42, abs=1)


def test_a_busy_customer_and_an_unknown_stage(client, twilio_calls, caller, conversation):
    call = _start(conversation, caller)
    _dial_done(client, call, "busy", "0")
    call.refresh_from_db()
    assert call.status == Call.Status.BUSY

    path = reverse("webhook-twilio-voice-connect", kwargs={"call_id": call.pk}) + "?stage=later"
    refused = _signed_post(client, path, {"CallSid": CALL_SID})
    assert refused.status_code == 400
    assert refused.json()["code"] == "malformed_payload"
