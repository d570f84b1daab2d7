"""A ticket created in one click from the panel's conversation (linked, contact and lead filled, then opened),
and from the "New ticket" form."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.leads.factories import LeadFactory
from tests.tickets.factories import customer_message, make_category, make_conversation
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_one_click_links_the_conversation_and_opens_the_ticket_when_posted_from_the_panel(agent):
    conversation = make_conversation(assignee=agent, name="Rosa Quispe")
    lead = LeadFactory(contact=conversation.contact, assignee=agent)
    conversation.lead = lead
    conversation.save(update_fields=["lead"])
    customer_message(conversation, "El router no enciende desde ayer")
    response = _client(agent).post(reverse("tickets:create"), {"conversation": str(conversation.pk)})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tickets:detail", args=[ticket.pk])
    assert (ticket.conversation_id, ticket.contact_id, ticket.lead_id) == (conversation.pk, conversation.contact_id,
                                                                           lead.pk)
    assert ticket.subject == "Rosa Quispe: El router no enciende desde ayer"
    assert ticket.source == Ticket.Source.PANEL and ticket.created_by_id == agent.pk


def test_one_click_is_404_when_the_conversation_is_not_the_agents(agent, other_agent):
    conversation = make_conversation(assignee=agent)
    response = _client(other_agent).post(reverse("tickets:create"), {"conversation": str(conversation.pk)})
    assert response.status_code == 404 and not Ticket.objects.exists()


def test_subject_is_the_customer_when_they_wrote_nothing_yet(agent):
    conversation = make_conversation(assignee=agent, name="Luis Flores")
    _client(agent).post(reverse("tickets:create"), {"conversation": str(conversation.pk)})
    assert Ticket.objects.get().subject == "Request from Luis Flores"


def test_form_creates_a_ticket_with_category_and_priority_when_filled(agent, team):
    category = make_category("Facturación", team=team)
    response = _client(agent).post(reverse("tickets:create"), {"subject": "Cobro doble", "description": "Dos cargos",
                                                               "priority": "high", "category": str(category.pk)})
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert (ticket.subject, ticket.priority, ticket.category_id) == ("Cobro doble", "high", category.pk)


def test_form_is_refused_without_subject_or_conversation(agent):
    response = _client(agent).post(reverse("tickets:create"), {"subject": "  "})
    assert response.status_code == 400 and "Write what the ticket is about." in response.content.decode()
    assert not Ticket.objects.exists()


def test_form_page_opens_when_asked(agent):
    response = _client(agent).get(reverse("tickets:create"))
    assert response.status_code == 200 and 'id="ticket-new-form"' in response.content.decode()


def test_panel_shows_the_button_and_the_conversations_open_tickets_when_opened(agent):
    conversation = make_conversation(assignee=agent)
    client = _client(agent)
    client.post(reverse("tickets:create"), {"conversation": str(conversation.pk)})
    ticket = Ticket.objects.get()
    html = client.get(reverse("panel:details", args=[conversation.pk])).content.decode()
    assert 'id="ticket-create"' in html and f'action="{reverse("tickets:create")}"' in html
    assert f'name="conversation" value="{conversation.pk}"' in html
    assert f'href="{reverse("tickets:detail", args=[ticket.pk])}"' in html
    Ticket.objects.filter(pk=ticket.pk).update(state=Ticket.State.CLOSED)
    html = client.get(reverse("panel:details", args=[conversation.pk])).content.decode()
    assert 'id="conversation-tickets-empty"' in html  # closed tickets leave the list


def test_customer_card_keeps_the_ticket_button_when_saved_in_the_panel(agent):
    conversation = make_conversation(assignee=agent, name="Rosa Quispe")
    response = _client(agent).post(reverse("panel:contact", args=[conversation.pk]),
                                   {"name": "Rosa Quispe Huamán", "phone": conversation.contact.phone},
                                   HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="contact-card"' in html and 'id="ticket-create"' in html
    form = html.split('id="ticket-create-form"')[1]
    assert re.search(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{32,}"', form)  # the one click is accepted
