"""Text helpers shared by search and the Spanish rules: accents, case and punctuation."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents: ``"Cargadór USB-C"`` -> ``"cargador usb-c"``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def tokens(text: str) -> list[str]:
    """Accent- and case-folded words of ``text``: ``"iPhone 15 Pro, 256GB"`` -> ``[iphone, 15, pro, 256gb]``."""
    return [t for t in _NON_WORD.split(fold(text)) if t]
