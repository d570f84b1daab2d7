"""A message as the rules read it: folded words with chat spellings expanded, tied to the words as written."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from core.text import fold

REPEATS = re.compile(r"([a-z])\1{2,}")
WORD = re.compile(r"[a-z0-9]+")
_RAW_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Normalized:
    """``text`` is ``" w1 w2 ... "`` (padded) of expanded folded words; ``raw[i]`` is how word i was written."""

    text: str
    words: tuple[str, ...]
    raw: tuple[str, ...]
    folded: str  # the whole message folded, punctuation kept (for money, sizes, emails)
    starts: tuple[int, ...]  # offset of each word in ``text``

    def word_at(self, offset: int) -> int:
        """Index of the word that starts at or before ``offset`` of ``text``."""
        return max(0, bisect_right(self.starts, offset) - 1)


def collapse(text: str) -> str:
    """``"holaaa"`` -> ``"hola"``: three or more of a letter become one (``ll``/``rr`` survive)."""
    return REPEATS.sub(r"\1", text)


def normalize(text: str, spellings: dict[str, str]) -> Normalized:
    words: list[str] = []
    raw: list[str] = []
    for raw_word in _RAW_WORD.findall(text or ""):
        for piece in WORD.findall(collapse(fold(raw_word))):
            expanded = spellings.get(piece)
            if expanded is None:
                words.append(piece)
                raw.append(raw_word)
                continue
            for word in expanded.split():
                words.append(word)
                raw.append(raw_word)
    starts = []
    offset = 1
    for word in words:
        starts.append(offset)
        offset += len(word) + 1
    return Normalized(
        text=f" {' '.join(words)} ", words=tuple(words), raw=tuple(raw), folded=collapse(fold(text or "")),
        starts=tuple(starts),
    )


def phrase_regex(phrases: list[str]) -> re.Pattern[str] | None:
    """One alternation matching any of ``phrases`` as whole words, the longest first."""
    alternatives = sorted({p for p in phrases if p}, key=lambda p: (-len(p), p))
    if not alternatives:
        return None
    body = "|".join(re.escape(p) for p in alternatives)
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")
