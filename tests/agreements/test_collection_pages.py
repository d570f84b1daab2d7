"""The collector's pages within role: the work list, a debt's page (404 for another agent's), logging an action,
making an agreement and recording a payment from the screen (rows made; errors shown on bad input), the calendar."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements.models import CollectionAction, ContactStatus, Payment, PaymentAgreement
from agreements.services import agreement_create, collection_action_log
from tests.agreements.factories import DebtFactory
from tests.quality.factories import make_conversation

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def debt(agent):
    return DebtFactory(assignee=agent, contact__name="Rosa Quispe")


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _action_data(**overrides):
    data = {"action-kind": "call", "action-result": "no_answer", "action-notes": "", "action-promised_amount": "",
            "action-promised_date": "", "action-next_step": "", "action-next_step_at": ""}
    data.update({f"action-{k}": v for k, v in overrides.items()})
    return data


# --- reading --------------------------------------------------------------------------------------------------------
def test_work_list_shows_the_agents_debts_only_when_an_agent_opens_it(agent, other_agent, debt):
    DebtFactory(assignee=other_agent, contact__name="Otro Deudor")
    response = client_for(agent).get(reverse("collections:work"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rosa Quispe" in html and "Otro Deudor" not in html
    assert 'data-status="not_contacted"' in html and "w-pct-0" in html


def test_work_list_filters_by_status_when_asked(agent, debt):
    other = DebtFactory(assignee=agent, contact__name="Juan Promesa")
    collection_action_log(actor=agent, debt=other, kind="call", result=ContactStatus.PROMISE_TO_PAY,
                          promised_amount="50.00", promised_date=today() + timedelta(days=2))
    html = client_for(agent).get(reverse("collections:work") + "?status=promise_to_pay").content.decode()
    assert "Juan Promesa" in html and "Rosa Quispe" not in html


def test_work_list_answers_when_the_filters_are_garbage(agent, debt):
    response = client_for(agent).get(reverse("collections:work") + "?status=x&page=zz&agent=%00&campaign=" + "a" * 500)
    assert response.status_code == 200


def test_debt_page_is_404_when_an_agent_opens_another_agents_debt(other_agent, debt):
    assert client_for(other_agent).get(reverse("collections:debt", args=[debt.pk])).status_code == 404


def test_debt_page_is_404_when_a_supervisor_opens_another_teams_debt(supervisor, other_agent):
    theirs = DebtFactory(assignee=other_agent)
    assert client_for(supervisor).get(reverse("collections:debt", args=[theirs.pk])).status_code == 404


def test_debt_page_shows_the_contact_log_and_forms_when_the_agent_opens_it(agent, debt):
    collection_action_log(actor=agent, debt=debt, kind="visit", result=ContactStatus.CONTACTED, notes="Left a card")
    response = client_for(agent).get(reverse("collections:debt", args=[debt.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="debt-status"' in html and 'data-status="contacted"' in html
    assert "Left a card" in html and 'id="action-form"' in html and 'id="agreement-form"' in html
    assert 'id="payment-form"' not in html  # no agreement to pay into yet
    assert debt.contact.phone in html


def test_debt_page_links_the_conversation_when_the_debtor_has_one(agent, debt):
    conversation = make_conversation(assignee=agent)
    debt.contact = conversation.contact
    debt.save()
    html = client_for(agent).get(reverse("collections:debt", args=[debt.pk])).content.decode()
    assert reverse("panel:conversation", args=[conversation.pk]) in html


def test_debt_page_shows_no_action_form_when_back_office_opens_it(backoffice, debt):
    html = client_for(backoffice).get(reverse("collections:debt", args=[debt.pk])).content.decode()
    assert 'id="action-form"' not in html and 'id="agreement-form"' not in html


# --- logging an action --------------------------------------------------------------------------------------------
def test_action_post_logs_a_promise_when_the_form_is_complete(agent, debt):
    day = today() + timedelta(days=3)
    response = client_for(agent).post(reverse("collections:action", args=[debt.pk]), _action_data(
        result="promise_to_pay", **{"promised_amount": "250.00", "promised_date": day.isoformat(),
                                    "notes": "Pays Friday"}))
    assert response.status_code == 302 and response["Location"] == reverse("collections:debt", args=[debt.pk])
    action = CollectionAction.objects.get()
    assert (action.result, action.promised_amount, action.promised_date, action.agent) == (
        "promise_to_pay", Decimal("250.00"), day, agent)
    debt.refresh_from_db()
    assert debt.contact_status == ContactStatus.PROMISE_TO_PAY


def test_action_post_shows_the_error_on_the_field_when_the_promise_has_no_date(agent, debt):
    response = client_for(agent).post(reverse("collections:action", args=[debt.pk]), _action_data(
        result="promise_to_pay", promised_amount="250.00"))
    assert response.status_code == 400
    assert response.context["action_form"].errors["promised_date"] == [
        "A promise to pay needs the day the debtor will pay."]
    assert "A promise to pay needs the day the debtor will pay." in response.content.decode()
    assert not CollectionAction.objects.exists()


def test_action_post_shows_the_error_when_the_promise_is_above_what_is_owed(agent, debt):
    response = client_for(agent).post(reverse("collections:action", args=[debt.pk]), _action_data(
        result="promise_to_pay", promised_amount="1000.01", promised_date=(today() + timedelta(days=1)).isoformat()))
    assert response.status_code == 400
    assert "exceeds what is owed" in response.context["action_form"].errors["promised_amount"][0]


def test_action_post_shows_the_error_when_the_result_is_missing(agent, debt):
    response = client_for(agent).post(reverse("collections:action", args=[debt.pk]), _action_data(result=""))
    assert response.status_code == 400 and "result" in response.context["action_form"].errors


def test_action_post_keeps_the_promise_fields_visible_when_the_form_comes_back_with_errors(agent, debt):
    response = client_for(agent).post(reverse("collections:action", args=[debt.pk]), _action_data(
        result="promise_to_pay"))
    html = response.content.decode()
    assert 'id="promise-fields"' in html and 'class="promise-fields"' in html  # not d-none


def test_action_post_is_404_when_an_agent_posts_on_another_agents_debt(other_agent, debt):
    response = client_for(other_agent).post(reverse("collections:action", args=[debt.pk]), _action_data())
    assert response.status_code == 404 and not CollectionAction.objects.exists()


def test_action_post_shows_the_refusal_when_back_office_posts(backoffice, debt):
    response = client_for(backoffice).post(reverse("collections:action", args=[debt.pk]), _action_data())
    assert response.status_code == 400 and not CollectionAction.objects.exists()
    assert "Back office does not log collection actions." in response.content.decode()


def test_action_get_is_refused_when_the_method_is_not_post(agent, debt):
    assert client_for(agent).get(reverse("collections:action", args=[debt.pk])).status_code == 405


# --- agreement and payment from the screen --------------------------------------------------------------------------
def _agreement_data(**overrides):
    data = {"agreement-discount_percent": "10", "agreement-installments": "3", "agreement-interval_days": "30",
            "agreement-first_due_date": (today() + timedelta(days=7)).isoformat(), "agreement-notes": ""}
    data.update({f"agreement-{k}": v for k, v in overrides.items()})
    return data


def test_agreement_post_creates_the_agreement_and_instalments_when_the_form_is_valid(agent, debt):
    response = client_for(agent).post(reverse("collections:agreement_create", args=[debt.pk]), _agreement_data())
    assert response.status_code == 302
    agreement = PaymentAgreement.objects.get(debt=debt)
    assert (agreement.agreed_total, agreement.installments.count()) == (Decimal("900.00"), 3)
    debt.refresh_from_db()
    assert debt.contact_status == ContactStatus.AGREEMENT
    page = client_for(agent).get(reverse("collections:debt", args=[debt.pk])).content.decode()
    assert 'id="agreement-card"' in page and 'id="payment-form"' in page and 'id="agreement-form"' not in page


def test_agreement_post_shows_the_error_when_the_discount_is_too_high(agent, debt):
    response = client_for(agent).post(reverse("collections:agreement_create", args=[debt.pk]),
                                      _agreement_data(discount_percent="60"))
    assert response.status_code == 400
    assert "cannot exceed" in response.context["agreement_form"].errors["discount_percent"][0]
    assert not PaymentAgreement.objects.exists()


def test_agreement_post_shows_the_error_when_the_first_due_date_is_past(agent, debt):
    response = client_for(agent).post(reverse("collections:agreement_create", args=[debt.pk]),
                                      _agreement_data(first_due_date=(today() - timedelta(days=1)).isoformat()))
    assert response.status_code == 400
    assert "first_due_date" in response.context["agreement_form"].errors


def test_agreement_post_shows_the_error_when_the_instalments_are_not_a_number(agent, debt):
    response = client_for(agent).post(reverse("collections:agreement_create", args=[debt.pk]),
                                      _agreement_data(installments="many"))
    assert response.status_code == 400 and "installments" in response.context["agreement_form"].errors


def test_agreement_post_is_404_when_an_agent_posts_on_another_agents_debt(other_agent, debt):
    response = client_for(other_agent).post(reverse("collections:agreement_create", args=[debt.pk]),
                                            _agreement_data())
    assert response.status_code == 404 and not PaymentAgreement.objects.exists()


@pytest.fixture
def agreement(agent, debt):
    return agreement_create(actor=agent, debt=debt, discount_percent=0, installments=2,
                            first_due_date=today() + timedelta(days=5))


def _payment_data(**overrides):
    data = {"payment-amount": "300.00", "payment-method": "transfer", "payment-reference": "OP-1",
            "payment-paid_on": today().isoformat()}
    data.update({f"payment-{k}": v for k, v in overrides.items()})
    return data


def test_payment_post_records_the_payment_when_the_form_is_valid(agent, debt, agreement):
    response = client_for(agent).post(reverse("collections:payment", args=[debt.pk]), _payment_data())
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.agreement, payment.amount, payment.reference, payment.recorded_by) == (
        agreement, Decimal("300.00"), "OP-1", agent)
    html = client_for(agent).get(reverse("collections:debt", args=[debt.pk])).content.decode()
    assert 'data-kind="payment"' in html and "w-pct-30" in html  # 300 of 1000 paid


def test_payment_post_dates_an_earlier_day_at_noon_when_paid_on_is_past(agent, debt, agreement):
    day = today() - timedelta(days=2)
    client_for(agent).post(reverse("collections:payment", args=[debt.pk]), _payment_data(paid_on=day.isoformat()))
    assert timezone.localtime(Payment.objects.get().paid_at).date() == day


def test_payment_post_shows_the_error_when_it_exceeds_what_is_owed(agent, debt, agreement):
    response = client_for(agent).post(reverse("collections:payment", args=[debt.pk]), _payment_data(amount="1000.01"))
    assert response.status_code == 400
    assert "exceeds what is owed" in response.context["payment_form"].errors["amount"][0]
    assert not Payment.objects.exists()


def test_payment_post_shows_the_error_when_the_day_is_to_come(agent, debt, agreement):
    response = client_for(agent).post(reverse("collections:payment", args=[debt.pk]),
                                      _payment_data(paid_on=(today() + timedelta(days=2)).isoformat()))
    assert response.status_code == 400 and "paid_on" in response.context["payment_form"].errors


def test_payment_post_shows_the_error_when_the_reference_was_used(agent, debt, agreement):
    client_for(agent).post(reverse("collections:payment", args=[debt.pk]), _payment_data(amount="100.00"))
    response = client_for(agent).post(reverse("collections:payment", args=[debt.pk]), _payment_data(amount="100.00"))
    assert response.status_code == 400 and "reference" in response.context["payment_form"].errors
    assert Payment.objects.count() == 1


def test_payment_post_shows_the_error_when_the_debt_has_no_agreement(agent, debt):
    response = client_for(agent).post(reverse("collections:payment", args=[debt.pk]), _payment_data())
    assert response.status_code == 400 and not Payment.objects.exists()
    assert "This debt has no agreement to pay into." in response.content.decode()


def test_payment_post_is_404_when_an_agent_posts_on_another_agents_debt(other_agent, debt, agreement):
    response = client_for(other_agent).post(reverse("collections:payment", args=[debt.pk]), _payment_data())
    assert response.status_code == 404 and not Payment.objects.exists()


# --- calendar -------------------------------------------------------------------------------------------------------
def test_calendar_week_shows_the_promise_on_its_day_when_the_agent_opens_it(agent, debt):
    day = today() + timedelta(days=1)
    collection_action_log(actor=agent, debt=debt, kind="call", result=ContactStatus.PROMISE_TO_PAY,
                          promised_amount="120.00", promised_date=day)
    response = client_for(agent).get(reverse("collections:calendar") + f"?date={day.isoformat()}")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<section class="calendar-day') == 7
    assert f'data-kind="promise" data-debt="{debt.pk}" data-date="{day.isoformat()}"' in html
    assert 'id="calendar-filters"' not in html  # agents have no team/agent filters


def test_calendar_day_view_lists_follow_ups_by_hour_when_the_day_view_is_chosen(agent, debt):
    at = timezone.localtime() + timedelta(days=1)
    at = at.replace(hour=15, minute=30, second=0, microsecond=0)
    collection_action_log(actor=agent, debt=debt, kind="call", result=ContactStatus.NO_ANSWER, next_step="Retry",
                          next_step_at=at)
    html = client_for(agent).get(reverse("collections:calendar") + f"?view=day&date={at.date().isoformat()}"
                                 ).content.decode()
    hour = html.split('data-hour="15"')[1].split('data-hour="16"')[0]
    assert 'data-kind="followup"' in hour and "15:30" in hour and "Retry" in hour


def test_calendar_moves_by_a_week_when_prev_and_next_are_followed(agent):
    monday = today() - timedelta(days=today().weekday())
    response = client_for(agent).get(reverse("collections:calendar") + f"?date={monday.isoformat()}")
    assert response.context["start"] == monday
    assert f"date={(monday + timedelta(days=7)).isoformat()}" in response.context["next_url"]
    assert f"date={(monday - timedelta(days=7)).isoformat()}" in response.context["prev_url"]


def test_calendar_ignores_another_teams_filter_when_a_supervisor_names_it(supervisor, other_agent, other_team):
    theirs = DebtFactory(assignee=other_agent)
    collection_action_log(actor=other_agent, debt=theirs, kind="call", result=ContactStatus.PROMISE_TO_PAY,
                          promised_amount="10.00", promised_date=today())
    response = client_for(supervisor).get(reverse("collections:calendar") + f"?team={other_team.pk}"
                                          f"&agent={other_agent.pk}")
    assert response.status_code == 200 and response.context["entries"] == []
    assert response.context["team_id"] is None and response.context["agent_id"] is None
    assert 'id="calendar-filters"' in response.content.decode()


def test_calendar_answers_when_the_date_is_garbage(agent):
    assert client_for(agent).get(reverse("collections:calendar") + "?date=2026-02-30&view=x").status_code == 200


def test_pages_redirect_to_login_when_nobody_is_signed_in(debt):
    for url in (reverse("collections:work"), reverse("collections:debt", args=[debt.pk]),
                reverse("collections:calendar")):
        assert Client().get(url).status_code == 302
