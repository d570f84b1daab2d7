"""Opening a conversation costs the same queries however much the panel holds (issue 19, item 5).

The page draws the conversation (its latest messages, composer, actions, lead, calls, tags and notes) and asks right
after for the inbox's list (``/panel/list/``) and the sidebar's other cards (``/panel/c/<id>/details/``): none of
the three may cost more queries as messages, conversations, notes, tags or the contact's other conversations grow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from conversations.models import Conversation, Note, Tag
from panel.templatetags.panel_extras import message_when
from tests.panel.conftest import add_message
from tests.panel.test_earlier_messages import _many

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# The page: session, user, the conversation and its tags, notes, the latest messages, the calls and the live call,
# the transfer candidates, teams and the filters' tags; the top bar's notifications, chat rooms and broadcasts;
# the side menu's open tickets; the user's permissions.
PAGE_QUERIES = 20


def _queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    client.get(path, headers=HTMX)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, headers=HTMX)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_conversation_page_and_what_it_asks_for_cost_flat_queries_when_everything_grows(
        client, agent, channel_account, make_conversation):
    client.force_login(agent)
    tag = Tag.objects.create(name="fibra")

    def measure(scale: int) -> dict[str, int]:
        conversation = make_conversation(name=f"Cliente {scale}", assignee=agent)
        _many(conversation, 20 * scale)
        add_message(conversation, text="¿Tienen fibra en Surco?", intent="product_query",
                    ai_flags={"analyzed": True, "entities": {"zone": "Surco"}})
        conversation.tags.add(tag)
        for n in range(scale):
            other = make_conversation(name=f"Cliente {scale}-{n}", assignee=agent if n % 2 else None)
            other.tags.add(tag)
            Conversation.objects.create(contact=conversation.contact, channel_account=channel_account,
                                        status="resolved")
            Note.objects.create(conversation=conversation, author=agent, text=f"nota {n} para @{agent.username}")
        pk = conversation.pk
        return {"page": _queries(client, f"/panel/c/{pk}/"), "list": _queries(client, f"/panel/list/?active={pk}"),
                "details": _queries(client, f"/panel/c/{pk}/details/")}

    small, large = measure(2), measure(30)

    assert small == large
    assert large["page"] <= PAGE_QUERIES


@pytest.mark.parametrize("language", ["es", "en"])
def test_message_times_are_drawn_as_the_date_filters_draw_them(language, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    start = datetime(2026, 2, 1, 4, 59, 1, tzinfo=UTC)  # a minute before midnight in Lima
    drawn = Template("{{ d }}|{{ d|date:'Y-m-d' }}|{{ d|time:'H:i' }}")
    with translation.override(language):
        for seconds in (0, 30, 59, 60, 3600 * 5 + 7):
            message = add_message(conversation, text=f"{seconds}")
            message.created_at = start + timedelta(seconds=seconds)
            when = message_when(message)
            assert f"{when.title}|{when.day}|{when.time}" == drawn.render(Context({"d": message.created_at}))
