"""The inbox tabs' badges: open or pending conversations per tab (and their unread messages), as each role sees them,
from the small endpoint the page asks once shown and again when events arrive; one query, whatever the size."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(agent, other_agent, supervisor, make_conversation):  # type: ignore[no-untyped-def]
    """Seven conversations: the agent's (open, pending, resolved), the queue's (open, snoozed), one of an agent of
    another team and one of the supervisor."""
    make_conversation(name="Rosa Quispe", assignee=agent, status="open", unread_count=2)
    make_conversation(name="Luis Flores", assignee=agent, status="pending", unread_count=1)
    make_conversation(name="Pedro Ruiz", assignee=agent, status="resolved", unread_count=5)
    make_conversation(name="Ana Torres", status="open", unread_count=3)
    make_conversation(name="Carla Díaz", status="snoozed", unread_count=7)
    make_conversation(name="Jorge Paz", assignee=other_agent, status="open", unread_count=4)
    make_conversation(name="Elena Soto", assignee=supervisor, status="pending", unread_count=0)


def _placeholders(html: str) -> list[str]:
    """The badges the page carries, empty and hidden until the page asks for the counts."""
    return re.findall(r'<span [^>]*data-count-for="(\w+)"[^>]*hidden>\s*</span>', html)


def _json(client) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    response = client.get("/panel/counts/")
    assert response.status_code == 200
    return {tab: (value["count"], value["unread"]) for tab, value in response.json().items()}


def test_the_inbox_comes_with_empty_badges_and_counts_nothing_itself(client, agent, inbox):
    client.force_login(agent)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/panel/").content.decode()
    assert _placeholders(html) == ["mine", "unassigned", "all"]
    assert not [q for q in queries.captured_queries if "FILTER (WHERE" in q["sql"] or "SUM(" in q["sql"].upper()]


def test_badges_ignore_the_lists_filters(client, agent, inbox):
    client.force_login(agent)
    html = client.get("/panel/?tab=mine&status=resolved&q=pedro").content.decode()
    assert ">Pedro Ruiz<" in html  # the list is narrowed ...
    narrowed = client.get("/panel/counts/?tab=mine&status=resolved&q=pedro").json()["mine"]
    assert (narrowed["count"], narrowed["unread"]) == (2, 3)  # ... the badge still says what waits in the tab


def test_opening_a_conversation_takes_its_unread_messages_off_the_badges(client, agent, inbox):
    conversation = Conversation.objects.get(contact__name="Ana Torres")
    client.force_login(agent)
    html = client.get(f"/panel/c/{conversation.pk}/").content.decode()
    assert _placeholders(html) == ["mine", "unassigned", "all"]
    # opening it reads it: the queue's unread messages are gone, the conversation still waits
    assert _json(client) == {"mine": (2, 3), "unassigned": (1, 0), "all": (3, 3)}


@pytest.mark.parametrize(("persona", "expected"), [
    ("agent", {"mine": (2, 3), "unassigned": (1, 3), "all": (3, 6)}),
    ("other_agent", {"mine": (1, 4), "unassigned": (1, 3), "all": (2, 7)}),
    ("supervisor", {"mine": (1, 0), "unassigned": (1, 3), "all": (4, 6)}),
    ("admin_user", {"mine": (0, 0), "unassigned": (1, 3), "all": (5, 10)}),
    ("backoffice", {"mine": (0, 0), "unassigned": (1, 3), "all": (5, 10)}),
])
def test_counts_endpoint_answers_what_the_role_may_see(client, request, inbox, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert _json(client) == expected


def test_counts_endpoint_follows_changes(client, agent, other_agent, inbox):
    client.force_login(agent)
    Conversation.objects.filter(contact__name="Ana Torres").update(assignee=agent)  # taken from the queue
    Conversation.objects.filter(contact__name="Jorge Paz").update(assignee=None)  # back to the queue
    Conversation.objects.filter(contact__name="Rosa Quispe").update(status="resolved")
    assert _json(client) == {"mine": (2, 4), "unassigned": (1, 4), "all": (3, 8)}


def test_counts_endpoint_needs_login(client):
    response = client.get("/panel/counts/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_counts_endpoint_is_one_query_on_conversations(client, admin_user, inbox):
    client.force_login(admin_user)
    client.get("/panel/counts/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/panel/counts/").status_code == 200
    on_conversations = [q["sql"] for q in queries.captured_queries if "conversations_conversation" in q["sql"]]
    # session, user, the two-step device that verified the admin's session (django-otp), the counts
    assert len(on_conversations) == 1 and len(queries) == 4


@pytest.mark.parametrize("persona", ["agent", "supervisor", "admin_user"])
def test_inbox_query_count_stays_flat_with_the_badges_when_rows_grow(client, request, persona, agent,
                                                                     make_conversation):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    def count(n: int) -> tuple[int, dict[str, tuple[int, int]]]:
        Conversation.objects.all().delete()
        for i in range(n):
            make_conversation(name=f"Cliente {i}", with_lead="WARM" if i % 2 else "", minutes_ago=i,
                              assignee=agent if i % 3 else None, status="resolved" if i % 5 == 0 else "open",
                              unread_count=1)
        client.get("/panel/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/panel/")
        assert response.status_code == 200
        return len(queries), _json(client)

    (few, few_badges), (many, many_badges) = count(5), count(50)
    assert few == many
    # 50 rows: 10 resolved (i % 5 == 0); of the other 40, 13 in the queue (i % 3 == 0) and 27 the agent's
    assert many_badges["unassigned"] == (13, 13) and many_badges["all"] == (40, 40)
    assert few_badges["all"] == (4, 4)
