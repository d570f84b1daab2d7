"""Comments and attachments from the ticket page: an internal note, a reply that goes out in the conversation,
a refused file with its reason on the page, and downloads only for who may see the ticket."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conversations.models import Message
from tests.tickets.factories import customer_message, make_conversation
from tickets.models import Ticket, TicketAttachment, TicketComment
from tickets.services import ticket_create, ticket_customer_reply_add

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def linked(agent):  # type: ignore[no-untyped-def]
    conversation = make_conversation(assignee=agent)
    customer_message(conversation, "Sigo sin internet")  # the 24-hour window is open
    return ticket_create(actor=agent, subject="Sin internet", conversation=conversation, assignee=agent)


def test_reply_to_the_customer_goes_out_in_the_conversation_when_posted(agent, linked):
    response = _client(agent).post(reverse("tickets:comment", args=[linked.pk]),
                                   {"body": "Un técnico irá mañana a las 9.", "visibility": "customer"})
    assert response.status_code == 302
    comment = TicketComment.objects.get(ticket=linked)
    assert comment.visibility == "customer" and comment.message is not None
    sent = Message.objects.get(pk=comment.message_id)
    assert (sent.conversation_id, sent.direction, sent.text) == (linked.conversation_id, Message.Direction.OUT,
                                                                "Un técnico irá mañana a las 9.")
    html = _client(agent).get(reverse("tickets:detail", args=[linked.pk])).content.decode()
    assert 'data-visibility="customer"' in html and "Un técnico irá mañana a las 9." in html


def test_internal_note_sends_nothing_when_posted(agent, linked):
    outbound = Message.objects.filter(direction=Message.Direction.OUT).count()
    response = _client(agent).post(reverse("tickets:comment", args=[linked.pk]),
                                   {"body": "Revisar la OLT", "visibility": "internal"})
    assert response.status_code == 302
    assert Message.objects.filter(direction=Message.Direction.OUT).count() == outbound
    html = _client(agent).get(reverse("tickets:detail", args=[linked.pk])).content.decode()
    assert 'data-visibility="internal"' in html and "Revisar la OLT" in html


def test_customer_reply_shows_on_the_timeline_when_they_write(agent, linked):
    reply = customer_message(linked.conversation, "Gracias, los espero")
    ticket_customer_reply_add(message_id=reply.pk)  # what the message.received subscriber does
    html = _client(agent).get(reverse("tickets:detail", args=[linked.pk])).content.decode()
    assert 'data-visibility="from_customer"' in html and "Gracias, los espero" in html


def test_reply_is_refused_with_the_reason_when_the_ticket_has_no_conversation(agent):
    ticket = ticket_create(actor=agent, subject="Sin chat", assignee=agent)
    response = _client(agent).post(reverse("tickets:comment", args=[ticket.pk]),
                                   {"body": "Hola", "visibility": "customer"})
    assert response.status_code == 400
    assert "This ticket has no conversation to reply in." in response.content.decode()
    assert not TicketComment.objects.exists()


def test_empty_comment_is_refused_when_posted(agent, linked):
    response = _client(agent).post(reverse("tickets:comment", args=[linked.pk]), {"body": "", "visibility": "internal"})
    assert response.status_code == 400 and not TicketComment.objects.exists()


def test_attachment_refused_by_type_shows_a_clear_error_when_uploaded(agent, linked):
    upload = SimpleUploadedFile("factura.pdf", b"MZ\x90\x00 this is a windows program", content_type="application/pdf")
    response = _client(agent).post(reverse("tickets:attach", args=[linked.pk]), {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="attach-error"' in html and "This type of file is not accepted" in html
    assert not TicketAttachment.objects.exists()


def test_attachment_is_listed_and_downloads_when_allowed(agent, other_agent, linked):
    upload = SimpleUploadedFile("foto.png", PNG, content_type="image/png")
    response = _client(agent).post(reverse("tickets:attach", args=[linked.pk]), {"file": upload})
    assert response.status_code == 302
    attachment = TicketAttachment.objects.get()
    url = reverse("tickets:attachment", args=[attachment.pk])
    assert f'href="{url}"' in _client(agent).get(reverse("tickets:detail", args=[linked.pk])).content.decode()
    download = _client(agent).get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"].startswith("attachment;")
    assert _client(other_agent).get(url).status_code == 404


def test_missing_file_is_refused_when_attaching(agent, linked):
    response = _client(agent).post(reverse("tickets:attach", args=[linked.pk]), {})
    assert response.status_code == 400 and not TicketAttachment.objects.exists()


def test_other_team_cannot_comment_or_attach_when_posting(other_agent, linked):
    client = _client(other_agent)
    assert client.post(reverse("tickets:comment", args=[linked.pk]), {"body": "x", "visibility": "internal"}
                       ).status_code == 404
    assert client.post(reverse("tickets:attach", args=[linked.pk]), {}).status_code == 404
    assert client.post(reverse("tickets:update", args=[linked.pk]), {"state": "resolved"}).status_code == 404
    assert Ticket.objects.get().state == "open"
