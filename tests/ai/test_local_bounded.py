"""The local analyzer's work is bounded by its input, whatever the input (security review, issue 18,
finding 2: a 100k-character message took two minutes in a quadratic email regex and held the GIL).

The time limits are generous (tens to thousands of times what the code takes) so that they only catch
a return of super-linear work, not a slow machine; ``bench/analyzer.py`` measures real speed.
"""

from __future__ import annotations

import time

import pytest

from ai.local import entities as ent
from ai.local.analyzer import MAX_ANALYSED_CHARS, analyze


def _seconds(fn, *args) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


@pytest.mark.parametrize("text", ["a" * 100_000, "a." * 50_000, "a@" * 50_000, "a@b" * 33_000, "x-" * 50_000,
                                  "a" * 50_000 + "@" + "b" * 50_000])
def test_email_is_found_in_linear_time_when_text_is_hostile(text):
    assert _seconds(ent.email, text) < 1.0
    assert _seconds(ent.remove_emails, text) < 1.0


@pytest.mark.parametrize(("text", "found"), [
    ("mi correo es Rosa.Quispe+crm@Gmail.com.", "rosa.quispe+crm@gmail.com"),
    ("escríbeme a ana@correo.pe o a beto@x.com", "ana@correo.pe"),
    ("abc@def@ghi.com", "def@ghi.com"),
    ("usuario@localhost no vale", ""),
    ("sin correo", ""),
    ("a-b_c@sub.dominio-x.com.pe, gracias", "a-b_c@sub.dominio-x.com.pe"),
])
def test_email_reads_the_same_addresses_when_written_normally(text, found):
    assert ent.email(text) == found


def test_emails_are_removed_before_reading_words_when_present():
    assert ent.remove_emails("hola ana@correo.pe quiero plan") == "hola   quiero plan"


@pytest.mark.parametrize("text", ["a" * 100_000, "1 " * 50_000, "calle a " * 12_500, "a." * 50_000])
def test_analysis_takes_bounded_time_when_text_is_100k_characters(text):
    assert _seconds(analyze, text) < 3.0


def test_analysis_reads_the_start_and_the_end_when_text_is_too_long():
    filler = " bla" * (MAX_ANALYSED_CHARS)
    analysis = analyze("me llamo Rosa Quispe" + filler + " mi correo es rosa@correo.pe")
    assert analysis.entities.name == "Rosa Quispe"
    assert analysis.entities.email == "rosa@correo.pe"
