"""Money as the business's customers read it: the currency's symbol and its country's separators.

``format_money`` is the one way an amount becomes text: pages (the ``money`` template filter in
``core/templatetags/money.py``), PDFs, customer messages (the AI's replies, quotes, receipts,
reminders, product cards), the back office and JSON fields meant for display. Amounts are never
written through Django's number localisation: ``LANGUAGE_CODE`` ``es`` is Spain's ``1.234,56``
(with a non-breaking space as thousands separator), while a Peruvian shop writes ``S/ 1,234.56`` and
a Chilean one ``$1.235``. The currency says which: each has the symbol, separators and decimals of
the country that uses it. Exports keep amounts as numbers (``core.admin_tools.excel_row``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class MoneyStyle:
    symbol: str  # written before the amount, with its space if it takes one
    thousands: str
    decimal_mark: str
    places: int


MONEY_STYLES: dict[str, MoneyStyle] = {
    "PEN": MoneyStyle("S/ ", ",", ".", 2),  # Peru: S/ 4,000.00
    "USD": MoneyStyle("US$ ", ",", ".", 2),
    "CLP": MoneyStyle("$", ".", ",", 0),  # Chile: $12.990, no cents
    "ARS": MoneyStyle("$", ".", ",", 2),  # Argentina: $1.299,50
    "MXN": MoneyStyle("$", ",", ".", 2),  # Mexico: $4,599.00
    "COP": MoneyStyle("$", ".", ",", 0),  # Colombia: $189.000
    "BOB": MoneyStyle("Bs ", ".", ",", 2),  # Bolivia
    "UYU": MoneyStyle("$ ", ".", ",", 2),  # Uruguay
    "PYG": MoneyStyle("₲ ", ".", ",", 0),  # Paraguay
    "EUR": MoneyStyle("€ ", ".", ",", 2),
}


def money_style(currency: str) -> MoneyStyle:
    """The style of ``currency`` (ISO 4217); an unknown code is written before the amount, ``1,234.56``."""
    code = (currency or "").upper()
    return MONEY_STYLES.get(code) or MoneyStyle(f"{code} " if code else "", ",", ".", 2)


def format_money(amount: Decimal | int | float | str, currency: str | None = None) -> str:
    """``amount`` in ``currency`` (the business's ``DEFAULT_CURRENCY`` when None) as people read it.

    "S/ 4,000.00" (PEN), "US$ 89.00", "$12.990" (CLP), "$1.299,50" (ARS), "$4,599.00" (MXN),
    "$189.000" (COP); negative amounts lead with the sign ("-S/ 25.00"). Rounds half up.
    Raises ``ValueError`` when ``amount`` is not a number.
    """
    code = settings.DEFAULT_CURRENCY if currency is None else currency
    style = money_style(code)
    try:
        value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
        if not value.is_finite():
            raise InvalidOperation
        value = value.quantize(Decimal(1).scaleb(-style.places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,.{style.places}f}"  # "1,299.00" / "12,990"
    if (style.thousands, style.decimal_mark) != (",", "."):
        text = text.replace(",", "\0").replace(".", style.decimal_mark).replace("\0", style.thousands)
    return f"{sign}{style.symbol}{text}"


def format_money_or_empty(amount: Any, currency: str | None = None) -> str:
    """``format_money``, or "" for a missing amount (None, "") or one that is not a number."""
    if amount is None or amount == "":
        return ""
    try:
        return format_money(amount, currency)
    except ValueError:
        return ""
