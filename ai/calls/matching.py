"""Words heard on a call: the watch list's and the script's cues, matched on accent- and case-folded whole
words; which script steps the agent covered and the adherence."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ai.calls.types import KeywordHit, ScriptStep, StepResult, WatchWord
from core.text import fold

_WORD = re.compile(r"[a-z0-9]+")


def folded_words(text: str) -> str:
    return " " + " ".join(_WORD.findall(fold(text))) + " "


def phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """A pattern finding ``phrase`` as whole words in ``folded_words`` text; None for a phrase with no words."""
    words = _WORD.findall(fold(phrase))
    if not words:
        return None
    return re.compile(r"(?<![a-z0-9])" + r" ".join(re.escape(w) for w in words) + r"(?![a-z0-9])")


def count_phrase(phrase: str, text: str) -> int:
    """How often ``phrase`` is said in ``text``, accents, case and punctuation aside, as whole words."""
    pattern = phrase_pattern(phrase)
    return len(pattern.findall(folded_words(text))) if pattern else 0


def find_keywords(text: str, watch: Iterable[WatchWord]) -> list[KeywordHit]:
    hits = []
    folded = folded_words(text)
    for word in watch:
        pattern = phrase_pattern(word.phrase)
        count = len(pattern.findall(folded)) if pattern else 0
        if count:
            hits.append(KeywordHit(phrase=word.phrase, kind=word.kind, count=count, source="watch"))
    return hits


#: Words too common to tell that a script's text was said.
_STOPWORDS = frozenset({
    "para", "como", "pero", "porque", "cuando", "donde", "desde", "hasta", "sobre", "entre", "este", "esta",
    "estos", "estas", "aquel", "usted", "ustedes", "nosotros", "tiene", "tienen", "tengo", "puede", "pueden",
    "quiere", "quieres", "somos", "estamos", "estan", "todo", "todos", "toda", "todas", "cada", "otro", "otra",
    "mucho", "muchas", "mas", "menos", "algo", "nada", "tambien", "solo", "ahora", "aqui", "hola", "buenos",
    "buenas", "dias", "tardes", "noches", "gracias", "favor", "senor", "senora"
})  # folded: no accents
#: A step without cues is covered when the agent said this share of its text's words.
TEXT_COVERAGE = 0.6


def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(fold(text)) if len(w) >= 4 and w not in _STOPWORDS)


def score_steps(text: str, steps: Iterable[ScriptStep]) -> tuple[list[StepResult], list[KeywordHit], int | None]:
    """Which steps ``text`` (what the agent said) covers, the cues heard, and the adherence in % (covered
    required steps over required steps; None without any). A step is covered when one of its cues is said, or,
    for a step without cues, when most of its text's words are (an agent reading the script says them)."""
    folded = folded_words(text)
    said = content_words(text)
    results: list[StepResult] = []
    hits: list[KeywordHit] = []
    for step in steps:
        first_cue = ""
        for cue in step.cues:
            pattern = phrase_pattern(cue)
            count = len(pattern.findall(folded)) if pattern else 0
            if count:
                first_cue = first_cue or cue
                hits.append(KeywordHit(phrase=cue, kind=step.kind, count=count, source="script", step=step.key))
        covered = bool(first_cue)
        scored = bool(step.cues)
        if not step.cues:
            words = content_words(step.text)
            scored = bool(words)
            covered = scored and len(words & said) / len(words) >= TEXT_COVERAGE
        results.append(StepResult(key=step.key, title=step.title, kind=step.kind, required=step.required,
                                  covered=covered, cue=first_cue, scored=scored))
    return results, hits, adherence_of(results)


def adherence_of(results: Iterable[StepResult]) -> int | None:
    counted = [r for r in results if r.required and r.scored]
    if not counted:
        return None
    return round(100 * sum(1 for r in counted if r.covered) / len(counted))
