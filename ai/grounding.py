"""The price-grounding guard: a generated reply may only state prices that are in the catalog hits.

``prices_in_text`` reads prices the way they are written in Latin American Spanish chats ("S/ 89",
"S/.89.90", "89 soles", "$1.299", "USD 300", "1,299.00", "3 799", "20 lucas", "1,8 palos", "2 millones")
and ignores numbers that are not prices (capacities "256 GB", speeds "200 Mbps", percentages, quantities
"2 equipos", phone and document numbers, years, model numbers "iPhone 15").

A number counts as a price when it has a currency mark before or after it, or when it looks like money
(two decimals, thousands grouping) or follows a price word ("cuesta", "precio", "vale", "pagas") and is
not followed by a unit or a noun. Plain small integers without any of that ("15", "3") are not prices.
The guard errs on the side of "this is a price": a false alarm costs a templated reply, a miss costs an
invented price sent to a customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ai.types import CatalogItem

# Currency marks before the amount. ``None``: the mark does not tell the currency ("$").
_PREFIXES: list[tuple[str, frozenset[str] | None]] = [
    (r"S/\.?", frozenset({"PEN"})),
    (r"(?:US|U)\$[SD]?|U\$S|USD", frozenset({"USD"})),
    (r"PEN", frozenset({"PEN"})),
    (r"CLP\$?|CL\$", frozenset({"CLP"})),
    (r"ARS\$?|AR\$", frozenset({"ARS"})),
    (r"MXN\$?|MX\$", frozenset({"MXN"})),
    (r"COP\$?|CO\$", frozenset({"COP"})),
    (r"EUR|€", frozenset({"EUR"})),
    (r"\$", None),
]
_PESOS = frozenset({"CLP", "ARS", "MXN", "COP"})
# Currency words after the amount (``lucas`` is Chilean slang for thousands of pesos).
_SUFFIXES: list[tuple[str, frozenset[str] | None]] = [
    (r"(?:nuevos\s+)?soles?", frozenset({"PEN"})),
    (r"d[oó]lares?|usd|us\$|d[oó]lar", frozenset({"USD"})),
    (r"pesos?", _PESOS),
    (r"lucas?", frozenset({"CLP", "ARS", "COP"})),
    (r"pen", frozenset({"PEN"})),
    (r"clp", frozenset({"CLP"})),
    (r"ars", frozenset({"ARS"})),
    (r"mxn", frozenset({"MXN"})),
    (r"cop", frozenset({"COP"})),
    (r"euros?|eur|€", frozenset({"EUR"})),
]
_PREFIX_RE = re.compile(r"(?:(?<![A-Za-z])(?:" + "|".join(f"(?P<p{i}>{p})" for i, (p, _) in enumerate(_PREFIXES))
                        + r"))\s?$", re.IGNORECASE)
_SUFFIX_RE = re.compile(r"^\s*(?:" + "|".join(f"(?P<s{i}>{p})" for i, (p, _) in enumerate(_SUFFIXES))
                        + r")(?![A-Za-zÁÉÍÓÚáéíóúñÑ])", re.IGNORECASE)

_SPACE = "[ \u00a0\u202f\u2009]"
# An amount: grouped thousands (1.299 / 1,299 / 3 799) with optional decimals, or plain digits with
# optional decimals. Not glued to letters or other digits on the left ("A15", "x2").
_NUMBER_RE = re.compile(
    r"(?<![\w])(?<!\d[.,])(?<!\d/)(?:\d{1,3}(?:(?P<sep>[.,]|" + _SPACE + r")\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d{1,2})?"
    r"|\d+(?:[.,]\d{1,2})?)(?![\d])"
)
_MULTIPLIER_RE = re.compile(r"^\s+(?:mil|lucas?|millones|mill[oó]n|palos?)(?![A-Za-zÁÉÍÓÚáéíóúñÑ])",
                            re.IGNORECASE)
_MILLIONS = ("mill", "palo")

# Phone and document numbers: "+51 987 654 321", "987 654 321", "01-234-5678", "987654321".
_PHONE_RES = [
    re.compile(r"\+\d[\d \u00a0().-]{6,}\d"),
    re.compile(r"(?<![\w.,$/])\d{2,4}(?:[ \u00a0-]\d{2,4}){2,}(?![\w])"),
    re.compile(r"(?<![\w.,$/])\d{8,}(?![\w.,])"),
]

# After the amount, these words are units or counted things: the number is not a price.
_UNIT_RE = re.compile(
    r"^\s?(?:%|°|º|x\b|\"|''|"
    r"(?:gb|gbs|tb|mb|mbps|gbps|kbps|megas?|gigas?|mp|mpx|megap[ií]xeles|mah|hz|ghz|mhz|w|v|kg|g|gr|ml|l|lt|"
    r"cm|mm|m|km|pulgadas?|pulg|in|k|p|fps|nm|gen|"
    r"meses|d[ií]as?|horas?|hrs?|h|min|mins|minutos?|segundos?|seg|s|a[nñ]os?|semanas?|"
    r"unidades?|unid|und|uds?|cuotas?|l[ií]neas?|equipos?|piezas?|pzas?|sms|chips?|c[aá]maras?|"
    r"personas?|clientes?|usuarios?|dispositivos?|pantallas?|cuadras?|estrellas?|veces|puntos?|"
    r"n[uú]cleos?|colores?|modelos?|opciones?|planes?|productos?|tiendas?|sedes?)"
    r"(?![A-Za-zÁÉÍÓÚáéíóúñÑ]))",
    re.IGNORECASE,
)
# After the amount, these words keep it a price candidate (anything else alphabetic makes it a count).
_NEUTRAL_FOLLOWERS = {
    "a", "al", "de", "del", "en", "con", "y", "e", "o", "u", "por", "para", "el", "la", "los", "las", "lo",
    "que", "mensual", "mensuales", "mes", "cada", "c", "incluido", "incluye", "inc", "igv", "iva", "final",
    "total", "contado", "efectivo", "solo", "sólo", "nada", "más", "mas", "menos", "aprox", "aproximadamente",
    "ahora", "antes", "hoy", "nomás", "nomas", "no", "si", "sí", "pero", "ya", "es", "son", "te", "le",
}
_FOLLOW_WORD_RE = re.compile(r"^\s?([A-Za-zÁÉÍÓÚáéíóúñÑ]+)")
# Before the amount: a price word, optionally followed by filler ("el precio es de 89", "cuesta solo 89").
_CUE_RE = re.compile(
    r"(?:precios?|cuesta|cuestan|costar[ií]a|vale|valen|sale|salen|saldr[ií]a|pagas|pagar[ií]as|pagar|paga|"
    r"pago|costo|coste|cuotas?|total|monto|importe|inversi[oó]n|por\s+solo|por\s+s[oó]lo|por\s+apenas|"
    r"a\s+solo|a\s+s[oó]lo|a\s+tan\s+solo|por\s+tan\s+solo|te\s+lo\s+dejo\s+a|te\s+la\s+dejo\s+a)"
    r"(?:\s*(?:es|de|del|son|ser[ií]a|final|total|regular|normal|especial|solo|s[oó]lo|apenas|tan|un|una|"
    r"mensual|al\s+mes|de\s+solo))*\s*[:=]?\s*$",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")


@dataclass(frozen=True)
class PriceMention:
    amount: Decimal
    currencies: frozenset[str] | None  # None: the text does not say which currency
    start: int
    end: int


def parse_amount(raw: str) -> Decimal | None:
    """ "1.299" -> 1299, "1,299.00" -> 1299.00, "89,90" -> 89.90, "3 799" -> 3799, "1.299,50" -> 1299.50."""
    s = re.sub(_SPACE, "", raw.strip())
    if not s:
        return None
    dot, comma = s.rfind("."), s.rfind(",")
    last = max(dot, comma)
    if last == -1:
        digits = s
    elif dot != -1 and comma != -1:  # both: the last one is the decimal mark
        digits = re.sub(r"[.,]", "", s[:last]) + "." + s[last + 1:]
    else:
        sep = s[last]
        parts = s.split(sep)
        # 1.299 / 1.299.000 are thousands; 89.90 / 89,9 are decimals
        digits = "".join(parts) if len(parts) > 2 or len(parts[-1]) == 3 else parts[0] + "." + parts[1]
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _mask_phones(text: str) -> str:
    for pattern in _PHONE_RES:
        text = pattern.sub(
            lambda m: m.group(0) if _PREFIX_RE.search(m.string[:m.start()][-8:]) else "#" * len(m.group(0)), text
        )
    return text


def _prefix_currency(before: str) -> tuple[bool, frozenset[str] | None]:
    match = _PREFIX_RE.search(before[-8:])
    if not match:
        return False, None
    for i, (_, currencies) in enumerate(_PREFIXES):
        if match.group(f"p{i}"):
            return True, currencies
    return True, None  # pragma: no cover


def _suffix_currency(after: str) -> tuple[bool, frozenset[str] | None]:
    match = _SUFFIX_RE.match(after)
    if not match:
        return False, None
    for i, (_, currencies) in enumerate(_SUFFIXES):
        if match.group(f"s{i}"):
            return True, currencies
    return True, None  # pragma: no cover


def _classify(text: str, start: int, end: int) -> PriceMention | None:
    raw = text[start:end]
    amount = parse_amount(raw)
    if amount is None:
        return None
    before, after = text[:start], text[end:]
    # Space-grouped "15 128 GB" or "S/ 49 200 Mbps": the last group belongs to the unit.
    if _UNIT_RE.match(after) and re.search(_SPACE, raw):
        return _classify(text, start, start + re.search(_SPACE + r"\d{3}$", raw).start())
    multiplier = _MULTIPLIER_RE.match(after)
    tail = after
    if multiplier:
        word = multiplier.group(0).strip().lower()
        amount *= 1_000_000 if word.startswith(_MILLIONS) else 1000
        tail = after[multiplier.end():]
        if word.startswith("luca"):
            return PriceMention(amount, frozenset({"CLP", "ARS", "COP"}), start, end + multiplier.end())
    has_prefix, prefix_currencies = _prefix_currency(before)
    has_suffix, suffix_currencies = _suffix_currency(tail)
    if has_prefix or has_suffix:
        currencies = prefix_currencies if prefix_currencies is not None else suffix_currencies
        return PriceMention(amount, currencies, start, end)
    if _UNIT_RE.match(tail):
        return None
    follower = _FOLLOW_WORD_RE.match(tail)
    if follower and follower.group(1).lower() not in _NEUTRAL_FOLLOWERS:
        return None  # "3 cuadras", "1.000 clientes": a count of something

    if _CUE_RE.search(before[-40:]):
        return PriceMention(amount, None, start, end)
    if _YEAR_RE.match(raw):
        return None
    has_decimals = re.search(r"[.,]\d{2}$", raw) is not None
    is_grouped = re.search(r"\d[.," + _SPACE[1:-1] + r"]\d{3}(?:$|[.,])", raw) is not None
    if has_decimals or is_grouped or multiplier:
        return PriceMention(amount, None, start, end)
    return None


def price_mentions(text: str) -> list[PriceMention]:
    """Every price stated in ``text``, in order, with the currencies its marks allow."""
    masked = _mask_phones(text or "")
    mentions = []
    for match in _NUMBER_RE.finditer(masked):
        mention = _classify(masked, match.start(), match.end())
        if mention is not None:
            mentions.append(mention)
    return mentions


def prices_in_text(text: str) -> list[Decimal]:
    """The amounts of every price stated in ``text``, in order of appearance."""
    return [mention.amount for mention in price_mentions(text)]


def as_decimal(value: Any) -> Decimal | None:
    """A catalog amount as Decimal: Decimal, int, float, or text read like a price ("1.299" -> 1299)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        return parse_amount(value)
    return None


def allowed_prices(item: CatalogItem) -> list[Decimal]:
    """The prices a reply may state for ``item``: price, final price after discount, wholesale price."""
    candidates = [item.price, item.wholesale_price, item.attributes.get("final_price")]
    return [amount for amount in (as_decimal(c) for c in candidates) if amount is not None]


def ungrounded_prices(text: str, catalog: list[CatalogItem], *, tolerance: Decimal = Decimal("0.01")
                      ) -> list[Decimal]:
    """The prices in ``text`` that match no catalog price (within ``tolerance``, in a compatible currency)."""
    # Product names are catalog truth, and may hold numbers that look like prices ("Plan Max 69.90").
    for name in sorted({item.name for item in catalog if item.name}, key=len, reverse=True):
        text = re.sub(re.escape(name), lambda m: "■" * len(m.group(0)), text or "", flags=re.IGNORECASE)
    wrong = []
    for mention in price_mentions(text):
        if not any(
            abs(mention.amount - allowed) <= tolerance
            for item in catalog
            if mention.currencies is None or not item.currency or item.currency.upper() in mention.currencies
            for allowed in allowed_prices(item)
        ):
            wrong.append(mention.amount)
    return wrong


def reply_is_grounded(text: str, catalog: list[CatalogItem], *, tolerance: Decimal = Decimal("0.01")) -> bool:
    """True when every price in ``text`` is a price of some catalog item (no prices at all is grounded)."""
    return not ungrounded_prices(text, catalog, tolerance=tolerance)
