"""Sales: created from a quote or directly, validated by the back office, stock and commissions.

Stock moves only on validation, through operators' services (``product_stock_take``: a conditional
``UPDATE … WHERE stock >= qty`` inside the transaction, so concurrent validations of the last unit
cannot both win); a cancelled validated sale puts its units back. The lead moves forward through
leads' ``lead_advance``; notes for the agent through conversations' services.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditKind, User
from conversations.models import Conversation
from conversations.services.inbox import conversation_add_system_note
from conversations.services.outbound import WindowClosedError, message_send
from core import events
from core.errors import ApplicationError, PermissionDeniedError
from leads.models import CLOSED_STATUSES, Contact, Lead, LeadStatus
from leads.services import lead_advance
from notifications.services import notification_create
from operators.models import Product
from operators.services import product_stock_return, product_stock_take
from sales.models import Commission, Quote, Sale, SaleLine, SaleType
from sales.services.commissions import sale_commissions_compute
from sales.services.documents import sale_receipt_render
from sales.services.numbering import number_assign, provisional_number
from sales.services.pricing import PricedLine, discount_audit, lines_price, lines_totals
from sales.services.roles import can_validate, check_can_sell, check_can_validate

RETAIL_CATEGORIES = {"device", "accessory"}


class SaleStateError(ApplicationError):
    code = "invalid_sale_state"


def lead_for(*, contact: Contact, conversation: Conversation | None) -> Lead | None:
    """The lead a quote or sale belongs to: the conversation's, else the contact's latest open one."""
    if conversation is not None and conversation.lead_id:
        return conversation.lead
    return contact.leads.exclude(status__in=CLOSED_STATUSES).order_by("-created_at", "-pk").first()


def sale_type_guess(products: list[Product | None]) -> str:
    categories = {p.category for p in products if p is not None}
    if categories and categories <= RETAIL_CATEGORIES:
        return SaleType.RETAIL
    return SaleType.NEW_LINE


def _sale_insert(
    *, agent: User, contact: Contact, lines: list[dict[str, Any]], currency: str, total: Any,
    quote: Quote | None = None, conversation: Conversation | None = None, lead: Lead | None = None,
    **fields: Any,
) -> Sale:
    sale = Sale(number=provisional_number(), agent=agent, contact=contact, quote=quote,
                conversation=conversation, lead=lead, currency=currency, total=total, **fields)
    sale.full_clean(exclude=["number"])
    sale.save()
    number_assign(sale, "VTA")
    SaleLine.objects.bulk_create([SaleLine(sale=sale, **line) for line in lines])
    lead_advance(lead_id=sale.lead_id, status=LeadStatus.WON)
    return sale


def sale_created_audit(*, actor: User | None, sale: Sale, by_customer: bool = False) -> None:
    data: dict[str, Any] = {"total": str(sale.total), "currency": sale.currency, "quote_id": sale.quote_id}
    if by_customer:
        data["accepted_by"] = "customer"
    audit_record(actor=actor, action=AuditKind.SALE_CREATE, obj=sale, data=data)


def sale_from_quote(*, quote: Quote, **fields: Any) -> Sale:
    """The sale of an accepted quote, with its lines as quoted (call with the quote locked)."""
    lines = [
        {name: getattr(line, name) for name in ("product", "description", "quantity", "unit_price",
                                                 "product_discount_percent", "discount_percent", "line_total")}
        for line in quote.lines.select_related("product")
    ]
    sale_type = fields.pop("sale_type", "") or quote.sale_type or sale_type_guess([line["product"] for line in lines])
    return _sale_insert(agent=quote.agent, contact=quote.contact, lines=lines, currency=quote.currency,
                        total=quote.total, quote=quote, conversation=quote.conversation, lead=quote.lead,
                        sale_type=sale_type, **fields)


@transaction.atomic
def sale_create(
    *,
    actor: User,
    contact: Contact | None = None,
    quote: Quote | None = None,
    lines: list[dict[str, Any]] | None = None,
    conversation: Conversation | None = None,
    sale_type: str = "",
    payment_method: str = "",
    delivery_address: str = "",
    delivery_date: date | None = None,
    notes: str = "",
) -> Sale:
    """A sale from ``quote`` (accepting it if still pending) or directly from ``lines`` for ``contact``."""
    check_can_sell(actor)
    extra = {"payment_method": payment_method, "delivery_address": delivery_address.strip(),
             "delivery_date": delivery_date, "notes": notes.strip()}
    if quote is not None:
        from sales.services.quotes import quote_accept

        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        if Sale.objects.filter(quote=quote).exists():
            raise SaleStateError(_("Quote %(number)s already has a sale.") % {"number": quote.number},
                                 code="quote_has_sale")
        if quote.status == Quote.Status.PENDING:
            return quote_accept(quote=quote, actor=actor, sale_fields={"sale_type": sale_type, **extra})
        if quote.status != Quote.Status.ACCEPTED:
            raise SaleStateError(_("Only a pending or accepted quote can become a sale."))
        sale = sale_from_quote(quote=quote, sale_type=sale_type, **extra)
        sale_created_audit(actor=actor, sale=sale)
        return sale
    if contact is None:
        raise ApplicationError(_("Choose the customer."), code="contact_required")
    if conversation is not None and conversation.contact_id != contact.pk:
        raise ApplicationError(_("The conversation is not with this customer."), code="wrong_conversation")
    priced: list[PricedLine] = lines_price(actor=actor, contact=contact, lines=lines or [])
    totals = lines_totals(priced)
    sale = _sale_insert(
        agent=actor, contact=contact, lines=[line.as_fields() for line in priced], currency=totals.currency,
        total=totals.total, conversation=conversation, lead=lead_for(contact=contact, conversation=conversation),
        sale_type=sale_type or sale_type_guess([line.product for line in priced]), **extra,
    )
    sale_created_audit(actor=actor, sale=sale)
    discount_audit(actor=actor, obj=sale, lines=priced)
    return sale


def _locked(sale: Sale) -> Sale:
    return Sale.objects.select_for_update().get(pk=sale.pk)


def _stock_quantities(sale: Sale) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for line in sale.lines.all():
        if line.product_id:
            wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
    return wanted


@transaction.atomic
def sale_validate(*, actor: User, sale: Sale) -> Sale:
    check_can_validate(actor)
    sale = _locked(sale)
    if sale.status != Sale.Status.PENDING_VALIDATION:
        raise SaleStateError(_("Sale %(number)s is not waiting for validation.") % {"number": sale.number})
    product_stock_take(quantities=_stock_quantities(sale))
    sale.status = Sale.Status.VALIDATED
    sale.validated_by = actor
    sale.validated_at = timezone.now()
    sale.save(update_fields=["status", "validated_by", "validated_at", "updated_at"])
    audit_record(actor=actor, action=AuditKind.SALE_VALIDATE, obj=sale,
                 changes={"status": (Sale.Status.PENDING_VALIDATION, Sale.Status.VALIDATED)})
    sale_commissions_compute(sale=sale)
    events.emit("sale.validated", sale_id=sale.pk, actor_id=actor.pk)  # the receipt goes out (sales.subscribers)
    _notify_agent(actor=actor, sale=sale, kind="sale.validated",
                  title=_("Sale %(number)s validated") % {"number": sale.number})
    return sale


def _notify_agent(*, actor: User, sale: Sale, kind: str, title: str, body: str = "") -> None:
    """The sale's agent hears what the back office decided (not when they decided it themselves)."""
    if sale.agent_id != actor.pk:
        notification_create(user=sale.agent, kind=kind, title=title, body=body,
                            url=reverse("sales:sale", args=[sale.pk]), dedupe_key=f"sale:{sale.pk}")


@transaction.atomic
def sale_reject(*, actor: User, sale: Sale, reason: str) -> Sale:
    check_can_validate(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Write why the sale is rejected."), code="reason_required")
    sale = _locked(sale)
    if sale.status != Sale.Status.PENDING_VALIDATION:
        raise SaleStateError(_("Sale %(number)s is not waiting for validation.") % {"number": sale.number})
    sale.status = Sale.Status.REJECTED
    sale.rejection_reason = reason[:255]
    sale.validated_by = actor
    sale.validated_at = timezone.now()
    sale.save(update_fields=["status", "rejection_reason", "validated_by", "validated_at", "updated_at"])
    audit_record(actor=actor, action=AuditKind.SALE_REJECT, obj=sale, changes={
        "status": (Sale.Status.PENDING_VALIDATION, Sale.Status.REJECTED),
        "rejection_reason": ("", sale.rejection_reason),
    })
    _notify_agent(actor=actor, sale=sale, kind="sale.rejected",
                  title=_("Sale %(number)s rejected") % {"number": sale.number}, body=sale.rejection_reason)
    return sale


@transaction.atomic
def sale_cancel(*, actor: User, sale: Sale, reason: str = "") -> Sale:
    """Cancel a pending sale (its agent may) or a validated one (back office): units go back to stock."""
    sale = _locked(sale)
    previous_status = sale.status
    if sale.status == Sale.Status.VALIDATED:
        if not can_validate(actor):
            raise PermissionDeniedError(_("Only back office, supervisors and administrators can cancel a "
                                          "validated sale."))
        product_stock_return(quantities=_stock_quantities(sale))
        Commission.objects.filter(sale=sale).delete()
    elif sale.status == Sale.Status.PENDING_VALIDATION:
        if not (can_validate(actor) or sale.agent_id == actor.pk):
            raise PermissionDeniedError(_("Only the sale's agent or the back office can cancel it."))
    else:
        raise SaleStateError(_("Sale %(number)s is already closed.") % {"number": sale.number})
    sale.status = Sale.Status.CANCELLED
    sale.cancellation_reason = (reason or "").strip()[:255]
    sale.cancelled_at = timezone.now()
    if sale.installation_state != Sale.InstallationState.INSTALLED:
        sale.installation_state = Sale.InstallationState.CANCELLED
    sale.save(update_fields=["status", "cancellation_reason", "cancelled_at", "installation_state", "updated_at"])
    audit_record(actor=actor, action=AuditKind.SALE_CANCEL, obj=sale, changes={
        "status": (previous_status, Sale.Status.CANCELLED), "cancellation_reason": ("", sale.cancellation_reason)})
    return sale


@transaction.atomic
def sale_set_installation(*, actor: User, sale: Sale, state: str, on: date | None = None) -> Sale:
    check_can_validate(actor)
    if state not in Sale.InstallationState.values:
        raise ApplicationError(_("Unknown installation state “%(state)s”.") % {"state": state},
                               code="invalid_installation_state")
    sale = _locked(sale)
    if sale.status != Sale.Status.VALIDATED:
        raise SaleStateError(_("Only a validated sale can be installed."))
    sale.installation_state = state
    if on is not None:
        sale.installation_date = on
    sale.save(update_fields=["installation_state", "installation_date", "updated_at"])
    return sale


def sale_receipt_store(*, sale: Sale) -> bytes:
    """Render the receipt in the customers' language and keep the latest copy on the sale."""
    with translation.override(_customer_language()):
        pdf = sale_receipt_render(sale=sale)
    sale.receipt.save(f"{sale.number}-{secrets.token_hex(8)}.pdf", ContentFile(pdf), save=False)
    Sale.objects.filter(pk=sale.pk).update(receipt=sale.receipt.name)
    return pdf


def sale_receipt_send(*, sale_id: int) -> str:
    """Send the receipt of a validated sale to the customer; a note for the agent when the window is shut."""
    sale = Sale.objects.select_related("contact", "agent", "quote", "conversation__channel_account").get(pk=sale_id)
    if sale.status != Sale.Status.VALIDATED:
        return "skipped"
    conversation = sale.conversation or sale.contact.conversations.order_by("-last_inbound_at", "-pk").first()
    if conversation is None:
        return "no_conversation"
    claimed = Sale.objects.filter(pk=sale.pk, receipt_sent_at__isnull=True).update(receipt_sent_at=timezone.now())
    if not claimed:
        return "skipped"  # a redelivered task: the receipt went out already
    pdf = sale_receipt_store(sale=sale)
    with translation.override(_customer_language()):
        caption = _("Your sale %(number)s is confirmed. Here is your receipt.") % {"number": sale.number}
        try:
            message_send(conversation=conversation, text=caption, actor=None, sender="system",
                         document=ContentFile(pdf), filename=f"{sale.number}.pdf")
        except WindowClosedError:
            conversation_add_system_note(conversation_id=conversation.pk, text=_(
                "The receipt of sale %(number)s could not be sent: the 24-hour window is closed. "
                "Send it with a template or when the customer writes again.") % {"number": sale.number})
            return "noted"
    return "sent"


def _customer_language() -> str:
    return settings.LANGUAGE_CODE
