"""The contact behind a channel identity, as the inbound step finds and touches it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.models import Contact
from leads.services import contact_upsert_from_channel

pytestmark = pytest.mark.django_db


def _upsert(**kwargs: str) -> tuple[Contact, list[str]]:
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        contact = contact_upsert_from_channel(channel="whatsapp", channel_id="51987654321", **kwargs)
    return contact, [q["sql"] for q in queries.captured_queries]


def test_a_customer_writing_line_after_line_is_seen_once_a_minute():
    first, _ = _upsert(phone="+51987654321", name="Rosa Quispe")
    seen = Contact.objects.get(pk=first.pk).last_seen_at
    assert seen is not None

    again, sql = _upsert(phone="+51987654321", name="Rosa Quispe")
    assert again.pk == first.pk
    assert not [q for q in sql if q.startswith("UPDATE")]  # the row is locked, not written
    assert Contact.objects.get(pk=first.pk).last_seen_at == seen

    Contact.objects.filter(pk=first.pk).update(last_seen_at=timezone.now() - timedelta(minutes=2))
    _upsert(phone="+51987654321")
    assert Contact.objects.get(pk=first.pk).last_seen_at > seen


def test_new_details_are_saved_even_within_the_minute():
    first, _ = _upsert()
    assert first.name == "" and first.phone == ""
    _, sql = _upsert(phone="+51987654321", name="Rosa Quispe")
    assert [q for q in sql if q.startswith("UPDATE")]
    contact = Contact.objects.get(pk=first.pk)
    assert (contact.name, contact.phone) == ("Rosa Quispe", "+51987654321")
