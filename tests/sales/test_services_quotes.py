"""Quotes: catalog and wholesale prices, discounts within the role's limit, PDF, sending, expiry, reminders."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone

from conversations.models import Conversation, Message, Note
from core.errors import PermissionDeniedError
from leads.models import CustomerType, Lead, LeadStatus
from sales.models import DiscountLimit, Quote
from sales.services.documents import quote_pdf_render
from sales.services.pricing import DiscountTooHighError, InvalidLinesError
from sales.services.quotes import (
    QuoteExpiredError,
    QuoteStateError,
    quote_accept,
    quote_create,
    quote_reject,
    quote_send,
    quotes_expire,
    quotes_remind,
)
from tests.leads.factories import ContactFactory
from tests.operators.factories import ProductFactory
from tests.sales.conftest import drain, pdf_text

pytestmark = pytest.mark.django_db


def test_quote_totals_apply_catalog_and_line_discounts_when_retail(agent, phone, plan):
    contact = ContactFactory()
    quote = quote_create(actor=agent, contact=contact, lines=[
        {"product": phone, "quantity": 2, "discount_percent": Decimal("5")},
        {"product": plan.pk, "quantity": 3},
    ])
    phone_line, plan_line = quote.lines.all()
    # 3999 × 2 × 0.90 × 0.95 = 6838.29; 39.90 × 3 = 119.70
    assert (phone_line.unit_price, phone_line.product_discount_percent, phone_line.discount_percent) == (
        Decimal("3999.00"), Decimal("10.00"), Decimal("5.00"))
    assert phone_line.line_total == Decimal("6838.29")
    assert plan_line.line_total == Decimal("119.70")
    assert quote.subtotal == Decimal("8117.70")
    assert quote.total == Decimal("6957.99")
    assert quote.discount_total == Decimal("1159.71")
    assert quote.number == f"COT-{quote.pk:06d}"
    assert quote.status == Quote.Status.PENDING
    assert quote.valid_until == timezone.localdate() + timedelta(days=7)


def test_wholesale_customer_pays_the_wholesale_price_without_the_retail_promotion(agent, phone):
    contact = ContactFactory(customer_type=CustomerType.WHOLESALE)
    quote = quote_create(actor=agent, contact=contact, lines=[{"product": phone, "quantity": 10}])
    line = quote.lines.get()
    assert (line.unit_price, line.product_discount_percent, line.line_total) == (
        Decimal("3500.00"), Decimal("0"), Decimal("35000.00"))
    assert quote.total == Decimal("35000.00")


def test_wholesale_customer_pays_the_retail_price_when_no_wholesale_price_is_set(agent, plan):
    quote = quote_create(actor=agent, contact=ContactFactory(customer_type=CustomerType.WHOLESALE),
                         lines=[{"product": plan, "quantity": 1}])
    assert quote.total == Decimal("39.90")


def test_discount_above_the_agent_limit_is_refused_with_a_clear_message(agent, phone):
    with pytest.raises(DiscountTooHighError) as info:
        quote_create(actor=agent, contact=ContactFactory(), lines=[
            {"product": phone, "quantity": 1, "discount_percent": "10.01"}])
    assert info.value.code == "discount_too_high"
    assert "10.01%" in info.value.message and " 10%" in info.value.message and "iPhone 15" in info.value.message
    assert info.value.extra["limit"] == "10.00"
    assert not Quote.objects.exists()


def test_supervisor_may_give_what_an_agent_may_not(supervisor, phone):
    quote = quote_create(actor=supervisor, contact=ContactFactory(), lines=[
        {"product": phone, "quantity": 1, "discount_percent": 25}])
    assert quote.lines.get().discount_percent == Decimal("25.00")
    with pytest.raises(DiscountTooHighError):
        quote_create(actor=supervisor, contact=ContactFactory(), lines=[
            {"product": phone, "quantity": 1, "discount_percent": 26}])


def test_discount_limit_edited_in_admin_applies_at_once(agent, phone):
    DiscountLimit.objects.filter(role="agent").update(max_percent=Decimal("2"))
    with pytest.raises(DiscountTooHighError):
        quote_create(actor=agent, contact=ContactFactory(), lines=[
            {"product": phone, "quantity": 1, "discount_percent": 3}])


@pytest.mark.parametrize(("lines", "code"), [
    ([], "invalid_lines"),
    ([{"product": 999_999, "quantity": 1}], "invalid_lines"),
    ([{"product": "PHONE", "quantity": 0}], "invalid_lines"),
    ([{"product": "PHONE", "quantity": "dos"}], "invalid_lines"),
    ([{"product": "PHONE", "quantity": 1, "discount_percent": "-1"}], "invalid_lines"),
    ([{"product": "PHONE", "quantity": 1, "discount_percent": "abc"}], "invalid_lines"),
])
def test_bad_lines_are_refused(agent, phone, lines, code):
    lines = [{**line, "product": phone if line["product"] == "PHONE" else line["product"]} for line in lines]
    with pytest.raises(InvalidLinesError) as info:
        quote_create(actor=agent, contact=ContactFactory(), lines=lines)
    assert info.value.code == code


def test_inactive_product_and_mixed_currencies_are_refused(agent, phone):
    old = ProductFactory(is_active=False)
    with pytest.raises(InvalidLinesError):
        quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": old, "quantity": 1}])
    dollars = ProductFactory(currency="USD")
    with pytest.raises(InvalidLinesError):
        quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1},
                                                                   {"product": dollars, "quantity": 1}])


def test_back_office_cannot_quote(backoffice, phone):
    with pytest.raises(PermissionDeniedError):
        quote_create(actor=backoffice, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])


def test_quote_moves_the_open_lead_to_quoted(agent, phone):
    contact = ContactFactory()
    lead = Lead.objects.create(contact=contact, status=LeadStatus.CONTACTED, assignee=agent)
    quote = quote_create(actor=agent, contact=contact, lines=[{"product": phone, "quantity": 1}])
    lead.refresh_from_db()
    assert quote.lead_id == lead.pk and lead.status == LeadStatus.QUOTED


def test_quote_pdf_parses_back_with_its_lines_and_total(agent, phone, plan):
    contact = ContactFactory(name="Rosa Quispe Ñahui")
    quote = quote_create(actor=agent, contact=contact, lines=[{"product": phone, "quantity": 1},
                                                              {"product": plan, "quantity": 2}])
    text = pdf_text(quote_pdf_render(quote=quote))
    assert quote.number in text
    assert "iPhone 15 128GB" in text and "Plan Max 39.90" in text
    assert "Rosa Quispe Ñahui" in text
    assert f"S/ {quote.total:,.2f}" in text  # 3599.10 + 79.80
    assert quote.total == Decimal("3678.90")


def test_sending_the_quote_reaches_the_provider_as_a_document(graph, conversation, agent, phone,
                                                              django_capture_on_commit_callbacks):
    quote = quote_create(actor=agent, contact=conversation.contact, conversation=conversation,
                         lines=[{"product": phone, "quantity": 1}])
    with django_capture_on_commit_callbacks(execute=True):
        message = quote_send(actor=agent, quote=quote)
    drain()  # the send worker (a no-op where tasks ran in process)
    message.refresh_from_db()
    assert (message.type, message.status, message.media_mime) == ("document", "sent", "application/pdf")
    body = graph.log[-1][0].get_json()
    assert body["type"] == "document"
    document = body["document"]
    assert document["filename"] == f"{quote.number}.pdf"
    link = urlsplit(document["link"])
    assert (link.scheme, link.netloc) == ("https", "crm.example.com") and link.path.startswith("/media/messages/")
    assert link.path.endswith(".pdf") and quote.number in link.path
    assert set(parse_qs(link.query)) == {"exp", "sig"}  # signed for the provider, who has no login
    assert quote.number in document["caption"]
    with message.media.open("rb") as handle:
        assert "iPhone 15 128GB" in pdf_text(handle.read())
    quote.refresh_from_db()
    assert quote.sent_at is not None and quote.pdf


def test_sending_is_refused_when_the_window_is_closed(conversation, agent, phone):
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(hours=30))
    quote = quote_create(actor=agent, contact=conversation.contact, conversation=conversation,
                         lines=[{"product": phone, "quantity": 1}])
    from conversations.services.outbound import WindowClosedError

    with pytest.raises(WindowClosedError):
        quote_send(actor=agent, quote=quote)
    quote.refresh_from_db()
    assert quote.sent_at is None
    assert not Message.objects.filter(direction="out").exists()


def test_a_customer_without_conversation_cannot_be_sent_the_quote(agent, phone):
    quote = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])
    with pytest.raises(Exception) as info:
        quote_send(actor=agent, quote=quote)
    assert info.value.code == "no_conversation"


def test_agent_accepts_and_the_sale_copies_the_lines(agent, phone):
    contact = ContactFactory()
    lead = Lead.objects.create(contact=contact, assignee=agent)
    quote = quote_create(actor=agent, contact=contact, lines=[{"product": phone, "quantity": 2,
                                                               "discount_percent": 3}])
    sale = quote_accept(quote=quote, actor=agent)
    quote.refresh_from_db()
    lead.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED and quote.accepted_at
    assert sale.quote_id == quote.pk and sale.total == quote.total and sale.number == f"VTA-{sale.pk:06d}"
    assert [(line.quantity, line.line_total) for line in sale.lines.all()] == [
        (line.quantity, line.line_total) for line in quote.lines.all()]
    assert sale.sale_type == "retail"  # a device only
    assert sale.status == "pending_validation"
    assert lead.status == LeadStatus.WON
    assert quote_accept(quote=quote, actor=agent).pk == sale.pk  # idempotent


def test_rejected_or_expired_quotes_cannot_be_accepted(agent, phone):
    quote = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}])
    quote_reject(quote=quote, actor=agent, reason="Muy caro")
    with pytest.raises(QuoteStateError):
        quote_accept(quote=quote, actor=agent)
    with pytest.raises(QuoteStateError):
        quote_reject(quote=quote, actor=agent)
    late = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}],
                        valid_days=1)
    with time_machine.travel(timezone.now() + timedelta(days=3)), pytest.raises(QuoteExpiredError):
        quote_accept(quote=late, actor=agent)


def test_expiry_marks_only_pending_quotes_past_their_last_day(agent, phone):
    short = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}],
                         valid_days=1)
    long = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}],
                        valid_days=10)
    accepted = quote_create(actor=agent, contact=ContactFactory(), lines=[{"product": phone, "quantity": 1}],
                            valid_days=1)
    quote_accept(quote=accepted, actor=agent)
    assert quotes_expire() == 0  # the last valid day is still to come
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert quotes_expire() == 1
    assert Quote.objects.get(pk=short.pk).status == Quote.Status.EXPIRED
    assert Quote.objects.get(pk=long.pk).status == Quote.Status.PENDING
    assert Quote.objects.get(pk=accepted.pk).status == Quote.Status.ACCEPTED


def test_reminder_goes_once_in_the_chat_the_day_before_expiry(graph, conversation, agent, phone,
                                                                django_capture_on_commit_callbacks):
    quote = quote_create(actor=agent, contact=conversation.contact, conversation=conversation,
                         lines=[{"product": phone, "quantity": 1}], valid_days=2)
    with django_capture_on_commit_callbacks(execute=True):
        quote_send(actor=agent, quote=quote)
    assert quotes_remind().messages == 0  # two days left: not yet
    # The customer writes again the next day, so the window is open.
    tomorrow = timezone.now() + timedelta(days=1)
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=tomorrow - timedelta(hours=1))
    with time_machine.travel(tomorrow):
        with django_capture_on_commit_callbacks(execute=True):
            result = quotes_remind()
            assert quotes_remind().messages == 0  # once
        drain()
    assert (result.messages, result.notes) == (1, 0)
    reminder = Message.objects.filter(direction="out", type="text").latest("pk")
    assert quote.number in reminder.text and reminder.sender == "system"
    assert reminder.status == "sent"
    assert Quote.objects.get(pk=quote.pk).reminded_at is not None


def test_reminder_becomes_a_note_for_the_agent_when_the_window_is_closed(graph, conversation, agent, phone,
                                                                          django_capture_on_commit_callbacks):
    quote = quote_create(actor=agent, contact=conversation.contact, conversation=conversation,
                         lines=[{"product": phone, "quantity": 1}], valid_days=2)
    with django_capture_on_commit_callbacks(execute=True):
        quote_send(actor=agent, quote=quote)
    sent_before = Message.objects.filter(direction="out").count()
    # The customer last wrote two hours ago, and it is now the same time tomorrow (the day before the
    # quote expires, whatever the hour): 26 hours, the window is closed.
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(hours=2))
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        result = quotes_remind()
    assert (result.messages, result.notes) == (0, 1)
    assert Message.objects.filter(direction="out").count() == sent_before
    note = Note.objects.get(conversation=conversation)
    assert quote.number in note.text
