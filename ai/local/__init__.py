"""Local, rule-based reading of customer messages: deterministic, offline and fast.

``analyze(text, lexicon=..., catalog=..., history=...) -> Analysis`` is the entry point; the words it
knows live in ``Lexicon`` (plain data, so supervisors' edits can be merged in with ``Lexicon.merged``).
"""

from ai.local.analyzer import analyze
from ai.local.lexicon import DEFAULT_LEXICON, Lexicon

__all__ = ["DEFAULT_LEXICON", "Lexicon", "analyze"]
