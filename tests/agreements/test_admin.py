"""The back office for collections: badges, paid bars, inlines, filters, Excel, cancel."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agreements.models import PaymentAgreement
from agreements.services import agreement_create, payment_record
from tests.agreements.factories import DebtFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreements(agent, other_agent):
    made = []
    for owner, campaign in ((agent, "Cartera marzo"), (other_agent, "Cartera abril")):
        made.append(agreement_create(actor=owner, debt=DebtFactory(assignee=owner, campaign=campaign),
                                     discount_percent=10, installments=3,
                                     first_due_date=timezone.localdate() + timedelta(days=2)))
    payment_record(actor=agent, agreement=made[0], amount=Decimal("450.00"))
    return made


def test_agreement_changelist_shows_state_badges_and_paid_bars(client, admin_user, agreements):
    client.force_login(admin_user)
    response = client.get(reverse("admin:agreements_paymentagreement_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "crm-badge" in html and "crm-progress" in html
    assert 'title="50"' in html  # 450 of 900 paid


def test_agreement_changelist_filters_by_state_campaign_and_agent(client, admin_user, agreements, agent):
    client.force_login(admin_user)
    url = reverse("admin:agreements_paymentagreement_changelist")
    assert client.get(url + "?campaign=Cartera+abril").context["cl"].result_count == 1
    assert client.get(url + "?state__exact=fulfilled").context["cl"].result_count == 0
    assert client.get(url + f"?agent__id__exact={agent.pk}").context["cl"].result_count == 1


def test_agreement_change_page_shows_instalments_and_payments_inline(client, admin_user, agreements):
    client.force_login(admin_user)
    response = client.get(reverse("admin:agreements_paymentagreement_change", args=[agreements[0].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "300.00" in html and "450.00" in html  # instalments and the payment


def test_supervisor_sees_only_the_team_in_the_admin(client, supervisor, agreements):
    client.force_login(supervisor)
    response = client.get(reverse("admin:agreements_paymentagreement_changelist"))
    assert [a.pk for a in response.context["cl"].result_list] == [agreements[0].pk]
    other = reverse("admin:agreements_paymentagreement_change", args=[agreements[1].pk])
    assert client.get(other).status_code == 404  # another team's row is not there for them


def test_excel_export_of_agreements(client, admin_user, agreements):
    client.force_login(admin_user)
    response = client.post(reverse("admin:agreements_paymentagreement_changelist"), {
        "action": "export_excel", ACTION_CHECKBOX_NAME: [a.pk for a in agreements]})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and 900 in rows[1] and 450 in rows[1]


def test_excel_export_of_debts(client, backoffice, agreements):
    client.force_login(backoffice)
    response = client.post(reverse("admin:agreements_debt_changelist"), {
        "action": "export_excel", ACTION_CHECKBOX_NAME: [a.debt_id for a in agreements]})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 3


def test_cancel_action_goes_through_the_service(client, supervisor, agreements):
    client.force_login(supervisor)
    client.post(reverse("admin:agreements_paymentagreement_changelist"), {
        "action": "cancel", ACTION_CHECKBOX_NAME: [agreements[0].pk]})
    agreements[0].refresh_from_db()
    assert agreements[0].state == PaymentAgreement.State.CANCELLED and agreements[0].closed_at is not None


def test_agreements_cannot_be_added_by_hand_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:agreements_paymentagreement_add")).status_code == 403
