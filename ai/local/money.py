"""Budgets as customers write them: "S/ 80", "s/.80", "$2000", "2 mil", "2k", "1.500", "mil quinientos",
"USD 300", "300 dólares", "$ 1.200.000", "20 mil pesos", "hasta 100 lucas".

Currency, decided from the words (``country`` is the hint the analyzer found, "" when none):

* ``S/``, ``soles``, ``sol``, ``PEN`` -> PEN; ``USD``, ``US$``, ``dólares`` -> USD; ``MXN``/``CLP``/... as written.
* ``pesos`` and a bare ``$`` -> the currency of the hinted country (CL, AR, MX, CO); with a Peruvian hint a
  bare ``$`` is USD (Peruvians write ``$`` for dollars); with no hint ``""``, except that a ``$`` amount of
  100.000 or more written with dots is taken as CLP (the CRM's largest peso market).
* ``lucas``: slang for a thousand pesos in Chile and Argentina -> x1000, ARS with an Argentine hint, else
  CLP. In Peru a "luca" is one sol, so with a Peruvian hint ``10 lucas`` is 10 PEN.
* ``palos`` (a million, AR/CL/CO) -> x1,000,000 in the hinted currency; "un palo y medio" is 1,500,000,
  "medio palo" 500,000 (the same for "millón" and "luca"). ``mangos`` (AR) -> ARS.
* A bare number is a budget only after a cue ("presupuesto", "hasta", "máximo", "no más de", "tengo S/")
  or said as a limit ("solo tengo 90", "90 máximo", "tengo 90 nomás"), and then takes the hinted currency
  or "". A number grouped in thousands ("1.800.000") is one after "tengo", "cuento con", "dispongo de" too.

Digits: a group of three after a mark is thousands ("1.800.000", "1,800", "1.500"), one or two digits
are decimals ("39.90", "39,90", "1,8 palos"); with both marks the last one is the decimal mark
("1.800,50" in AR/CL/CO, "1,800.50" in MX/PE). Before a multiplier ("1,500 palos") three digits after
the country's decimal mark (the comma in AR/CL/CO, the dot in MX/PE) are decimals.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ai.types import Money

_NUM = r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_UNITS = {
    "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15, "dieciseis": 16,
    "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20, "veintiun": 21, "veintiuno": 21,
    "veintidos": 22, "veintitres": 23, "veinticuatro": 24, "veinticinco": 25, "treinta": 30, "cuarenta": 40,
    "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90, "cien": 100, "ciento": 100,
    "doscientos": 200, "trescientos": 300, "cuatrocientos": 400, "quinientos": 500, "seiscientos": 600,
    "setecientos": 700, "ochocientos": 800, "novecientos": 900,
}
_NUMBER_WORDS = "|".join(sorted(_UNITS, key=len, reverse=True))
_WORDS = rf"(?:(?:{_NUMBER_WORDS}|mil|millones|millon|y)\s+)*(?:{_NUMBER_WORDS}|mil)"
_CURRENCY_BEFORE = r"us\$|u\$s|usd|s/\.?|\$|clp|ars|mxn|cop|pen"
_MULT = r"mil|k|lucas|luca|lukas|luquitas|millones|millon|palos|palo"
_CURRENCY_AFTER = (r"soles|sol|dolares|dolar|usd|pesos|peso|lucas|luca|lukas|luquitas|mangos|palos|palo|mxn|clp"
                   r"|ars|cop|pen")
_HALF = r"(?:\s+y\s+medi[oa])"
_BEFORE = re.compile(rf"(?<![a-z0-9])(?P<cur>{_CURRENCY_BEFORE})\s*(?P<num>{_NUM})(?:\s*(?P<mult>{_MULT})\b"
                     rf"(?P<half>{_HALF})?)?")
_AFTER = re.compile(
    rf"(?<![a-z0-9$/.,])(?P<num>{_NUM}|{_WORDS}|medi[oa])\s*(?:(?P<mult>{_MULT})(?P<half>{_HALF})?"
    rf"(?:\s+(?P<rest>\d{{3}})(?![\d.,]))?\s*)?(?:de\s+)?"
    rf"(?P<cur>{_CURRENCY_AFTER})?(?P<curhalf>{_HALF})?(?![a-z0-9])"
)
# "tengo 1.800.000": an amount grouped in thousands after a word of having or paying.
_HAVE = re.compile(r"(?:tengo|tendria|cuento con|dispongo de|llego a|puedo poner|junte|ahorre)\s+(?:como\s+|unos\s+)?"
                   r"(?P<num>\d{1,3}(?:[.,]\d{3})+)(?![\d.,]*\d)(?!\s*(?:gb|gigas?|megas?|mb|mbps|lineas?|%))")
# "solo tengo 90", "tengo 90 nomás", "90 máximo": a bare amount said as a limit (and nothing else after it).
_LIMIT = re.compile(
    rf"(?:(?:tengo|tendria|cuento con)\s+(?:como\s+|unos\s+|solo\s+|nomas\s+)?(?P<have>{_NUM})"
    r"(?=\s*(?:$|[.,;:!?)]|nomas|nada mas|no mas|maximo|mensual|al mes|para|pa\b|y\b|pero\b))"
    rf"|(?<![\d.,])(?P<limit>{_NUM})\s*(?:como\s+)?(?:maximo|max|nomas|nada mas|no mas|de tope|como tope)\b)"
)
_DECIMAL_MARK = {"AR": ",", "CL": ",", "CO": ",", "MX": ".", "PE": "."}
_CUE = re.compile(
    r"(?:presupuesto|hasta|maximo|max|tope|dejas en|deja en|dejamelo en|dejarias en|no mas de|menos de"
    r"|no mayor a|pagar|gastar|alrededor de|unos|como)"
    rf"\s*(?:de\s+|es\s+|:\s*|unos\s+|los\s+)?(?P<num>{_NUM}|{_WORDS})(?:\s*(?P<mult>mil|k)\b)?"
    rf"(?!\s*(?:gb|gigas?|megas?|mb|mbps|lineas?|meses|mes|dias|horas|anos|equipos|unidades|cuotas|%))"
    rf"(?![a-z0-9])"
)
_MULTIPLIERS = {"mil": 1000, "k": 1000, "lucas": 1000, "luca": 1000, "lukas": 1000, "luquitas": 1000,
                "millones": 1_000_000, "millon": 1_000_000, "palos": 1_000_000, "palo": 1_000_000}
_SCALING_CURRENCIES = frozenset({"lucas", "luca", "lukas", "luquitas", "palos", "palo"})


def parse_number(raw: str, *, country: str = "", before_multiplier: bool = False) -> Decimal | None:
    """``"1.500"``/``"1,500"`` -> 1500, ``"39.90"`` -> 39.90, ``"1.200.000"`` -> 1200000, words too.

    ``before_multiplier``: a multiplier follows ("1,500 palos"); then three digits after the decimal mark
    of ``country`` are decimals (1.5), not thousands.
    """
    raw = raw.strip()
    if not raw:
        return None
    if raw in {"medio", "media"}:
        return Decimal("0.5")
    if raw[0].isdigit():
        single = re.fullmatch(r"(\d{1,3})([.,])(\d{3})", raw)
        if single and (raw.startswith("0") or before_multiplier and single.group(2) == _DECIMAL_MARK.get(country)):
            return Decimal(f"{single.group(1)}.{single.group(3)}")
        if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
            return Decimal(re.sub(r"[.,]", "", raw))
        grouped = re.fullmatch(r"(\d{1,3}(?:[.,]\d{3})+)[.,](\d{1,2})", raw)
        if grouped:
            return Decimal(re.sub(r"[.,]", "", grouped.group(1)) + "." + grouped.group(2))
        try:
            return Decimal(raw.replace(",", "."))
        except InvalidOperation:
            return None
    return _parse_words(raw.split())


def _parse_words(words: list[str]) -> Decimal | None:
    total = 0
    current = 0
    seen = False
    for word in words:
        if word == "y":
            continue
        if word in {"millon", "millones"}:
            total += (current or 1) * 1_000_000
            current = 0
            seen = True
        elif word == "mil":
            total += (current or 1) * 1000
            current = 0
            seen = True
        elif word in _UNITS:
            current += _UNITS[word]
            seen = True
        else:
            return None
    return Decimal(total + current) if seen else None


def _currency(cur: str, amount: Decimal, country: str, raw_num: str) -> tuple[Decimal, str]:
    from ai.local.lexicon import COUNTRY_CURRENCY

    cur = cur.strip()
    if cur.startswith("s/") or cur in {"soles", "sol", "pen"}:
        return amount, "PEN"
    if cur in {"usd", "us$", "u$s", "dolares", "dolar"}:
        return amount, "USD"
    if cur in {"mxn", "clp", "ars", "cop"}:
        return amount, cur.upper()
    if cur in {"lucas", "luca", "lukas", "luquitas"}:
        if country == "PE":
            return amount, "PEN"
        return amount * 1000, COUNTRY_CURRENCY.get(country, "CLP")
    if cur == "mangos":
        return amount, "ARS"
    if cur in {"palos", "palo"}:
        return amount * 1_000_000, COUNTRY_CURRENCY.get(country, "") if country in {"AR", "CL", "CO"} else ""
    if cur in {"pesos", "peso"}:
        return amount, COUNTRY_CURRENCY.get(country, "") if country != "PE" else ""
    if cur == "$":
        if country == "PE":
            return amount, "USD"
        if country in COUNTRY_CURRENCY:
            return amount, COUNTRY_CURRENCY[country]
        if amount >= 100_000 and "." in raw_num:
            return amount, "CLP"
        return amount, ""
    return amount, COUNTRY_CURRENCY.get(country, "") if country != "PE" or amount < 100_000 else ""


def parse_budget(folded: str, *, country: str = "") -> Money | None:
    """The first budget in ``folded`` (a folded message, punctuation kept), or ``None``."""
    found: list[tuple[int, Money]] = []
    folded = re.sub(r"(?<=\d)'(?=\d{3})", ".", folded)  # "1'500.000": the Colombian mark of millions
    for match in _BEFORE.finditer(folded):
        mult = match.group("mult")
        cur = match.group("cur")
        amount = parse_number(match.group("num"), country=country, before_multiplier=bool(mult))
        if amount is None:
            continue
        if match.group("half"):
            amount += Decimal("0.5")
        if mult in {"lucas", "luca", "lukas", "luquitas"}:
            value, currency = _currency("lucas", amount, country, match.group("num"))
            found.append((match.start(), Money(value, currency)))
            continue
        if mult:
            amount *= _MULTIPLIERS[mult]
        value, currency = _currency(cur, amount, country, match.group("num"))
        found.append((match.start(), Money(value, currency)))
    for match in _AFTER.finditer(folded):
        mult, cur = match.group("mult"), match.group("cur")
        if not (mult or cur or "millon" in match.group("num")):  # "un millon doscientos mil" says its size
            continue
        raw_num = match.group("num")
        if mult == "mil" and not cur and not raw_num[0].isdigit() and raw_num.strip() == "mil":
            continue
        scaled = bool(mult) or cur in _SCALING_CURRENCIES
        if raw_num in {"medio", "media"} and not scaled:
            continue
        amount = parse_number(raw_num, country=country, before_multiplier=scaled)
        if amount is None or amount <= 0:
            continue
        if match.group("half") or (match.group("curhalf") and cur in _SCALING_CURRENCIES):
            amount += Decimal("0.5")  # "un palo y medio", "dos lucas y media"
        if match.group("rest") and mult == "mil":
            amount += Decimal(match.group("rest")) / 1000  # "2 mil 500"
        if mult in {"lucas", "luca", "lukas", "luquitas"} or (cur in {"lucas", "luca", "lukas", "luquitas"}):
            value, currency = _currency("lucas", amount, country, raw_num)
            found.append((match.start(), Money(value, currency)))
            continue
        if mult in {"palos", "palo"} and not cur:
            cur = "palos"
        elif mult:
            amount *= _MULTIPLIERS[mult]
        if not cur and not raw_num[0].isdigit() and amount < 100:
            continue  # "dos mil" is an amount; "dos" alone is not
        value, currency = _currency(cur or "", amount, country, raw_num)
        found.append((match.start(), Money(value, currency)))
    if not found:
        for match in _HAVE.finditer(folded):
            amount = parse_number(match.group("num"), country=country)
            if amount is not None and amount >= 1000:
                found.append((match.start(), Money(*_currency("", amount, country, match.group("num")))))
    if not found:
        for match in _LIMIT.finditer(folded):
            raw_num = match.group("have") or match.group("limit")
            amount = parse_number(raw_num, country=country)
            if amount is not None and 10 <= amount < 100_000_000 and len(raw_num) <= 11:  # not a phone number
                found.append((match.start(), Money(*_currency("", amount, country, raw_num))))
    if not found:
        for match in _CUE.finditer(folded):
            amount = parse_number(match.group("num"))
            if amount is None or amount <= 0:
                continue
            if match.group("mult"):
                amount *= _MULTIPLIERS[match.group("mult")]
            if amount < 10:
                continue
            value, currency = _currency("", amount, country, match.group("num"))
            found.append((match.start(), Money(value, currency)))
    if not found:
        return None
    found.sort(key=lambda item: item[0])
    money = found[0][1]
    if money.amount == money.amount.to_integral_value():
        return Money(Decimal(int(money.amount)), money.currency)
    return money
