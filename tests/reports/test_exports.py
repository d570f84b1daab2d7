"""Excel exports: the files open with openpyxl and hold the filtered rows and the chosen columns."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Conversation, Message, Tag
from core.errors import PermissionDeniedError
from leads.models import LeadStatus
from reports.exports import ExportError, ExportParams, export_get, export_registry
from reports.models import ExportLog
from reports.services import export_run
from tests.leads.factories import ContactFactory, LeadFactory
from tests.reports.conftest import aware, read_xlsx

pytestmark = pytest.mark.django_db


def run(actor, kind: str, **params) -> dict:
    handle = io.BytesIO()
    export_run(actor=actor, kind=kind, params=ExportParams(**params), handle=handle)
    return read_xlsx(handle.getvalue())


def only_sheet(book: dict) -> list[list]:
    assert len(book) == 1
    return next(iter(book.values()))


def dated_lead(day: date, **fields):
    lead = LeadFactory(**fields)
    type(lead).objects.filter(pk=lead.pk).update(created_at=aware(day.year, day.month, day.day, 12))
    return lead


def test_registry_lists_every_kind_of_the_brief():
    assert {"leads", "conversations", "sales", "quotes", "agreements"} <= set(export_registry())


def test_leads_export_has_the_chosen_columns_and_the_rows_in_the_date_range(admin_user, agent):
    dated_lead(date(2026, 10, 1), contact__name="Rosa Quispe", budget=Decimal("150.00"), assignee=agent)
    dated_lead(date(2026, 10, 31), contact__name="Luis Flores")
    dated_lead(date(2026, 11, 1), contact__name="Ana Torres")  # the day after the range
    dated_lead(date(2026, 9, 30), contact__name="Pedro Ruiz")  # the day before
    rows = only_sheet(run(admin_user, "leads", date_from=date(2026, 10, 1), date_to=date(2026, 10, 31),
                          columns=("contact", "budget", "assignee")))
    definition = export_get("leads").column_map()
    assert rows[0] == [str(definition[k].label) for k in ("contact", "budget", "assignee")]
    assert sorted(r[0] for r in rows[1:]) == ["Luis Flores", "Rosa Quispe"]
    rosa = next(r for r in rows[1:] if r[0] == "Rosa Quispe")
    assert rosa[1] == 150 and rosa[2] == str(agent)


def test_leads_export_applies_type_filters(admin_user):
    LeadFactory(contact__name="Ganado", status=LeadStatus.WON)
    LeadFactory(contact__name="Nuevo", status=LeadStatus.NEW)
    rows = only_sheet(run(admin_user, "leads", filters={"status": "won"}, columns=("contact", "status")))
    assert [r[0] for r in rows[1:]] == ["Ganado"]


def test_default_columns_are_used_when_none_are_chosen(admin_user):
    LeadFactory()
    rows = only_sheet(run(admin_user, "leads"))
    assert len(rows[0]) == len(export_get("leads").default_columns())


def test_supervisor_export_is_scoped_to_their_team(supervisor, agent, other_agent):
    LeadFactory(contact__name="Del equipo", assignee=agent)
    LeadFactory(contact__name="De otro equipo", assignee=other_agent)
    rows = only_sheet(run(supervisor, "leads", columns=("contact",)))
    assert [r[0] for r in rows[1:]] == ["Del equipo"]


def test_export_is_refused_for_agents(agent):
    with pytest.raises(PermissionDeniedError):
        run(agent, "leads")
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize(
    ("kind", "params", "code"),
    [
        ("nope", {}, "unknown_export"),
        ("leads", {"columns": ("contact", "password")}, "unknown_column"),
        ("leads", {"filters": {"status": "archived"}}, "invalid_filter"),
        ("leads", {"filters": {"colour": "red"}}, "invalid_filter"),
        ("leads", {"date_from": date(2026, 2, 1), "date_to": date(2026, 1, 1)}, "invalid_dates"),
    ],
)
def test_bad_export_requests_are_refused(admin_user, kind, params, code):
    with pytest.raises(ExportError) as exc:
        run(admin_user, kind, **params)
    assert exc.value.code == code


def test_each_export_is_recorded(backoffice):
    LeadFactory.create_batch(3)
    run(backoffice, "leads", filters={"status": "new"})
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.row_count, log.params["filters"]) == (backoffice, "leads", 3, {"status": "new"})


def _conversation(channel_account, *, name: str, assignee=None, lead=None, status="open"):
    contact = ContactFactory(name=name)
    return Conversation.objects.create(contact=contact, channel_account=channel_account, assignee=assignee,
                                       lead=lead, status=status)


def _message(conversation, at, **fields):
    message = Message.objects.create(conversation=conversation, channel_account=conversation.channel_account,
                                     **{"direction": "in", "sender": "customer", "status": "received", **fields})
    Message.objects.filter(pk=message.pk).update(created_at=at)
    return message


def test_conversation_export_computes_times_tags_score_and_outcome(admin_user, agent, channel_account):
    lead = LeadFactory(score=72, status=LeadStatus.WON)
    start = aware(2026, 10, 5, 9, 0)
    conv = _conversation(channel_account, name="Rosa Quispe", assignee=agent, lead=lead, status="resolved")
    _message(conv, start - timedelta(days=3), direction="out", sender="system", text="plantilla")  # before: ignored
    _message(conv, start, text="Hola")
    _message(conv, start + timedelta(minutes=1), direction="out", sender="system", text="auto")  # not a reply
    _message(conv, start + timedelta(minutes=4, seconds=30), direction="out", sender="agent", text="¡Hola!")
    Conversation.objects.filter(pk=conv.pk).update(last_message_at=start + timedelta(hours=2))
    conv.tags.add(Tag.objects.create(name="fibra"), Tag.objects.create(name="urgente"))
    _conversation(channel_account, name="Sin mensajes")
    rows = only_sheet(run(admin_user, "conversations", columns=(
        "contact", "agent", "tags", "first_response_minutes", "resolution_minutes", "lead_score", "outcome",
        "quote_value")))
    by_name = {r[0]: r for r in rows[1:]}
    rosa = by_name["Rosa Quispe"]
    assert rosa[1] == str(agent)
    assert sorted(rosa[2].split(", ")) == ["fibra", "urgente"]
    assert rosa[3] == 4.5 and rosa[4] == 120.0
    assert rosa[5] == 72 and rosa[6] == str(LeadStatus.WON.label)
    assert by_name["Sin mensajes"][1:6] == [None, None, None, None, None]


def test_conversation_export_filters_by_status(admin_user, channel_account):
    _conversation(channel_account, name="Abierta")
    _conversation(channel_account, name="Resuelta", status="resolved")
    rows = only_sheet(run(admin_user, "conversations", filters={"status": "resolved"}, columns=("contact",)))
    assert [r[0] for r in rows[1:]] == ["Resuelta"]


def test_conversation_export_query_count_does_not_grow_with_rows(admin_user, agent, channel_account):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            run(admin_user, "conversations")
        return len(ctx)

    conv = _conversation(channel_account, name="Una", assignee=agent, lead=LeadFactory())
    conv.tags.add(Tag.objects.create(name="fibra"))
    few = queries()
    for i in range(6):
        c = _conversation(channel_account, name=f"Otra {i}", assignee=agent, lead=LeadFactory())
        c.tags.add(Tag.objects.get(name="fibra"))
        _message(c, aware(2026, 10, 5, 9, i))
    assert queries() == few
