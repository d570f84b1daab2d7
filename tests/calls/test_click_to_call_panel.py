# ruff: noqa: F811 - the fixtures of test_click_to_call are imported by name and used as arguments
"""Click to call in the chat panel: the button, the live bar's partial, the sidebar's call lines and the outcome
form, through the real views (the fake Twilio of test_click_to_call answers the Calls API)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Call, CallRecording, CallScript, CallScriptStep
from operators.models import Category
from tests.calls.test_click_to_call import (  # noqa: F401 - fixtures
    AGENT_PHONE,
    CALL_SID,
    caller,
    conversation,
    twilio_calls,
    voice_settings,
)
from tests.conversations.conftest import provider_settings  # noqa: F401 - autouse

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def logged_in(client, caller):  # type: ignore[no-untyped-def]
    client.force_login(caller)
    return client


def test_the_conversation_page_offers_the_call_button_and_the_calls_card(logged_in, conversation):
    page = logged_in.get(reverse("panel:conversation", args=[conversation.pk]), secure=True).content.decode()
    assert 'id="call-button"' in page and 'id="lead-call-button"' in page
    assert reverse("panel:call_start", args=[conversation.pk]) in page
    assert 'id="calls-card"' in page and 'id="calls-empty"' in page
    assert 'id="call-bar" hidden' in page
    assert "panel/calls.js" in page


def test_clicking_call_rings_the_agent_and_shows_the_bar_with_the_script(logged_in, twilio_calls, conversation):
    script = CallScript.objects.create(name="Internet hogar", category=Category.INTERNET_HOME)
    CallScriptStep.objects.create(script=script, kind="closing", position=3, title="Cierre", text="¿Lo agendamos?")
    CallScriptStep.objects.create(script=script, kind="opening", position=1, title="Saludo", text="Hola, te llamo de…")
    CallScriptStep.objects.create(script=script, kind="objection", position=2, title="Precio",
                                  text="Tenemos un plan más barato", objection="Está caro")

    response = logged_in.post(reverse("panel:call_start", args=[conversation.pk]), headers=HTMX, secure=True)

    assert response.status_code == 200
    html = response.content.decode()
    call = Call.objects.get()
    assert f'data-call="{call.pk}"' in html and 'data-status="queued"' in html
    assert 'id="call-script"' in html
    assert html.index("Saludo") < html.index("Precio") < html.index("Cierre")  # opening, ..., objections, closing
    assert twilio_calls.log[0][0].form["To"] == AGENT_PHONE
    # After a reload the live call is still in the bar.
    page = logged_in.get(reverse("panel:conversation", args=[conversation.pk]), secure=True).content.decode()
    assert f'data-call="{call.pk}"' in page and f'id="call-entry-{call.pk}"' in page


def test_a_refused_call_shows_its_reason_to_the_agent(logged_in, twilio_calls, conversation, caller):
    caller.phone = ""
    caller.save(update_fields=["phone"])
    response = logged_in.post(reverse("panel:call_start", args=[conversation.pk]), headers=HTMX, secure=True)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="call-error"' in html and 'data-error="1"' in html
    assert not Call.objects.exists()


def test_the_bar_runs_a_timer_in_progress_and_shows_the_duration_when_ended(logged_in, twilio_calls, conversation):
    logged_in.post(reverse("panel:call_start", args=[conversation.pk]), headers=HTMX, secure=True)
    call = Call.objects.get()
    Call.objects.filter(pk=call.pk).update(status="in-progress", answered_at=timezone.now())
    bar = logged_in.get(reverse("panel:call_bar", args=[call.pk]), secure=True).content.decode()
    assert 'id="call-timer"' in bar and "data-answered-at=" in bar
    Call.objects.filter(pk=call.pk).update(status="completed", duration=95)
    bar = logged_in.get(reverse("panel:call_bar", args=[call.pk]), secure=True).content.decode()
    assert 'id="call-timer"' not in bar and 'id="call-duration">1:35<' in bar
    assert 'id="call-script"' not in bar


def test_a_done_call_line_shows_transcript_excerpt_reading_and_audio(logged_in, twilio_calls, conversation):
    logged_in.post(reverse("panel:call_start", args=[conversation.pk]), headers=HTMX, secure=True)
    call = Call.objects.get()
    Call.objects.filter(pk=call.pk).update(
        status="completed", duration=95, transcript_state="done", transcript="Hola Rosa, te llamo por el plan. " * 20,
        sentiment="positive", ai_outcome="interested", next_action="Enviar cotización", script_adherence=75,
        analysis={"keywords": [{"phrase": "portabilidad", "kind": "other"}, "movistar"]}, analyzed_at=timezone.now())
    recording = CallRecording.objects.create(call=call, recording_sid="RE" + "1" * 32, state="stored",
                                             content_type="audio/mpeg", size=10)

    html = logged_in.get(reverse("panel:call_entry", args=[call.pk]), secure=True).content.decode()

    assert 'data-transcript="done"' in html and 'class="small border-start' in html
    assert "Enviar cotización" in html and "75%" in html and "portabilidad" in html and "movistar" in html
    assert reverse("calls:recording-audio", kwargs={"pk": recording.pk}) in html
    assert 'class="mt-2 call-outcome-form"' in html


def test_the_agent_sets_the_outcome_and_notes_of_an_ended_call(logged_in, twilio_calls, conversation):
    logged_in.post(reverse("panel:call_start", args=[conversation.pk]), headers=HTMX, secure=True)
    call = Call.objects.get()
    Call.objects.filter(pk=call.pk).update(status="completed", duration=40)

    response = logged_in.post(reverse("panel:call_outcome", args=[call.pk]),
                              {"outcome": "callback", "notes": "Llamar el lunes"}, headers=HTMX, secure=True)

    assert response.status_code == 200
    call.refresh_from_db()
    assert (call.outcome, call.notes) == ("callback", "Llamar el lunes")
    assert "call-outcome-saved" in response.content.decode()


def test_another_agents_call_is_not_found_in_the_panel(client, twilio_calls, conversation, caller, other_agent):
    client.force_login(caller)
    client.post(reverse("panel:call_start", args=[conversation.pk]), headers=HTMX, secure=True)
    call = Call.objects.get()
    client.force_login(other_agent)
    assert client.get(reverse("panel:call_bar", args=[call.pk]), secure=True).status_code == 404
    assert client.get(reverse("panel:call_entry", args=[call.pk]), secure=True).status_code == 404
    assert client.post(reverse("panel:call_outcome", args=[call.pk]), {"outcome": "sale"},
                       secure=True).status_code == 404
    assert client.post(reverse("panel:call_start", args=[conversation.pk]), secure=True).status_code == 404
    assert Call.objects.count() == 1


def test_the_sidebars_calls_cost_the_same_queries_for_one_call_or_many(logged_in, conversation, caller):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_call(n: int) -> None:
        call = Call.objects.create(direction="outbound", status="completed", agent=caller, contact=conversation.contact,
                                   conversation=conversation, call_sid=f"CA{n:032d}", duration=30,
                                   transcript_state="done", transcript="Hola", analyzed_at=timezone.now())
        CallRecording.objects.create(call=call, recording_sid=f"RE{n:032d}", state="stored", size=1)

    url = reverse("panel:conversation", args=[conversation.pk])
    add_call(1)
    logged_in.get(url, secure=True)  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        assert logged_in.get(url, secure=True).content.decode().count('class="list-group-item call-entry"') == 1
    for n in range(2, 8):
        add_call(n)
    with CaptureQueriesContext(connection) as many:
        assert logged_in.get(url, secure=True).content.decode().count('class="list-group-item call-entry"') == 7
    assert len(many) == len(one)


def test_a_call_whose_callbacks_never_came_does_not_hold_the_bar(logged_in, twilio_calls, conversation):
    from datetime import timedelta

    logged_in.post(reverse("panel:call_start", args=[conversation.pk]), headers=HTMX, secure=True)
    call = Call.objects.get()
    url = reverse("panel:conversation", args=[conversation.pk])
    assert f'data-call="{call.pk}"' in logged_in.get(url, secure=True).content.decode()
    Call.objects.filter(pk=call.pk).update(started_at=timezone.now() - timedelta(minutes=10))  # still "queued"
    assert 'id="call-bar" hidden' in logged_in.get(url, secure=True).content.decode()


# ---------------------------------------------------------------------------------------------
# From the lead's card in the pipeline
# ---------------------------------------------------------------------------------------------
def test_the_pipeline_card_of_a_lead_with_a_phone_offers_call(logged_in, conversation):
    page = logged_in.get(reverse("leads:pipeline"), secure=True).content.decode()
    assert reverse("panel:lead_call_start", args=[conversation.lead.pk]) in page


def test_calling_from_the_pipeline_rings_the_agent_and_opens_the_leads_conversation(logged_in, twilio_calls,
                                                                                      conversation):
    response = logged_in.post(reverse("panel:lead_call_start", args=[conversation.lead.pk]), secure=True)

    assert response.status_code == 302
    assert response["Location"] == reverse("panel:conversation", args=[conversation.pk])
    call = Call.objects.get()
    assert (call.lead, call.contact, call.conversation) == (conversation.lead, conversation.contact, conversation)
    assert twilio_calls.log[0][0].form["To"] == AGENT_PHONE
    page = logged_in.get(response["Location"], secure=True).content.decode()
    assert f'data-call="{call.pk}"' in page  # the live bar, on the page the agent lands on


def test_calling_from_the_pipeline_a_lead_without_a_usable_number_explains_why(logged_in, twilio_calls,
                                                                                conversation):
    contact = conversation.contact
    contact.phone, contact.whatsapp_id, contact.extra_phones = "", "", []
    contact.instagram_id = "17841400000000001"  # an Instagram customer: no number to call
    contact.save(update_fields=["phone", "whatsapp_id", "extra_phones", "instagram_id"])
    page = logged_in.get(reverse("leads:pipeline"), secure=True).content.decode()
    assert reverse("panel:lead_call_start", args=[conversation.lead.pk]) not in page

    response = logged_in.post(reverse("panel:lead_call_start", args=[conversation.lead.pk]), secure=True,
                              follow=True)

    assert response.redirect_chain[-1][0] == reverse("leads:pipeline")
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Call.objects.exists() and twilio_calls.log == []


def test_another_agents_lead_cannot_be_called_from_the_pipeline(client, twilio_calls, conversation, other_agent):
    other_agent.phone = "+51987000999"
    other_agent.save(update_fields=["phone"])
    client.force_login(other_agent)
    response = client.post(reverse("panel:lead_call_start", args=[conversation.lead.pk]), secure=True)
    assert response.status_code == 404
    assert not Call.objects.exists()
