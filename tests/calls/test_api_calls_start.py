# ruff: noqa: F811 - the fixtures of test_click_to_call are imported by name and used as arguments
"""``POST /api/v1/calls/``: click to call through the API (the fake Twilio of test_click_to_call answers the
Calls API); what the service refuses comes back as a 400 or 429 with its code, bad input as field errors."""

from __future__ import annotations

import pytest

from calls.models import Call
from tests.calls.test_click_to_call import (  # noqa: F401 - fixtures
    AGENT_PHONE,
    CALL_SID,
    caller,
    conversation,
    twilio_calls,
    voice_settings,
)
from tests.conversations.conftest import provider_settings  # noqa: F401 - autouse
from tests.leads.factories import ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/calls/"


def test_posting_a_contact_rings_the_agent_and_answers_201_with_the_call_when_calling(
        api_client_for, twilio_calls, caller, conversation):
    response = api_client_for(caller).post(LIST, {"contact": conversation.contact_id}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    call = Call.objects.get()
    assert body["id"] == call.pk and body["call_sid"] == CALL_SID and body["status"] == "queued"
    assert body["direction"] == "outbound" and body["to_number"] == "+51987654321"
    assert body["agent"] == caller.pk and body["contact"]["id"] == conversation.contact_id
    assert body["recordings"] == [] and body["transcript_state"] == "none"
    [(request, _response)] = twilio_calls.log
    assert request.form["To"] == AGENT_PHONE


def test_posting_a_conversation_calls_its_contact_and_lead_on_the_chosen_number_when_calling(
        api_client_for, twilio_calls, caller, conversation):
    response = api_client_for(caller).post(
        LIST, {"conversation": conversation.pk, "to_number": "912 345 678"}, format="json")
    assert response.status_code == 201, response.content
    call = Call.objects.get()
    assert (call.contact, call.lead, call.conversation) == (conversation.contact, conversation.lead, conversation)
    assert call.to_number == "+51912345678"


def test_posting_a_lead_calls_its_contact_when_calling(api_client_for, twilio_calls, caller, conversation):
    response = api_client_for(caller).post(LIST, {"lead": conversation.lead_id}, format="json")
    assert response.status_code == 201, response.content
    assert Call.objects.get().contact == conversation.contact


@pytest.mark.parametrize("body, code", [
    ({"to_number": "+51911111111"}, "phone_not_contacts"),
    ({"to_number": "12ab"}, "phone_invalid"),
])
def test_a_refused_number_answers_400_with_its_code_when_calling(api_client_for, twilio_calls, caller,
                                                                  conversation, body, code):
    response = api_client_for(caller).post(LIST, {"contact": conversation.contact_id, **body}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]
    assert not Call.objects.exists() and twilio_calls.log == []


def test_an_agent_without_a_phone_answers_400_agent_no_phone_when_calling(api_client_for, twilio_calls, caller,
                                                                           conversation):
    caller.phone = ""
    caller.save(update_fields=["phone"])
    response = api_client_for(caller).post(LIST, {"contact": conversation.contact_id}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "agent_no_phone")


def test_the_hourly_budget_answers_429_rate_limited_when_spent(api_client_for, twilio_calls, caller, conversation,
                                                               settings):
    settings.CALLS_PER_AGENT_PER_HOUR = 1
    client = api_client_for(caller)
    assert client.post(LIST, {"contact": conversation.contact_id}, format="json").status_code == 201
    Call.objects.update(call_sid=None)  # the fake answers the same sid every time
    response = client.post(LIST, {"contact": conversation.contact_id}, format="json")
    assert (response.status_code, response.json()["code"]) == (429, "rate_limited")
    assert Call.objects.count() == 1


@pytest.mark.parametrize("body, field", [
    ({}, "non_field_errors"),
    ({"contact": "abc"}, "contact"),
    ({"contact": 0}, "contact"),
    ({"contact": 99999999}, "contact"),
    ({"lead": 99999999}, "lead"),
    ({"conversation": 99999999}, "conversation"),
    ({"to_number": "9" * 41, "contact": 1}, "to_number"),
])
def test_bad_input_answers_400_on_the_field_when_calling(api_client_for, twilio_calls, caller, body, field):
    response = api_client_for(caller).post(LIST, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert twilio_calls.log == []


def test_someone_elses_contact_or_a_lead_of_another_contact_is_refused_when_calling(
        api_client_for, twilio_calls, caller, conversation, other_agent):
    stranger = LeadFactory(contact=ContactFactory(phone="+51955555555"), assignee=other_agent)
    client = api_client_for(caller)
    response = client.post(LIST, {"lead": stranger.pk}, format="json")
    assert response.status_code == 400 and "lead" in response.json()["errors"]
    mine = LeadFactory(contact=ContactFactory(phone="+51944444444"), assignee=caller)
    response = client.post(LIST, {"contact": conversation.contact_id, "lead": mine.pk}, format="json")
    assert response.status_code == 400 and "lead" in response.json()["errors"]
    assert not Call.objects.exists() and twilio_calls.log == []
