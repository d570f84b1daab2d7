"""The demo's calls, call scripts and watch list, seen through the API and the back office."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from calls.models import Call, CallScript, WatchKeyword
from calls.services.outbound import call_start
from core.errors import ApplicationError
from core.phones import is_valid_phone
from operators.models import Category, Operator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The demo seeded once for the module, inside a transaction rolled back at its end (each test's own changes
    roll back to a savepoint)."""
    out = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--contacts", "3", "--no-history", stdout=out)
        assert "Calls: 4" in out.getvalue()
        yield
        transaction.set_rollback(True)


def test_the_demo_has_an_answered_an_outbound_a_missed_call_and_a_voicemail_when_seeded(seeded):
    calls = {call.call_sid: call for call in Call.objects.select_related("agent", "contact")}
    answered = calls["CAdemo0001inboundanswered"]
    assert answered.agent.username == "agente1" and answered.contact is not None and answered.lead is not None
    assert answered.transcript_state == Call.TranscriptState.DONE and len(answered.transcript_segments) >= 4
    assert {turn["speaker"] for turn in answered.transcript_segments} == {"agent", "customer"}
    assert answered.sentiment == "positive" and answered.script_adherence == 83
    heard = {hit["phrase"]: hit["kind"] for hit in answered.analysis["keywords"] if hit["source"] == "watch"}
    assert heard == {"Virgin": "competitor", "portarme": "cancellation"}
    assert answered.script.category == Category.MOBILE
    assert answered.analysis["script"]["name"] == answered.script.name
    for step in answered.analysis["steps"]:  # a step is covered by a cue the transcript really says
        assert not step["covered"] or step["cue"].lower() in answered.transcript.lower()
    outbound = calls["CAdemo0002outboundcompleted"]
    assert (outbound.direction, outbound.status, outbound.agent.username) == ("outbound", "completed", "agente2")
    assert outbound.to_number == outbound.contact.phone
    missed = calls["CAdemo0003inboundmissed"]
    assert (missed.status, missed.duration, missed.agent.username) == ("no-answer", 0, "agente3")
    voicemail = calls["CAdemo0004voicemail"]
    assert voicemail.is_voicemail and voicemail.agent is None and "dar de baja" in voicemail.transcript


def test_each_demo_agent_sees_their_calls_and_the_supervisor_all_when_listing(seeded, api_client_for):
    def sids(username: str) -> set[str]:
        body = api_client_for(User.objects.get(username=username)).get("/api/v1/calls/").json()
        return {row["call_sid"] for row in body["results"]}

    assert sids("agente1") == {"CAdemo0001inboundanswered"}
    assert sids("agente3") == {"CAdemo0003inboundmissed"}
    assert sids("agente2") == {"CAdemo0002outboundcompleted"}
    assert len(sids("supervisor")) == 4  # the demo supervisor leads both teams, and sees the unheld voicemail
    assert len(sids("backoffice")) == 4


def test_the_scripts_have_ordered_steps_with_spanish_cues_when_seeded(seeded):
    mobile = CallScript.objects.get(category=Category.MOBILE)
    internet = CallScript.objects.get(category=Category.INTERNET_HOME)
    for script in (mobile, internet):
        steps = list(script.steps.order_by("position"))
        assert steps[0].kind == "opening" and steps[-1].kind == "closing"
        assert {"discovery", "objection"} <= {step.kind for step in steps}
        assert all(step.cue_list for step in steps)
    assert "se graba" in mobile.steps.get(kind="opening").cue_list


def test_the_watch_list_names_competitors_the_shop_does_not_sell_and_cancellation_words_when_seeded(seeded):
    words = dict(WatchKeyword.objects.values_list("phrase", "kind"))
    assert {words[w] for w in ("dar de baja", "cancelar", "portarme")} == {"cancellation"}
    competitors = {phrase for phrase, kind in words.items() if kind == "competitor"}
    assert "WOM" in competitors
    assert not competitors & set(Operator.objects.values_list("name", flat=True))  # the shop's own operators


def test_the_supervisor_opens_the_demo_calls_in_admin_when_seeded(seeded):
    client = Client()
    client.force_login(User.objects.get(username="supervisor"))
    assert client.get(reverse("admin:calls_call_changelist")).status_code == 200
    answered = Call.objects.get(call_sid="CAdemo0001inboundanswered")
    page = client.get(reverse("admin:calls_call_change", args=[answered.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "portarme ×1" in html and "<br>✗ Cierre</div>" in html


def test_a_demo_agent_who_clicks_call_is_told_calls_need_twilio_not_that_they_lack_a_phone(seeded):
    """Without Twilio credentials the demo cannot ring anyone; what the agent reads is the real reason."""
    agent = User.objects.get(username="agente1")
    assert all(is_valid_phone(u.phone) for u in User.objects.filter(username__in=["agente1", "agente2", "agente3"]))
    call = Call.objects.get(call_sid="CAdemo0001inboundanswered")
    with pytest.raises(ApplicationError) as refused:
        call_start(agent=agent, contact=call.contact, lead=call.lead)
    assert refused.value.code == "voice_not_configured"
