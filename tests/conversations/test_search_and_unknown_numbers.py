"""A number phonenumbers rejects is kept as the provider wrote it, and the person is found by it
(issue 13, item 5): Twilio's From "whatsapp:+56912345678" used to leave the contact with phone ""."""

from __future__ import annotations

import phonenumbers
import pytest

from conversations.models import Conversation
from leads.models import Contact
from tests.conversations.conftest import drain, twilio_params, wa_payload, wa_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ai_off")]
CHILE = "+56912345678"  # well-formed E.164 in a range phonenumbers' metadata calls invalid


def test_the_number_is_one_phonenumbers_rejects():
    assert not phonenumbers.is_valid_number(phonenumbers.parse(CHILE, None))


def test_twilio_number_phonenumbers_rejects_is_stored_as_written_when_a_customer_writes(post_twilio):
    assert post_twilio(twilio_params(From=f"whatsapp:{CHILE}", WaId="56912345678")).status_code == 200
    drain()
    contact = Contact.objects.get()
    assert (contact.phone, contact.whatsapp_id) == (CHILE, "56912345678")


def test_meta_wa_id_phonenumbers_rejects_is_stored_as_its_e164(post_meta):
    post_meta(wa_payload(wa_text("wamid.CL1", sender="56912345678"), wa_id="56912345678", name="Camila Rojas"))
    drain()
    contact = Contact.objects.get()
    assert (contact.phone, contact.whatsapp_id, contact.name) == (CHILE, "56912345678", "Camila Rojas")


@pytest.mark.parametrize("q", ["56912345678", "+56 9 1234 5678", "912345678", "Camila", "(+56) 9-1234-5678"])
def test_conversations_api_q_finds_the_customer_by_any_form_of_their_number(post_twilio, api_client_for,
                                                                            admin_user, q):
    post_twilio(twilio_params(From=f"whatsapp:{CHILE}", WaId="56912345678", ProfileName="Camila Rojas"))
    post_twilio(twilio_params(MessageSid="SM" + "b" * 32))  # Rosa, +51 987 654 321
    drain()
    camila = Conversation.objects.get(contact__phone=CHILE)
    response = api_client_for(admin_user).get("/api/v1/conversations/", {"q": q})
    assert [row["id"] for row in response.json()["results"]] == [camila.pk]


def test_by_phone_api_reads_a_number_phonenumbers_rejects(post_twilio, api_client_for, admin_user):
    post_twilio(twilio_params(From=f"whatsapp:{CHILE}", WaId="56912345678"))
    drain()
    response = api_client_for(admin_user).get(f"/api/v1/conversations/by-phone/{CHILE}/status/")
    assert response.status_code == 200
