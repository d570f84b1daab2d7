import pytest

from leads.models import Contact
from leads.services import lead_create
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_contact_created_with_a_local_phone_is_stored_in_e164(api_client_for, agent):
    response = api_client_for(agent).post("/api/v1/contacts/", {"name": "Rosa Quispe", "phone": "987 654 321"},
                                          format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == "+51987654321"


def test_invalid_phone_is_refused_with_a_clear_error(api_client_for, agent):
    response = api_client_for(agent).post("/api/v1/contacts/", {"name": "X", "phone": "12ab"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_phone"
    assert not Contact.objects.exists()


def test_the_same_phone_cannot_make_two_people(api_client_for, agent):
    client = api_client_for(agent)
    assert client.post("/api/v1/contacts/", {"phone": "+51987654321"}, format="json").status_code == 201
    again = client.post("/api/v1/contacts/", {"phone": "987654321"}, format="json")
    assert again.status_code == 400
    assert "phone" in again.json()["errors"]
    assert Contact.objects.count() == 1


def test_contact_is_refused_and_not_stored_when_it_has_no_phone_or_channel_id(api_client_for, agent):
    response = api_client_for(agent).post("/api/v1/contacts/", {"name": "Sin datos", "city": "Lima"}, format="json")
    assert response.status_code == 400 and "non_field_errors" in response.json()["errors"]
    assert not Contact.objects.exists()


def test_contact_profile_shows_only_the_leads_the_agent_may_see(api_client_for, agent, other_agent):
    contact = ContactFactory()
    mine = lead_create(actor=None, contact=contact, assignee=agent)
    lead_create(actor=None, contact=contact, assignee=other_agent)
    body = api_client_for(agent).get(f"/api/v1/contacts/{contact.pk}/").json()
    assert [lead["id"] for lead in body["leads"]] == [mine.pk]
    assert body["channels"] == ["whatsapp"]


def test_agent_cannot_open_a_contact_of_another_agent(api_client_for, agent, other_agent):
    contact = ContactFactory()
    lead_create(actor=None, contact=contact, assignee=other_agent)
    assert api_client_for(agent).get(f"/api/v1/contacts/{contact.pk}/").status_code == 404


def test_contact_search_by_phone_digits_and_name_without_accents(api_client_for, admin_user):
    ContactFactory(name="José Núñez", phone="+51911222333")
    ContactFactory(name="Ana Pérez", phone="+51944555666")
    client = api_client_for(admin_user)
    assert [c["name"] for c in client.get("/api/v1/contacts/?q=222333").json()["results"]] == ["José Núñez"]
    assert [c["name"] for c in client.get("/api/v1/contacts/?q=Núñez").json()["results"]] == ["José Núñez"]
