"""The ticket pages within role: the lists (mine, team queue, all), the SLA and priority badges, pagination, the
ticket page and its changes (only the choices the role allows)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.tickets.factories import make_category, make_conversation
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _ticket(actor, **fields) -> Ticket:  # type: ignore[no-untyped-def]
    fields.setdefault("subject", "Router sin señal")
    return ticket_create(actor=actor, **fields)


def test_agent_sees_own_tickets_in_mine_when_listing(agent, other_agent):
    mine = _ticket(agent, assignee=agent, subject="Factura duplicada")
    _ticket(other_agent, assignee=other_agent, subject="Del otro equipo")
    response = _client(agent).get(reverse("tickets:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-ticket="{mine.pk}"' in html and "Factura duplicada" in html
    assert "Del otro equipo" not in html
    assert 'id="view-all"' not in html  # agents: mine and the team queue only


def test_team_queue_lists_the_teams_unassigned_tickets_when_agent_asks(agent, supervisor):
    queued = _ticket(supervisor, team=agent.team, subject="En cola")
    Ticket.objects.filter(pk=queued.pk).update(assignee=None)
    response = _client(agent).get(reverse("tickets:list"), {"view": "team"})
    assert f'data-ticket="{queued.pk}"' in response.content.decode()
    assert f'data-ticket="{queued.pk}"' not in _client(agent).get(reverse("tickets:list")).content.decode()


def test_list_shows_sla_badges_with_time_left_when_clocks_run(agent):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ticket = _ticket(agent, assignee=agent, priority="critical")  # 30 minutes to answer
    client = _client(agent)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        html = client.get(reverse("tickets:list")).content.decode()
    assert 'data-sla="ok"' in html and "25 min left" in html
    assert 'data-priority="critical"' in html and "text-bg-danger ticket-priority" in html
    with time_machine.travel(start + timedelta(minutes=26), tick=False):
        html = client.get(reverse("tickets:list")).content.decode()
    assert 'data-sla="warning"' in html and "4 min left" in html
    with time_machine.travel(start + timedelta(minutes=40), tick=False):
        html = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'data-sla="breached"' in html and "late by 10 min" in html


def test_list_filters_by_state_priority_and_text_when_given(agent):
    high = _ticket(agent, assignee=agent, priority="high", subject="Cobro indebido")
    low = _ticket(agent, assignee=agent, priority="low", subject="Cambio de plan")
    client = _client(agent)
    html = client.get(reverse("tickets:list"), {"priority": "high"}).content.decode()
    assert f'data-ticket="{high.pk}"' in html and f'data-ticket="{low.pk}"' not in html
    html = client.get(reverse("tickets:list"), {"q": "plan"}).content.decode()
    assert f'data-ticket="{low.pk}"' in html and f'data-ticket="{high.pk}"' not in html
    html = client.get(reverse("tickets:list"), {"state": "closed"}).content.decode()
    assert 'id="tickets-empty"' in html


def test_list_paginates_when_more_than_a_page(agent):
    for n in range(27):
        _ticket(agent, assignee=agent, subject=f"Ticket {n}")
    client = _client(agent)
    first = client.get(reverse("tickets:list")).content.decode()
    assert first.count('class="ticket-row"') == 25 and 'id="tickets-pages"' in first
    second = client.get(reverse("tickets:list"), {"page": 2}).content.decode()
    assert second.count('class="ticket-row"') == 2


def test_bad_filters_are_ignored_when_listing(agent):
    response = _client(agent).get(reverse("tickets:list"), {"view": "all", "state": "nope", "priority": "x",
                                                            "category": "²", "assignee": "9" * 30, "page": "z"})
    assert response.status_code == 200


def test_detail_is_404_when_agent_of_another_team_opens_it(agent, other_agent):
    ticket = _ticket(agent, assignee=agent)
    assert _client(other_agent).get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404
    assert _client(agent).get(reverse("tickets:detail", args=[ticket.pk])).status_code == 200


def test_detail_shows_header_clocks_links_and_panel_url_when_linked(agent, supervisor):
    conversation = make_conversation(assignee=agent, name="Rosa Quispe")
    category = make_category("Averías", team=agent.team)
    ticket = _ticket(agent, conversation=conversation, category=category, assignee=agent)
    html = _client(agent).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert ticket.number in html and "Averías" in html
    assert 'data-clock="first_response"' in html and 'data-clock="resolution"' in html
    assert f'href="{reverse("panel:conversation", args=[conversation.pk])}"' in html
    assert 'id="link-contact"' in html and "Rosa Quispe" in html


def test_agent_is_not_offered_closing_when_changing_state(agent, supervisor):
    ticket = _ticket(agent, assignee=agent)
    html = _client(agent).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'value="resolved"' in html and 'value="closed"' not in html
    html = _client(supervisor).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'value="closed"' in html


def test_state_and_priority_change_write_history_when_posted(agent):
    ticket = _ticket(agent, assignee=agent, priority="medium")
    before = TicketEvent.objects.filter(ticket=ticket).count()
    response = _client(agent).post(reverse("tickets:update", args=[ticket.pk]),
                                   {"state": "in_progress", "priority": "high", "category": "",
                                    "assignee": str(agent.pk)})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.priority) == ("in_progress", "high")
    rows = TicketEvent.objects.filter(ticket=ticket).order_by("pk")[before:]
    assert sorted((e.kind, e.field) for e in rows) == [("changed", "priority"), ("changed", "state")]


def test_close_is_refused_when_an_agent_posts_it(agent):
    ticket = _ticket(agent, assignee=agent)
    response = _client(agent).post(reverse("tickets:update", args=[ticket.pk]), {"state": "closed"})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.state == "open"


def test_assignee_outside_the_role_is_refused_when_posted(agent, other_agent):
    ticket = _ticket(agent, assignee=agent)
    response = _client(agent).post(reverse("tickets:update", args=[ticket.pk]),
                                   {"assignee": str(other_agent.pk)})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk


def test_supervisor_reassigns_within_team_when_posted(agent, supervisor, team):
    from tests.tickets.factories import make_agent

    colleague = make_agent("colega", team)
    ticket = _ticket(agent, assignee=agent)
    response = _client(supervisor).post(reverse("tickets:update", args=[ticket.pk]),
                                        {"assignee": str(colleague.pk)})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee_id == colleague.pk


def test_pages_need_login_when_anonymous(client):
    response = client.get(reverse("tickets:list"))
    assert response.status_code == 302 and "login" in response["Location"]


def _list_queries(client) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("tickets:list"), {"view": "team"}).status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_rows_when_listing(supervisor, agent):
    conversation = make_conversation(assignee=agent)
    _ticket(agent, assignee=agent, conversation=conversation, category=make_category("Averías"))
    client = _client(supervisor)
    one = _list_queries(client)
    for n in range(9):
        _ticket(agent, assignee=agent, subject=f"Otro {n}", conversation=make_conversation(assignee=agent),
                category=make_category(f"Categoría {n}"))
    assert _list_queries(client) == one


@pytest.mark.parametrize("persona, view", [("agent", "mine"), ("supervisor", "team"), ("backoffice", "all"),
                                           ("admin_user", "all")])
def test_each_role_starts_on_its_view_when_opening_the_list(persona, view, request):
    html = _client(request.getfixturevalue(persona)).get(reverse("tickets:list")).content.decode()
    assert f'class="nav-link py-1 active" id="view-{view}"' in html
