"""Find anyone by what you know (issue 13, item 5): one search helper, leads.search.contact_search_q,
behind the contacts, leads and conversations APIs and the back office's search boxes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads.models import Contact
from leads.search import contact_search_q
from leads.services import lead_create
from tests.leads.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    """One person per kind of identifier, from the countries the product sells in."""
    return {
        # Twilio's From "whatsapp:+56912345678": a number phonenumbers rejects; before issue 13 it left phone "".
        "camila": ContactFactory(name="Camila Rojas", phone="", whatsapp_id="56912345678"),
        # Argentina: E.164 and Meta's wa_id carry the 9 of mobiles...
        "luis": ContactFactory(name="Luis Gómez", phone="+5491123456789", whatsapp_id="5491123456789"),
        # ...and some WhatsApp ids do not.
        "martina": ContactFactory(name="Martina Díaz", phone="", whatsapp_id="541187654321"),
        "rosa": ContactFactory(name="Rosa Quispe Ñahui", phone="+51987654321", whatsapp_id="51987654321"),
        "valeria": ContactFactory(name="Valeria Ríos", phone="", whatsapp_id="", instagram_id="17841400000000001",
                                  instagram_username="vale.rios"),
        "ana": ContactFactory(name="Ana Torres", phone="+51944555666", whatsapp_id="", email="ana.torres@correo.pe",
                              document_number="45678912"),
        "bsuid": ContactFactory(name="Pablo Morales", phone="", whatsapp_id="US.13491208655302741918"),
    }


# What a person at the counter might type, and whom it must find.
SEARCHES = [
    # Chile: the example, in the ways people write it
    ("56912345678", "camila"),
    ("+56912345678", "camila"),
    ("+56 9 1234 5678", "camila"),
    ("(+56) 9-1234-5678", "camila"),
    ("0056 9 1234 5678", "camila"),
    ("whatsapp:+56912345678", "camila"),
    ("912345678", "camila"),  # national, without the country code
    # Argentina, with and without the mobile 9, national with the trunk 0
    ("+54 9 11 2345-6789", "luis"),
    ("+54 11 2345 6789", "luis"),
    ("5491123456789", "luis"),
    ("11 2345-6789", "luis"),
    ("011 2345 6789", "luis"),
    ("+54 9 11 8765 4321", "martina"),
    ("+54 11 8765-4321", "martina"),
    # Peru
    ("+51 987 654 321", "rosa"),
    ("987 654 321", "rosa"),
    ("987-654-321", "rosa"),
    ("51987654321", "rosa"),
    # Instagram id and username
    ("17841400000000001", "valeria"),
    ("vale.rios", "valeria"),
    ("@vale.rios", "valeria"),
    ("@VALE.RIOS", "valeria"),
    ("https://www.instagram.com/vale.rios/", "valeria"),
    # WhatsApp business-scoped id (no phone)
    ("US.13491208655302741918", "bsuid"),
    # Email, ID document
    ("ana.torres@correo.pe", "ana"),
    ("ANA.TORRES@correo.pe", "ana"),
    ("45678912", "ana"),
    # Name: any word order, accents as stored
    ("rosa quispe", "rosa"),
    ("Quispe Rosa", "rosa"),
    ("Ñahui", "rosa"),
    ("gómez", "luis"),
]


def _names(contacts) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(c.name for c in contacts)


@pytest.mark.parametrize(("text", "who"), SEARCHES)
def test_contact_search_q_finds_the_person_when_given_any_identifier(people, text, who):
    assert _names(Contact.objects.filter(contact_search_q(text))) == [people[who].name]


def test_contact_search_q_builds_no_query_and_is_empty_for_blank_text(django_assert_num_queries):
    with django_assert_num_queries(0):
        q = contact_search_q("+56 9 1234 5678", prefix="contact__")
        assert not contact_search_q("   ")
    assert q


def test_contact_search_q_ignores_too_few_digits_and_digits_inside_words(people):
    assert not Contact.objects.filter(contact_search_q("123")).exists()
    assert not Contact.objects.filter(contact_search_q("Rosa 987")).exists()  # not a phone, not a name


def test_contact_search_q_follows_a_prefix_to_the_contact(people, agent):
    lead = lead_create(actor=None, contact=people["camila"], assignee=agent)
    lead_create(actor=None, contact=people["rosa"], assignee=agent)
    found = type(lead).objects.filter(contact_search_q("+56 9 1234 5678", prefix="contact__"))
    assert list(found) == [lead]


# ---------------------------------------------------------------------------------------------
# API: GET /api/v1/contacts/?q= (and leads, conversations)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "who"), [
    ("+56 9 1234 5678", "camila"),
    ("56912345678", "camila"),
    ("912345678", "camila"),
    ("+54 11 2345 6789", "luis"),
    ("+54 9 11 8765 4321", "martina"),
    ("+51 987 654 321", "rosa"),
    ("17841400000000001", "valeria"),
    ("@vale.rios", "valeria"),
    ("ana.torres@correo.pe", "ana"),
    ("Quispe Rosa", "rosa"),
])
def test_contacts_api_q_finds_the_person_when_given_any_identifier(api_client_for, admin_user, people, text, who):
    response = api_client_for(admin_user).get("/api/v1/contacts/", {"q": text})
    assert response.status_code == 200
    assert [c["name"] for c in response.json()["results"]] == [people[who].name]


def test_contacts_api_q_stays_within_what_the_agent_may_see(api_client_for, agent, other_agent, people):
    lead_create(actor=None, contact=people["camila"], assignee=other_agent)
    response = api_client_for(agent).get("/api/v1/contacts/", {"q": "+56 9 1234 5678"})
    assert response.json()["results"] == []


def test_leads_api_q_finds_the_lead_by_its_contact_phone(api_client_for, admin_user, people):
    lead = lead_create(actor=None, contact=people["martina"])
    lead_create(actor=None, contact=people["rosa"])
    response = api_client_for(admin_user).get("/api/v1/leads/", {"q": "+54 9 11 8765-4321"})
    assert [row["id"] for row in response.json()["results"]] == [lead.pk]


# ---------------------------------------------------------------------------------------------
# Back office
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "who"), [
    ("+56 9 1234 5678", "camila"),
    ("+54 11 2345 6789", "luis"),
    ("987654321", "rosa"),
    ("17841400000000001", "valeria"),
    ("@vale.rios", "valeria"),
    ("ana.torres@correo.pe", "ana"),
    ("Rosa Quispe", "rosa"),
])
def test_contact_admin_search_finds_the_person_when_given_any_identifier(client, admin_user, people, text, who):
    client.force_login(admin_user)
    response = client.get(reverse("admin:leads_contact_changelist"), {"q": text})
    assert response.status_code == 200
    assert _names(response.context["cl"].result_list) == [people[who].name]


def test_lead_admin_search_finds_by_contact_phone_within_the_supervisors_team(client, supervisor, agent,
                                                                              other_agent, people):
    mine = lead_create(actor=None, contact=people["camila"], assignee=agent)
    lead_create(actor=None, contact=people["luis"], assignee=other_agent)  # another team
    client.force_login(supervisor)
    url = reverse("admin:leads_lead_changelist")
    assert list(client.get(url, {"q": "+56 9 1234 5678"}).context["cl"].result_list) == [mine]
    assert list(client.get(url, {"q": "+54 9 11 2345 6789"}).context["cl"].result_list) == []


def test_contact_autocomplete_finds_by_whatsapp_id_digits(client, admin_user, people):
    client.force_login(admin_user)
    response = client.get(reverse("admin:autocomplete"), {
        "term": "+56 9 1234 5678", "app_label": "leads", "model_name": "lead", "field_name": "contact"})
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Camila Rojas"]
