"""Automatic assignment by turn (a locked cursor per pool) and manual reassignment within the actor's reach."""

from collections import Counter

import pytest

from accounts.models import Availability
from core.errors import PermissionDeniedError
from notifications.models import Notification
from tests.tickets.factories import make_agent, make_category
from tickets.models import AssignmentCursor, TicketEvent
from tickets.services import TicketAssigneeError, ticket_assign, ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_agents(team, supervisor):
    return [make_agent(f"agente{n}", team) for n in (1, 2, 3)]


def open_many(n, **kwargs):
    return [ticket_create(actor=None, subject=f"Caso {i}", **kwargs) for i in range(n)]


def test_tickets_spread_evenly_when_three_agents_are_available(team, three_agents):
    tickets = open_many(6, team=team)
    assert Counter(t.assignee.username for t in tickets) == {"agente1": 2, "agente2": 2, "agente3": 2}
    # In turn: 1, 2, 3, 1, 2, 3.
    assert [t.assignee.username for t in tickets] == ["agente1", "agente2", "agente3"] * 2
    assert AssignmentCursor.objects.get(pool=f"team:{team.pk}").last_user == three_agents[2]


def test_away_and_offline_agents_are_skipped_when_tickets_are_dealt(team, three_agents):
    three_agents[1].availability = Availability.AWAY
    three_agents[1].save(update_fields=["availability"])
    make_agent("desconectada", team, availability=Availability.OFFLINE)
    tickets = open_many(4, team=team)
    assert Counter(t.assignee.username for t in tickets) == {"agente1": 2, "agente3": 2}


def test_turn_continues_after_the_last_one_served_when_an_agent_comes_back(team, three_agents):
    three_agents[0].availability = Availability.AWAY
    three_agents[0].save(update_fields=["availability"])
    assert [t.assignee.username for t in open_many(2, team=team)] == ["agente2", "agente3"]
    three_agents[0].availability = Availability.AVAILABLE
    three_agents[0].save(update_fields=["availability"])
    assert [t.assignee.username for t in open_many(2, team=team)] == ["agente1", "agente2"]


def test_category_agents_take_turns_when_the_category_names_them(team, three_agents, other_agent):
    category = make_category("Portabilidad", team=team, agents=[three_agents[2], other_agent])
    tickets = open_many(4, category=category)
    assert [t.assignee.username for t in tickets] == ["agente3", "otro_agente"] * 2
    assert AssignmentCursor.objects.filter(pool=f"category:{category.pk}").exists()


def test_team_takes_the_ticket_when_the_category_agents_are_all_away(team, three_agents, other_agent):
    other_agent.availability = Availability.AWAY
    other_agent.save(update_fields=["availability"])
    category = make_category("Portabilidad", team=team, agents=[other_agent])
    assert open_many(1, category=category)[0].assignee == three_agents[0]


def test_ticket_waits_in_the_team_queue_when_nobody_is_available(team, supervisor):
    make_agent("ausente", team, availability=Availability.AWAY)
    ticket = open_many(1, team=team)[0]
    assert (ticket.assignee, ticket.team) == (None, team)


def test_new_assignee_gets_a_notice_and_a_history_row_when_a_supervisor_reassigns(team, three_agents, supervisor):
    ticket = ticket_create(actor=supervisor, subject="Cobro doble", assignee=three_agents[0])
    ticket_assign(actor=supervisor, ticket=ticket, assignee=three_agents[1])
    row = ticket.events.filter(kind=TicketEvent.Kind.CHANGED, field="assignee").last()
    assert (row.actor, row.old_value, row.new_value) == (supervisor, str(three_agents[0]), str(three_agents[1]))
    assert Notification.objects.filter(user=three_agents[1], kind="ticket.assigned").count() == 1


def test_agent_cannot_hand_a_ticket_to_someone_else_when_they_hold_it(team, agent, three_agents):
    ticket = ticket_create(actor=agent, subject="Cobro doble", assignee=agent)
    with pytest.raises(PermissionDeniedError):
        ticket_assign(actor=agent, ticket=ticket, assignee=three_agents[0])


def test_agent_takes_an_unassigned_ticket_of_their_team_when_they_ask(team, agent, supervisor):
    agent.availability = Availability.AWAY
    agent.save(update_fields=["availability"])
    ticket = ticket_create(actor=None, subject="En cola", team=team)
    assert ticket.assignee is None
    ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert not Notification.objects.filter(user=agent, kind="ticket.assigned").exists()  # they did it themselves


def test_supervisor_cannot_assign_to_an_agent_outside_their_teams(team, supervisor, agent, other_agent):
    ticket = ticket_create(actor=supervisor, subject="Cobro doble", assignee=agent)
    with pytest.raises(TicketAssigneeError):
        ticket_assign(actor=supervisor, ticket=ticket, assignee=other_agent)
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_team_follows_the_assignee_when_an_admin_moves_the_ticket_to_another_team(agent, other_agent, admin_user,
                                                                                   other_team):
    ticket = ticket_create(actor=admin_user, subject="Traslado", assignee=agent)
    ticket_assign(actor=admin_user, ticket=ticket, assignee=other_agent)
    ticket.refresh_from_db()
    assert ticket.team == other_team
    assert ticket.events.filter(field="team").exists()
