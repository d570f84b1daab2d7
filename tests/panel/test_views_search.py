"""The panel's search box finds a person by anything you know of them (issue 13, item 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import Conversation
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db

CONTACTS = {
    "Camila Rojas": {"phone": "", "whatsapp_id": "56912345678"},  # Chile, a range phonenumbers does not know
    "Luis Gómez": {"phone": "+5491123456789", "whatsapp_id": "5491123456789"},  # Argentina
    "Martina Díaz": {"phone": "", "whatsapp_id": "541187654321"},  # Argentina, WhatsApp id without the 9
    "Rosa Quispe": {"phone": "+51987654321", "whatsapp_id": "51987654321"},  # Peru
    "Valeria Ríos": {"phone": "", "whatsapp_id": "", "instagram_id": "17841400000000001",
                     "instagram_username": "vale.rios"},
    "Ana Torres": {"phone": "+51944555666", "whatsapp_id": "", "email": "ana.torres@correo.pe"},
}


@pytest.fixture
def inbox(channel_account):  # type: ignore[no-untyped-def]
    at = timezone.now()
    for n, (name, fields) in enumerate(CONTACTS.items()):
        Conversation.objects.create(contact=ContactFactory(name=name, **fields), channel_account=channel_account,
                                    last_message_at=at - timedelta(minutes=n), last_message_preview="Hola")


def _rows(response) -> list[str]:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    return [name for name in CONTACTS if name in html]


@pytest.mark.parametrize(("q", "who"), [
    ("56912345678", "Camila Rojas"),
    ("+56 9 1234 5678", "Camila Rojas"),
    ("912345678", "Camila Rojas"),
    ("+54 9 11 2345-6789", "Luis Gómez"),
    ("+54 11 2345 6789", "Luis Gómez"),
    ("+54 9 11 8765 4321", "Martina Díaz"),
    ("+51 987 654 321", "Rosa Quispe"),
    ("987654321", "Rosa Quispe"),
    ("17841400000000001", "Valeria Ríos"),
    ("@vale.rios", "Valeria Ríos"),
    ("ana.torres@correo.pe", "Ana Torres"),
    ("quispe rosa", "Rosa Quispe"),
])
def test_panel_search_finds_the_person_when_given_any_identifier(client, agent, inbox, q, who):
    client.force_login(agent)
    response = client.get("/panel/", {"q": q})
    assert response.status_code == 200
    assert _rows(response) == [who]


def test_panel_search_costs_the_same_queries_for_a_phone_as_for_a_name(client, agent, inbox):
    client.force_login(agent)
    client.get("/panel/", {"q": "rosa"})  # warm up the session and caches
    with CaptureQueriesContext(connection) as by_name:
        client.get("/panel/", {"q": "rosa"})
    with CaptureQueriesContext(connection) as by_phone:
        client.get("/panel/", {"q": "+56 9 1234 5678"})
    assert len(by_phone) == len(by_name)
