"""A quote PDF reaches the provider through a signed link it can use, and nobody else through it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from sales.services.quotes import quote_create, quote_send
from tests.conversations.conftest import drain

pytestmark = pytest.mark.django_db


def _sent_link(graph, conversation, agent, phone, capture):  # type: ignore[no-untyped-def]
    quote = quote_create(actor=agent, contact=conversation.contact, conversation=conversation,
                         lines=[{"product": phone, "quantity": 1}])
    with capture(execute=True):
        quote_send(actor=agent, quote=quote)
    drain()
    return urlsplit(graph.log[-1][0].get_json()["document"]["link"])


def test_the_provider_downloads_the_quote_pdf_with_the_signed_link_and_no_login(
        graph, conversation, agent, phone, django_capture_on_commit_callbacks, settings):
    settings.DEBUG = False
    link = _sent_link(graph, conversation, agent, phone, django_capture_on_commit_callbacks)
    response = Client().get(f"{link.path}?{link.query}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_tampered_or_expired_link_gives_the_pdf_to_nobody(graph, conversation, agent, phone,
                                                            django_capture_on_commit_callbacks):
    link = _sent_link(graph, conversation, agent, phone, django_capture_on_commit_callbacks)
    query = parse_qs(link.query)
    anonymous = Client()
    tampered = urlencode({"exp": int(query["exp"][0]) + 3600, "sig": query["sig"][0]})
    assert anonymous.get(f"{link.path}?{tampered}").status_code == 302  # to the login page
    assert anonymous.get(link.path).status_code == 302
    with time_machine.travel(timezone.now() + timezone.timedelta(days=2)):
        assert anonymous.get(f"{link.path}?{link.query}").status_code == 302


def test_a_document_is_not_sent_with_a_link_the_provider_cannot_reach(graph, conversation, agent, phone,
                                                                      django_capture_on_commit_callbacks, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    quote = quote_create(actor=agent, contact=conversation.contact, conversation=conversation,
                         lines=[{"product": phone, "quantity": 1}])
    with django_capture_on_commit_callbacks(execute=True):
        message = quote_send(actor=agent, quote=quote)
    drain()
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "media_url_local")
    assert "PUBLIC_BASE_URL" in message.error_message
    assert not [entry for entry in graph.log if entry[0].path.endswith("/messages")]
