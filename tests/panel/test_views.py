"""The chat panel's pages: who sees what, filters, the conversation, and the actions an agent takes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from conftest import make_user
from conversations.models import Conversation, Message, MessageTemplate, Note
from tests.panel.conftest import add_message

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _rows(response) -> list[str]:
    html = response.content.decode()
    return [name for name in ("Rosa Quispe", "Luis Flores", "Ana Torres", "Pedro Ruiz") if name in html]


def test_inbox_needs_login(client):
    response = client.get("/panel/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_inbox_lists_own_and_unassigned_when_agent(client, agent, other_agent, make_conversation):
    make_conversation(name="Rosa Quispe", assignee=agent, with_lead="HOT", needs_human=True, unread_count=3)
    make_conversation(name="Luis Flores")
    make_conversation(name="Ana Torres", assignee=other_agent)
    client.force_login(agent)
    response = client.get("/panel/")
    assert response.status_code == 200
    assert _rows(response) == ["Rosa Quispe", "Luis Flores"]
    html = response.content.decode()
    assert 'class="badge badge-HOT"' in html and "needs-human" in html
    assert 'data-unread="3"' in html and "channel-whatsapp" in html


def test_inbox_shows_team_and_queue_when_supervisor(client, supervisor, agent, other_agent, make_conversation):
    make_conversation(name="Rosa Quispe", assignee=agent)
    make_conversation(name="Luis Flores")
    make_conversation(name="Ana Torres", assignee=other_agent)
    client.force_login(supervisor)
    assert _rows(client.get("/panel/")) == ["Rosa Quispe", "Luis Flores"]


def test_inbox_tabs_status_and_search_narrow_the_list(client, agent, make_conversation):
    make_conversation(name="Rosa Quispe", assignee=agent, minutes_ago=1)
    make_conversation(name="Luis Flores", minutes_ago=2, status=Conversation.Status.PENDING)
    make_conversation(name="Pedro Ruiz", assignee=agent, minutes_ago=3, status=Conversation.Status.RESOLVED)
    client.force_login(agent)
    assert _rows(client.get("/panel/?tab=all")) == ["Rosa Quispe", "Luis Flores", "Pedro Ruiz"]
    assert _rows(client.get("/panel/?tab=mine")) == ["Rosa Quispe", "Pedro Ruiz"]
    assert _rows(client.get("/panel/?tab=unassigned")) == ["Luis Flores"]
    assert _rows(client.get("/panel/?status=pending")) == ["Luis Flores"]
    assert _rows(client.get("/panel/?tab=mine&status=resolved")) == ["Pedro Ruiz"]
    assert _rows(client.get("/panel/?q=pedro")) == ["Pedro Ruiz"]


def test_inbox_is_newest_first_and_paginated(client, agent, make_conversation):
    for n in range(30):
        make_conversation(name=f"Cliente {n:02d}", minutes_ago=n)
    client.force_login(agent)
    html = client.get("/panel/").content.decode()
    assert html.index("Cliente 00") < html.index("Cliente 01") and "Cliente 29" not in html
    assert "Cliente 29" in client.get("/panel/?page=2").content.decode()


def test_inbox_query_count_is_constant_when_the_list_grows(client, agent, make_conversation):
    client.force_login(agent)

    def count(n: int) -> int:
        Conversation.objects.all().delete()
        for i in range(n):
            make_conversation(name=f"Cliente {i}", with_lead="WARM" if i % 2 else "", assignee=agent if i % 3 else None)
        client.get("/panel/")  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/panel/").status_code == 200
        return len(queries)

    few, many = count(3), count(20)
    assert few == many
    # session, user, count, page, tags, the tabs' badges; the top bar's unread notifications, chat rooms, broadcasts;
    # the side menu's open tickets
    assert many <= 10


def test_conversation_renders_each_message_type_and_tick(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent, unread_count=4, ai_draft="Hola Rosa, ¿en qué distrito estás?")
    yesterday = timezone.now() - timedelta(days=1)
    first = add_message(conversation, text="Hola, quiero fibra")
    Message.objects.filter(pk=first.pk).update(created_at=yesterday)
    image = add_message(conversation, type="image", text="", media_state="stored", media_mime="image/jpeg")
    image.media.save("foto.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
    audio = add_message(conversation, type="audio", text="", media_state="stored", media_mime="audio/ogg")
    audio.media.save("nota.ogg", ContentFile(b"OggS"), save=True)
    doc = add_message(conversation, type="document", text="", media_state="stored", media_mime="application/pdf")
    doc.media.save("recibo.pdf", ContentFile(b"%PDF"), save=True)
    add_message(conversation, type="location", text="", location={"latitude": -12.1, "longitude": -77.03,
                                                                  "name": "Mi casa"})
    add_message(conversation, direction="out", sender="system", text="Conversación transferida", status="sent")
    add_message(conversation, direction="out", sender="ai", text="Soy el asistente", status="read")
    for status in ("queued", "sent", "delivered"):
        add_message(conversation, direction="out", sender="agent", author=agent, text=f"estado {status}", status=status)
    add_message(conversation, direction="out", sender="agent", author=agent, text="no llegó", status="failed",
                error_code="63016", error_message="Fuera de la ventana de 24 horas")
    client.force_login(agent)

    response = client.get(f"/panel/c/{conversation.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Hola, quiero fibra") < html.index("estado queued") < html.index("no llegó")
    assert html.count('class="day-separator"') == 2
    assert '<img class="msg-image"' in html and "<audio controls" in html and "recibo" in html
    assert "https://www.google.com/maps?q=-12.1,-77.03" in html and "Mi casa" in html
    assert 'class="msg msg-system' in html and 'class="msg msg-ai msg-out"' in html
    assert 'class="msg msg-customer msg-in"' in html
    for tick in ("queued", "sent", "delivered", "read", "failed"):
        assert f'data-tick="{tick}"' in html
    assert "Fuera de la ventana de 24 horas" in html
    assert 'id="ai-draft"' in html and 'data-draft="Hola Rosa, ¿en qué distrito estás?"' in html
    assert 'data-deferred="/panel/list/"' in html  # the inbox on the left comes right after the page
    listed = client.get(f"/panel/list/?active={conversation.pk}", headers={"HX-Request": "true"}).content.decode()
    assert f'id="row-{conversation.pk}"' in listed and "panel-row-active" in listed
    conversation.refresh_from_db()
    assert conversation.unread_count == 0  # opened means read


def test_message_and_row_partials(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent, unread_count=2)
    message = add_message(conversation, direction="out", sender="agent", author=agent, text="Listo", status="delivered")
    client.force_login(agent)
    partial = client.get(f"/panel/c/{conversation.pk}/m/{message.pk}/").content.decode()
    assert partial.strip().startswith(f'<div id="m-{message.pk}"') and 'data-tick="delivered"' in partial
    row = client.get(f"/panel/row/{conversation.pk}/?tab=mine&active={conversation.pk}").content.decode()
    assert row.strip().startswith(f'<a id="row-{conversation.pk}"') and "panel-row-active" in row
    assert client.get(f"/panel/row/{conversation.pk}/?tab=unassigned").status_code == 404


def test_send_queues_an_outbound_message(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)

    response = client.post(f"/panel/c/{conversation.pk}/send/", {"text": "Sí, tenemos 200 Mbps"}, headers=HTMX)

    assert response.status_code == 200
    message = Message.objects.get(direction="out")
    assert (message.text, message.sender, message.author, message.status) == (
        "Sí, tenemos 200 Mbps", "agent", agent, "queued")
    assert json.loads(response["HX-Trigger"]) == {"panel:sent": {"conversation": conversation.pk,
                                                                 "message": message.pk}}
    assert 'id="composer"' in response.content.decode() and "Sí, tenemos" not in response.content.decode()


def test_send_without_htmx_redirects_back(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/send/", {"text": "Hola"})
    assert response.status_code == 302 and response["Location"] == f"/panel/c/{conversation.pk}/"


def test_send_shows_templates_when_window_closed(client, agent, make_conversation, channel_account):
    conversation = make_conversation(assignee=agent, last_inbound_at=timezone.now() - timedelta(days=2))
    template = MessageTemplate.objects.create(channel_account=channel_account, name="seguimiento",
                                              body="Hola {{1}}, ¿pudiste revisar la cotización?", variable_count=1)
    client.force_login(agent)

    response = client.post(f"/panel/c/{conversation.pk}/send/", {"text": "¿Sigues ahí?"}, headers=HTMX)

    html = response.content.decode()
    assert 'id="composer-error"' in html and 'id="template-picker"' in html
    assert "seguimiento" in html and f'name="template" value="{template.pk}"' in html
    assert "¿Sigues ahí?" in html  # the text is kept
    assert not Message.objects.exists()

    response = client.post(f"/panel/c/{conversation.pk}/send/", {"template": template.pk, "variables": ["Rosa"]},
                           headers=HTMX)
    message = Message.objects.get()
    assert (message.type, message.text, message.template) == (
        "template", "Hola Rosa, ¿pudiste revisar la cotización?", template)


def test_note_is_stored_and_never_sent(client, agent, make_conversation, httpserver, settings,
                                       django_capture_on_commit_callbacks):
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/panel/c/{conversation.pk}/note/", {"text": "Prefiere que lo llamen en la tarde"})

    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.text, note.author, note.conversation) == ("Prefiere que lo llamen en la tarde", agent, conversation)
    assert not Message.objects.exists()
    assert httpserver.log == []
    html = client.get(f"/panel/c/{conversation.pk}/").content.decode()
    assert 'class="list-group-item note"' in html and "Prefiere que lo llamen" in html


def test_transfer_hands_the_conversation_to_a_teammate(client, agent, team, make_conversation):
    teammate = make_user("agente_dos", Role.AGENT, team)
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    page = client.get(f"/panel/c/{conversation.pk}/").content.decode()
    assert f'<option value="{teammate.pk}">' in page

    response = client.post(f"/panel/c/{conversation.pk}/transfer/", {"to": teammate.pk, "note": "sabe de fibra"})

    conversation.refresh_from_db()
    assert conversation.assignee == teammate
    assert response["Location"] == "/panel/"  # no longer ours to see
    assert "sabe de fibra" in Note.objects.get().text


def test_transfer_to_someone_outside_my_reach_is_404(client, agent, other_agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/transfer/", {"to": other_agent.pk})
    assert response.status_code == 404
    conversation.refresh_from_db()
    assert conversation.assignee == agent


def test_take_assigns_an_unassigned_conversation_to_me(client, agent, make_conversation):
    conversation = make_conversation()
    client.force_login(agent)
    assert 'id="take-button"' in client.get(f"/panel/c/{conversation.pk}/").content.decode()
    response = client.post(f"/panel/c/{conversation.pk}/take/")
    assert response["Location"] == f"/panel/c/{conversation.pk}/"
    conversation.refresh_from_db()
    assert conversation.assignee == agent
    assert 'id="take-button"' not in client.get(f"/panel/c/{conversation.pk}/").content.decode()


def test_status_changes_and_snooze_needs_a_time(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    client.post(f"/panel/c/{conversation.pk}/status/", {"status": "snoozed"})
    conversation.refresh_from_db()
    assert conversation.status == "open"  # refused: no time given
    until = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/panel/c/{conversation.pk}/status/", {"status": "snoozed", "snoozed_until": until})
    conversation.refresh_from_db()
    assert conversation.status == "snoozed" and conversation.snoozed_until > timezone.now()
    client.post(f"/panel/c/{conversation.pk}/status/", {"status": "resolved"})
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == ("resolved", None)


def test_suggest_fills_the_composer(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    add_message(conversation, text="Hola, ¿tienen planes de fibra en Surco?")
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/suggest/", headers=HTMX)
    html = response.content.decode().strip()
    assert response.status_code == 200 and html.startswith('<textarea id="composer-text"')
    assert len(html) > len('<textarea id="composer-text" name="text"></textarea>') + 20
    assert not Message.objects.filter(direction="out").exists()


def test_another_agents_conversation_is_404(client, agent, other_agent, make_conversation):
    conversation = make_conversation(assignee=other_agent)
    message = add_message(conversation)
    client.force_login(agent)
    for url in (f"/panel/c/{conversation.pk}/", f"/panel/c/{conversation.pk}/m/{message.pk}/",
                f"/panel/row/{conversation.pk}/"):
        assert client.get(url).status_code == 404, url
    for action in ("send", "suggest", "read", "take", "transfer", "status", "note"):
        assert client.post(f"/panel/c/{conversation.pk}/{action}/", {"text": "x"}).status_code == 404, action
    assert not Message.objects.filter(direction="out").exists() and not Note.objects.exists()


def test_read_marks_the_open_conversation_read(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent, unread_count=2)
    client.force_login(agent)
    assert client.post(f"/panel/c/{conversation.pk}/read/").status_code == 204
    conversation.refresh_from_db()
    assert conversation.unread_count == 0
