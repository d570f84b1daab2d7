"""Pre-scoring by the local rules: a criterion's evidence words (and failure words) looked for in the lines of
the side that must say them.

Words are matched as ``ai.calls`` matches a call's cues: accent-, case- and punctuation-folded whole words
(``ai.calls.matching``); a long word (six letters or more) may carry a one-letter typo, as ``ai.knowledge``
allows (a transcription mishears: "llamda es grabada"). An evidence phrase said right after "no", "nunca",
"ni" or "tampoco" ("no le envío la cotización") does not count.

Each line of a criterion's evidence words *shows the criterion met* (the admin's help text says so), so the
words are alternatives, not a checklist. The answer, by answer type:

============================  ==============  ===================  ============  ===================
what was said                 yes / no        yes / partial / no   scale 1-5     confidence
============================  ==============  ===================  ============  ===================
evidence words, no failure    yes             yes                  5 if half or  0.6, +0.1 per other
                                                                   more of the   phrase said (≤ 0.9)
                                                                   phrases, 4
                                                                   if fewer
failure words only            no              no                   1             0.75
evidence and failure words    no              partial              2             0.5
nothing (evidence words set)  no (na if       no (na if allowed)   3 (na if      0.3 (na, 3: 0.2)
                              allowed)                             allowed)
only failure words defined,   yes             yes                  4             0.4
none said
no words defined / no lines   "" (no proposal: the analyst answers)               0
============================  ==============  ===================  ============  ===================

"Nothing said" is read as "not done" for a criterion that cannot be "not applicable" (an agent who never
says the recording notice did not give it), and as "may not have applied" for one that can: the rules cannot
tell whether the situation arose, and a pre-filled "no" would cost the agent points for it. A phrase found
only with a typo counts 0.85 of its confidence; when no line has a known speaker, the whole transcript is read
for either side and the confidence is 0.8 of what it would be. The evidence is the first line with an
evidence phrase (or, for a "no", "partial" or low mark, the first line with a failure phrase).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ai.calls.matching import folded_words, phrase_pattern
from ai.knowledge import _FUZZY_FACTOR, _near
from ai.quality.types import NA, NO, PARTIAL, SCALE_1_5, YES, YES_PARTIAL_NO, CriterionSpec, Line, Proposal
from core.text import fold

SPEAKERS = ("agent", "customer", "bot")
NEGATORS = ("no", "nunca", "ni", "tampoco")
UNKNOWN_SPEAKERS_FACTOR = 0.8
_WORD = re.compile(r"[a-z0-9]+")

#: Reasons in English; the caller may pass its own (translated) ones with the same keys and placeholders.
DEFAULT_REASONS: dict[str, str] = {
    "found": "Said: “%(phrase)s”.",
    "found_typo": "Said, with a slip: “%(phrase)s”.",
    "negative": "Failure words said: “%(phrase)s”.",
    "mixed": "Said “%(phrase)s”, but also the failure words “%(negative)s”.",
    "nothing": "None of the evidence words was said.",
    "nothing_na": "None of the evidence words was said: it may not have applied.",
    "no_failure": "None of the failure words was said.",
    "no_words": "No evidence words to look for: answer it yourself.",
    "no_lines": "The transcript is empty.",
    "speakers_unknown": "Speakers unknown: the whole transcript was read.",
    # The model's proposals (``ai.quality.llm``):
    "quote_dropped": "The quoted line is not in the transcript: quote dropped.",
    "model_invalid": "The model gave no valid answer; by the local rules: %(reason)s",
}


@dataclass(frozen=True)
class Hit:
    phrase: str
    line: Line
    typo: bool = False


@lru_cache(maxsize=2048)
def _phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(phrase)))


@lru_cache(maxsize=2048)
def _negated_pattern(phrase: str) -> re.Pattern[str] | None:
    words = _phrase_words(phrase)
    if not words:
        return None
    # "no le envío" is negated; "no, le envío" is not (a pause between them).
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(NEGATORS) + r")\s+"
                      + r"[^a-z0-9]+".join(re.escape(w) for w in words) + r"(?![a-z0-9])")


def said_in(phrase: str, text: str, *, negatable: bool = True) -> tuple[bool, bool]:
    """(said, only with a typo): ``phrase`` said in ``text`` as whole folded words, not right after a negation
    (when ``negatable``); else with a one-letter slip in one of its long words."""
    pattern = phrase_pattern(phrase)
    if pattern is None:
        return False, False
    folded = folded_words(text)
    said = len(pattern.findall(folded))
    if said:
        negated = 0
        if negatable:
            negated_pattern = _negated_pattern(phrase)
            negated = len(negated_pattern.findall(fold(text))) if negated_pattern else 0
        return said > negated, False
    wanted = _phrase_words(phrase)
    if not any(len(w) >= 6 for w in wanted):
        return False, False
    words = folded.split()
    for i in range(len(words) - len(wanted) + 1):
        window = words[i:i + len(wanted)]
        if all(a == b or _near(a, b) for a, b in zip(window, wanted, strict=True)):
            if negatable and i > 0 and words[i - 1] in NEGATORS:
                continue
            return True, True
    return False, False


def lines_of(spec: CriterionSpec, lines: Sequence[Line]) -> tuple[list[Line], bool]:
    """(the lines that may show ``spec``, speakers known). Without any known speaker every line is read."""
    spoken = [line for line in lines if line.text.strip()]
    known = any(line.speaker in SPEAKERS for line in spoken)
    if spec.speaker and known:
        return [line for line in spoken if line.speaker == spec.speaker], True
    return spoken, known


def find_hits(phrases: Iterable[str], lines: Sequence[Line], *, negatable: bool) -> list[Hit]:
    """The first line saying each phrase, in line order."""
    hits: list[Hit] = []
    for phrase in phrases:
        for line in lines:
            said, typo = said_in(phrase, line.text, negatable=negatable)
            if said:
                hits.append(Hit(phrase=phrase, line=line, typo=typo))
                break
    return sorted(hits, key=lambda hit: (hit.line.index, hit.typo))


def _proposal(spec: CriterionSpec, answer: str, confidence: float, reason: str, line: Line | None = None
              ) -> Proposal:
    return Proposal(
        criterion_id=spec.id, answer=answer, confidence=round(max(0.0, min(1.0, confidence)), 2), reason=reason,
        evidence=line.text if line else "", evidence_index=line.index if line else None,
        evidence_start=line.start if line else None, source="local",
    )


def propose_local(spec: CriterionSpec, lines: Sequence[Line], *, reasons: Mapping[str, str] | None = None
                  ) -> Proposal:
    """The local rules' answer to one criterion (see the module's table)."""
    r = {**DEFAULT_REASONS, **(reasons or {})}
    keywords = [k for k in spec.keywords if _phrase_words(k)]
    negatives = [k for k in spec.negative_keywords if _phrase_words(k)]
    if not keywords and not negatives:
        return _proposal(spec, "", 0.0, r["no_words"])
    readable, known = lines_of(spec, lines)
    if not readable:
        return _proposal(spec, "", 0.0, r["no_lines"])
    factor = 1.0 if known else UNKNOWN_SPEAKERS_FACTOR
    suffix = "" if known else " " + r["speakers_unknown"]

    hits = find_hits(keywords, readable, negatable=True)
    failures = find_hits(negatives, readable, negatable=False)
    scale = spec.answer_type == SCALE_1_5

    if failures:
        failure = failures[0]
        if hits:
            answer = "2" if scale else PARTIAL if spec.answer_type == YES_PARTIAL_NO else NO
            reason = r["mixed"] % {"phrase": hits[0].phrase, "negative": failure.phrase}
            return _proposal(spec, answer, 0.5 * factor, reason + suffix, failure.line)
        answer = "1" if scale else NO
        return _proposal(spec, answer, 0.75 * factor, r["negative"] % {"phrase": failure.phrase} + suffix,
                         failure.line)

    if hits:
        first = hits[0]
        confidence = min(0.9, 0.6 + 0.1 * (len(hits) - 1))
        if all(hit.typo for hit in hits):
            confidence *= _FUZZY_FACTOR
        answer = YES
        if scale:
            answer = "5" if len(hits) / len(keywords) >= 0.5 else "4"
        reason = r["found_typo" if first.typo else "found"] % {"phrase": first.phrase}
        return _proposal(spec, answer, confidence * factor, reason + suffix, first.line)

    if not keywords:  # only failure words, none said
        return _proposal(spec, "4" if scale else YES, 0.4 * factor, r["no_failure"] + suffix)
    if spec.allow_na:
        return _proposal(spec, NA, 0.2 * factor, r["nothing_na"] + suffix)
    if scale:
        return _proposal(spec, "3", 0.2 * factor, r["nothing"] + suffix)
    return _proposal(spec, NO, 0.3 * factor, r["nothing"] + suffix)


def prescore_local(criteria: Iterable[CriterionSpec], lines: Sequence[Line], *,
                   reasons: Mapping[str, str] | None = None) -> list[Proposal]:
    """Every criterion's proposal by the local rules, in the criteria's order."""
    return [propose_local(spec, lines, reasons=reasons) for spec in criteria]
