"""Numbers phonenumbers rejects but a provider routed are kept (issue 13, item 5); the digits a search looks for."""

from __future__ import annotations

import phonenumbers
import pytest

from core.errors import InvalidPhoneError
from core.phones import normalize_phone, phone_search_forms, provider_phone

# Well-formed E.164 that phonenumbers' metadata calls invalid (a Chilean mobile range it does not know).
UNKNOWN_RANGE = "+56912345678"


def test_the_example_number_is_one_phonenumbers_rejects():
    assert not phonenumbers.is_valid_number(phonenumbers.parse(UNKNOWN_RANGE, None))


@pytest.mark.parametrize("raw", [
    "whatsapp:+56912345678",  # Twilio's From
    "+56912345678",
    "56912345678",  # Meta's wa_id: bare international digits
    "+56 9 1234 5678",
    "0056912345678",
])
def test_provider_phone_keeps_a_well_formed_number_phonenumbers_rejects(raw):
    assert provider_phone(raw) == UNKNOWN_RANGE


@pytest.mark.parametrize(("raw", "expected"), [
    ("whatsapp:+51987654321", "+51987654321"),
    ("51987654321", "+51987654321"),
    ("5491123456789", "+5491123456789"),
])
def test_provider_phone_gives_e164_for_valid_numbers(raw, expected):
    assert provider_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "US.13491208655302741918", "12ab", "12345", "+99912345678", "9" * 16,
                                 "+0 12345678"])
def test_provider_phone_is_empty_when_there_is_no_number_to_read(raw):
    assert provider_phone(raw) == ""


def test_normalize_phone_keeps_a_typed_international_number_of_possible_length():
    assert normalize_phone("+56 9 1234 5678") == UNKNOWN_RANGE
    assert normalize_phone("0056 9 1234 5678") == UNKNOWN_RANGE


@pytest.mark.parametrize("raw", ["+51 123 4567", "+56 9 1234", "56912345678"])
def test_normalize_phone_still_refuses_impossible_or_ambiguous_numbers(raw):
    # too short for Peru / Chile; bare digits typed by a person are read as a national number first
    with pytest.raises(InvalidPhoneError):
        normalize_phone(raw)


@pytest.mark.parametrize(("text", "forms"), [
    ("+56 9 1234 5678", ("56912345678",)),
    ("(+56) 9-1234-5678", ("56912345678",)),
    ("whatsapp:+56912345678", ("56912345678",)),
    ("0056912345678", ("56912345678",)),
    ("912 345 678", ("912345678",)),
    ("011 2345-6789", ("1123456789",)),  # a national trunk 0 goes
    ("+54 9 11 2345 6789", ("5491123456789", "541123456789")),
    ("+54 11 2345 6789", ("541123456789", "5491123456789")),
    ("+52 1 55 1234 5678", ("5215512345678", "525512345678")),
    ("+52 55 1234 5678", ("525512345678", "5215512345678")),
    ("5678", ("5678",)),
])
def test_phone_search_forms_reads_a_phone_written_any_way(text, forms):
    assert phone_search_forms(text) == forms


@pytest.mark.parametrize("text", ["", "123", "Rosa 987654321", "ana@correo.pe", "@vale.rios", "US.1349"])
def test_phone_search_forms_is_empty_when_the_text_is_not_a_phone(text):
    assert phone_search_forms(text) == ()
