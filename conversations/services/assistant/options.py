"""Rich replies of the assistant: what it offers as buttons or a list, the product photo, the store's pin;
and the customer's choice of one of those options, read as what it means.

Option ids (kept in ``Message.payload`` and coming back as ``Message.interactive_id``):
``menu:products`` ("Ver productos"), ``menu:agent`` ("Hablar con un asesor"), ``category:<category>``
(a part of the catalog) and ``product:<id>`` (one product or plan).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ai.types import Analysis, CatalogItem, Intent, ServiceType
from conversations.models import Message
from core.money import format_money
from integrations.base import Button, ListRow, Location
from operators.models import ProductImage

MENU_PRODUCTS = "menu:products"
MENU_AGENT = "menu:agent"
GREETING_BUTTONS = (Button(MENU_PRODUCTS, "Ver productos"), Button(MENU_AGENT, "Hablar con un asesor"))
STORE_PIN_NAME = "Nuestra tienda"
MAX_ROWS = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
BODY_MAX = 900  # WhatsApp takes 1024; room for the assistant's first-message disclosure
CATEGORY_TITLES = {  # customer-facing, in Spanish like every reply
    ServiceType.INTERNET_HOME: "Internet hogar",
    ServiceType.MOBILE: "Planes móviles",
    ServiceType.TV: "TV",
    ServiceType.COMBO: "Combos",
    ServiceType.DEVICE: "Equipos",
    ServiceType.ACCESSORY: "Accesorios",
}


@dataclass(frozen=True)
class Photo:
    image: ProductImage
    caption: str


@dataclass(frozen=True)
class RichReply:
    """What goes with the reply's words: buttons or a list in the same message, then a photo, then a pin."""

    buttons: tuple[Button, ...] = ()
    rows: tuple[ListRow, ...] = ()
    list_button: str = ""
    section: str = ""  # the list's one section title ("" for none)
    photo: Photo | None = None
    location: Location | None = None


def with_chosen_option(analysis: Analysis, message: Message, catalog: list[CatalogItem]) -> Analysis:
    """The analysis of a turn that is a choice of our options: what the option means beats the reading of
    its words ("Hablar con un asesor" is a hand-over request; a row of the list is that product)."""
    chosen = message.interactive_id if message.type == Message.Type.INTERACTIVE else ""
    if not chosen:
        return analysis
    notes = (*analysis.notes, f"chosen option {chosen}")
    if chosen == MENU_AGENT:
        return replace(analysis, intent=Intent.HUMAN_REQUEST, confidence=1.0, notes=notes)
    if chosen == MENU_PRODUCTS:
        return replace(analysis, intent=Intent.PRODUCT_QUERY, confidence=1.0, notes=notes)
    kind, _, value = chosen.partition(":")
    if kind == "category" and value in {s.value for s in ServiceType}:
        return replace(analysis, intent=Intent.PRODUCT_QUERY, confidence=1.0, notes=notes,
                       entities=replace(analysis.entities, service_type=value, products=()))
    if kind == "product" and any(item.id == value for item in catalog):
        intent = analysis.intent if analysis.intent == Intent.PURCHASE_INTENT else Intent.PRICE_QUERY
        item = next(item for item in catalog if item.id == value)
        return replace(analysis, intent=intent, confidence=1.0, notes=notes,
                       entities=replace(analysis.entities, products=(value,), service_type=item.category))
    return analysis


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _product_row(item: CatalogItem, *, base: str = "") -> ListRow:
    """The name (without the ``base`` the rows share, when names are too long) as the title; the price as
    the description, after the full name when the title still had to be cut."""
    price = format_money(item.price, item.currency)
    name = item.name[len(base):].strip() if base and len(item.name) > ROW_TITLE_MAX else item.name
    title = _clip(name, ROW_TITLE_MAX)
    description = price if title == name else _clip(f"{item.name} · {price}", ROW_DESCRIPTION_MAX)
    return ListRow(f"product:{item.id}", title, description)


def _shared_words(items: list[CatalogItem]) -> str:
    """The words every name starts with ("Samsung Galaxy A55 5G"), when each name has more after them."""
    names = [item.name.split() for item in items]
    common: list[str] = []
    for words in zip(*names, strict=False):
        if len(set(words)) != 1:
            break
        common.append(words[0])
    if len(items) < 2 or any(len(words) <= len(common) for words in names):
        return ""
    return " ".join(common)


def _product_rows(items: list[CatalogItem]) -> tuple[tuple[ListRow, ...], str]:
    """The rows, and the section title (the shared words) when long names were shortened to what differs."""
    items = items[:MAX_ROWS]
    base = _shared_words(items) if any(len(item.name) > ROW_TITLE_MAX for item in items) else ""
    section = _clip(base, ROW_TITLE_MAX) if base else ""
    return tuple(_product_row(item, base=base) for item in items), section


def _category_rows(catalog: list[CatalogItem]) -> tuple[ListRow, ...]:
    present = {item.category for item in catalog}
    return tuple(ListRow(f"category:{category.value}", title)
                 for category, title in CATEGORY_TITLES.items() if category.value in present)


def _photo(item: CatalogItem) -> Photo | None:
    if not item.id.isdigit():
        return None
    image = ProductImage.objects.filter(product_id=int(item.id)).order_by("position", "pk").first()
    if image is None:
        return None
    caption = image.caption or f"{item.name}: {format_money(item.price, item.currency)}"
    return Photo(image=image, caption=caption)


def _store_location(composed: Any) -> Location | None:
    """The pin of the knowledge entry the reply answered from, when it has coordinates."""
    knowledge = getattr(composed, "knowledge", None)
    latitude = getattr(knowledge, "latitude", None)
    longitude = getattr(knowledge, "longitude", None)
    if latitude is None or longitude is None:
        return None
    # The answer (already sent as words) holds the address; the pin names the place.
    return Location(float(latitude), float(longitude), STORE_PIN_NAME)


def rich_reply(*, composed: Any, analysis: Analysis, text: str, chosen: str,
               catalog: list[CatalogItem]) -> RichReply:
    """What to send with the reply ``text`` of ``composed`` (``ai.replies.ComposedReply``) to a turn read as
    ``analysis``; ``chosen`` is the option the customer picked in that turn ("" when none)."""
    if composed.is_handover:
        return RichReply()
    location = _store_location(composed)
    hits = [item for item in composed.hits if item.stock is None or item.stock > 0]
    fits = len(text) <= BODY_MAX
    if chosen == MENU_PRODUCTS and fits:
        rows = _category_rows(catalog)
        if rows:
            return RichReply(rows=rows, list_button="Ver categorías", location=location)
    if len(hits) >= 2 and fits and analysis.intent not in (Intent.THANKS_GOODBYE, Intent.COVERAGE_QUERY):
        rows, section = _product_rows(hits)
        return RichReply(rows=rows, list_button="Ver opciones", section=section, location=location)
    if len(composed.hits) == 1:
        return RichReply(photo=_photo(composed.hits[0]), location=location)
    if analysis.intent == Intent.GREETING and not composed.hits and fits and location is None:
        return RichReply(buttons=GREETING_BUTTONS)
    return RichReply(location=location)
