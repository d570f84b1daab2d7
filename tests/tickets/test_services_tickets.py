"""Opening tickets and changing them: links, defaults, the state rules and one history row per change."""

import pytest
from django.utils import translation

from tests.tickets.factories import make_category, make_conversation
from tickets.models import Ticket, TicketEvent
from tickets.services import (
    TicketCloseNotAllowedError,
    TicketInvalidError,
    TicketStateError,
    ticket_create,
    ticket_from_escalation,
    ticket_update,
)

pytestmark = pytest.mark.django_db


def changed_rows(ticket):
    return [(e.field, e.old_value, e.new_value, e.actor_id)
            for e in ticket.events.filter(kind=TicketEvent.Kind.CHANGED).order_by("pk")]


def test_links_and_team_come_from_the_conversation_when_one_is_given(agent, supervisor):
    conversation = make_conversation(assignee=agent)
    ticket = ticket_create(actor=supervisor, subject="Sin señal", conversation=conversation)
    assert (ticket.contact, ticket.team, ticket.source) == (conversation.contact, agent.team, "panel")
    assert ticket.events.filter(kind=TicketEvent.Kind.CREATED, actor=supervisor).count() == 1


def test_priority_comes_from_the_category_when_none_is_given(agent):
    category = make_category("Caída de servicio", default_priority="critical")
    assert ticket_create(actor=agent, subject="Caída", category=category).priority == "critical"
    assert ticket_create(actor=agent, subject="Caída", category=category, priority="low").priority == "low"


@pytest.mark.parametrize(("fields", "field"), [
    ({"subject": "   "}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"subject": "Ok", "priority": "urgentísima"}, "priority"),
])
def test_create_is_refused_when_input_is_invalid(agent, fields, field):
    with pytest.raises(TicketInvalidError) as caught:
        ticket_create(actor=agent, **fields)
    assert caught.value.extra["field"] == field
    assert not Ticket.objects.exists()


def test_create_is_refused_when_the_category_is_retired(agent):
    category = make_category("Antigua")
    category.is_active = False
    category.save()
    with pytest.raises(TicketInvalidError):
        ticket_create(actor=agent, subject="Caso", category=category)


def test_each_change_leaves_a_history_row_with_old_and_new_when_fields_change(agent, supervisor):
    billing = make_category("Facturación")
    ticket = ticket_create(actor=agent, subject="Cobro doble", priority="medium", assignee=agent)
    ticket_create(actor=supervisor, subject="Otro caso", assignee=agent)  # its rows stay on its own ticket
    ticket_update(actor=agent, ticket=ticket, state="in_progress")
    ticket_update(actor=supervisor, ticket=ticket, priority="high", category=billing, subject="Cobro doble en marzo")
    ticket_update(actor=supervisor, ticket=ticket, assignee=None)
    rows = changed_rows(ticket)
    assert rows[0] == ("assignee", "", str(agent), agent.pk)  # at creation
    assert (rows[1][0], rows[1][3]) == ("state", agent.pk)
    fields = [row[0] for row in rows]
    assert fields == ["assignee", "state", "subject", "category", "priority", "assignee"]
    by_field = {row[0]: row for row in rows[2:]}
    assert by_field["subject"][1:] == ("Cobro doble", "Cobro doble en marzo", supervisor.pk)
    assert by_field["category"][1:] == ("", "Facturación", supervisor.pk)
    assert rows[-1][1:] == (str(agent), "", supervisor.pk)


def test_history_shows_readable_values_when_choices_change(agent):
    ticket = ticket_create(actor=agent, subject="Caso", priority="medium")
    with translation.override("en"):
        ticket_update(actor=agent, ticket=ticket, priority="critical", state="in_progress")
    rows = {row[0]: row[1:3] for row in changed_rows(ticket)}
    assert rows["priority"] == ("Medium", "Critical")
    assert rows["state"] == ("Open", "In progress")


def test_no_history_row_is_written_when_nothing_changes(agent):
    ticket = ticket_create(actor=agent, subject="Caso", priority="medium")
    before = ticket.events.count()
    ticket_update(actor=agent, ticket=ticket, priority="medium", subject=" Caso ", description="")
    assert ticket.events.count() == before


def test_state_change_is_refused_when_it_skips_the_rules(agent):
    ticket = ticket_create(actor=agent, subject="Caso")
    with pytest.raises(TicketStateError):
        ticket_update(actor=agent, ticket=ticket, state="reopened")
    ticket.refresh_from_db()
    assert ticket.state == "open"


def test_agent_cannot_close_when_a_ticket_is_resolved(agent):
    ticket = ticket_create(actor=agent, subject="Caso")
    ticket_update(actor=agent, ticket=ticket, state="resolved")
    with pytest.raises(TicketCloseNotAllowedError):
        ticket_update(actor=agent, ticket=ticket, state="closed")


def test_supervisor_closes_and_reopening_counts_when_the_customer_comes_back(agent, supervisor):
    ticket = ticket_create(actor=agent, subject="Caso")
    ticket_update(actor=agent, ticket=ticket, state="resolved")
    ticket = ticket_update(actor=supervisor, ticket=ticket, state="closed")
    assert ticket.closed_at is not None and ticket.resolved_at is not None
    ticket = ticket_update(actor=agent, ticket=ticket, state="reopened")
    assert (ticket.state, ticket.reopen_count, ticket.resolved_at, ticket.closed_at) == ("reopened", 1, None, None)
    ticket_update(actor=agent, ticket=ticket, state="in_progress")


def test_reopen_is_refused_when_the_conversation_has_another_open_complaint_ticket(agent, supervisor):
    conversation = make_conversation(assignee=agent)
    first = ticket_from_escalation(conversation_id=conversation.pk, reason="complaint")
    ticket_update(actor=agent, ticket=first, state="resolved")
    second = ticket_from_escalation(conversation_id=conversation.pk, reason="complaint")
    assert second.pk != first.pk
    with pytest.raises(TicketStateError) as caught:
        ticket_update(actor=agent, ticket=first, state="reopened")
    assert caught.value.code == "duplicate_escalation"
    first.refresh_from_db()
    assert first.state == "resolved"
