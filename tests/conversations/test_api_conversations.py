from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from conversations.models import Conversation, Message, Note
from tests.conversations.conftest import drain, twilio_params

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]


@pytest.fixture
def inbox(post_twilio, agent, other_agent):
    """Three conversations: the agent's, another agent's, and one in the unassigned queue."""
    for i, phone in enumerate(["+51911111111", "+51922222222", "+51933333333"]):
        post_twilio(twilio_params(MessageSid=f"SM{i:032d}", From=f"whatsapp:{phone}", WaId=phone[1:],
                                  Body=f"Hola, quiero un plan móvil de {10 * (i + 1)} GB"))
    drain()
    mine, theirs, queue = Conversation.objects.order_by("contact__phone")
    Conversation.objects.filter(pk=mine.pk).update(assignee=agent)
    Conversation.objects.filter(pk=theirs.pk).update(assignee=other_agent)
    return {"mine": mine, "theirs": theirs, "queue": queue}


def test_agent_sees_their_conversations_and_the_queue_only(api_client_for, agent, inbox):
    body = api_client_for(agent).get("/api/v1/conversations/").json()
    assert {row["id"] for row in body["results"]} == {inbox["mine"].pk, inbox["queue"].pk}
    row = next(r for r in body["results"] if r["id"] == inbox["mine"].pk)
    assert row["channel"] == "whatsapp" and row["unread_count"] == 1 and row["contact"]["phone"] == "+51911111111"
    assert row["lead"]["classification"] in {"HOT", "WARM", "COLD"}  # the AI step opened a lead


def test_agent_is_refused_another_agents_conversation(api_client_for, agent, inbox):
    client = api_client_for(agent)
    theirs = inbox["theirs"].pk
    assert client.get(f"/api/v1/conversations/{theirs}/").status_code == 404
    assert client.get(f"/api/v1/conversations/{theirs}/messages/").status_code == 404
    response = client.post(f"/api/v1/conversations/{theirs}/messages/", {"text": "hola"}, format="json")
    assert response.status_code == 404
    assert not Message.objects.filter(direction="out").exists()


def test_filters_by_assignee_and_channel(api_client_for, supervisor, agent, inbox):
    client = api_client_for(supervisor)
    assert client.get("/api/v1/conversations/?assignee=none").json()["count"] == 1
    assert client.get(f"/api/v1/conversations/?assignee={agent.pk}").json()["count"] == 1
    assert client.get("/api/v1/conversations/?channel=instagram").json()["count"] == 0
    assert client.get("/api/v1/conversations/?status=bogus").status_code == 400


def test_agent_sends_a_message_and_it_is_queued(api_client_for, agent, inbox, django_capture_on_commit_callbacks):
    client = api_client_for(agent)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/api/v1/conversations/{inbox['mine'].pk}/messages/",
                               {"text": "¡Hola! Sí tenemos cobertura."}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["direction"], body["sender"], body["status"]) == ("out", "agent", "queued")
    assert len(callbacks) >= 1  # the send task is enqueued after commit
    history = client.get(f"/api/v1/conversations/{inbox['mine'].pk}/messages/").json()
    assert [m["direction"] for m in history["results"]] == ["out", "in"]


def test_send_outside_the_window_is_a_400_with_templates(api_client_for, agent, inbox):
    Conversation.objects.filter(pk=inbox["mine"].pk).update(last_inbound_at=timezone.now() - timedelta(hours=30))
    response = api_client_for(agent).post(f"/api/v1/conversations/{inbox['mine'].pk}/messages/",
                                          {"text": "¿Sigues ahí?"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "window_closed"
    assert "templates" in response.json()["extra"]


def test_empty_message_is_refused_and_nothing_is_stored_when_the_text_is_blank(api_client_for, agent, inbox):
    before = Conversation.objects.values("last_outbound_at", "last_message_at", "last_message_preview").get(
        pk=inbox["mine"].pk)
    response = api_client_for(agent).post(f"/api/v1/conversations/{inbox['mine'].pk}/messages/", {"text": "  "},
                                          format="json")
    assert response.status_code == 400 and response.json()["code"] == "empty_message"
    assert not Message.objects.filter(direction="out").exists()
    assert Conversation.objects.values("last_outbound_at", "last_message_at", "last_message_preview").get(
        pk=inbox["mine"].pk) == before


def test_agent_takes_from_the_queue_but_cannot_grab_a_colleagues(api_client_for, agent, inbox):
    client = api_client_for(agent)
    took = client.post(f"/api/v1/conversations/{inbox['queue'].pk}/assign/", {"assignee": agent.pk}, format="json")
    assert took.status_code == 200 and took.json()["assignee"] == agent.pk
    inbox["queue"].refresh_from_db()
    assert inbox["queue"].lead.assignee == agent


def test_supervisor_assigns_and_agent_transfers_with_a_note(api_client_for, supervisor, agent, team, inbox):
    teammate = make_user("companera", "agent", team)
    sup = api_client_for(supervisor)
    assert sup.post(f"/api/v1/conversations/{inbox['queue'].pk}/assign/", {"assignee": agent.pk},
                    format="json").status_code == 200
    moved = api_client_for(agent).post(f"/api/v1/conversations/{inbox['mine'].pk}/transfer/",
                                       {"to": teammate.pk, "note": "Pide factura"}, format="json")
    assert moved.status_code == 200
    assert Conversation.objects.get(pk=inbox["mine"].pk).assignee == teammate
    assert "Pide factura" in Note.objects.get().text


@pytest.mark.parametrize("persona", ["agent", "supervisor"])
def test_transfer_to_another_teams_agent_is_refused_like_assign_when_out_of_scope(api_client_for, request, persona,
                                                                                  agent, other_agent, inbox):
    actor = request.getfixturevalue(persona)
    mine = inbox["mine"]
    response = api_client_for(actor).post(f"/api/v1/conversations/{mine.pk}/transfer/",
                                          {"to": other_agent.pk, "note": "Para el equipo Norte"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_assignee"
    assert Conversation.objects.get(pk=mine.pk).assignee == agent
    assert not Note.objects.exists()


def test_status_notes_tags_and_read(api_client_for, agent, inbox):
    client = api_client_for(agent)
    pk = inbox["mine"].pk
    snooze = (timezone.now() + timedelta(hours=2)).isoformat()
    assert client.post(f"/api/v1/conversations/{pk}/status/", {"status": "snoozed", "snoozed_until": snooze},
                       format="json").json()["status"] == "snoozed"
    assert client.post(f"/api/v1/conversations/{pk}/status/", {"status": "snoozed"},
                       format="json").status_code == 400
    note = client.post(f"/api/v1/conversations/{pk}/notes/", {"text": "Cliente pide llamada"}, format="json")
    assert note.status_code == 201 and note.json()["author"] == agent.pk
    assert [n["text"] for n in client.get(f"/api/v1/conversations/{pk}/notes/").json()] == ["Cliente pide llamada"]
    tagged = client.post(f"/api/v1/conversations/{pk}/tags/", {"tags": ["Fibra", "urgente", "fibra"]},
                         format="json").json()
    assert tagged["tags"] == ["fibra", "urgente"]
    assert client.post(f"/api/v1/conversations/{pk}/read/").json()["unread_count"] == 0


def test_backoffice_reads_but_cannot_send(api_client_for, backoffice, inbox):
    client = api_client_for(backoffice)
    assert client.get("/api/v1/conversations/").json()["count"] == 3
    response = client.post(f"/api/v1/conversations/{inbox['mine'].pk}/messages/", {"text": "hola"}, format="json")
    assert response.status_code == 403


def test_by_phone_status_history_and_reset(api_client_for, agent, inbox):
    client = api_client_for(agent)
    status = client.get("/api/v1/conversations/by-phone/+51911111111/status/").json()
    assert status["conversation"] == inbox["mine"].pk and "budget" in status["missing"]
    assert 0 <= status["completeness"] <= 100
    history = client.get("/api/v1/conversations/by-phone/911111111/history/").json()
    assert [m["text"] for m in history["results"]] == ["Hola, quiero un plan móvil de 10 GB"]
    assert client.get("/api/v1/conversations/by-phone/+51922222222/status/").status_code == 404
    assert client.get("/api/v1/conversations/by-phone/12ab/status/").status_code == 400
    assert client.post("/api/v1/conversations/by-phone/+51911111111/reset/").json()["reset"] is True


def test_conversation_list_query_count_is_constant(api_client_for, admin_user, post_twilio):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client_for(admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/conversations/").status_code == 200
        return len(ctx)

    post_twilio(twilio_params(MessageSid="SM" + "9" * 32))
    drain()
    few = queries()
    for i in range(8):
        post_twilio(twilio_params(MessageSid=f"SM{i:032d}", From=f"whatsapp:+5194444444{i}", WaId=f"5194444444{i}"))
    drain()
    assert queries() == few
