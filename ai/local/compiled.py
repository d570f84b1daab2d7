"""A ``Lexicon`` turned into regexes and lookup tables, built once per lexicon instance."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ai.local.normalize import WORD, collapse, phrase_regex
from core.text import fold

if TYPE_CHECKING:
    from ai.local.lexicon import Lexicon


@dataclass(frozen=True)
class PhraseTable:
    regex: re.Pattern[str] | None
    values: dict[str, object]  # normalised phrase -> weight or canonical value

    def finditer(self, text: str):  # type: ignore[no-untyped-def]
        return self.regex.finditer(text) if self.regex is not None else iter(())


@dataclass(frozen=True)
class Compiled:
    spellings: dict[str, str]
    intents: dict[str, PhraseTable]
    sentiment: PhraseTable  # phrase -> signed weight
    intensifiers: dict[str, float]
    negators: frozenset[str]
    emoji_regex: re.Pattern[str] | None
    emojis: dict[str, float]
    services: PhraseTable
    weak_device_words: frozenset[str]
    operators: PhraseTable
    colors: PhraseTable
    zones: PhraseTable  # phrase -> (display name, country)
    zones_needing_cue: frozenset[str]
    zone_cues: PhraseTable
    urgency: PhraseTable
    first_names: frozenset[str]
    country_hints: PhraseTable
    quantity_regex: re.Pattern[str]
    social_intents: tuple[str, ...]


def _expand(phrase: str, spellings: dict[str, str]) -> str:
    words: list[str] = []
    for word in WORD.findall(collapse(fold(phrase))):
        words.extend(spellings.get(word, word).split())
    return " ".join(words)


def _table(mapping: dict[str, object], spellings: dict[str, str], *, expand: bool = True) -> PhraseTable:
    values: dict[str, object] = {}
    for phrase, value in mapping.items():
        key = _expand(phrase, spellings) if expand else " ".join(WORD.findall(collapse(fold(phrase))))
        if key:
            values[key] = value
    return PhraseTable(regex=phrase_regex(list(values)), values=values)


_QUANTITY_WORDS = {
    "un par de": 2, "un par": 2, "par de": 2, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "doce": 12, "quince": 15, "veinte": 20, "una docena de": 12,
    "una docena": 12, "media docena de": 6, "media docena": 6,
}


def quantity_value(raw: str) -> int | None:
    raw = raw.strip()
    if raw.isdigit():
        return int(raw)
    return _QUANTITY_WORDS.get(raw)


def compile_lexicon(lexicon: Lexicon) -> Compiled:
    spellings = dict(lexicon.spellings)
    intents = {intent: _table(dict(phrases), spellings) for intent, phrases in lexicon.intent_phrases.items()}
    sentiment: dict[str, object] = {}
    for phrase, weight in lexicon.sentiment_positive.items():
        sentiment[phrase] = float(weight)
    for phrase, weight in lexicon.sentiment_negative.items():
        sentiment[phrase] = -float(weight)
    emojis = dict(lexicon.emojis)
    emoji_regex = re.compile("|".join(re.escape(e) for e in sorted(emojis, key=len, reverse=True))) if emojis else None
    zones: dict[str, object] = {}
    for name, country in lexicon.zones.items():
        zones[name] = (name, country)
    for alias, name in lexicon.zone_aliases.items():
        zones[alias] = (name, lexicon.zones.get(name, ""))
    nouns = sorted({_expand(n, spellings) for n in lexicon.quantity_nouns if n}, key=len, reverse=True)
    amounts = sorted(_QUANTITY_WORDS, key=len, reverse=True)
    quantity_regex = re.compile(
        rf"(?<![a-z0-9])(?P<n>\d{{1,3}}|{'|'.join(re.escape(a) for a in amounts)})\s+(?:(?:de|los|las|mas)\s+)?"
        rf"(?:{'|'.join(re.escape(n) for n in nouns)})(?![a-z0-9])"
        rf"|(?<![a-z0-9])x\s?(?P<x>\d{{1,2}})(?![a-z0-9])"
    )
    return Compiled(
        spellings=spellings,
        intents=intents,
        sentiment=_table(sentiment, spellings),
        intensifiers={_expand(k, spellings): float(v) for k, v in lexicon.intensifiers.items()},
        negators=frozenset(_expand(n, spellings) for n in lexicon.negators),
        emoji_regex=emoji_regex,
        emojis=emojis,
        services=_table(dict(lexicon.service_synonyms), spellings),
        weak_device_words=frozenset(_expand(w, spellings) for w in lexicon.weak_device_words),
        operators=_table(dict(lexicon.operators), spellings, expand=False),
        colors=_table(dict(lexicon.colors), spellings, expand=False),
        zones=_table(zones, spellings, expand=False),
        zones_needing_cue=frozenset(" ".join(WORD.findall(fold(z))) for z in lexicon.zones_needing_cue),
        zone_cues=_table(dict.fromkeys(lexicon.zone_cues, True), spellings),
        urgency=_table(dict.fromkeys(lexicon.urgency, True), spellings),
        first_names=frozenset(fold(n) for n in lexicon.first_names),
        country_hints=_table(dict(lexicon.country_hints), spellings, expand=False),
        quantity_regex=quantity_regex,
        social_intents=tuple(lexicon.social_intents),
    )
