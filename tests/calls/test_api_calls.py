"""``/api/v1/calls/``: who sees which calls, filters, one call's page, outcome and notes, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from calls.models import Call
from tests.calls.backoffice_data import add_recording, make_call
from tests.leads.factories import ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/calls/"


def detail(call: Call) -> str:
    return f"/api/v1/calls/{call.pk}/"


@pytest.fixture
def calls(agent, other_agent):
    contact = ContactFactory(name="Rosa Quispe")
    return {
        "mine": make_call(agent=agent, contact=contact, outcome=Call.Outcome.INTERESTED),
        "outsider": make_call(agent=other_agent, direction=Call.Direction.OUTBOUND),
        "voicemail": make_call(agent=None, is_voicemail=True, outcome=Call.Outcome.VOICEMAIL,
                               transcript_state=Call.TranscriptState.PENDING),
    }


def ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_each_role_lists_only_its_calls_when_listing(api_client_for, calls, agent, other_agent, supervisor,
                                                     backoffice, admin_user):
    everything = {call.pk for call in calls.values()}
    assert ids(api_client_for(agent).get(LIST)) == {calls["mine"].pk}
    assert ids(api_client_for(other_agent).get(LIST)) == {calls["outsider"].pk}
    assert ids(api_client_for(supervisor).get(LIST)) == {calls["mine"].pk, calls["voicemail"].pk}
    assert ids(api_client_for(backoffice).get(LIST)) == everything
    assert ids(api_client_for(admin_user).get(LIST)) == everything
    assert api_client_for(None).get(LIST).status_code in (401, 403)


def test_list_is_newest_first_and_paginated_when_listing(api_client_for, admin_user, calls):
    body = api_client_for(admin_user).get(LIST).json()
    assert set(body) >= {"count", "next", "previous", "results"}
    started = [row["started_at"] for row in body["results"]]
    assert started == sorted(started, reverse=True)


def test_filters_narrow_the_list_when_given(api_client_for, admin_user, agent, calls):
    client = api_client_for(admin_user)
    lead = LeadFactory(contact=calls["mine"].contact)
    Call.objects.filter(pk=calls["mine"].pk).update(lead=lead)
    old = make_call(agent=agent, started_at=timezone.now() - timedelta(days=40), status=Call.Status.NO_ANSWER)
    assert ids(client.get(LIST, {"direction": "outbound"})) == {calls["outsider"].pk}
    assert ids(client.get(LIST, {"status": "no-answer"})) == {old.pk}
    assert ids(client.get(LIST, {"outcome": "voicemail"})) == {calls["voicemail"].pk}
    assert ids(client.get(LIST, {"contact": calls["mine"].contact_id})) == {calls["mine"].pk}
    assert ids(client.get(LIST, {"lead": lead.pk})) == {calls["mine"].pk}
    assert ids(client.get(LIST, {"agent": agent.pk})) == {calls["mine"].pk, old.pk}
    day = timezone.localdate(old.started_at).isoformat()
    assert ids(client.get(LIST, {"date_from": day, "date_to": day})) == {old.pk}
    assert old.pk not in ids(client.get(LIST, {"date_from": timezone.localdate().isoformat()}))


@pytest.mark.parametrize("params, field", [
    ({"direction": "sideways"}, "direction"),
    ({"status": "exploded"}, "status"),
    ({"outcome": "maybe"}, "outcome"),
    ({"contact": "abc"}, "contact"),
    ({"agent": "0"}, "agent"),
    ({"date_from": "31/12/2026"}, "date_from"),
    ({"date_from": "2026-12-31", "date_to": "2026-12-01"}, "date_to"),
    ({"date_to": "9999-12-31"}, "date_to"),  # the day after it does not exist (was a 500, found by the fuzzer)
    ({"date_from": "0001-01-01"}, "date_from"),
])
def test_bad_filters_answer_400_on_the_field_when_listing(api_client_for, admin_user, params, field):
    response = api_client_for(admin_user).get(LIST, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_list_runs_the_same_queries_for_one_call_or_ten_when_listing(api_client_for, supervisor, agent):
    client = api_client_for(supervisor)
    call = make_call(agent=agent, contact=ContactFactory())
    add_recording(call)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(LIST).json()["results"]) == 1
    for _ in range(9):
        more = make_call(agent=agent, contact=ContactFactory(), lead=LeadFactory())
        add_recording(more)
        add_recording(more, stored=False)
    with CaptureQueriesContext(connection) as ten:
        assert len(client.get(LIST).json()["results"]) == 10
    assert len(ten) == len(one), [q["sql"] for q in ten.captured_queries]


def test_one_call_shows_recordings_transcript_and_reading_when_retrieved(api_client_for, agent, calls):
    call = calls["mine"]
    segments = [{"speaker": "agent", "start": 0.0, "end": 3.2, "text": "Buenas tardes, le habla Ana."},
                {"speaker": "customer", "start": 3.4, "end": 6.0, "text": "Quiero portarme a un plan."}]
    Call.objects.filter(pk=call.pk).update(
        transcript="Buenas tardes, le habla Ana. Quiero portarme a un plan.", transcript_segments=segments,
        transcript_state=Call.TranscriptState.DONE, sentiment=Call.Sentiment.POSITIVE,
        analysis={"sentiment": "positive", "intents": ["portability"], "keywords": ["portarme"]},
        script_adherence=75, ai_outcome=Call.Outcome.INTERESTED, next_action="Enviar cotización",
    )
    stored, pending = add_recording(call), add_recording(call, stored=False)
    body = api_client_for(agent).get(detail(call)).json()
    assert body["transcript_segments"] == segments
    assert body["analysis"]["keywords"] == ["portarme"]
    assert body["script_adherence"] == 75 and body["sentiment"] == "positive"
    assert body["contact"]["name"] == "Rosa Quispe"
    recordings = {row["id"]: row for row in body["recordings"]}
    assert recordings[pending.pk]["audio_url"] is None
    try:
        url = reverse("calls:recording-audio", kwargs={"pk": stored.pk})
    except NoReverseMatch:  # the playback view is the voice part's
        assert recordings[stored.pk]["audio_url"] is None
    else:
        assert recordings[stored.pk]["audio_url"].endswith(url)
    assert "file" not in recordings[stored.pk] and "source_url" not in recordings[stored.pk]


def test_a_call_outside_the_role_is_404_when_retrieved_or_patched(api_client_for, agent, supervisor, calls):
    client = api_client_for(agent)
    for name in ("outsider", "voicemail"):
        assert client.get(detail(calls[name])).status_code == 404
        assert client.patch(detail(calls[name]), {"notes": "x"}, format="json").status_code == 404
    assert api_client_for(supervisor).get(detail(calls["outsider"])).status_code == 404
    assert api_client_for(agent).get("/api/v1/calls/99999999999999999999/").status_code == 404


def test_the_agent_of_the_call_sets_its_outcome_and_notes_when_patching(api_client_for, agent, calls):
    response = api_client_for(agent).patch(detail(calls["mine"]),
                                           {"outcome": "callback", "notes": "Llamar el lunes"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "callback"
    calls["mine"].refresh_from_db()
    assert (calls["mine"].outcome, calls["mine"].notes) == ("callback", "Llamar el lunes")


def test_supervisor_and_back_office_may_patch_when_the_call_is_visible(api_client_for, supervisor, backoffice,
                                                                       calls):
    assert api_client_for(supervisor).patch(detail(calls["voicemail"]), {"outcome": "callback"},
                                            format="json").status_code == 200
    assert api_client_for(backoffice).patch(detail(calls["outsider"]), {"notes": "Revisado"},
                                            format="json").status_code == 200
    calls["outsider"].refresh_from_db()
    assert calls["outsider"].notes == "Revisado"


@pytest.mark.parametrize("body, field", [
    ({"outcome": "maybe"}, "outcome"),
    ({"status": "completed"}, "status"),
    ({"duration": 1, "notes": "x"}, "duration"),
    ({"notes": "x" * 5001}, "notes"),
    ({}, "non_field_errors"),
])
def test_bad_patches_answer_400_and_change_nothing_when_patching(api_client_for, agent, calls, body, field):
    call = calls["mine"]
    response = api_client_for(agent).patch(detail(call), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    fresh = Call.objects.get(pk=call.pk)
    assert (fresh.outcome, fresh.notes, fresh.status, fresh.duration) == (call.outcome, call.notes, call.status,
                                                                         call.duration)


def test_other_methods_are_refused_when_calling_the_detail(api_client_for, admin_user, calls):
    client = api_client_for(admin_user)
    assert client.put(detail(calls["mine"]), {"notes": "x"}, format="json").status_code == 405
    assert client.delete(detail(calls["mine"])).status_code == 405
    assert Call.objects.filter(pk=calls["mine"].pk).exists()
