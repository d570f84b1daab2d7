"""Sales: validation by role, stock that never goes below zero, cancellations, commissions, receipts."""

from decimal import Decimal

import pytest
from django.utils import timezone

from conversations.models import Message, Note
from core.errors import ApplicationError, PermissionDeniedError
from operators.models import Category, Product
from operators.services import OutOfStockError
from sales.models import Commission, CommissionRule, Sale, SaleType
from sales.services.commissions import commission_rule_match
from sales.services.documents import sale_receipt_render
from sales.services.sales import (
    SaleStateError,
    sale_cancel,
    sale_create,
    sale_receipt_send,
    sale_reject,
    sale_set_installation,
    sale_validate,
)
from tests.leads.factories import ContactFactory
from tests.operators.factories import OperatorFactory, ProductFactory
from tests.sales.conftest import drain, pdf_text

pytestmark = pytest.mark.django_db


def direct_sale(actor, product, quantity=1, **kwargs):
    return sale_create(actor=actor, contact=kwargs.pop("contact", None) or ContactFactory(),
                       lines=[{"product": product, "quantity": quantity}], **kwargs)


def test_agent_cannot_validate_or_reject(agent, phone):
    sale = direct_sale(agent, phone)
    with pytest.raises(PermissionDeniedError) as info:
        sale_validate(actor=agent, sale=sale)
    assert info.value.status_code == 403
    with pytest.raises(PermissionDeniedError):
        sale_reject(actor=agent, sale=sale, reason="No")
    assert Sale.objects.get(pk=sale.pk).status == Sale.Status.PENDING_VALIDATION


@pytest.mark.parametrize("role", ["backoffice", "supervisor", "admin_user"])
def test_back_office_supervisor_and_admin_validate_and_stock_goes_down(request, agent, phone, role):
    validator = request.getfixturevalue(role)
    sale = direct_sale(agent, phone, quantity=2)
    sale = sale_validate(actor=validator, sale=sale)
    assert (sale.status, sale.validated_by_id) == (Sale.Status.VALIDATED, validator.pk)
    assert sale.validated_at is not None
    assert Product.objects.get(pk=phone.pk).stock == 3
    with pytest.raises(SaleStateError):
        sale_validate(actor=validator, sale=sale)  # not twice
    assert Product.objects.get(pk=phone.pk).stock == 3


def test_products_without_stock_tracking_validate_freely(agent, backoffice, plan):
    sale = sale_validate(actor=backoffice, sale=direct_sale(agent, plan, quantity=50))
    assert sale.status == Sale.Status.VALIDATED
    assert Product.objects.get(pk=plan.pk).stock is None


def test_validation_without_enough_stock_fails_whole_and_takes_nothing(agent, backoffice, phone, claro):
    case = ProductFactory(operator=claro, category=Category.ACCESSORY, stock=10)
    sale = sale_create(actor=agent, contact=ContactFactory(), lines=[
        {"product": case, "quantity": 2}, {"product": phone, "quantity": 6}])
    with pytest.raises(OutOfStockError) as info:
        sale_validate(actor=backoffice, sale=sale)
    assert info.value.code == "out_of_stock" and "iPhone 15 128GB" in info.value.message
    assert info.value.extra == {"product": phone.pk, "stock": 5, "quantity": 6}
    assert Product.objects.get(pk=case.pk).stock == 10  # rolled back
    assert Sale.objects.get(pk=sale.pk).status == Sale.Status.PENDING_VALIDATION


def test_selling_exactly_the_units_left_succeeds_and_one_more_is_refused_when_stock_runs_out(agent, backoffice, phone):
    assert Product.objects.get(pk=phone.pk).stock == 5
    last_units = sale_validate(actor=backoffice, sale=direct_sale(agent, phone, quantity=5))
    assert last_units.status == Sale.Status.VALIDATED
    assert Product.objects.get(pk=phone.pk).stock == 0
    one_more = direct_sale(agent, phone, quantity=1)
    with pytest.raises(OutOfStockError) as info:
        sale_validate(actor=backoffice, sale=one_more)
    assert info.value.extra == {"product": phone.pk, "stock": 0, "quantity": 1}
    assert Product.objects.get(pk=phone.pk).stock == 0
    assert Sale.objects.get(pk=one_more.pk).status == Sale.Status.PENDING_VALIDATION


def test_reject_needs_a_reason(agent, backoffice, phone):
    sale = direct_sale(agent, phone)
    with pytest.raises(ApplicationError) as info:
        sale_reject(actor=backoffice, sale=sale, reason="   ")
    assert info.value.code == "reason_required"
    sale = sale_reject(actor=backoffice, sale=sale, reason="DNI ilegible")
    assert (sale.status, sale.rejection_reason) == (Sale.Status.REJECTED, "DNI ilegible")
    assert Product.objects.get(pk=phone.pk).stock == 5
    with pytest.raises(SaleStateError):
        sale_validate(actor=backoffice, sale=sale)


def test_cancelling_a_validated_sale_returns_the_stock_and_the_commission(agent, backoffice, phone):
    CommissionRule.objects.create(kind="fixed", value=Decimal("20"))
    sale = sale_validate(actor=backoffice, sale=direct_sale(agent, phone, quantity=2))
    assert Product.objects.get(pk=phone.pk).stock == 3
    assert Commission.objects.filter(sale=sale).exists()
    with pytest.raises(PermissionDeniedError):
        sale_cancel(actor=agent, sale=sale)  # a validated sale is the back office's
    sale = sale_cancel(actor=backoffice, sale=sale, reason="Cliente desistió")
    assert (sale.status, sale.installation_state) == (Sale.Status.CANCELLED, "cancelled")
    assert Product.objects.get(pk=phone.pk).stock == 5
    assert not Commission.objects.filter(sale=sale).exists()
    with pytest.raises(SaleStateError):
        sale_cancel(actor=backoffice, sale=sale)


def test_agent_cancels_own_pending_sale_without_touching_stock(agent, other_agent, phone):
    sale = direct_sale(agent, phone)
    with pytest.raises(PermissionDeniedError):
        sale_cancel(actor=other_agent, sale=sale)
    assert sale_cancel(actor=agent, sale=sale).status == Sale.Status.CANCELLED
    assert Product.objects.get(pk=phone.pk).stock == 5


def test_installation_state_only_on_validated_sales_and_by_back_office(agent, backoffice, plan):
    sale = direct_sale(agent, plan, sale_type=SaleType.PORTABILITY)
    with pytest.raises(SaleStateError):
        sale_set_installation(actor=backoffice, sale=sale, state="scheduled")
    sale = sale_validate(actor=backoffice, sale=sale)
    with pytest.raises(PermissionDeniedError):
        sale_set_installation(actor=agent, sale=sale, state="installed")
    with pytest.raises(ApplicationError):
        sale_set_installation(actor=backoffice, sale=sale, state="teleported")
    on = timezone.localdate()
    sale = sale_set_installation(actor=backoffice, sale=sale, state="installed", on=on)
    assert (sale.installation_state, sale.installation_date) == ("installed", on)


def test_direct_sale_respects_the_discount_limit_and_needs_lines(agent, phone):
    with pytest.raises(ApplicationError) as info:
        sale_create(actor=agent, contact=ContactFactory(), lines=[
            {"product": phone, "quantity": 1, "discount_percent": 50}])
    assert info.value.code == "discount_too_high"
    with pytest.raises(ApplicationError):
        sale_create(actor=agent, contact=ContactFactory(), lines=[])
    with pytest.raises(ApplicationError):
        sale_create(actor=agent, lines=[{"product": phone, "quantity": 1}])


# --- commissions -------------------------------------------------------------------------------
def test_most_specific_rule_wins_and_fixed_and_percent_are_computed(agent, backoffice, claro, phone, plan):
    movistar = OperatorFactory(name="Movistar", slug="movistar")
    generic = CommissionRule.objects.create(kind="percent", value=Decimal("2"))
    by_category = CommissionRule.objects.create(category=Category.MOBILE, kind="percent", value=Decimal("5"))
    claro_devices = CommissionRule.objects.create(operator=claro, category=Category.DEVICE, kind="fixed",
                                                  value=Decimal("30"))
    CommissionRule.objects.create(operator=movistar, category=Category.DEVICE, kind="fixed", value=Decimal("99"))
    CommissionRule.objects.create(operator=claro, category=Category.DEVICE, sale_type=SaleType.RETAIL,
                                  kind="fixed", value=Decimal("500"), is_active=False)
    case = ProductFactory(operator=None, category=Category.ACCESSORY, price=Decimal("50.00"), stock=None)
    sale = sale_create(actor=agent, contact=ContactFactory(), sale_type=SaleType.NEW_LINE, lines=[
        {"product": phone, "quantity": 2},  # 2 × 3599.10 = 7198.20 → fixed 30 × 2
        {"product": plan, "quantity": 1},  # 39.90 → 5% = 2.00 (1.995 rounded half up)
        {"product": case, "quantity": 1},  # 50.00 → generic 2% = 1.00
    ])
    sale_validate(actor=backoffice, sale=sale)
    by_rule = {c.rule_id: c.amount for c in Commission.objects.filter(sale=sale)}
    assert by_rule == {claro_devices.pk: Decimal("60.00"), by_category.pk: Decimal("2.00"),
                       generic.pk: Decimal("1.00")}
    commission = Commission.objects.filter(sale=sale).first()
    assert commission.agent_id == agent.pk and commission.month == timezone.localdate().replace(day=1)


def test_sale_type_rule_beats_the_generic_one_and_no_rule_means_no_commission(claro, plan):
    rules = [CommissionRule.objects.create(kind="percent", value=Decimal("1")),
             CommissionRule.objects.create(sale_type=SaleType.PORTABILITY, kind="percent", value=Decimal("3"))]
    assert commission_rule_match(product=plan, sale_type=SaleType.PORTABILITY, rules=rules) == rules[1]
    assert commission_rule_match(product=plan, sale_type=SaleType.NEW_LINE, rules=rules) == rules[0]
    assert commission_rule_match(product=plan, sale_type=SaleType.NEW_LINE, rules=rules[1:]) is None


# --- receipts ----------------------------------------------------------------------------------
def test_receipt_pdf_parses_back_with_lines_and_total(agent, backoffice, phone, plan):
    sale = sale_create(actor=agent, contact=ContactFactory(name="José Pérez"), payment_method="yape_plin",
                       lines=[{"product": phone, "quantity": 1}, {"product": plan, "quantity": 2}])
    text = pdf_text(sale_receipt_render(sale=sale))
    assert sale.number in text
    assert "iPhone 15 128GB" in text and "Plan Max 39.90" in text and "José Pérez" in text
    assert "S/ 3,678.90" in text


def test_validated_receipt_is_sent_once_to_the_customer_as_a_document(graph, conversation, agent, backoffice,
                                                                       phone, django_capture_on_commit_callbacks):
    sale = sale_create(actor=agent, contact=conversation.contact, conversation=conversation,
                       lines=[{"product": phone, "quantity": 1}])
    with django_capture_on_commit_callbacks() as callbacks:
        sale_validate(actor=backoffice, sale=sale)
    # after commit: the catalog's stock read again by every process, sale.validated (whose subscriber queues the
    # receipt) and the agent's notification push
    assert len(callbacks) == 3
    assert sale_receipt_send(sale_id=sale.pk) == "sent"  # what the task does
    drain()
    message = Message.objects.filter(direction="out", type="document").get()
    assert message.status == "sent" and message.media_ref["filename"] == f"{sale.number}.pdf"
    body = graph.log[-1][0].get_json()
    assert body["type"] == "document" and body["document"]["filename"] == f"{sale.number}.pdf"
    assert sale_receipt_send(sale_id=sale.pk) == "skipped"  # a redelivered task sends nothing
    assert Message.objects.filter(direction="out", type="document").count() == 1
    sale.refresh_from_db()
    assert sale.receipt and sale.receipt_sent_at


def test_receipt_becomes_a_note_when_the_window_is_closed(conversation, agent, backoffice, phone):
    from datetime import timedelta

    from conversations.models import Conversation

    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(days=2))
    sale = sale_validate(actor=backoffice, sale=sale_create(
        actor=agent, contact=conversation.contact, conversation=conversation, lines=[{"product": phone,
                                                                                      "quantity": 1}]))
    assert sale_receipt_send(sale_id=sale.pk) == "noted"
    assert sale.number in Note.objects.get(conversation=conversation).text
