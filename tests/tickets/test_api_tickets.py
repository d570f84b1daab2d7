"""/api/v1/tickets/: within role (404 for what is not yours, 403 for what your role may not do), 400 JSON with
field errors, constant query counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Availability
from tests.tickets.factories import make_agent, make_category, make_conversation
from tickets.models import Ticket
from tickets.services import ticket_comment_add, ticket_create, ticket_update

pytestmark = pytest.mark.django_db

URL = "/api/v1/tickets/"


@pytest.fixture
def mine(agent):
    return ticket_create(actor=agent, subject="Router sin señal", assignee=agent,
                         conversation=make_conversation(assignee=agent))


@pytest.fixture
def theirs(other_agent):
    return ticket_create(actor=other_agent, subject="Cobro doble", assignee=other_agent)


def test_agent_lists_their_tickets_and_their_team_queue_when_listing(api_client_for, agent, mine, theirs, team):
    teammate = make_agent("companera", team, availability=Availability.AWAY)
    queued = ticket_create(actor=None, subject="En cola", team=team)
    held = ticket_create(actor=None, subject="De la compañera", assignee=teammate)
    response = api_client_for(agent).get(URL)
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {mine.pk, queued.pk}
    assert held.pk not in ids and theirs.pk not in ids


def test_list_answers_the_documented_fields_when_read(api_client_for, agent, mine):
    row = api_client_for(agent).get(URL).json()["results"][0]
    for field in ("id", "number", "subject", "description", "state", "priority", "category", "source", "team",
                  "assignee", "contact", "lead", "conversation", "call", "sale", "sla", "first_response_due_at",
                  "resolution_due_at", "first_responded_at", "resolved_at", "closed_at", "is_first_response_breached",
                  "is_resolution_breached", "created_at", "updated_at"):
        assert field in row, field
    assert row["number"] == f"TK-{mine.pk:06d}"
    assert row["sla"]["state"] == "ok" and row["sla"]["which"] == "first_response"


def test_list_filters_when_query_parameters_are_given(api_client_for, supervisor, agent, mine):
    billing = make_category("Facturación")
    other = ticket_create(actor=agent, subject="Factura duplicada", priority="critical", category=billing)
    client = api_client_for(supervisor)

    def ids(**params):
        return {row["id"] for row in client.get(URL, params).json()["results"]}

    assert ids(priority="critical") == {other.pk}
    assert ids(category=billing.pk) == {other.pk}
    assert ids(q="factura") == {other.pk}
    assert ids(q=mine.number) == {mine.pk}
    assert ids(state="active") == {mine.pk, other.pk}
    assert ids(assignee="none") == set()


def test_supervisor_sees_their_team_and_not_another_when_listing(api_client_for, supervisor, mine, theirs):
    ids = {row["id"] for row in api_client_for(supervisor).get(URL).json()["results"]}
    assert mine.pk in ids and theirs.pk not in ids


def test_agent_of_another_team_gets_404_when_reading_or_changing_a_ticket(api_client_for, other_agent, mine):
    client = api_client_for(other_agent)
    for path in ("", "comments/", "attachments/", "history/"):
        assert client.get(f"{URL}{mine.pk}/{path}").status_code == 404, path
    assert client.patch(f"{URL}{mine.pk}/", {"priority": "low"}, format="json").status_code == 404
    assert client.post(f"{URL}{mine.pk}/comments/", {"body": "hola"}, format="json").status_code == 404
    mine.refresh_from_db()
    assert mine.priority == "medium"


def test_anonymous_caller_is_refused_when_not_logged_in(api_client_for, mine):
    assert api_client_for(None).get(URL).status_code in (401, 403)


def test_agent_opens_a_ticket_from_a_conversation_when_posting(api_client_for, agent):
    conversation = make_conversation(assignee=agent)
    response = api_client_for(agent).post(URL, {"subject": "No llega la factura", "priority": "high",
                                                "conversation": conversation.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["source"], body["priority"], body["conversation"], body["contact"], body["assignee"]) == (
        "api", "high", conversation.pk, conversation.contact_id, agent.pk)


@pytest.mark.parametrize(("payload", "field"), [
    ({"priority": "urgentisima"}, "priority"),
    ({"subject": ""}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"category": 999999}, "category"),
    ({"conversation": 999999}, "conversation"),
    ({"conversation": "abc"}, "conversation"),
    ({"assignee": 999999}, "assignee"),
])
def test_bad_input_answers_400_with_the_field_error_when_posting(api_client_for, agent, payload, field):
    response = api_client_for(agent).post(URL, {"subject": "Caso", **payload}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["errors"]
    assert not Ticket.objects.exists()


def test_agent_cannot_link_a_conversation_they_do_not_see_when_posting(api_client_for, agent, other_agent):
    hidden = make_conversation(assignee=other_agent)
    response = api_client_for(agent).post(URL, {"subject": "Caso", "conversation": hidden.pk}, format="json")
    assert response.status_code == 400 and "conversation" in response.json()["errors"]


def test_bad_priority_answers_400_with_the_field_error_when_patching(api_client_for, agent, mine):
    response = api_client_for(agent).patch(f"{URL}{mine.pk}/", {"priority": "urgentisima"}, format="json")
    assert response.status_code == 400 and "priority" in response.json()["errors"]


def test_agent_resolves_but_cannot_close_when_patching_state(api_client_for, agent, supervisor, mine):
    client = api_client_for(agent)
    assert client.patch(f"{URL}{mine.pk}/", {"state": "resolved"}, format="json").json()["state"] == "resolved"
    response = client.patch(f"{URL}{mine.pk}/", {"state": "closed"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "close_not_allowed"
    response = api_client_for(supervisor).patch(f"{URL}{mine.pk}/", {"state": "closed"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "closed"


def test_state_jump_answers_400_when_it_breaks_the_rules(api_client_for, agent, mine):
    response = api_client_for(agent).patch(f"{URL}{mine.pk}/", {"state": "reopened"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_state"


def test_supervisor_reassigns_and_history_lists_it_when_patching(api_client_for, supervisor, agent, team, mine):
    colleague = make_agent("colega", team)
    client = api_client_for(supervisor)
    response = client.patch(f"{URL}{mine.pk}/", {"assignee": colleague.pk, "priority": "high"}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == colleague.pk
    history = client.get(f"{URL}{mine.pk}/history/").json()["results"]
    changes = [(row["field"], row["actor"]) for row in history if row["kind"] == "changed"]
    assert ("priority", supervisor.pk) in changes and ("assignee", supervisor.pk) in changes


def test_agent_cannot_give_their_ticket_away_when_patching(api_client_for, agent, team, mine):
    colleague = make_agent("colega", team)
    response = api_client_for(agent).patch(f"{URL}{mine.pk}/", {"assignee": colleague.pk}, format="json")
    assert response.status_code == 403


def test_comments_are_added_and_listed_when_posting(api_client_for, agent, mine):
    client = api_client_for(agent)
    response = client.post(f"{URL}{mine.pk}/comments/", {"body": "Visita técnica mañana", "visibility": "customer"},
                           format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["message"] is not None
    assert client.post(f"{URL}{mine.pk}/comments/", {"body": ""}, format="json").status_code == 400
    assert client.post(f"{URL}{mine.pk}/comments/", {"body": "x", "visibility": "from_customer"},
                       format="json").status_code == 400
    rows = client.get(f"{URL}{mine.pk}/comments/").json()["results"]
    assert [row["visibility"] for row in rows] == ["customer"]


def test_customer_comment_answers_400_when_the_ticket_has_no_conversation(api_client_for, agent):
    ticket = ticket_create(actor=agent, subject="Sin chat", assignee=agent)
    response = api_client_for(agent).post(f"{URL}{ticket.pk}/comments/", {"body": "Hola", "visibility": "customer"},
                                          format="json")
    assert response.status_code == 400 and response.json()["code"] == "no_conversation"


def test_attachment_is_refused_by_type_when_uploading_a_program(api_client_for, agent, mine):
    client = api_client_for(agent)
    bad = SimpleUploadedFile("factura.pdf", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf")
    response = client.post(f"{URL}{mine.pk}/attachments/", {"file": bad}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "attachment_type"
    good = SimpleUploadedFile("factura.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(f"{URL}{mine.pk}/attachments/", {"file": good}, format="multipart")
    assert response.status_code == 201 and response.json()["content_type"] == "application/pdf"
    assert response.json()["url"].endswith(f"/{response.json()['id']}/")
    assert [row["original_name"] for row in client.get(f"{URL}{mine.pk}/attachments/").json()["results"]] == [
        "factura.pdf"]


def test_attachment_is_refused_by_size_when_too_large(api_client_for, agent, mine, settings):
    settings.TICKET_ATTACHMENT_MAX_BYTES = 100
    big = SimpleUploadedFile("factura.pdf", b"%PDF-1.4\n" + b"0" * 200, content_type="application/pdf")
    response = api_client_for(agent).post(f"{URL}{mine.pk}/attachments/", {"file": big}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "attachment_size"


def test_list_query_count_stays_the_same_when_tickets_grow(api_client_for, supervisor, agent):
    client = api_client_for(supervisor)
    client.get(URL)  # the role's permissions are read once per user object

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    for i in range(2):
        ticket_create(actor=agent, subject=f"Caso {i}", category=make_category(f"Cat {i}"),
                      conversation=make_conversation(assignee=agent))
    few = count()
    for i in range(2, 8):
        ticket = ticket_create(actor=agent, subject=f"Caso {i}", category=make_category(f"Cat {i}"),
                               conversation=make_conversation(assignee=agent))
        ticket_update(actor=supervisor, ticket=ticket, priority="high")
        ticket_comment_add(actor=agent, ticket=ticket, body="nota")
    assert count() == few <= 3


def test_views_split_mine_and_team_when_the_view_parameter_is_given(api_client_for, agent, supervisor, team, mine):
    agent.availability = Availability.AWAY  # nobody to deal it to: it waits in the team queue
    agent.save(update_fields=["availability"])
    queued = ticket_create(actor=None, subject="En cola", team=team)
    assert queued.assignee is None
    client = api_client_for(agent)
    assert {row["id"] for row in client.get(URL, {"view": "mine"}).json()["results"]} == {mine.pk}
    assert {row["id"] for row in client.get(URL, {"view": "team"}).json()["results"]} == {mine.pk, queued.pk}
    assert client.get(URL, {"view": "everything"}).status_code == 400


def test_back_office_sees_every_team_and_supervisors_see_the_teamless_queue_when_listing(
        api_client_for, backoffice, supervisor, mine, theirs):
    teamless = ticket_create(actor=None, subject="Sin equipo")
    assert (teamless.team, teamless.assignee) == (None, None)
    assert {row["id"] for row in api_client_for(backoffice).get(URL).json()["results"]} == {
        mine.pk, theirs.pk, teamless.pk}
    assert {row["id"] for row in api_client_for(supervisor).get(URL).json()["results"]} == {mine.pk, teamless.pk}


def test_agent_still_reads_a_ticket_they_opened_when_the_deal_gives_it_to_a_teammate(api_client_for, agent, team):
    make_agent("companera", team)  # available, and first in turn after the agent
    agent.availability = Availability.AWAY
    agent.save(update_fields=["availability"])
    response = api_client_for(agent).post(URL, {"subject": "Reclamo por velocidad"}, format="json")
    assert response.status_code == 201
    assert response.json()["assignee_name"] == "Companera"
    assert api_client_for(agent).get(f"{URL}{response.json()['id']}/").status_code == 200
