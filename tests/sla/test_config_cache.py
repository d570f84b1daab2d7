"""Service levels read their targets, hours and holidays from the per-process cache (core.config_cache): no
query for them on the next message, and a change in admin or the shell is seen by the very next message."""

from __future__ import annotations

from datetime import date, time

import pytest
import time_machine

from conversations.models import Message
from core.config_cache import config_cache_keys
from sla.models import BusinessHours, Holiday, ResponseTarget, ServiceHours
from sla.selectors import SLA_CONFIG_KEY, sla_setup
from tests.conversations.conftest import drain, twilio_params
from tests.sla.conftest import WEEKDAYS, hours_for, lima

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("config_cache_local_only")]



@pytest.fixture
def committed_hours(db, django_capture_on_commit_callbacks) -> ServiceHours:  # type: ignore[no-untyped-def]
    """The company's hours (Monday to Friday 9-18 in Lima), committed as far as the cache can tell."""
    with django_capture_on_commit_callbacks(execute=True):
        row = ServiceHours.objects.create(team=None, timezone="America/Lima",
                                          away_text="Hola {nombre}, estamos fuera de horario.")
        hours_for(row, WEEKDAYS, (time(9), time(18)))
        ResponseTarget.objects.update_or_create(priority="normal", defaults={"minutes": 30})
    return row


def _away_answers() -> list[str]:
    return list(Message.objects.filter(direction="out", sender="system").order_by("pk").values_list("text",
                                                                                                     flat=True))


def _message(post_twilio, capture, at, sid: str) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at, tick=False), capture(execute=True):
        post_twilio(twilio_params(MessageSid="SM" + sid * 32, Body="Hola, ¿me ayudan?"))
        drain()


def test_setup_is_read_once_then_from_memory(committed_hours, django_assert_num_queries):
    with django_assert_num_queries(4):  # targets, hours and their intervals, holidays
        first = sla_setup(now=lima(11, 10))
    with django_assert_num_queries(0):
        again = sla_setup(now=lima(11, 10))
    assert again.targets == first.targets and again.calendar(None).is_open(lima(11, 10))


def test_a_holiday_added_is_seen_by_the_next_message(committed_hours, post_twilio, ai_off,
                                                      django_capture_on_commit_callbacks):
    _message(post_twilio, django_capture_on_commit_callbacks, lima(11, 10, 0), "a")  # Friday 10:00: open
    assert _away_answers() == []
    assert SLA_CONFIG_KEY in config_cache_keys()
    with django_capture_on_commit_callbacks(execute=True):
        Holiday.objects.create(team=None, date=date(2026, 12, 11), name="Cierre")
    _message(post_twilio, django_capture_on_commit_callbacks, lima(11, 10, 5), "b")
    assert _away_answers() == ["Hola Rosa, estamos fuera de horario."]


def test_business_hours_changed_are_seen_by_the_next_message(committed_hours, post_twilio, ai_off,
                                                             django_capture_on_commit_callbacks):
    _message(post_twilio, django_capture_on_commit_callbacks, lima(11, 10, 0), "a")
    assert _away_answers() == [] and SLA_CONFIG_KEY in config_cache_keys()
    with django_capture_on_commit_callbacks(execute=True):  # Friday now opens at noon (as the admin saves it)
        for interval in BusinessHours.objects.filter(service_hours=committed_hours, weekday=4):
            interval.opens = time(12)
            interval.save()
    _message(post_twilio, django_capture_on_commit_callbacks, lima(11, 10, 5), "b")
    assert _away_answers() == ["Hola Rosa, estamos fuera de horario."]


def test_the_away_text_changed_is_seen_by_the_next_message(committed_hours, post_twilio, ai_off,
                                                           django_capture_on_commit_callbacks):
    _message(post_twilio, django_capture_on_commit_callbacks, lima(11, 20, 0), "a")  # Friday 20:00: closed
    assert _away_answers() == ["Hola Rosa, estamos fuera de horario."]
    with django_capture_on_commit_callbacks(execute=True):
        committed_hours.away_text = "Volvemos el lunes, {nombre}."
        committed_hours.save()
    _message(post_twilio, django_capture_on_commit_callbacks, lima(12, 20, 0), "b")  # Saturday: another day
    assert _away_answers()[-1] == "Volvemos el lunes, Rosa."


def test_a_target_changed_is_seen_by_the_next_reading(committed_hours, django_capture_on_commit_callbacks):
    assert sla_setup(now=lima(11, 10)).targets["normal"].minutes == 30
    with django_capture_on_commit_callbacks(execute=True):
        target = ResponseTarget.objects.get(priority="normal")
        target.minutes = 15
        target.save()
    assert sla_setup(now=lima(11, 10)).targets["normal"].minutes == 15
