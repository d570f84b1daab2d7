"""PDF quotes and receipts (fpdf2, built-in fonts: no files to ship, Spanish fits in Latin-1)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF

from core.money import format_money
from sales.models import Quote, QuoteLine, Sale, SaleLine

_REPLACEMENTS = {"“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "–": "-", "—": "-", "€": "EUR", "₲": "Gs"}


def _latin1(text: str) -> str:
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def amount(value: Decimal, currency: str) -> str:
    """An amount on a PDF or in the customer's message: "S/ 4,000.00" (``core.money.format_money``)."""
    return format_money(value, currency)


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(_latin1(title))
        self.set_creator("CRM")
        self.add_page()

    def header(self) -> None:
        self.set_font("Helvetica", "B", 16)
        self.cell(0, 9, _latin1(getattr(settings, "BUSINESS_NAME", "") or _("Sales CRM")), new_x="LMARGIN",
                  new_y="NEXT")
        self.set_font("Helvetica", "", 12)
        self.cell(0, 7, _latin1(self.doc_title), new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 6, _latin1(_("Page %(page)s") % {"page": self.page_no()}), align="C")

    def text_line(self, text: str, *, bold: bool = False, size: int = 10) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, 5.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def lines_table(self, lines: Iterable[QuoteLine | SaleLine], currency: str) -> None:
        widths = (86, 16, 30, 22, 36)
        heads = (_("Description"), _("Qty"), _("Unit price"), _("Disc. %"), _("Total"))
        self.ln(2)
        self.set_font("Helvetica", "B", 9)
        self.set_fill_color(233, 236, 239)
        for width, head in zip(widths, heads, strict=True):
            self.cell(width, 7, _latin1(head), border=1, fill=True, align="C")
        self.ln()
        self.set_font("Helvetica", "", 9)
        for line in lines:
            discount = (Decimal("100") - (Decimal("100") - line.product_discount_percent) * (
                Decimal("100") - line.discount_percent) / Decimal("100")).quantize(Decimal("0.01"))
            cells = (
                (line.description[:60], "L"),
                (str(line.quantity), "C"),
                (amount(line.unit_price, currency), "R"),
                (f"{discount.normalize():f}" if discount else "-", "R"),
                (amount(line.line_total, currency), "R"),
            )
            for width, (value, align) in zip(widths, cells, strict=True):
                self.cell(width, 7, _latin1(value), border=1, align=align)
            self.ln()

    def totals(self, rows: list[tuple[str, str]]) -> None:
        self.ln(2)
        for index, (label, value) in enumerate(rows):
            last = index == len(rows) - 1
            self.set_font("Helvetica", "B" if last else "", 11 if last else 10)
            self.cell(154, 7, _latin1(label), align="R")
            self.cell(36, 7, _latin1(value), align="R", new_x="LMARGIN", new_y="NEXT")


def _customer_lines(pdf: _Document, contact: object) -> None:
    name = getattr(contact, "name", "") or "-"
    pdf.text_line(_("Customer: %(name)s") % {"name": name})
    phone = getattr(contact, "phone", "")
    if phone:
        pdf.text_line(_("Phone: %(phone)s") % {"phone": phone})
    document = getattr(contact, "document_number", "")
    if document:
        pdf.text_line(_("ID document: %(number)s") % {"number": document})


def quote_pdf_render(*, quote: Quote) -> bytes:
    pdf = _Document(_("Quote %(number)s") % {"number": quote.number})
    created = timezone.localdate(quote.created_at) if quote.created_at else timezone.localdate()
    pdf.text_line(_("Date: %(date)s") % {"date": date_format(created, "SHORT_DATE_FORMAT")})
    pdf.text_line(_("Valid until: %(date)s") % {"date": date_format(quote.valid_until, "SHORT_DATE_FORMAT")},
                  bold=True)
    _customer_lines(pdf, quote.contact)
    pdf.text_line(_("Advisor: %(name)s") % {"name": str(quote.agent)})
    pdf.lines_table(quote.lines.all(), quote.currency)
    pdf.totals([
        (_("Subtotal"), amount(quote.subtotal, quote.currency)),
        (_("Discount"), amount(-quote.discount_total, quote.currency)),
        (_("Total"), amount(quote.total, quote.currency)),
    ])
    if quote.notes:
        pdf.ln(3)
        pdf.text_line(quote.notes)
    pdf.ln(4)
    pdf.text_line(_("To accept this quote, reply “I accept” in the chat."), size=9)
    return bytes(pdf.output())


def sale_receipt_render(*, sale: Sale) -> bytes:
    pdf = _Document(_("Sale receipt %(number)s") % {"number": sale.number})
    pdf.text_line(_("Date: %(date)s") % {
        "date": date_format(timezone.localtime(sale.sold_at), "SHORT_DATETIME_FORMAT")})
    pdf.text_line(_("Status: %(status)s") % {"status": sale.get_status_display()}, bold=True)
    _customer_lines(pdf, sale.contact)
    pdf.text_line(_("Advisor: %(name)s") % {"name": str(sale.agent)})
    pdf.text_line(_("Type: %(type)s") % {"type": sale.get_sale_type_display()})
    if sale.payment_method:
        pdf.text_line(_("Payment: %(method)s") % {"method": sale.get_payment_method_display()})
    if sale.delivery_address:
        pdf.text_line(_("Delivery: %(address)s") % {"address": sale.delivery_address})
    if sale.quote_id:
        pdf.text_line(_("Quote: %(number)s") % {"number": sale.quote.number})
    pdf.lines_table(sale.lines.all(), sale.currency)
    pdf.totals([(_("Total"), amount(sale.total, sale.currency))])
    pdf.ln(4)
    pdf.text_line(_("Thank you for your purchase."), size=9)
    return bytes(pdf.output())
