"""Quotes: priced from the catalog, sent as a PDF in the chat, accepted by the agent or the customer.

A customer accepts with a short "sí" (``sí, lo quiero``, ``acepto``, ``dale``…) or the button payload
``quote_accept:<id>`` on a conversation with exactly one pending quote already sent; the inbound hook
calls ``quote_accept_from_message`` for every new customer message, so it must be cheap and idempotent.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from conversations.models import Conversation, Message
from conversations.services.inbox import conversation_add_system_note, message_mark_handled
from conversations.services.outbound import WindowClosedError, message_send
from core import events
from core.errors import ApplicationError
from core.text import tokens
from leads.models import Contact, LeadStatus
from leads.services import lead_advance
from notifications.services import notification_create
from sales.models import Quote, QuoteLine, Sale, SaleType
from sales.services.documents import amount, quote_pdf_render
from sales.services.numbering import number_assign, provisional_number
from sales.services.pricing import discount_audit, lines_price, lines_totals
from sales.services.roles import check_can_sell
from sales.services.sales import lead_for, sale_created_audit, sale_from_quote

logger = logging.getLogger(__name__)

DEFAULT_VALID_DAYS = 7
ACCEPT_PAYLOAD = re.compile(r"^quote_accept:(\d+)$")
# A short reply made only of these words, with at least one of the first set, accepts the quote.
AFFIRMATIVE_WORDS = frozenset({
    "si", "sii", "siii", "sip", "acepto", "aceptamos", "dale", "ok", "okey", "okay", "confirmo", "confirmado",
    "listo", "claro", "perfecto", "quiero", "queremos", "va", "vale", "adelante", "hecho", "trato", "genial",
    "compro", "tomo",
})
FILLER_WORDS = frozenset({
    "lo", "la", "los", "las", "me", "nos", "interesa", "por", "favor", "gracias", "muchas", "entonces", "yo",
    "de", "acuerdo", "ya", "bueno", "bien", "esta", "todo", "super", "porfa", "pues", "asi", "mismo", "eso",
    "senor", "senorita", "amigo", "amiga", "muy", "que", "sea", "hagamoslo", "cotizacion", "oferta", "plan",
    "el", "un", "una", "con", "ese", "esa", "mi", "vamos",
})
MAX_WORDS = 8


class QuoteStateError(ApplicationError):
    code = "invalid_quote_state"


class QuoteExpiredError(ApplicationError):
    code = "quote_expired"


@dataclass(frozen=True)
class RemindResult:
    messages: int = 0
    notes: int = 0


def is_affirmative(text: str) -> bool:
    """A short yes in Spanish: "sí, lo quiero", "acepto", "dale 👍" — not a question, not a "no"."""
    if not text or "?" in text or len(text) > 80:
        return False
    words = tokens(text)
    if not words or len(words) > MAX_WORDS:
        return False
    if not any(word in AFFIRMATIVE_WORDS for word in words):
        return False
    return all(word in AFFIRMATIVE_WORDS or word in FILLER_WORDS for word in words)


def _conversation_for(contact: Contact, conversation: Conversation | None) -> Conversation | None:
    if conversation is not None:
        return conversation
    return contact.conversations.select_related("channel_account").order_by("-last_inbound_at", "-pk").first()


@transaction.atomic
def quote_create(
    *,
    actor: User,
    contact: Contact,
    lines: list[dict[str, Any]],
    conversation: Conversation | None = None,
    valid_days: int = DEFAULT_VALID_DAYS,
    notes: str = "",
    sale_type: str = "",
) -> Quote:
    """Price ``lines`` from the catalog for ``contact`` and store a pending quote; the lead becomes quoted."""
    check_can_sell(actor)
    if conversation is not None and conversation.contact_id != contact.pk:
        raise ApplicationError(_("The conversation is not with this customer."), code="wrong_conversation")
    if not 1 <= int(valid_days) <= 90:
        raise ApplicationError(_("A quote is valid between 1 and 90 days."), code="invalid_valid_days")
    if sale_type and sale_type not in SaleType.values:
        raise ApplicationError(_("Unknown sale type “%(type)s”.") % {"type": sale_type}, code="invalid_sale_type")
    priced = lines_price(actor=actor, contact=contact, lines=lines)
    totals = lines_totals(priced)
    lead = lead_for(contact=contact, conversation=conversation)
    quote = Quote.objects.create(
        number=provisional_number(), contact=contact, conversation=conversation, lead=lead, agent=actor,
        sale_type=sale_type, currency=totals.currency, subtotal=totals.subtotal,
        discount_total=totals.discount_total, total=totals.total,
        valid_until=timezone.localdate() + timedelta(days=int(valid_days)), notes=notes.strip(),
    )
    number_assign(quote, "COT")
    QuoteLine.objects.bulk_create([QuoteLine(quote=quote, **line.as_fields()) for line in priced])
    lead_advance(lead_id=quote.lead_id, status=LeadStatus.QUOTED)
    discount_audit(actor=actor, obj=quote, lines=priced)
    return quote


def _check_pending(quote: Quote, *, today: date | None = None) -> None:
    if quote.status != Quote.Status.PENDING:
        raise QuoteStateError(
            _("Quote %(number)s is %(status)s.") % {"number": quote.number, "status": quote.get_status_display()}
        )
    if quote.valid_until < (today or timezone.localdate()):
        raise QuoteExpiredError(_("Quote %(number)s expired on %(date)s.") % {
            "number": quote.number, "date": date_format(quote.valid_until, "SHORT_DATE_FORMAT")})


def quote_pdf_store(*, quote: Quote) -> bytes:
    """Render the quote in the customers' language and keep the latest copy on the quote."""
    with translation.override(settings.LANGUAGE_CODE):
        pdf = quote_pdf_render(quote=quote)
    quote.pdf.save(f"{quote.number}-{secrets.token_hex(8)}.pdf", ContentFile(pdf), save=False)
    Quote.objects.filter(pk=quote.pk).update(pdf=quote.pdf.name)
    return pdf


@transaction.atomic
def quote_send(*, actor: User, quote: Quote, conversation: Conversation | None = None) -> Message:
    """Send the quote's PDF to the customer as a document in the chat (the send runs after commit)."""
    check_can_sell(actor)
    quote = Quote.objects.select_for_update(of=("self",)).select_related("contact", "agent").get(pk=quote.pk)
    _check_pending(quote)
    conversation = _conversation_for(quote.contact, conversation or quote.conversation)
    if conversation is None or conversation.contact_id != quote.contact_id:
        raise ApplicationError(_("The customer has no conversation to send the quote to."),
                               code="no_conversation")
    pdf = quote_pdf_store(quote=quote)
    with translation.override(settings.LANGUAGE_CODE):
        caption = _("Here is your quote %(number)s for %(total)s, valid until %(date)s. "
                    "Reply “I accept” to confirm it.") % {
            "number": quote.number, "total": amount(quote.total, quote.currency),
            "date": date_format(quote.valid_until, "SHORT_DATE_FORMAT")}
    message = message_send(conversation=conversation, text=caption, actor=actor,
                           document=ContentFile(pdf), filename=f"{quote.number}.pdf")
    quote.sent_at = timezone.now()
    quote.conversation = conversation
    quote.save(update_fields=["sent_at", "conversation", "updated_at"])
    return message


@transaction.atomic
def quote_accept(
    *, quote: Quote, actor: User | None = None, message: Message | None = None,
    sale_fields: dict[str, Any] | None = None,
) -> Sale:
    """Accept ``quote`` (by ``actor``, or by the customer's ``message``) and create its sale.

    Accepting an already accepted quote returns its sale (a redelivered message is harmless).
    """
    if actor is not None:
        check_can_sell(actor)
    quote = (
        Quote.objects.select_for_update(of=("self",)).select_related("contact", "agent", "conversation")
        .get(pk=quote.pk)
    )
    if quote.status == Quote.Status.ACCEPTED:
        existing = Sale.objects.filter(quote=quote).first()
        if existing is not None:
            return existing
    _check_pending(quote)
    quote.status = Quote.Status.ACCEPTED
    quote.accepted_at = timezone.now()
    if message is not None and quote.conversation_id is None:
        quote.conversation = message.conversation
    quote.save(update_fields=["status", "accepted_at", "conversation", "updated_at"])
    sale = sale_from_quote(quote=quote, **{k: v for k, v in (sale_fields or {}).items() if v not in (None, "")})
    sale_created_audit(actor=actor, sale=sale, by_customer=message is not None)
    if actor is None or actor.pk != quote.agent_id:
        notification_create(
            user=quote.agent, kind="quote.accepted",
            title=_("Quote %(quote)s accepted by %(contact)s") % {"quote": quote.number, "contact": quote.contact.name},
            body=_("Sale %(sale)s is waiting for validation.") % {"sale": sale.number},
            url=reverse("sales:quote", args=[quote.pk]), dedupe_key=f"quote:{quote.pk}",
        )
    if message is not None:
        _confirm_to_customer(quote=quote, sale=sale, conversation=message.conversation)
        # Answered here: the assistant must not answer the same message again (see message_assist).
        message_mark_handled(message=message, by="quote_accepted")
    return sale


def _confirm_to_customer(*, quote: Quote, sale: Sale, conversation: Conversation) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Thank you! We registered your order %(sale)s for quote %(quote)s. An advisor will confirm "
                 "the details with you shortly.") % {"sale": sale.number, "quote": quote.number}
    try:
        message_send(conversation=conversation, text=text, actor=None, sender=Message.Sender.SYSTEM)
    except WindowClosedError:  # the customer just wrote, so only a clock jump gets here
        logger.info("quote %s accepted but the window is closed; no confirmation sent", quote.pk)


def _quote_for_message(message: Message) -> Quote | None:
    match = ACCEPT_PAYLOAD.match(message.interactive_id or "")
    pending = Quote.objects.filter(status=Quote.Status.PENDING, contact_id=message.conversation.contact_id)
    if match:
        return pending.filter(pk=int(match.group(1))).first()
    if not is_affirmative(message.text):
        return None
    candidates = list(
        pending.filter(conversation_id=message.conversation_id, sent_at__isnull=False,
                       sent_at__lte=message.created_at)[:2]
    )
    return candidates[0] if len(candidates) == 1 else None


def quote_accept_from_message(*, message_id: int, said: tuple[str, str] | None = None) -> Sale | None:
    """Called for each new customer message: accept the quote it says yes to, if exactly one is waiting.

    ``said`` is the message's (text, interactive id) when the caller has them: most messages are no
    "yes" and stop here without a read.
    """
    inbound = Message.objects.filter(pk=message_id, direction=Message.Direction.IN, is_echo=False)
    if said is None:
        row = inbound.values_list("text", "interactive_id").first()  # a narrow read
        if row is None:
            return None
        said = row
    text, interactive_id = said
    if not (ACCEPT_PAYLOAD.match(interactive_id or "") or is_affirmative(text or "")):
        return None
    message = inbound.select_related("conversation").first()
    if message is None:
        return None
    quote = _quote_for_message(message)
    if quote is None:
        return None
    try:
        return quote_accept(quote=quote, message=message)
    except ApplicationError as exc:
        logger.info("message %s did not accept quote %s: %s", message_id, quote.pk, exc.code)
        return None


@transaction.atomic
def quote_reject(*, quote: Quote, actor: User | None = None, reason: str = "") -> Quote:
    if actor is not None:
        check_can_sell(actor)
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status != Quote.Status.PENDING:
        raise QuoteStateError(
            _("Quote %(number)s is %(status)s.") % {"number": quote.number, "status": quote.get_status_display()}
        )
    quote.status = Quote.Status.REJECTED
    quote.rejected_at = timezone.now()
    if reason.strip():
        quote.notes = f"{quote.notes}\n{reason.strip()}".strip()
    quote.save(update_fields=["status", "rejected_at", "notes", "updated_at"])
    return quote


def quotes_expire(*, today: date | None = None) -> int:
    """Pending quotes past their last valid day become expired (one conditional UPDATE); each announces
    ``quote.expired``."""
    today = today or timezone.localdate()
    with transaction.atomic():
        ids = list(Quote.objects.select_for_update(skip_locked=True)
                   .filter(status=Quote.Status.PENDING, valid_until__lt=today).values_list("pk", flat=True))
        done = Quote.objects.filter(pk__in=ids, status=Quote.Status.PENDING).update(
            status=Quote.Status.EXPIRED, updated_at=timezone.now()
        )
        for quote_id in ids:
            events.emit("quote.expired", quote_id=quote_id)  # automations react (after the commit)
    return done


def quotes_remind(*, now: datetime | None = None) -> RemindResult:
    """The day before a sent quote expires: one reminder in the chat, or a note when the window is shut."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    ids = list(
        Quote.objects.filter(status=Quote.Status.PENDING, valid_until=tomorrow, sent_at__isnull=False,
                             reminded_at__isnull=True).values_list("pk", flat=True)
    )
    sent = noted = 0
    for quote_id in ids:
        outcome = quote_remind(quote_id=quote_id, now=now)
        sent += outcome == "message"
        noted += outcome == "note"
    return RemindResult(messages=sent, notes=noted)


@transaction.atomic
def quote_remind(*, quote_id: int, now: datetime | None = None) -> str:
    now = now or timezone.now()
    quote = (
        Quote.objects.select_for_update(skip_locked=True)
        .filter(pk=quote_id, status=Quote.Status.PENDING, reminded_at__isnull=True)
        .first()
    )
    if quote is None:
        return "skipped"
    quote.reminded_at = now
    quote.save(update_fields=["reminded_at", "updated_at"])
    conversation = quote.conversation
    if conversation is None:
        return "skipped"
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Hello! Your quote %(number)s for %(total)s is valid until tomorrow, %(date)s. "
                 "Reply “I accept” to confirm it.") % {
            "number": quote.number, "total": amount(quote.total, quote.currency),
            "date": date_format(quote.valid_until, "SHORT_DATE_FORMAT")}
        note = _("Quote %(number)s expires tomorrow and the 24-hour window is closed: follow up with a "
                 "template.") % {"number": quote.number}
    if conversation.window_open(now):
        try:
            message_send(conversation=conversation, text=text, actor=None, sender=Message.Sender.SYSTEM)
            return "message"
        except WindowClosedError:
            pass
    conversation_add_system_note(conversation_id=conversation.pk, text=note)
    return "note"


def quote_lines_preview(*, actor: User, contact: Contact, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals of lines without storing anything (the live total of the quote form)."""
    priced = lines_price(actor=actor, contact=contact, lines=lines)
    totals = lines_totals(priced)
    return {"lines": priced, "totals": totals}

