"""Templated Spanish replies: short, warm, "tú", one or two emojis, prices only from the catalog.

Pure functions of plain data. The ``local`` provider answers with them, and the ``openai`` provider
falls back to them when a generated reply is not grounded. Every amount is written by ``format_money``
so ``ai.grounding.prices_in_text`` reads it back as the same number.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ai.grounding import as_decimal
from ai.types import CatalogItem

MAX_LISTED = 5
MAX_ALTERNATIVES = 3
ASK_ORDER = ("interest", "name", "budget", "zone")
_QUESTIONS = {
    "interest": "qué producto o plan te interesa",
    "name": "cómo te llamas",
    "budget": "cuál es tu presupuesto aproximado",
    "zone": "en qué distrito o zona te encuentras",
}
_VARIANT_LABELS = {
    "capacity": "capacidad", "capacidad": "capacidad", "capacity_gb": "capacidad", "storage": "capacidad",
    "almacenamiento": "capacidad", "color": "color", "colour": "color", "size": "talla", "talla": "talla",
    "tamaño": "tamaño", "model": "modelo", "modelo": "modelo", "memory": "memoria", "ram": "memoria RAM",
}
_NO_DECIMALS = {"CLP", "COP"}
# currency -> (symbol, thousands separator, decimal mark)
_FORMATS = {
    "PEN": ("S/ ", ",", "."),
    "USD": ("US$ ", ",", "."),
    "CLP": ("$", ".", ","),
    "ARS": ("$", ".", ","),
    "MXN": ("$", ",", "."),
    "COP": ("$", ".", ","),
    "EUR": ("€ ", ".", ","),
}


def format_money(amount: Decimal, currency: str) -> str:
    """ "S/ 1,299.00" (PEN), "US$ 89.00", "$12.990" (CLP), "$1.299,00" (ARS), "$1,299.00" (MXN), "$89.000" (COP)."""
    code = (currency or "").upper()
    symbol, thousands, decimal_mark = _FORMATS.get(code, (f"{code} " if code else "", ",", "."))
    places = Decimal("1") if code in _NO_DECIMALS else Decimal("0.01")
    value = Decimal(amount).quantize(places, rounding=ROUND_HALF_UP)
    text = f"{value:,}"  # "1,299.00" / "12,990"
    if (thousands, decimal_mark) != (",", "."):
        text = text.replace(",", "\0").replace(".", decimal_mark).replace("\0", thousands)
    return f"{symbol}{text}"


def _first_name(name: str | None) -> str:
    words = (name or "").strip().split()
    if not words:
        return ""
    first = words[0].strip(",.;:!¡?¿")
    return first.capitalize() if first.islower() or first.isupper() else first


def _is_available(item: CatalogItem) -> bool:
    return item.stock is None or item.stock > 0


def _unit_price(item: CatalogItem, *, wholesale: bool) -> Decimal:
    if wholesale and item.wholesale_price is not None:
        return item.wholesale_price
    final = as_decimal(item.attributes.get("final_price"))
    return final if final is not None else item.price


def _price_text(item: CatalogItem, *, wholesale: bool) -> str:
    price = _unit_price(item, wholesale=wholesale)
    text = format_money(price, item.currency)
    if wholesale and item.wholesale_price is not None:
        return f"{text} (precio por mayor)"
    if price != item.price:
        return f"{text} (antes {format_money(item.price, item.currency)})"
    return text


def _join(words: list[str], last: str = "y") -> str:
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def virtual_assistant_disclosure() -> str:
    """A prefix that says a program is answering; end with a space so it can be put before any reply."""
    return "Soy el asistente virtual de la tienda 🤖. "


def greeting(name: str | None, *, disclose_assistant: bool) -> str:
    first = _first_name(name)
    hello = f"¡Hola, {first}! 👋 " if first else "¡Hola! 👋 "
    disclosure = virtual_assistant_disclosure() if disclose_assistant else ""
    return f"{hello}{disclosure}¿En qué te puedo ayudar hoy?"


def product_list(items: list[CatalogItem], *, name: str | None = None, wholesale: bool = False) -> str:
    """Up to five in-stock items with their prices, one a line."""
    available = [item for item in items if _is_available(item)][:MAX_LISTED]
    first = _first_name(name)
    if not available:
        who = f", {first}" if first else ""
        return f"Uy{who}, por ahora no tengo stock de eso 😕. ¿Te muestro otras opciones parecidas?"
    intro = f"¡Claro, {first}! 😊 Esto es lo que tengo:" if first else "¡Claro! 😊 Esto es lo que tengo:"
    lines = [f"• {item.name}: {_price_text(item, wholesale=wholesale)}" for item in available]
    return "\n".join([intro, *lines, "¿Cuál te interesa?"])


def ask_variant(product_name: str, options: dict[str, list[str]]) -> str:
    """Which capacity / colour / size: {"capacidad": ["128 GB", "256 GB"], "color": ["negro", "azul"]}."""
    parts = [
        f"{_VARIANT_LABELS.get(key.lower(), key)}: {_join([str(v) for v in values], 'o')}"
        for key, values in options.items()
        if values
    ]
    if not parts:
        return f"¡Genial! ¿Qué versión de {product_name} buscas? 😊"
    labels = _join([part.split(":", 1)[0] for part in parts], "y")
    return f"¡Genial! Tengo {product_name} en {'; '.join(parts)}. ¿Qué {labels} prefieres? 😊"


def price_answer(item: CatalogItem, *, wholesale: bool = False) -> str:
    text = f"{item.name} está a {_price_text(item, wholesale=wholesale)} 💰"
    if _is_available(item):
        return f"{text} y hay stock disponible. ¿Te lo separo?"
    return f"{text}, pero por ahora no nos queda stock 😕. ¿Quieres que te avise cuando llegue?"


def stock_answer(item: CatalogItem, alternatives: list[CatalogItem]) -> str:
    """Available: says so (and that few are left). No stock: up to three in-stock alternatives."""
    if _is_available(item):
        few = " ¡Quedan pocas unidades!" if item.stock is not None and item.stock <= 3 else ""
        return f"¡Sí, tenemos {item.name} disponible! ✅{few} ¿Te lo separo?"
    options = [alt for alt in alternatives if _is_available(alt) and alt.id != item.id][:MAX_ALTERNATIVES]
    text = f"Uy, por ahora no nos queda stock de {item.name} 😕."
    if not options:
        return f"{text} ¿Quieres que te avise cuando llegue?"
    lines = [f"• {alt.name}: {_price_text(alt, wholesale=False)}" for alt in options]
    return "\n".join([f"{text} Pero te puedo ofrecer:", *lines, "¿Alguna te interesa?"])


def purchase_confirmation(item: CatalogItem, *, wholesale: bool = False) -> str:
    """Confirms price and availability and offers a quote and delivery or pickup."""
    if not _is_available(item):
        return (f"¡Gracias por elegirnos! Por ahora no nos queda stock de {item.name} 😕. "
                "¿Te muestro opciones parecidas o te aviso cuando llegue?")
    return (f"¡Excelente elección! 🎉 {item.name} está a {_price_text(item, wholesale=wholesale)} y hay stock "
            "disponible. ¿Te preparo la cotización? Te lo enviamos por delivery o puedes recogerlo en tienda, "
            "¿qué prefieres?")


def ask_for(missing: list[str], *, name: str | None = None) -> str:
    """Asks for up to two of "interest", "name", "budget", "zone", in that order."""
    unknown = set(missing) - set(ASK_ORDER)
    if unknown:
        raise ValueError(f"ask_for: unknown fields {sorted(unknown)}; expected some of {ASK_ORDER}")
    wanted = [key for key in ASK_ORDER if key in missing][:2]
    first = _first_name(name) if "name" not in wanted else ""
    prefix = f"¡Gracias, {first}! " if first else ""
    if not wanted:
        return f"{prefix}¿En qué más te puedo ayudar? 😊"
    return f"{prefix}Para ayudarte mejor, ¿me cuentas {_join([_QUESTIONS[k] for k in wanted])}? 😊"


def coverage_answer(zone: str) -> str:
    """Coverage is confirmed by a person with the exact address; this asks for it."""
    zone = (zone or "").strip()
    if not zone:
        return "¡Con gusto reviso la cobertura! 📍 ¿En qué distrito o zona te encuentras?"
    return (f"¡Con gusto reviso la cobertura en {zone}! 📍 "
            "¿Me compartes tu dirección exacta o una referencia para confirmarte?")


def handoff(name: str | None = None) -> str:
    first = _first_name(name)
    who = f"Gracias, {first}. " if first else "Gracias por escribirnos. "
    return f"{who}Una persona de nuestro equipo te responderá en breve 🙌"


def thanks_goodbye(name: str | None = None) -> str:
    first = _first_name(name)
    who = f"¡Gracias a ti, {first}!" if first else "¡Gracias a ti!"
    return f"{who} 😊 Aquí estamos para lo que necesites. ¡Que tengas un lindo día!"


def no_match(product_terms: str) -> str:
    terms = (product_terms or "").strip()
    what = f"«{terms}»" if terms else "eso"
    return (f"Mmm, no encontré {what} en nuestro catálogo 🤔. "
            "¿Me das más detalles (marca, modelo o capacidad) o te muestro opciones parecidas?")
