"""The inbox's filters, SLA age and query count, and the board by status (kanban)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from conftest import make_user
from conversations.models import ChannelAccount, Conversation, Tag
from tests.panel.conftest import add_message

pytestmark = pytest.mark.django_db

NAMES = ("Rosa Quispe", "Luis Flores", "Ana Torres", "Pedro Ruiz")


def _rows(response) -> list[str]:
    html = response.content.decode()
    return [name for name in NAMES if f">{name}<" in html]


@pytest.fixture
def instagram(db) -> ChannelAccount:  # type: ignore[no-untyped-def]
    return ChannelAccount.objects.create(provider="instagram", name="Instagram", account_ref="17840000000",
                                         ai_mode=ChannelAccount.AIMode.OFF)


def test_inbox_filters_by_channel_priority_temperature_and_tag(client, agent, make_conversation, instagram):
    rosa = make_conversation(name="Rosa Quispe", assignee=agent, minutes_ago=1, with_lead="HOT", priority="urgent")
    luis = make_conversation(name="Luis Flores", minutes_ago=2, with_lead="COLD")
    Conversation.objects.filter(pk=luis.pk).update(channel_account=instagram)
    pedro = make_conversation(name="Pedro Ruiz", assignee=agent, minutes_ago=3, with_lead="WARM")
    pedro.tags.add(Tag.objects.create(name="fibra"))
    client.force_login(agent)
    assert _rows(client.get("/panel/?channel=instagram")) == ["Luis Flores"]
    assert _rows(client.get("/panel/?channel=whatsapp")) == ["Rosa Quispe", "Pedro Ruiz"]
    assert _rows(client.get("/panel/?priority=urgent")) == ["Rosa Quispe"]
    assert _rows(client.get("/panel/?temperature=WARM")) == ["Pedro Ruiz"]
    assert _rows(client.get("/panel/?tag=fibra")) == ["Pedro Ruiz"]
    assert _rows(client.get("/panel/?tab=mine&temperature=COLD")) == []
    # values outside the choices are ignored, not errors
    assert _rows(client.get("/panel/?channel=fax&priority=x&temperature=tibio")) == ["Rosa Quispe", "Luis Flores",
                                                                                    "Pedro Ruiz"]
    assert rosa.pk


def test_inbox_search_finds_name_phone_and_any_message_text(client, agent, make_conversation):
    rosa = make_conversation(name="Rosa Quispe", assignee=agent, minutes_ago=1)
    luis = make_conversation(name="Luis Flores", minutes_ago=2)
    add_message(luis, text="¿Tienen el iPhone 15 en azul?")
    add_message(luis, text="Gracias")  # the preview no longer holds the question
    client.force_login(agent)
    assert _rows(client.get("/panel/?q=iphone")) == ["Luis Flores"]
    assert _rows(client.get("/panel/", {"q": rosa.contact.phone[-6:]})) == ["Rosa Quispe"]
    assert _rows(client.get("/panel/?q=quispe")) == ["Rosa Quispe"]


def test_supervisor_filters_the_all_tab_by_agent(client, supervisor, agent, team, make_conversation):
    teammate = make_user("agente_dos", Role.AGENT, team)
    make_conversation(name="Rosa Quispe", assignee=agent, minutes_ago=1)
    make_conversation(name="Luis Flores", assignee=teammate, minutes_ago=2)
    make_conversation(name="Pedro Ruiz", minutes_ago=3)
    client.force_login(supervisor)
    html = client.get("/panel/").content.decode()
    assert f'<option value="{teammate.pk}">' in html  # the assignee filter lists the team
    assert _rows(client.get(f"/panel/?assignee={teammate.pk}")) == ["Luis Flores"]
    assert _rows(client.get("/panel/?assignee=none")) == ["Pedro Ruiz"]
    assert _rows(client.get("/panel/?assignee=me")) == []
    # the tab wins over the assignee filter
    assert _rows(client.get(f"/panel/?tab=unassigned&assignee={agent.pk}")) == ["Pedro Ruiz"]


def test_agent_filtering_by_another_agent_sees_nothing_of_theirs(client, agent, other_agent, make_conversation):
    make_conversation(name="Ana Torres", assignee=other_agent)
    client.force_login(agent)
    response = client.get(f"/panel/?assignee={other_agent.pk}")
    assert response.status_code == 200 and _rows(response) == []
    assert 'name="assignee"' in response.content.decode() and f'value="{other_agent.pk}"' not in \
        response.content.decode()


def test_row_shows_waiting_age_only_while_unanswered(client, agent, make_conversation):
    now = timezone.now()
    waiting = make_conversation(name="Rosa Quispe", assignee=agent, last_inbound_at=now - timedelta(minutes=75),
                                last_outbound_at=now - timedelta(minutes=90))
    answered = make_conversation(name="Luis Flores", last_inbound_at=now - timedelta(minutes=30),
                                 last_outbound_at=now - timedelta(minutes=20))
    client.force_login(agent)
    row = client.get(f"/panel/row/{waiting.pk}/").content.decode()
    assert "sla sla-late" in row and "1\xa0hora, 15\xa0minutos" in row
    assert "sla" not in client.get(f"/panel/row/{answered.pk}/").content.decode().split("preview")[1]


def _count_queries(client, url: str, make, n: int, **kwargs) -> int:  # type: ignore[no-untyped-def]
    Conversation.objects.all().delete()
    tag = Tag.objects.get_or_create(name="vip")[0]
    for i in range(n):
        c = make(name=f"Cliente {i}", with_lead="WARM" if i % 2 else "", minutes_ago=i, **kwargs)
        c.tags.add(tag)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_inbox_query_count_is_flat_with_every_filter(client, supervisor, agent, make_conversation):
    client.force_login(supervisor)
    url = "/panel/?tab=all&q=cliente&temperature=WARM&tag=vip&channel=whatsapp&priority=normal&status=open"
    few = _count_queries(client, url, make_conversation, 2, assignee=agent)
    many = _count_queries(client, url, make_conversation, 20, assignee=agent)
    # session, user, tags, assignees, count, page, prefetched tags (+ savepoints); the top bar's three counts; the
    # side menu's open tickets
    assert few == many <= 12


def test_kanban_lists_cards_by_status_with_flat_query_count(client, agent, other_agent, make_conversation):
    make_conversation(name="Rosa Quispe", assignee=agent, status="open")
    make_conversation(name="Luis Flores", status="pending")
    make_conversation(name="Pedro Ruiz", assignee=agent, status="resolved")
    make_conversation(name="Ana Torres", assignee=other_agent, status="open")
    client.force_login(agent)
    html = client.get("/panel/kanban/").content.decode()
    for status in ("open", "pending", "snoozed", "resolved"):
        assert f'id="column-{status}"' in html
    open_column = html.split('id="column-open"')[1].split('id="column-pending"')[0]
    assert "Rosa Quispe" in open_column and "Ana Torres" not in html
    assert "Pedro Ruiz" in html.split('id="column-resolved"')[1]
    assert 'draggable="true"' in html and 'name="next" value="kanban"' in html  # the keyboard fallback

    def count(n: int) -> int:
        return _count_queries(client, "/panel/kanban/", make_conversation, n, assignee=agent)

    assert count(2) == count(25)


def test_kanban_drop_changes_status_through_the_json_endpoint(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    json_headers = {"Accept": "application/json"}

    response = client.post(f"/panel/c/{conversation.pk}/status/", {"status": "pending"}, headers=json_headers)
    assert response.status_code == 200 and response.json()["ok"] is True
    conversation.refresh_from_db()
    assert conversation.status == "pending"

    response = client.post(f"/panel/c/{conversation.pk}/status/", {"status": "snoozed"}, headers=json_headers)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_snooze" and "fecha futura" in response.json()["detail"]

    response = client.post(f"/panel/c/{conversation.pk}/status/", {"status": "resolved", "next": "kanban"})
    assert response.status_code == 302 and response["Location"] == "/panel/kanban/"


def test_kanban_drop_on_someone_elses_card_is_404(client, agent, other_agent, make_conversation):
    conversation = make_conversation(assignee=other_agent)
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/status/", {"status": "resolved"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 404
    conversation.refresh_from_db()
    assert conversation.status == "open"


def test_kanban_needs_login(client):
    response = client.get("/panel/kanban/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_json_answer_is_plain_json(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/priority/", {"priority": "high"},
                           headers={"Accept": "application/json"})
    assert json.loads(response.content)["ok"] is True
