"""The one notification service: unknown kinds refused, once per key, nobody inactive, read marks, live pushes."""

from __future__ import annotations

import json

import pytest

from notifications import kinds
from notifications.models import Notification
from notifications.services import (
    UnknownKindError,
    notification_create,
    notifications_mark_read,
    notifications_notify_many,
    unread_count,
)
from tests.notifications.conftest import events_of

pytestmark = pytest.mark.django_db


def _notify(user, **kwargs):  # type: ignore[no-untyped-def]
    fields = {"kind": "sale.validated", "title": "Venta V-1 validada", "url": "/sales/1/"} | kwargs
    return notification_create(user=user, **fields)


def test_notification_is_refused_when_the_kind_is_unknown(agent):
    with pytest.raises(UnknownKindError) as error:
        _notify(agent, kind="nobody.registered.this")
    assert error.value.code == "unknown_notification_kind"
    assert not Notification.objects.exists()


def test_kinds_are_registered_when_the_apps_are_ready():
    for code in ("conversation.assigned", "note.mention", "followup.due", "quote.accepted", "sale.validated",
                 "sale.rejected"):
        assert kinds.get(code) is not None, code
    assert kinds.get("note.mention").icon == "at"


def test_notification_comes_once_when_the_dedupe_key_repeats(agent, other_agent):
    assert _notify(agent, dedupe_key="sale:1") is not None
    assert _notify(agent, dedupe_key="sale:1") is None
    assert _notify(agent, dedupe_key="sale:2") is not None  # another key
    assert _notify(other_agent, dedupe_key="sale:1") is not None  # another person
    assert _notify(agent) is not None and _notify(agent) is not None  # no key: every time
    assert Notification.objects.filter(user=agent).count() == 4


def test_nothing_is_stored_when_the_user_is_inactive(agent):
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert _notify(agent) is None
    assert notifications_notify_many(users=[agent], kind="sale.validated", title="x") == 0
    assert not Notification.objects.exists()


def test_long_texts_are_clipped_when_stored(agent):
    notification = _notify(agent, title="t" * 300, body="b  " * 400)
    assert len(notification.title) == 200 and notification.title.endswith("…")
    assert len(notification.body) <= 500


def test_notify_many_counts_who_got_one(agent, other_agent, supervisor):
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])
    assert notifications_notify_many(users=[agent, other_agent, supervisor], kind="sale.rejected", title="x") == 2


def test_created_event_reaches_the_users_tabs_after_commit_as_json(agent, other_agent, listen,
                                                                    django_capture_on_commit_callbacks):
    mine, theirs = listen(agent), listen(other_agent)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = _notify(agent, body="por Back Office")
    assert len(callbacks) == 1  # the push waits for the commit
    callbacks[0]()
    [event], nothing = events_of(mine, theirs)
    assert event == json.loads(json.dumps(event))  # what the socket sends is plain JSON
    assert event["type"] == "notification.created" and event["v"] == 1
    data = event["data"]
    assert data["id"] == notification.pk and data["unread"] == 1 and data["read"] is False
    assert (data["kind"], data["icon"], data["title"], data["url"]) == (
        "sale.validated", "sale", "Venta V-1 validada", "/sales/1/")
    assert isinstance(data["created_at"], str) and data["label"]
    assert nothing == []  # nobody else hears it


def test_mark_read_touches_only_the_users_given_notices(agent, other_agent, listen,
                                                         django_capture_on_commit_callbacks):
    first, second = _notify(agent), _notify(agent)
    foreign = _notify(other_agent)
    inbox = listen(agent)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_mark_read(user=agent, ids=[first.pk, foreign.pk]) == 1
    foreign.refresh_from_db()
    second.refresh_from_db()
    assert foreign.read_at is None and second.read_at is None
    assert unread_count(user=agent) == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_mark_read(user=agent) == 1  # all the rest
        assert notifications_mark_read(user=agent) == 0  # nothing left: no event
    events = inbox.events()
    assert {e["type"] for e in events} == {"notification.read"}
    assert [e["data"] for e in events] == [{"unread": 1}, {"unread": 0}]
    assert unread_count(user=other_agent) == 1
