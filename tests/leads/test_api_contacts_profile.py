"""``GET /api/v1/contacts/?profile=<code>``: the contacts of one outreach profile (leads.rfm, six rules)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leads.services import lead_create
from tests.leads.factories import ContactFactory
from tests.reports.conftest import make_sale

pytestmark = pytest.mark.django_db


def _sold(contact, agent, *days_ago: int, total: str = "100.00") -> None:
    now = timezone.now()
    for days in days_ago:
        make_sale(contact=contact, agent=agent, total=total, sold_at=now - timedelta(days=days))


@pytest.fixture
def one_contact_per_profile(agent):
    people = {code: ContactFactory(name=code) for code in (
        "new_customer", "first_purchase", "vip", "at_risk", "reactivated", "active_repeat")}
    _sold(people["first_purchase"], agent, 5)
    _sold(people["vip"], agent, 10, 40, 70, 85, total="900.00")
    _sold(people["at_risk"], agent, 200, 260)
    _sold(people["reactivated"], agent, 3, 240)
    _sold(people["active_repeat"], agent, 45, 120)
    make_sale(contact=people["new_customer"], agent=agent, status="pending_validation")  # not a purchase yet
    return people


@pytest.mark.parametrize("code", ["new_customer", "first_purchase", "vip", "at_risk", "reactivated",
                                  "active_repeat"])
def test_contacts_filtered_by_profile_when_the_code_is_given(api_client_for, admin_user, one_contact_per_profile,
                                                             code):
    body = api_client_for(admin_user).get(f"/api/v1/contacts/?profile={code}").json()
    assert [c["name"] for c in body["results"]] == [code]
    assert body["results"][0]["profile"]["code"] == code


def test_contacts_profile_filter_keeps_the_role_scope_when_an_agent_asks(api_client_for, agent, other_agent):
    mine, theirs = ContactFactory(name="mía"), ContactFactory(name="ajena")
    lead_create(actor=None, contact=mine, assignee=agent)
    lead_create(actor=None, contact=theirs, assignee=other_agent)
    _sold(mine, agent, 5)
    _sold(theirs, other_agent, 5)
    body = api_client_for(agent).get("/api/v1/contacts/?profile=first_purchase").json()
    assert [c["name"] for c in body["results"]] == ["mía"]


def test_contacts_profile_filter_refuses_an_unknown_code(api_client_for, admin_user):
    response = api_client_for(admin_user).get("/api/v1/contacts/?profile=ballena")
    assert response.status_code == 400
    assert "profile" in response.json()["errors"]
