"""An agent turns the conversation they are in into a ticket with one click in the panel, and lands on the
ticket page: linked to the conversation (a link back to it in the panel), the customer and the lead filled in,
the SLA clocks running. Screenshots go to ``test-results/`` and /tmp/shots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import transaction

from conversations.models import Conversation
from tests.browser.conftest import RESULTS
from tests.browser.live import log_in, off_loop
from tests.leads.factories import LeadFactory
from tests.tickets.factories import customer_message, make_conversation
from tickets.models import Ticket
from tickets.services import ticket_customer_reply_add

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")  # noqa: S108 - where the reviewer looks at the screenshots


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)


def _customer_reply(message_id: int) -> None:
    """What the message.received subscriber does, in the transaction core.events gives each subscriber."""
    with transaction.atomic():
        ticket_customer_reply_add(message_id=message_id)


def test_agent_creates_a_ticket_from_the_conversation_in_one_click(asgi_live_server, page, hosts, agents):
    lucia, _marco = agents
    base = asgi_live_server
    conversation = make_conversation(assignee=lucia, name="Rosa Quispe")
    lead = LeadFactory(contact=conversation.contact, assignee=lucia)
    Conversation.objects.filter(pk=conversation.pk).update(lead=lead)
    customer_message(conversation, "El router no enciende desde ayer y necesito trabajar")

    log_in(page, base, "lucia")
    page.goto(f"{base}/panel/c/{conversation.pk}/")
    button = page.locator("#ticket-create")
    button.wait_for()
    assert page.locator("#conversation-tickets-empty").count() == 1
    button.scroll_into_view_if_needed()
    _shot(page, "ticket_create")

    button.click()
    page.wait_for_url(f"{base}/tickets/*/")
    ticket = Ticket.objects.get()
    assert page.url == f"{base}/tickets/{ticket.pk}/"
    assert (ticket.conversation_id, ticket.contact_id, ticket.lead_id) == (conversation.pk, conversation.contact_id,
                                                                           lead.pk)
    assert page.locator("#ticket-number").inner_text() == ticket.number
    assert "El router no enciende" in page.locator("#ticket-subject").inner_text()
    link = page.locator("#link-conversation a")
    assert link.get_attribute("href") == f"/panel/c/{conversation.pk}/"
    assert "Rosa Quispe" in page.locator("#link-contact").inner_text()
    assert page.locator(".sla-clock[data-clock='first_response'][data-sla='ok']").count() == 1
    assert page.locator("#ticket-sla [data-sla='ok']").count() == 1
    _shot(page, "ticket_detail")

    # The timeline: an internal note and a file from the page, then the customer's answer in the conversation.
    page.locator("#comment-form textarea").fill("Revisar la OLT de Surco antes de llamar.")
    page.locator("#comment-submit").click()
    page.locator(".timeline-entry[data-visibility='internal']").wait_for()
    page.locator("#attach-form input[type=file]").set_input_files(
        files=[{"name": "visita.txt", "mimeType": "text/plain", "buffer": b"Visita el lunes a las 9\n"}])
    page.locator("#attach-submit").click()
    page.locator(".timeline-entry[data-kind='attachment'] .attachment-link").wait_for()
    reply = customer_message(conversation, "Gracias, ¿a qué hora vienen?")
    off_loop(_customer_reply, reply.pk)
    page.reload()
    assert "Gracias, ¿a qué hora vienen?" in page.locator(
        ".timeline-entry[data-visibility='from_customer']").inner_text()
    _shot(page, "ticket_timeline")

    link.click()  # back in the panel, the ticket is listed under the customer
    page.wait_for_url(f"{base}/panel/c/{conversation.pk}/")
    page.locator(f".conversation-ticket[data-ticket='{ticket.pk}']").wait_for()  # the customer's card comes after
    assert page.locator(f".conversation-ticket[data-ticket='{ticket.pk}']").count() == 1

    page.goto(f"{base}/tickets/")  # "My tickets": the new one with its SLA and priority badges
    row = page.locator(f".ticket-row[data-ticket='{ticket.pk}']")
    assert row.locator(".ticket-sla[data-sla='ok']").count() == 1
    _shot(page, "ticket_list")
