"""The SLA badge on the inbox row and the board's card: amber at the warning, red once late, with the time;
the inbox page's query count does not grow with its rows."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Conversation
from tests.sla.conftest import after, lima

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _get(client, user, at, url: str, **headers) -> str:  # type: ignore[no-untyped-def]
    """``url`` as ``user`` sees it at ``at`` (signed in then: sessions last hours, not days)."""
    with time_machine.travel(at, tick=False):
        client.force_login(user)
        response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def _badge(html: str) -> str:
    found = re.findall(r'<span class="badge sla-badge[^>]*>[^<]*</span>', html)
    assert len(found) <= 1
    return found[0] if found else ""


def test_the_inbox_row_turns_amber_then_red_with_the_time(client, agent, company_hours, make_waiting):
    since = lima(7, 10, 0)
    conversation = make_waiting(since, assignee=agent)
    url = f"/panel/row/{conversation.pk}/"
    badge = _badge(_get(client, agent, after(since, minutes=20), url, **EN))
    assert 'data-sla="ok"' in badge and ">reply in 40 min<" in badge
    badge = _badge(_get(client, agent, after(since, minutes=50), url, **EN))
    assert "sla-badge-warning" in badge and ">reply in 10 min<" in badge
    assert "Reply due 07/12 11:00 (target 60 min)" in badge
    badge = _badge(_get(client, agent, after(since, minutes=95), url, **EN))
    assert "sla-badge-breached" in badge and ">late 35 min<" in badge


def test_no_badge_once_someone_answered(client, agent, company_hours, make_waiting):
    conversation = make_waiting(lima(7, 10, 0), assignee=agent, waiting_since=None)
    assert _badge(_get(client, agent, lima(7, 15, 0), f"/panel/row/{conversation.pk}/")) == ""


def test_the_board_card_shows_the_badge(client, agent, company_hours, make_waiting):
    conversation = make_waiting(lima(7, 10, 0), assignee=agent, priority="urgent")
    card = _get(client, agent, lima(7, 10, 13), f"/panel/card/{conversation.pk}/", **EN)
    board = _get(client, agent, lima(7, 10, 13), "/panel/kanban/", **EN)
    assert "sla-badge-warning" in _badge(card) and ">reply in 2 min<" in card
    assert f'id="card-{conversation.pk}"' in board and "sla-badge-warning" in board


def test_the_inbox_shows_every_rows_badge_in_a_flat_number_of_queries(client, supervisor, agent, company_hours,
                                                                     make_waiting):
    since = lima(7, 10, 0)
    def count(n: int) -> tuple[int, str]:
        Conversation.objects.all().delete()
        for i in range(n):
            make_waiting(after(since, minutes=i), name=f"Cliente {i}", assignee=agent if i % 2 else None)
        with time_machine.travel(after(since, minutes=90), tick=False):
            client.force_login(supervisor)
            client.get("/panel/?tab=all")
            with CaptureQueriesContext(connection) as queries:
                html = client.get("/panel/?tab=all", **EN).content.decode()
        assert html.count("sla-badge-breached") == n
        return len(queries), html

    few, _html = count(2)
    many, html = count(20)
    assert few == many
    assert ">late 30 min<" in html and ">late 11 min<" in html  # the oldest and the newest wait
