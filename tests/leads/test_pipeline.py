"""The leads kanban: who sees which cards, column totals, filters, and moving cards with role checks."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.models import Classification, Lead, LeadStatus
from leads.pipeline import PipelineFilters, pipeline_board
from tests.leads.factories import LeadFactory
from tests.operators.factories import OperatorFactory

pytestmark = pytest.mark.django_db
URL = "/panel/pipeline/"


def move(client, lead: Lead, **data: str):
    return client.post(f"{URL}{lead.pk}/move/", data=data, HTTP_ACCEPT="application/json")


def column(board, status: str):
    return next(c for c in board if c.status == status)


def test_pipeline_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_agent_sees_only_own_leads_in_their_columns(client, agent, other_agent):
    LeadFactory(assignee=agent, status=LeadStatus.NEW, contact__name="Rosa Quispe")
    LeadFactory(assignee=agent, status=LeadStatus.QUOTED, contact__name="Luis Flores")
    LeadFactory(assignee=other_agent, status=LeadStatus.NEW, contact__name="Ana Torres")
    LeadFactory(assignee=None, status=LeadStatus.NEW, contact__name="Pedro Ruiz")
    client.force_login(agent)
    response = client.get(URL, {"assignee": str(other_agent.pk)})  # an agent cannot widen the board
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rosa Quispe" in html and "Luis Flores" in html
    assert "Ana Torres" not in html and "Pedro Ruiz" not in html
    board = response.context["columns"]
    assert [c.status for c in board] == ["new", "contacted", "qualified", "quoted", "won", "lost"]
    assert column(board, "new").count == 1 and column(board, "quoted").count == 1


def test_supervisor_sees_team_and_unassigned_but_not_other_teams(client, supervisor, agent, other_agent):
    LeadFactory(assignee=agent, contact__name="Rosa Quispe")
    LeadFactory(assignee=None, contact__name="Pedro Ruiz")
    LeadFactory(assignee=other_agent, contact__name="Ana Torres")
    client.force_login(supervisor)
    html = client.get(URL).content.decode()
    assert "Rosa Quispe" in html and "Pedro Ruiz" in html and "Ana Torres" not in html


def test_column_value_sums_budgets_of_the_column(supervisor, agent):
    LeadFactory(assignee=agent, status=LeadStatus.QUALIFIED, budget=Decimal("100.50"))
    LeadFactory(assignee=agent, status=LeadStatus.QUALIFIED, budget=Decimal("200"))
    LeadFactory(assignee=agent, status=LeadStatus.QUALIFIED, budget=None)
    LeadFactory(assignee=agent, status=LeadStatus.NEW, budget=Decimal("999"))
    board = pipeline_board(user=supervisor)
    assert column(board, "qualified").count == 3
    assert column(board, "qualified").value == Decimal("300.50")
    assert column(board, "new").value == Decimal("999")
    assert column(board, "won").value == Decimal("0")


def test_filters_by_agent_operator_and_temperature(supervisor, agent):
    claro = OperatorFactory(name="Claro", slug="claro")
    hot = LeadFactory(assignee=agent, operator=claro, classification=Classification.HOT, score=90)
    LeadFactory(assignee=agent, operator=None, classification=Classification.HOT, score=85)
    LeadFactory(assignee=agent, operator=claro, classification=Classification.COLD)
    LeadFactory(assignee=supervisor, operator=claro, classification=Classification.HOT, score=95)

    def ids(**filters: str) -> set[int]:
        board = pipeline_board(user=supervisor, filters=PipelineFilters(**filters))
        return {lead.pk for c in board for lead in c.leads}

    assert ids(assignee=str(agent.pk), operator=str(claro.pk), classification="hot") == {hot.pk}
    assert len(ids(assignee=str(agent.pk))) == 3
    assert len(ids(classification="HOT")) == 3


def test_board_query_count_is_flat_whatever_the_number_of_leads(client, supervisor, agent):
    OperatorFactory()
    def count_queries() -> int:
        client.force_login(supervisor)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx)

    LeadFactory.create_batch(2, assignee=agent, operator=OperatorFactory())
    few = count_queries()
    for status in LeadStatus.values:
        LeadFactory.create_batch(4, assignee=agent, status=status, operator=OperatorFactory(),
                                 lost_reason="precio" if status == "lost" else "")
    assert count_queries() == few


def test_board_shows_at_most_the_per_column_limit(supervisor, agent):
    LeadFactory.create_batch(5, assignee=agent, status=LeadStatus.NEW)
    board = pipeline_board(user=supervisor, per_column=3)
    assert column(board, "new").count == 5 and len(column(board, "new").leads) == 3


def test_dragging_a_card_moves_the_lead_and_returns_column_totals(client, agent):
    lead = LeadFactory(assignee=agent, status=LeadStatus.NEW, budget=Decimal("50"))
    client.force_login(agent)
    response = move(client, lead, status="qualified")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "qualified"
    totals = {c["status"]: (c["count"], c["value"]) for c in data["columns"]}
    assert totals["qualified"] == (1, "50.00") and totals["new"] == (0, "0.00")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED


def test_moving_to_lost_without_reason_is_refused(client, agent):
    lead = LeadFactory(assignee=agent, status=LeadStatus.QUOTED)
    client.force_login(agent)
    response = move(client, lead, status="lost")
    assert response.status_code == 400 and response.json()["code"] == "invalid_status_transition"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUOTED


def test_moving_to_lost_with_reason_keeps_the_reason_and_closes(client, agent):
    lead = LeadFactory(assignee=agent, status=LeadStatus.QUOTED)
    client.force_login(agent)
    assert move(client, lead, status="lost", lost_reason="Eligió otra tienda").status_code == 200
    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason) == ("lost", "Eligió otra tienda") and lead.closed_at


def test_move_is_refused_and_the_lead_left_as_it_was_when_the_status_is_unknown(client, agent):
    lead = LeadFactory(assignee=agent, status=LeadStatus.CONTACTED)
    client.force_login(agent)
    response = move(client, lead, status="archived")
    assert response.status_code == 400 and response.json()["code"] == "invalid_status_transition"
    lead.refresh_from_db()
    assert (lead.status, lead.closed_at) == (LeadStatus.CONTACTED, None)
    board = pipeline_board(user=agent, filters=PipelineFilters())
    assert column(board, "contacted").count == 1 and all(c.count == 0 for c in board if c.status != "contacted")


def test_agent_cannot_reopen_a_won_lead_but_supervisor_can(client, agent, supervisor):
    lead = LeadFactory(assignee=agent, status=LeadStatus.WON)
    client.force_login(agent)
    response = move(client, lead, status="qualified")
    assert response.status_code == 400 and "supervisor" in json.dumps(response.json()).lower()
    client.force_login(supervisor)
    assert move(client, lead, status="qualified").status_code == 200
    lead.refresh_from_db()
    assert lead.status == "qualified" and lead.closed_at is None


def test_agent_cannot_move_someone_elses_lead(client, agent, other_agent):
    lead = LeadFactory(assignee=other_agent, status=LeadStatus.NEW)
    client.force_login(agent)
    assert move(client, lead, status="contacted").status_code == 404
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_backoffice_sees_the_board_but_cannot_move_cards(client, backoffice, agent):
    lead = LeadFactory(assignee=agent, status=LeadStatus.NEW)
    client.force_login(backoffice)
    page = client.get(URL)
    assert page.status_code == 200 and page.context["can_move"] is False
    response = move(client, lead, status="contacted")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_move_needs_post(client, agent):
    lead = LeadFactory(assignee=agent)
    client.force_login(agent)
    assert client.get(f"{URL}{lead.pk}/move/").status_code == 405
