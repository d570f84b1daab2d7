"""The periodic check tells the holder once at the warning and once at the breach of each wait; unassigned
conversations go to the team's supervisors; a new wait starts over."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import translation

from notifications.models import Notification
from sla.models import SlaNotice
from sla.services import conversations_check_sla
from sla.tasks import sla_conversations_check_task
from tests.sla.conftest import after, lima

pytestmark = pytest.mark.django_db


def _notices(user) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", "title"))


def test_the_holder_is_told_once_at_the_warning_and_once_at_the_breach(agent, company_hours, make_waiting):
    since = lima(7, 10, 0)
    conversation = make_waiting(since, assignee=agent)
    with time_machine.travel(after(since, minutes=30), tick=False):
        assert sla_conversations_check_task() == {"warned": 0, "breached": 0}
    with time_machine.travel(after(since, minutes=49), tick=False), translation.override("en"):
        assert sla_conversations_check_task() == {"warned": 1, "breached": 0}
        assert sla_conversations_check_task() == {"warned": 0, "breached": 0}  # the next minute: nothing new
    with time_machine.travel(after(since, minutes=61), tick=False), translation.override("en"):
        assert sla_conversations_check_task() == {"warned": 0, "breached": 1}
    with time_machine.travel(after(since, hours=5), tick=False):
        assert sla_conversations_check_task() == {"warned": 0, "breached": 0}
    assert _notices(agent) == [("sla.warning", "Rosa Quispe is close to the reply target"),
                               ("sla.breached", "Rosa Quispe is waiting past the reply target")]
    notification = Notification.objects.filter(user=agent).last()
    assert notification.url == f"/panel/c/{conversation.pk}/"
    assert list(SlaNotice.objects.values_list("level", "recipients")) == [("breached", 1), ("warning", 1)]


def test_an_unassigned_conversation_is_the_team_supervisors_business(agent, supervisor, company_hours,
                                                                     make_waiting):
    since = lima(7, 10, 0)
    make_waiting(since)  # the number serves the supervisor's team
    with time_machine.travel(after(since, minutes=90), tick=False):
        assert conversations_check_sla().breached == 1  # past the warning already: only the breach is told
    assert [kind for kind, _title in _notices(supervisor)] == ["sla.breached"]
    assert _notices(agent) == []


def test_a_new_wait_is_watched_again(agent, company_hours, make_waiting):
    since = lima(7, 10, 0)
    conversation = make_waiting(since, assignee=agent)
    with time_machine.travel(after(since, minutes=50), tick=False):
        conversations_check_sla()
    later = lima(7, 15, 0)  # answered, then the customer wrote again
    conversation.waiting_since = later
    conversation.save(update_fields=["waiting_since"])
    with time_machine.travel(after(later, minutes=50), tick=False):
        assert conversations_check_sla().warned == 1
    assert [kind for kind, _title in _notices(agent)] == ["sla.warning", "sla.warning"]


def test_the_clock_outside_hours_warns_only_once_the_service_has_opened(agent, company_hours, make_waiting):
    since = lima(11, 17, 50)  # Friday, ten minutes before closing
    make_waiting(since, assignee=agent)
    with time_machine.travel(lima(12, 12, 0), tick=False):  # Saturday: hours later, still 10 business minutes
        assert conversations_check_sla() == conversations_check_sla().__class__(0, 0)
    with time_machine.travel(lima(14, 9, 39), tick=False):  # Monday: 49 business minutes
        assert conversations_check_sla().warned == 1
