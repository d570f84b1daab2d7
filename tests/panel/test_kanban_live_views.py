"""The board's live updates fetch one card as the board's tab and filters show it: the card partial, 404 when the
conversation is not (or no longer) on that board or not the user's to see."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import ChannelAccount, Conversation

pytestmark = pytest.mark.django_db


def _card(client, pk: int, query: str = ""):  # type: ignore[no-untyped-def]
    return client.get(f"/panel/card/{pk}/{query}", headers={"HX-Request": "true"})


def test_card_partial_is_the_boards_card_when_visible(client, agent, make_conversation):
    conversation = make_conversation(name="Rosa Quispe", assignee=agent, status="pending", unread_count=2,
                                     priority="urgent")
    client.force_login(agent)
    response = _card(client, conversation.pk)
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith("<article class=\"kanban-card") and f'id="card-{conversation.pk}"' in html.split(">")[0]
    assert 'data-status="pending"' in html and ">Rosa Quispe<" in html and "priority-urgent" in html
    # the keyboard fallback comes with it, the current status selected
    assert re.search(r'<option value="pending" selected>', html) and 'name="next" value="kanban"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    board = client.get("/panel/kanban/").content.decode()
    assert f'id="card-{conversation.pk}"' in board.split('id="column-pending"')[1].split('id="column-snoozed"')[0]


def test_card_is_404_when_the_conversation_is_someone_elses(client, agent, other_agent, make_conversation):
    conversation = make_conversation(name="Jorge Paz", assignee=other_agent)
    client.force_login(agent)
    assert _card(client, conversation.pk).status_code == 404
    assert _card(client, conversation.pk, "?tab=all").status_code == 404
    assert _card(client, 999999).status_code == 404


def test_card_is_seen_by_the_supervisor_of_the_team_only(client, supervisor, agent, other_agent, make_conversation):
    ours = make_conversation(name="Rosa Quispe", assignee=agent)
    theirs = make_conversation(name="Jorge Paz", assignee=other_agent)
    client.force_login(supervisor)
    assert _card(client, ours.pk).status_code == 200
    assert _card(client, theirs.pk).status_code == 404


def test_card_follows_the_boards_tab_when_the_conversation_changes_hands(client, agent, other_agent, make_conversation):
    conversation = make_conversation(name="Ana Torres")  # in the queue
    client.force_login(agent)
    assert _card(client, conversation.pk, "?tab=unassigned").status_code == 200
    assert _card(client, conversation.pk, "?tab=mine").status_code == 404  # not on "Mine": a live update drops it

    Conversation.objects.filter(pk=conversation.pk).update(assignee=agent)  # taken
    assert _card(client, conversation.pk, "?tab=mine").status_code == 200
    assert _card(client, conversation.pk, "?tab=unassigned").status_code == 404

    Conversation.objects.filter(pk=conversation.pk).update(assignee=other_agent)  # transferred away
    assert _card(client, conversation.pk, "?tab=mine").status_code == 404
    assert _card(client, conversation.pk, "?tab=all").status_code == 404


def test_card_keeps_every_status_and_respects_the_boards_other_filters(client, agent, make_conversation):
    conversation = make_conversation(name="Pedro Ruiz", assignee=agent, status="resolved", priority="high")
    client.force_login(agent)
    # the board shows all statuses in columns: a status in the query does not hide the card
    response = _card(client, conversation.pk, "?tab=mine&status=open")
    assert response.status_code == 200 and 'data-status="resolved"' in response.content.decode()
    assert _card(client, conversation.pk, "?priority=high").status_code == 200
    assert _card(client, conversation.pk, "?priority=low").status_code == 404
    assert _card(client, conversation.pk, "?q=pedro").status_code == 200
    assert _card(client, conversation.pk, "?q=nadie").status_code == 404
    instagram = ChannelAccount.objects.create(provider="instagram", name="Instagram", account_ref="1784",
                                              ai_mode=ChannelAccount.AIMode.OFF)
    assert _card(client, conversation.pk, "?channel=instagram").status_code == 404
    Conversation.objects.filter(pk=conversation.pk).update(channel_account=instagram)
    assert _card(client, conversation.pk, "?channel=instagram").status_code == 200


def test_card_needs_login(client, make_conversation):
    conversation = make_conversation()
    response = _card(client, conversation.pk)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_card_query_count_is_fixed(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent, with_lead="HOT")
    client.force_login(agent)
    _card(client, conversation.pk)
    with CaptureQueriesContext(connection) as queries:
        assert _card(client, conversation.pk).status_code == 200
    assert len(queries) == 4  # session, user, the card (with contact, lead, assignee), its tags


def test_board_page_opens_the_live_socket(client, agent):
    client.force_login(agent)
    html = client.get("/panel/kanban/?tab=mine").content.decode()
    assert 'data-live="off"' in html and 'id="kanban"' in html
    assert html.index("panel/socket.js") < html.index("panel/kanban.js")
