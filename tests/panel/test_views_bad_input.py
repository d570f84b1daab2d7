"""Ids, numbers and dates in the panel's query strings and forms that used to be 500s.

``"²".isdigit()`` is true and ``int("²")`` raises; an id past 2**63 overflows the SQLite driver in a filter
by a foreign key; ``parse_datetime("2025-02-30T10:00")`` raises. Each is now ignored (a filter), a 404
(an id that names nothing) or a 400 (a catch-up cursor).
"""

from __future__ import annotations

import pytest

from conversations.models import Conversation, FollowUpTask

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("query", ["assignee=²", f"assignee={HUGE}", "tab=all&assignee=²"])
@pytest.mark.parametrize("page", ["/panel/", "/panel/kanban/"])
def test_inbox_and_board_ignore_an_assignee_that_is_no_id(client, supervisor, make_conversation, page, query):
    make_conversation(name="Rosa Quispe")
    client.force_login(supervisor)
    response = client.get(f"{page}?{query}")
    assert response.status_code == 200
    assert "Rosa Quispe" in response.content.decode()


def test_inbox_row_ignores_an_active_id_that_is_no_id(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    assert client.get(f"/panel/row/{conversation.pk}/?active=²").status_code == 200


@pytest.mark.parametrize("query", ["assignee=²&operator=²", f"assignee={HUGE}&operator=9999999999"])
def test_pipeline_ignores_filters_that_are_no_ids(client, supervisor, query):
    client.force_login(supervisor)
    assert client.get(f"/panel/pipeline/?{query}").status_code == 200


@pytest.mark.parametrize("query", ["assignee=²", f"assignee={HUGE}"])
def test_home_ignores_an_assignee_that_is_no_id(client, supervisor, query):
    client.force_login(supervisor)
    assert client.get(f"/?{query}").status_code == 200


@pytest.mark.parametrize(("action", "data"), [
    ("transfer", {"to": "²"}),
    ("transfer", {"to": "team-²"}),
    ("product", {"product": "²"}),
    ("send", {"text": "Hola", "template": "²"}),
    ("send", {"text": "Hola", "template": "plantilla"}),
    ("followups/new", {"template": "²", "due_at": "2030-01-01T10:00"}),
])
def test_posted_id_that_is_no_id_is_a_404(client, agent, make_conversation, action, data):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    assert client.post(f"/panel/c/{conversation.pk}/{action}/", data).status_code == 404


def test_assign_to_an_id_that_is_no_id_is_a_404(client, supervisor, make_conversation):
    conversation = make_conversation()
    client.force_login(supervisor)
    assert client.post(f"/panel/c/{conversation.pk}/assign/", {"to": "²"}).status_code == 404
    assert Conversation.objects.get(pk=conversation.pk).assignee_id is None


def test_impossible_snooze_date_is_refused_like_a_missing_one(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    data = {"status": "snoozed", "snoozed_until": "2025-02-30T10:00"}
    response = client.post(f"/panel/c/{conversation.pk}/status/", data, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert Conversation.objects.get(pk=conversation.pk).status == Conversation.Status.OPEN


def test_followup_with_an_impossible_date_is_not_scheduled(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/followups/new/",
                           {"text": "¿Seguimos?", "due_at": "2030-02-30T10:00"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert not FollowUpTask.objects.exists()


@pytest.mark.parametrize("url", ["/panel/events/?since=²", "/panel/c/{pk}/events/?after=²",
                                 f"/panel/events/?since={HUGE}"])
def test_catch_up_cursor_that_is_no_number_is_a_400(client, agent, make_conversation, url):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    assert client.get(url.format(pk=conversation.pk)).status_code == 400
