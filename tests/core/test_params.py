"""core.params: numbers and dates from request input are ASCII, in range, or None."""

from __future__ import annotations

from datetime import date

import pytest

from core.params import DB_INT_MAX, parse_date, parse_datetime, parse_id, parse_int, parse_month


@pytest.mark.parametrize("raw", ["²", "¹²", "٣", "１２", "1.5", "1e3", "", " ", "-", "abc", "12a", None, [], True])
def test_parse_int_refuses_what_int_would_refuse_or_misread_when_not_ascii_digits(raw):
    assert parse_int(raw) is None


def test_parse_int_reads_ascii_digits_with_sign_and_spaces():
    assert parse_int(" 42 ") == 42
    assert parse_int("-7") == -7
    assert parse_int("007") == 7
    assert parse_int(12) == 12


def test_parse_int_refuses_numbers_outside_the_bounds_when_too_big_for_the_database():
    assert parse_int(str(DB_INT_MAX)) == DB_INT_MAX
    assert parse_int(str(DB_INT_MAX + 1)) is None
    assert parse_int("99999999999999999999999") is None
    assert parse_int("9" * 5000) is None  # never reaches int(), which refuses over 4300 digits
    assert parse_int("5", minimum=6) is None
    assert parse_int("5", maximum=4) is None


def test_parse_id_takes_positive_ids_only():
    assert parse_id("15") == 15
    assert parse_id("0") is None
    assert parse_id("-3") is None
    assert parse_id("²") is None
    assert parse_id(str(2**63)) is None


def test_parse_dates_refuse_impossible_and_out_of_range_values():
    assert parse_date("2025-02-28") == date(2025, 2, 28)
    assert parse_date("2025-02-30") is None  # well formed, impossible: django's parse_date raises
    assert parse_date("9999-12-31") is None  # no room for a time zone shift
    assert parse_date("²⁰²⁵-01-01") is None
    assert parse_datetime("2025-02-30T10:00") is None
    assert parse_datetime("nonsense") is None
    parsed = parse_datetime("2025-03-01T10:00")
    assert parsed is not None and parsed.tzinfo is not None


@pytest.mark.parametrize("raw", ["0000-01", "2025-00", "2025-13", "2025-1", "²⁰²⁵-01", "enero", "", None])
def test_parse_month_refuses_out_of_range_months(raw):
    assert parse_month(raw) is None


def test_parse_month_is_the_first_day():
    assert parse_month("2025-07") == date(2025, 7, 1)
