"""Long conversations open on their latest page; earlier pages come as the agent scrolls up (issue 19, item 5).

The conversation page holds the latest ``MESSAGE_PAGE_SIZE`` messages and a "load earlier" marker with a cursor;
``/panel/c/<id>/earlier/?before=<cursor>`` answers the page before it (keyset on created_at and id, never OFFSET),
within the same reach as the conversation itself.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.ip_allowlist import allowed_network_create, allowed_networks_changed
from conversations.models import Conversation, Message
from panel.selectors import MESSAGE_PAGE_SIZE, MessageCursor
from tests.panel.conftest import add_message

pytestmark = pytest.mark.django_db

MESSAGE_ID = re.compile(r'id="m-(\d+)"')


def _many(conversation: Conversation, count: int, *, per_second: int = 3) -> list[Message]:
    """``count`` messages, oldest first, ``per_second`` of them sharing each timestamp (the id breaks the tie)."""
    messages = Message.objects.bulk_create([
        Message(conversation=conversation, channel_account=conversation.channel_account,
                direction="in" if n % 2 else "out", sender="customer" if n % 2 else "agent",
                status="received" if n % 2 else "delivered", text=f"Mensaje {n:03d}")
        for n in range(count)
    ])
    start = timezone.now() - timedelta(days=3)
    for n, message in enumerate(messages):
        message.created_at = start + timedelta(seconds=n // per_second)
    Message.objects.bulk_update(messages, ["created_at"])
    return messages


def _shown(html: str) -> list[int]:
    return [int(pk) for pk in MESSAGE_ID.findall(html)]


def _marker(html: str) -> dict[str, str]:
    found = re.search(r'<div id="messages-earlier"[^>]*>', html)
    assert found, "the conversation has no 'load earlier' marker"
    return dict(re.findall(r'data-(url|cursor|state)="([^"]*)"', found.group(0)))


def _earlier(client, conversation: Conversation, cursor: str):  # type: ignore[no-untyped-def]
    return client.get(f"/panel/c/{conversation.pk}/earlier/", {"before": cursor},
                      headers={"Accept": "application/json"})


def test_long_conversation_opens_on_its_latest_page_when_it_has_more(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    messages = _many(conversation, MESSAGE_PAGE_SIZE * 2 + 7)
    client.force_login(agent)
    html = client.get(f"/panel/c/{conversation.pk}/").content.decode()
    latest = messages[-MESSAGE_PAGE_SIZE:]
    assert _shown(html) == [m.pk for m in latest]  # the latest page only, oldest of it first
    assert "Mensaje 106" in html and "Mensaje 057" in html and "Mensaje 056" not in html
    marker = _marker(html)
    assert marker["state"] == "more" and marker["url"] == f"/panel/c/{conversation.pk}/earlier/"
    assert marker["cursor"] == str(MessageCursor.of(latest[0]))
    assert "Cargar mensajes anteriores" in html and "Inicio de la conversación" in html  # the states it can show
    assert html.index('id="messages-earlier"') < html.index(f'id="m-{latest[0].pk}"')


def test_short_conversation_says_it_starts_there_when_everything_is_shown(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    messages = _many(conversation, 12)
    client.force_login(agent)
    html = client.get(f"/panel/c/{conversation.pk}/").content.decode()
    assert _shown(html) == [m.pk for m in messages]
    assert _marker(html)["state"] == "start"


def test_empty_conversation_shows_no_messages_and_no_marker(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    html = client.get(f"/panel/c/{conversation.pk}/").content.decode()
    assert 'id="messages-empty"' in html and 'id="messages-earlier"' not in html


def test_conversation_page_costs_the_same_queries_for_10_and_300_messages(client, agent, make_conversation):
    client.force_login(agent)

    def measure(count: int) -> tuple[int, int]:
        conversation = make_conversation(name=f"Cliente {count}", assignee=agent)
        _many(conversation, count)
        client.get(f"/panel/c/{conversation.pk}/")  # warm: sessions, content types
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/panel/c/{conversation.pk}/")
        assert response.status_code == 200
        assert not any("OFFSET" in q["sql"].upper() for q in ctx.captured_queries)
        return len(ctx.captured_queries), len(_shown(response.content.decode()))

    short, long = measure(10), measure(300)
    assert short[0] == long[0]
    assert (short[1], long[1]) == (10, MESSAGE_PAGE_SIZE)


def test_earlier_pages_walk_back_to_the_start_without_gaps_or_repeats(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    messages = _many(conversation, MESSAGE_PAGE_SIZE * 3 + 5, per_second=7)  # pages end inside a shared second
    client.force_login(agent)
    html = client.get(f"/panel/c/{conversation.pk}/").content.decode()
    seen, cursor, counts = _shown(html), _marker(html)["cursor"], []
    while True:
        with CaptureQueriesContext(connection) as ctx:
            response = _earlier(client, conversation, cursor)
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        counts.append(len(ctx.captured_queries))
        assert not any("OFFSET" in q["sql"].upper() for q in ctx.captured_queries)
        body = response.json()
        seen = _shown(body["html"]) + seen
        if not body["has_more"]:
            break
        cursor = body["cursor"]
    assert seen == [m.pk for m in messages]  # every message once, in order
    assert len(set(counts)) == 1  # the deepest page costs what the first does
    assert 'class="day-separator"' in body["html"]


def test_a_message_that_arrives_later_never_comes_in_an_earlier_page(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    _many(conversation, MESSAGE_PAGE_SIZE + 5)
    client.force_login(agent)
    cursor = _marker(client.get(f"/panel/c/{conversation.pk}/").content.decode())["cursor"]
    live = add_message(conversation, text="Llegó en vivo")
    body = _earlier(client, conversation, cursor).json()
    assert f'id="m-{live.pk}"' not in body["html"] and "Llegó en vivo" not in body["html"]
    assert len(_shown(body["html"])) == 5 and body["has_more"] is False


@pytest.mark.parametrize("cursor", ["", "abc", "123", "_5", "12_", "-5_3", "12_x", "1.5_3", "9" * 19 + "_1",
                                    "999999999999999999_1"])
def test_earlier_page_with_a_bad_cursor_is_400(client, agent, make_conversation, cursor):
    conversation = make_conversation(assignee=agent)
    _many(conversation, 3)
    client.force_login(agent)
    response = _earlier(client, conversation, cursor)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
    assert "cursor" in response.json()["detail"]  # a sentence for people, in Spanish


def test_earlier_page_of_a_conversation_out_of_reach_is_404(client, agent, other_agent, make_conversation):
    theirs = make_conversation(assignee=other_agent)
    messages = _many(theirs, 60)
    client.force_login(agent)
    response = _earlier(client, theirs, str(MessageCursor.of(messages[-1])))
    assert response.status_code == 404 and "Mensaje" not in response.content.decode()
    assert _earlier(client, Conversation(pk=987654), "1_1").status_code == 404


def test_earlier_page_needs_a_signed_in_person(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    messages = _many(conversation, 60)
    response = _earlier(client, conversation, str(MessageCursor.of(messages[-1])))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_earlier_page_is_403_from_an_address_the_role_may_not_use(client, agent, make_conversation, settings):
    settings.IP_RESTRICTION_ENABLED = True
    settings.IP_RISK_LOOKUP_URL = ""
    cache.clear()
    allowed_network_create(network="203.0.113.0/24", label="Oficina Lima", roles=["agent"])
    allowed_networks_changed()
    try:
        conversation = make_conversation(assignee=agent)
        messages = _many(conversation, 60)
        client.force_login(agent)
        response = client.get(f"/panel/c/{conversation.pk}/earlier/", {"before": str(MessageCursor.of(messages[-1]))},
                              REMOTE_ADDR="198.51.100.23")
        assert response.status_code == 403 and "Mensaje" not in response.content.decode()
    finally:
        allowed_networks_changed()
        cache.clear()


def test_a_supervisor_pages_back_through_their_team_agents_conversation(client, supervisor, agent,
                                                                        make_conversation):
    conversation = make_conversation(assignee=agent)
    messages = _many(conversation, MESSAGE_PAGE_SIZE + 2)
    client.force_login(supervisor)
    body = _earlier(client, conversation, str(MessageCursor.of(messages[2]))).json()
    assert _shown(body["html"]) == [messages[0].pk, messages[1].pk] and body["has_more"] is False


def test_each_message_carries_its_place_in_the_timeline(client, agent, make_conversation):
    """panel.js puts a live message in order by it (and leaves an old one for its earlier page)."""
    conversation = make_conversation(assignee=agent)
    message = add_message(conversation, text="Hola")
    client.force_login(agent)
    html = client.get(f"/panel/c/{conversation.pk}/m/{message.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert f'data-cursor="{MessageCursor.of(message)}"' in html
    assert MessageCursor.parse(str(MessageCursor.of(message))) == MessageCursor.of(message)
