"""Which catalog items a message names: the words of each item's name against the words of the message.

An item's *core* words are its name without units, colours and its capacity ("iPhone 15 Pro 256 GB
Titanio Negro" -> iphone, 15, pro). Items are ranked by (same category as the message, share of core
words present, number of core words present); the best rank wins, then capacity, colour, speed, data and
operator found in the message narrow the set when some item has them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ai.types import CatalogItem
from core.text import fold

_PIECES = re.compile(r"[a-z]+|\d+")
_STOP = frozenset({"de", "a", "con", "y", "el", "la", "gb", "mbps", "mb", "m", "para", "en", "w", "del", "los",
                   "las", "un", "una", "por", "mas", "+"})
_GENERIC = frozenset({"internet", "plan", "movil", "hogar", "tv", "cable", "combo", "digital", "claro",
                      "movistar", "entel", "bitel", "usb", "c", "case", "cargador"})
_MAX_RESULTS = 12


def _pieces(text: str) -> list[str]:
    return _PIECES.findall(fold(text))


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
    ranked: list[tuple[tuple[int, float, int], CatalogItem, set[str]]] = []
    for item in catalog:
        core = []
        capacity_value = _attr(item, "capacity_gb")
        item_colour = fold(str(_attr(item, "color") or ""))
        item_colour_words = set(_PIECES.findall(item_colour))
        for piece in _pieces(item.name):
            if piece in _STOP or piece in item_colour_words:
                continue
            if capacity_value is not None and piece == str(capacity_value):
                continue
            core.append(piece)
        if not core:
            continue
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
        (speed, lambda it: _attr(it, "speed_mbps") == speed or str(speed) in _pieces(it.name)),
        (data, lambda it: _attr(it, "data_gb") == data or str(data) in _pieces(it.name)),
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
