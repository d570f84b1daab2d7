"""Which catalog items a message names: the words of each item's name against the words of the message.

An item's *core* words are its name without units, colours and its capacity ("iPhone 15 Pro 256 GB
Titanio Negro" -> iphone, 15, pro). Items are ranked by (same category as the message, share of core
words present, number of core words present); the best rank wins, then capacity, colour, speed, data and
operator found in the message narrow the set when some item has them.

The kind of thing asked for outranks a brand or model word: "cargador para iphone" names a charger, "case
para samsung" a case, "mica para el 15 pro" a screen protector. When the message names a kind (charger,
case, protector, cable, headphones) that some catalog items are, only those items are candidates; the
brand and model words then rank them (the "iPhone 15 Pro" case before the "iPhone 15" one), and when none
of them names the brand, all items of that kind are offered. Kinds are accessories: a message about a
service ("el cable de claro" is TV) is not read for them, and an accessory is never matched by the name of
the phone it fits alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ai.types import CatalogItem
from core.text import fold

_PIECES = re.compile(r"[a-z]+|\d+")
_STOP = frozenset({"de", "a", "con", "y", "el", "la", "gb", "mbps", "mb", "m", "para", "en", "w", "del", "los",
                   "las", "un", "una", "por", "mas", "+"})
_GENERIC = frozenset({"internet", "plan", "movil", "hogar", "tv", "cable", "combo", "digital", "claro",
                      "movistar", "entel", "bitel", "usb", "c", "case", "cargador"})
_MAX_RESULTS = 12
# The kinds of accessory a customer asks for, each with the words that name it (folded).
_KINDS: dict[str, frozenset[str]] = {
    "charger": frozenset({"cargador", "cargadores", "cargadorcito"}),
    "case": frozenset({"case", "cases", "funda", "fundas", "carcasa", "carcasas", "estuche", "estuches", "cover"}),
    "protector": frozenset({"mica", "micas", "protector", "protectores", "templado", "vidrio", "lamina"}),
    "cable": frozenset({"cable", "cables"}),
    "headphones": frozenset({"audifonos", "audifono", "auriculares", "auricular", "airpods", "earbuds"}),
}
_KIND_WORDS = frozenset().union(*_KINDS.values())
_ALONG = frozenset({"con", "sin", "trae", "incluye", "viene", "su"})


def _pieces(text: str) -> list[str]:
    return _PIECES.findall(fold(text))


@lru_cache(maxsize=8192)
def _name_pieces(name: str) -> tuple[str, ...]:
    """An item name's folded pieces, read once per process (every message compares against every item)."""
    return tuple(_pieces(name))


@lru_cache(maxsize=8192)
def _core(name: str, colour: str, capacity: str) -> tuple[str, ...]:
    """The words that name an item: its name without stop words, its colour and its capacity."""
    colour_words = set(_PIECES.findall(fold(colour)))
    return tuple(p for p in _name_pieces(name) if p not in _STOP and p not in colour_words and p != capacity)


def _attr(item: CatalogItem, key: str) -> object:
    return item.attributes.get(key) if item.attributes else None


def match_products(
    text_words: Sequence[str], catalog: Sequence[CatalogItem], *, service: str, capacity: int | None,
    color: str, speed: int | None, data: int | None, operator: str,
) -> tuple[tuple[str, ...], str]:
    """``(ids, product_terms)`` of the catalog items the message names; ``((), "")`` when none."""
    present: list[str] = []
    for word in text_words:
        present.extend(_PIECES.findall(word))
    present_set = set(present)
    colour_words = set(_PIECES.findall(color)) if color else set()
    # "el iphone viene con cargador?" asks about the phone: a kind after "con"/"sin"/"trae" is not the ask.
    kinds_asked = _kinds({w for i, w in enumerate(present) if i == 0 or present[i - 1] not in _ALONG})
    if kinds_asked and service in {"", "accessory", "device"}:  # "el cable de claro" is TV, not a USB cable
        by_kind = _match_kind(present, present_set, catalog, kinds_asked)
        if by_kind is not None:
            return by_kind
    ranked: list[tuple[tuple[int, float, int], CatalogItem, set[str]]] = []
    for item in catalog:
        capacity_value = _attr(item, "capacity_gb")
        core = _core(item.name, str(_attr(item, "color") or ""), "" if capacity_value is None else str(capacity_value))
        if not core or item.category == "accessory" and _kinds(set(core)):
            continue  # an accessory is named by its kind ("cargador"), never by the phone it fits alone
        hit = {p for p in core if p in present_set}
        if not hit or hit <= _GENERIC and len(hit) < 2:
            continue
        share = len(hit) / len(set(core))
        if share < 0.5:
            continue
        same_category = 1 if service and item.category == service else 0
        ranked.append(((same_category, round(share, 3), len(hit)), item, hit))
    if not ranked:
        return (), ""
    best = max(rank for rank, _item, _hit in ranked)
    chosen = [(item, hit) for rank, item, hit in ranked if rank == best]
    for wanted, test in (
        (capacity, lambda it: _attr(it, "capacity_gb") == capacity),
        (colour_words, lambda it: colour_words <= set(_PIECES.findall(fold(str(_attr(it, "color") or it.name))))),
        (speed, lambda it: _attr(it, "speed_mbps") == speed or str(speed) in _name_pieces(it.name)),
        (data, lambda it: _attr(it, "data_gb") == data or str(data) in _name_pieces(it.name)),
        (operator, lambda it: it.operator == operator),
    ):
        if not wanted:
            continue
        narrowed = [(item, hit) for item, hit in chosen if test(item)]
        if narrowed:
            chosen = narrowed
    words_hit: set[str] = set().union(*(hit for _item, hit in chosen))
    terms = " ".join(dict.fromkeys(p for p in present if p in words_hit))
    return tuple(item.id for item, _hit in chosen[:_MAX_RESULTS]), terms


def _kinds(words: set[str]) -> set[str]:
    return {kind for kind, names in _KINDS.items() if names & words}


def _match_kind(present: list[str], present_set: set[str], catalog: Sequence[CatalogItem], kinds_asked: set[str]
                ) -> tuple[tuple[str, ...], str] | None:
    """The items of the kind asked for, best named first; ``None`` when the catalog has none of that kind."""
    scored: list[tuple[int, int, CatalogItem, set[str]]] = []
    for position, item in enumerate(catalog):
        pieces = set(_name_pieces(item.name))
        if item.category != "accessory" or not _kinds(pieces) & kinds_asked:
            continue
        hit = (pieces - _STOP) & present_set
        scored.append((len(hit - _KIND_WORDS), -position, item, hit))
    if not scored:
        return None
    best = max(score for score, _p, _item, _hit in scored)
    chosen = sorted(((position, item, hit) for score, position, item, hit in scored if score == best),
                    key=lambda row: -row[0])
    words_hit: set[str] = set().union(*(hit for _p, _item, hit in chosen))
    terms = " ".join(dict.fromkeys(p for p in present if p in words_hit))
    return tuple(item.id for _p, item, _hit in chosen[:_MAX_RESULTS]), terms
