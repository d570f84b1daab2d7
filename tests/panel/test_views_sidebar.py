"""The 360° sidebar and the quick actions: contact edit, tags, priority, assign, transfer to a team, product cards,
notes with @mentions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Role, Team
from conftest import make_user
from conversations.models import Conversation, Message, Note, Tag
from core.realtime import user_group
from tests.leads.factories import ContactFactory
from tests.operators.factories import ProductFactory
from tests.panel.conftest import add_message

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _sidebar(client, conversation: Conversation) -> str:  # type: ignore[no-untyped-def]
    """The sidebar as the agent sees it: the page's cards, then those it asks for right after (panel:details)."""
    page = client.get(f"/panel/c/{conversation.pk}/").content.decode()
    assert f'hx-get="/panel/c/{conversation.pk}/details/" hx-trigger="load"' in page
    assert 'id="ai-reading-slot"' in page and 'id="sidebar-history"' in page
    return page + client.get(f"/panel/c/{conversation.pk}/details/", headers=HTMX).content.decode()


def test_sidebar_shows_contact_lead_ai_reading_and_other_conversations(client, agent, make_conversation,
                                                                        channel_account):
    conversation = make_conversation(assignee=agent, with_lead="HOT")
    lead = conversation.lead
    lead.score, lead.next_action = 85, "Llamar para cerrar la venta"
    lead.save()
    add_message(conversation, text="Quiero el plan de 200 megas en Surco", intent="purchase_intent",
                sentiment="positive", ai_flags={"analyzed": True, "confidence": 0.91,
                                                "entities": {"speed_mbps": 200, "zone": "Surco"}})
    older = Conversation.objects.create(contact=conversation.contact, channel_account=channel_account,
                                        status="resolved")
    client.force_login(agent)
    html = _sidebar(client, conversation)
    assert 'id="contact-form"' in html and f'value="{conversation.contact.phone}"' in html
    assert 'w-pct-85" id="lead-score-bar"' in html and "Llamar para cerrar la venta" in html
    assert 'data-intent="purchase_intent"' in html and 'id="ai-sentiment"' in html
    assert "Surco" in html.split('id="ai-entities"')[1].split("</dl>")[0]
    assert f'href="/panel/c/{older.pk}/"' in html.split('id="other-conversations"')[1]
    assert 'id="purchases"' not in html or "quote" in html  # only when the sales app provides the relations


def test_ai_reading_says_when_it_read_a_burst_of_messages_together(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    first = add_message(conversation, text="Hola")
    second = add_message(conversation, text="me llamo Rosa")
    add_message(conversation, text="quiero internet en Surco", intent="purchase_intent",
                ai_flags={"analyzed": True, "burst": [first.pk, second.pk], "entities": {"zone": "Surco"}})
    client.force_login(agent)
    html = _sidebar(client, conversation)
    assert "últimos 3 mensajes del cliente, leídos juntos" in html.split('id="ai-burst"')[1].split("</span>")[0]
    add_message(conversation, text="gracias", ai_flags={"analyzed": True})
    html = _sidebar(client, conversation)
    assert 'id="ai-burst"' not in html and "último mensaje del cliente" in html


def test_contact_edit_saves_and_normalises_the_phone(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    data = {"name": "Rosa María Quispe", "phone": "987 654 321", "email": "ROSA@Example.com", "city": "Lima",
            "zone": "Surco", "address": "Av. Primavera 123", "document_number": "45678912"}
    response = client.post(f"/panel/c/{conversation.pk}/contact/", data, headers=HTMX)
    assert response.status_code == 200 and 'id="contact-saved"' in response.content.decode()
    contact = conversation.contact
    contact.refresh_from_db()
    assert (contact.name, contact.phone, contact.email, contact.zone, contact.document_number) == (
        "Rosa María Quispe", "+51987654321", "rosa@example.com", "Surco", "45678912")


def test_contact_edit_rejects_an_invalid_phone_with_a_spanish_message(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    before = conversation.contact.phone
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/contact/", {"name": "Rosa", "phone": "12ab"}, headers=HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "no es un número de teléfono válido" in html and 'id="id_phone_error"' in html and "is-invalid" in html
    conversation.contact.refresh_from_db()
    assert conversation.contact.phone == before


def test_contact_edit_rejects_a_phone_another_contact_has(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    ContactFactory(phone="+51911222333")
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/contact/", {"name": "Rosa", "phone": "+51 911 222 333"},
                           headers=HTMX)
    assert response.status_code == 400 and 'id="id_phone_error"' in response.content.decode()


def test_contact_edit_of_someone_elses_conversation_is_404(client, agent, other_agent, make_conversation):
    conversation = make_conversation(assignee=other_agent)
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/contact/", {"name": "Pirata", "phone": ""}, headers=HTMX)
    assert response.status_code == 404
    conversation.contact.refresh_from_db()
    assert conversation.contact.name != "Pirata"


def test_tags_are_added_and_removed(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    response = client.post(f"/panel/c/{conversation.pk}/tags/add/", {"name": "  Fibra  Óptica "}, headers=HTMX)
    assert response.status_code == 200 and 'data-tag="fibra óptica"' in response.content.decode()
    assert list(conversation.tags.values_list("name", flat=True)) == ["fibra óptica"]
    response = client.post(f"/panel/c/{conversation.pk}/tags/remove/", {"name": "fibra óptica"}, headers=HTMX)
    assert response.status_code == 200 and not conversation.tags.exists()
    assert Tag.objects.filter(name="fibra óptica").exists()  # the tag stays for other conversations


def test_empty_tag_is_refused_and_foreign_conversation_is_404(client, agent, other_agent, make_conversation):
    mine = make_conversation(assignee=agent)
    theirs = make_conversation(name="Ana Torres", assignee=other_agent)
    client.force_login(agent)
    response = client.post(f"/panel/c/{mine.pk}/tags/add/", {"name": "   "}, headers=HTMX)
    assert response.status_code == 400 and 'id="tag-error"' in response.content.decode()
    assert client.post(f"/panel/c/{theirs.pk}/tags/add/", {"name": "x"}, headers=HTMX).status_code == 404
    assert not Tag.objects.exists()


def test_priority_is_set_and_unknown_priority_refused(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    assert client.post(f"/panel/c/{conversation.pk}/priority/", {"priority": "urgent"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.priority == "urgent"
    response = client.post(f"/panel/c/{conversation.pk}/priority/", {"priority": "altísima"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_priority"
    conversation.refresh_from_db()
    assert conversation.priority == "urgent"


def test_supervisor_assigns_and_unassigns(client, supervisor, agent, make_conversation):
    conversation = make_conversation()
    client.force_login(supervisor)
    assert 'id="assign-form"' in client.get(f"/panel/c/{conversation.pk}/").content.decode()
    client.post(f"/panel/c/{conversation.pk}/assign/", {"to": agent.pk})
    conversation.refresh_from_db()
    assert conversation.assignee == agent
    client.post(f"/panel/c/{conversation.pk}/assign/", {"to": ""})
    conversation.refresh_from_db()
    assert conversation.assignee is None


def test_agent_cannot_assign(client, agent, team, make_conversation):
    teammate = make_user("agente_dos", Role.AGENT, team)
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    assert 'id="assign-form"' not in client.get(f"/panel/c/{conversation.pk}/").content.decode()
    assert client.post(f"/panel/c/{conversation.pk}/assign/", {"to": teammate.pk}).status_code == 403
    conversation.refresh_from_db()
    assert conversation.assignee == agent


def test_assign_to_an_unknown_or_foreign_agent_is_404(client, supervisor, other_agent, make_conversation):
    conversation = make_conversation()
    client.force_login(supervisor)
    for target in (other_agent.pk, 999_999, "abc"):
        assert client.post(f"/panel/c/{conversation.pk}/assign/", {"to": target}).status_code == 404, target
    conversation.refresh_from_db()
    assert conversation.assignee is None


def test_transfer_to_a_team_gives_it_to_its_least_busy_agent(client, agent, other_team, make_conversation):
    busy = make_user("norte_ocupado", Role.AGENT, other_team)
    free = make_user("norte_libre", Role.AGENT, other_team)
    make_conversation(name="Luis Flores", assignee=busy)
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    page = client.get(f"/panel/c/{conversation.pk}/").content.decode()
    assert f'<option value="team-{other_team.pk}">' in page
    response = client.post(f"/panel/c/{conversation.pk}/transfer/", {"to": f"team-{other_team.pk}",
                                                                    "note": "es de Trujillo"})
    conversation.refresh_from_db()
    assert conversation.assignee == free and response["Location"] == "/panel/"
    assert "Equipo Norte · es de Trujillo" in Note.objects.get().text


def test_transfer_to_an_unknown_team_is_404(client, agent, make_conversation):
    conversation = make_conversation(assignee=agent)
    empty = Team.objects.create(name="Sin gente")
    client.force_login(agent)
    missing = Team.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000  # no such team, ever
    for target in (f"team-{empty.pk}", f"team-{missing}", "team-x"):
        assert client.post(f"/panel/c/{conversation.pk}/transfer/", {"to": target}).status_code == 404, target
    conversation.refresh_from_db()
    assert conversation.assignee == agent


def test_agent_cannot_transfer_an_unassigned_conversation_to_a_team(client, agent, other_team, make_conversation):
    make_user("norte", Role.AGENT, other_team)
    conversation = make_conversation()
    client.force_login(agent)
    client.post(f"/panel/c/{conversation.pk}/transfer/", {"to": f"team-{other_team.pk}"})
    conversation.refresh_from_db()
    assert conversation.assignee is None


def test_product_search_and_send_a_product_card(client, agent, make_conversation):
    product = ProductFactory(name="iPhone 15 128 GB", brand="Apple", color="Azul", capacity_gb=128,
                             price=Decimal("3999.00"), stock=4, attributes={"pantalla": "6.1 pulgadas"})
    ProductFactory(name="Router WiFi 6")
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    html = client.get(f"/panel/c/{conversation.pk}/products/?q=iphone", headers=HTMX).content.decode()
    assert f'data-product="{product.pk}"' in html and "Router" not in html

    response = client.post(f"/panel/c/{conversation.pk}/product/", {"product": product.pk}, headers=HTMX)

    assert response.status_code == 200 and 'id="product-sent"' in response.content.decode()
    message = Message.objects.get(direction="out")
    assert message.sender == "agent" and message.author == agent
    for part in ("iPhone 15 128 GB", "S/ 3,999.00", "4", "Apple", "128 GB", "Azul", "pantalla: 6.1 pulgadas"):
        assert part in message.text, part
    assert "panel:sent" in response["HX-Trigger"]


def test_inactive_or_unknown_product_is_not_sent(client, agent, other_agent, make_conversation):
    gone = ProductFactory(is_active=False)
    conversation = make_conversation(assignee=agent)
    theirs = make_conversation(name="Ana Torres", assignee=other_agent)
    client.force_login(agent)
    assert client.post(f"/panel/c/{conversation.pk}/product/", {"product": gone.pk},
                       headers=HTMX).status_code == 400
    assert client.post(f"/panel/c/{conversation.pk}/product/", {"product": 999_999},
                       headers=HTMX).status_code == 404
    assert client.post(f"/panel/c/{theirs.pk}/product/", {"product": gone.pk}, headers=HTMX).status_code == 404
    assert not Message.objects.exists()


def test_note_mention_notifies_the_user_and_unknown_names_stay_text(client, agent, supervisor, make_conversation,
                                                                    listener, django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent)
    tabs = listener(user_group(supervisor.pk))
    client.force_login(agent)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/panel/c/{conversation.pk}/note/", {"text": "@supervisora, ¿le damos descuento? @fantasma"})

    event = tabs.next_event()
    assert event["type"] == "note.mentioned"
    assert event["data"]["conversation"] == conversation.pk and event["data"]["author"] == str(agent)
    assert event["data"]["excerpt"].startswith("@supervisora, ¿le damos")
    html = client.get(f"/panel/c/{conversation.pk}/").content.decode()
    assert '<span class="mention" data-mention="supervisora">@supervisora</span>,' in html
    assert "@fantasma" in html and 'data-mention="fantasma"' not in html


def test_note_without_known_mentions_sends_no_event(client, agent, make_conversation,
                                                    django_capture_on_commit_callbacks):
    conversation = make_conversation(assignee=agent)
    client.force_login(agent)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(f"/panel/c/{conversation.pk}/note/", {"text": "Escribir a ventas@empresa.pe y a @nadie"})
    assert callbacks == []
