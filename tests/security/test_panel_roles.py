"""Back office reads conversations but never writes to them, in the panel as in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conversations.models import Conversation, Message, Note
from tests.panel.conftest import add_message, channel_account, make_conversation  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(make_conversation, agent):  # noqa: F811
    conversation = make_conversation(name="Rosa Quispe", assignee=agent)
    add_message(conversation, text="Hola, quiero fibra")
    return conversation


@pytest.mark.parametrize(("name", "data"), [
    ("send", {"text": "Hola desde back office"}),
    ("note", {"text": "Nota de back office"}),
    ("take", {}),
    ("transfer", {"to": "0"}),
    ("assign", {"to": ""}),
    ("status", {"status": "resolved"}),
    ("priority", {"priority": "urgent"}),
    ("tag_add", {"name": "vip"}),
    ("product_send", {"product": "1"}),
    ("read", {}),
])
def test_back_office_cannot_write_to_a_conversation_from_the_panel(client, backoffice, agent, conversation, name,
                                                                   data):
    client.force_login(backoffice)
    assert client.get(reverse("panel:conversation", args=[conversation.pk])).status_code == 200  # may read it
    before = Conversation.objects.values().get(pk=conversation.pk)
    response = client.post(reverse(f"panel:{name}", args=[conversation.pk]), data)
    assert response.status_code == 403
    assert Conversation.objects.values().get(pk=conversation.pk) == before
    assert not Message.objects.filter(direction="out").exists() and not Note.objects.exists()


def test_an_agent_still_writes_from_the_panel(client, agent, conversation):
    client.force_login(agent)
    response = client.post(reverse("panel:note", args=[conversation.pk]), {"text": "Llamar mañana"})
    assert response.status_code == 302 and Note.objects.get().author == agent
