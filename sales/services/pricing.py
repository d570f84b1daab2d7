"""Prices of quote and sale lines: catalog or wholesale price, catalog discount, the agent's discount.

``line_total = quantity × unit_price × (1 − catalog %) × (1 − line %)``, rounded half up to cents.
The catalog discount is the product's own (set in the catalog, not limited); the line discount is the
one the person quoting gives and must be within their role's ``DiscountLimit``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditKind, User
from core.errors import ApplicationError
from leads.models import Contact, CustomerType
from operators.models import Product
from sales.models import DiscountLimit

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


class DiscountTooHighError(ApplicationError):
    code = "discount_too_high"


class InvalidLinesError(ApplicationError):
    code = "invalid_lines"


def percent_text(value: Decimal) -> str:
    """``Decimal("10.00")`` -> ``"10"``, ``Decimal("12.50")`` -> ``"12.5"``."""
    return f"{value.normalize():f}"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def discount_limit_for(user: User) -> Decimal:
    """The extra discount ``user`` may give; a role without a row may give none (superusers: any)."""
    if user.is_superuser:
        return HUNDRED
    row = DiscountLimit.objects.filter(role=user.role).values_list("max_percent", flat=True).first()
    return row if row is not None else Decimal("0")


@dataclass(frozen=True)
class PricedLine:
    product: Product | None
    description: str
    quantity: int
    unit_price: Decimal
    product_discount_percent: Decimal
    discount_percent: Decimal
    line_total: Decimal

    @property
    def gross(self) -> Decimal:
        return money(self.unit_price * self.quantity)

    def as_fields(self) -> dict[str, Any]:
        return {
            "product": self.product, "description": self.description, "quantity": self.quantity,
            "unit_price": self.unit_price, "product_discount_percent": self.product_discount_percent,
            "discount_percent": self.discount_percent, "line_total": self.line_total,
        }


@dataclass(frozen=True)
class Totals:
    currency: str
    subtotal: Decimal
    discount_total: Decimal
    total: Decimal


def _decimal(value: Any, *, field: str) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else "0"))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidLinesError(_("“%(value)s” is not a valid %(field)s.") % {"value": value, "field": field}) from exc
    if not number.is_finite():
        raise InvalidLinesError(_("“%(value)s” is not a valid %(field)s.") % {"value": value, "field": field})
    return number


def _quantity(value: Any) -> int:
    try:
        quantity = int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidLinesError(_("The quantity must be a whole number.")) from exc
    if quantity < 1 or quantity > 10_000:
        raise InvalidLinesError(_("The quantity must be between 1 and 10000."))
    return quantity


def unit_price_for(*, product: Product, contact: Contact) -> tuple[Decimal, Decimal]:
    """(unit price, catalog discount %) for ``contact``: wholesale customers pay the wholesale price."""
    if contact.customer_type == CustomerType.WHOLESALE and product.wholesale_price is not None:
        return product.wholesale_price, Decimal("0")
    return product.price, product.discount_percent


def line_price(
    *, actor: User, contact: Contact, product: Product, quantity: Any, discount_percent: Any = 0,
    limit: Decimal | None = None,
) -> PricedLine:
    """Price one line of ``product``; refuses a line discount above the actor's limit."""
    if not product.is_active:
        raise InvalidLinesError(_("“%(product)s” is no longer sold.") % {"product": product.name})
    quantity = _quantity(quantity)
    discount = _decimal(discount_percent, field=_("discount")).quantize(CENT)
    if discount < 0 or discount > HUNDRED:
        raise InvalidLinesError(_("A discount must be between 0 and 100%."))
    limit = discount_limit_for(actor) if limit is None else limit
    if discount > limit:
        raise DiscountTooHighError(
            _("The discount of %(discount)s%% on “%(product)s” is above your limit of %(limit)s%%; "
              "ask a supervisor to approve it.")
            % {"discount": percent_text(discount), "product": product.name, "limit": percent_text(limit)},
            extra={"product": product.pk, "limit": str(limit)},
        )
    unit_price, product_discount = unit_price_for(product=product, contact=contact)
    factor = (HUNDRED - product_discount) * (HUNDRED - discount) / (HUNDRED * HUNDRED)
    return PricedLine(
        product=product,
        description=product.name[:255],
        quantity=quantity,
        unit_price=unit_price,
        product_discount_percent=product_discount,
        discount_percent=discount,
        line_total=money(unit_price * quantity * factor),
    )


def lines_price(*, actor: User, contact: Contact, lines: Iterable[dict[str, Any]]) -> list[PricedLine]:
    """Price each ``{"product": Product | id, "quantity": n, "discount_percent": x}``."""
    raw = list(lines)
    if not raw:
        raise InvalidLinesError(_("Add at least one product."))
    ids = [line["product"] if isinstance(line.get("product"), int) else None for line in raw]
    products = Product.objects.in_bulk([i for i in ids if i is not None])
    limit = discount_limit_for(actor)
    priced = []
    for line in raw:
        product = line.get("product")
        if isinstance(product, int):
            product = products.get(product)
        if not isinstance(product, Product):
            raise InvalidLinesError(_("One of the products does not exist."))
        priced.append(line_price(actor=actor, contact=contact, product=product, quantity=line.get("quantity", 1),
                                 discount_percent=line.get("discount_percent", 0), limit=limit))
    return priced


def lines_totals(lines: Sequence[PricedLine]) -> Totals:
    currencies = {line.product.currency for line in lines if line.product is not None}
    if len(currencies) > 1:
        raise InvalidLinesError(_("All the products of a quote must be in the same currency."))
    subtotal = sum((line.gross for line in lines), Decimal("0"))
    total = sum((line.line_total for line in lines), Decimal("0"))
    return Totals(
        currency=currencies.pop() if currencies else settings.DEFAULT_CURRENCY,
        subtotal=money(subtotal),
        discount_total=money(subtotal - total),
        total=money(total),
    )


def discount_audit(*, actor: User, obj: Any, lines: Sequence[PricedLine]) -> None:
    """Record the discount ``actor`` gave on the lines of a new quote or sale (``obj``), if they gave one."""
    given = [line.discount_percent for line in lines if line.discount_percent > 0]
    if not given:
        return
    totals = lines_totals(lines)
    audit_record(actor=actor, action=AuditKind.DISCOUNT, obj=obj, data={
        "max_percent": str(max(given)), "lines": len(given), "limit_percent": str(discount_limit_for(actor)),
        "discount_total": str(totals.discount_total), "total": str(totals.total), "currency": totals.currency,
    })
