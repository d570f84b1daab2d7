"""A prepared read gives what its queryset gives (instances with their select_related rows, values_list rows,
the database's converters), builds its SQL once, and refuses the reads it cannot bind safely."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from conversations.models import ChannelAccount, Conversation, Message
from conversations.selectors import channel_account_cached
from core.prepared import PreparedQuery, PreparedQueryError, insert_rows, save_fields
from leads.models import Contact, Lead
from tests.automations.factories import customer_message, make_account, make_conversation

pytestmark = pytest.mark.django_db


def _open_conversation(account_id: int, contact_id: int):  # type: ignore[no-untyped-def]
    return (Conversation.objects.select_related("assignee", "lead")
            .filter(channel_account_id=account_id, contact_id=contact_id, status__in=("open", "pending"))
            .order_by("-pk")[:1])


def test_an_instance_is_the_one_the_queryset_loads_with_its_related_rows(agent, django_assert_num_queries):
    conversation = make_conversation(assignee=agent, classification="HOT")
    other = make_conversation(name="Otro Cliente")
    read = PreparedQuery(_open_conversation)
    expected = _open_conversation(conversation.channel_account_id, conversation.contact_id).get()
    with django_assert_num_queries(1):
        found = read.first(account_id=conversation.channel_account_id, contact_id=conversation.contact_id)
        assert (found.assignee, found.lead.classification) == (agent, "HOT")  # no query: loaded with it
    assert {k: v for k, v in found.__dict__.items() if k != "_state"} == {
        k: v for k, v in expected.__dict__.items() if k != "_state"}
    assert found._state.adding is False and found._state.db == "default"
    # the next call binds its own arguments into the same SQL
    assert read.first(account_id=other.channel_account_id, contact_id=other.contact_id) == other
    assert read.first(account_id=other.channel_account_id, contact_id=conversation.contact_id) is None


def test_values_list_rows_and_converted_values_are_the_querysets(agent):
    conversation = make_conversation(assignee=agent)
    first, second = customer_message(conversation, "hola"), customer_message(conversation, "precio")
    Message.objects.filter(pk=second.pk).update(ai_flags={"analyzed": True})

    def rows(conversation_id: int):  # type: ignore[no-untyped-def]
        return (Message.objects.filter(conversation_id=conversation_id).order_by("pk")
                .values_list("pk", "text", "created_at", "ai_flags"))

    assert PreparedQuery(rows).all(conversation_id=conversation.pk) == list(rows(conversation.pk))
    flat = PreparedQuery(lambda conversation_id: Message.objects.filter(conversation_id=conversation_id)
                         .order_by("pk").values_list("text", flat=True))
    assert flat.all(conversation_id=conversation.pk) == ["hola", "precio"]
    by_text = PreparedQuery(lambda conversation_id, text: Message.objects.filter(
        conversation_id=conversation_id, text=text).values_list("pk", flat=True))
    assert by_text.all(conversation_id=conversation.pk, text="precio") == [second.pk] != [first.pk]


def test_the_sql_is_built_once():
    built = []

    def build(conversation_id: int):  # type: ignore[no-untyped-def]
        built.append(conversation_id)
        return Message.objects.filter(conversation_id=conversation_id).values_list("pk", flat=True)

    read = PreparedQuery(build)
    for conversation_id in (1, 2, 3):
        assert read.all(conversation_id=conversation_id) == []
    assert len(built) == 2 and not {1, 2, 3} & set(built)  # at preparation: built, then once more to check it


def test_an_argument_that_is_not_one_parameter_is_refused_when_prepared():
    read = PreparedQuery(lambda conversation_id: Message.objects.filter(conversation_id__in=[conversation_id]))
    # an __in list would bind; a lookup that rewrites its value (contains: %value%) would not
    contains = PreparedQuery(lambda text: Message.objects.filter(text__contains=text))
    with pytest.raises(PreparedQueryError, match="text"):
        contains.all(text="hola")
    assert read.all(conversation_id=1) == []
    with pytest.raises(PreparedQueryError, match="prefetch"):
        PreparedQuery(lambda pk: Message.objects.prefetch_related("reply_to").filter(pk=pk)).all(pk=1)
    # a value computed from an argument would be bound once, for good: refused
    day = PreparedQuery(lambda at: Message.objects.filter(created_at__gte=at, created_at__lt=at + timedelta(days=1)))
    with pytest.raises(PreparedQueryError, match="computes on an argument"):
        day.all(at=timezone.now())
    with pytest.raises(PreparedQueryError, match="computes on an argument"):
        PreparedQuery(lambda pk: Message.objects.filter(pk__gte=pk, pk__lt=pk + 10)).all(pk=1)


def test_wrong_arguments_are_a_type_error():
    read = PreparedQuery(lambda conversation_id: Message.objects.filter(conversation_id=conversation_id))
    with pytest.raises(TypeError, match="conversation_id"):
        read.all(pk=1)
    assert read.all(conversation_id=1) == []
    with pytest.raises(TypeError, match="must be int"):  # bound where an id was prepared, a string would not match
        read.all(conversation_id="1")
    with pytest.raises(TypeError, match="ids, strings or datetimes"):
        PreparedQuery(lambda conversation_id: Message.objects.filter(conversation_id=conversation_id)).all(
            conversation_id=1.5)


def test_datetime_arguments_bind_as_the_database_adapts_them(agent):
    conversation = make_conversation(assignee=agent)
    messages = [customer_message(conversation, f"línea {k}") for k in range(3)]
    start = timezone.now() - timedelta(minutes=10)
    for k, message in enumerate(messages):  # a minute apart, microseconds included
        Message.objects.filter(pk=message.pk).update(created_at=start + timedelta(minutes=k, microseconds=k * 7))

    def since(conversation_id: int, at: datetime):  # type: ignore[no-untyped-def]
        return (Message.objects.filter(conversation_id=conversation_id, created_at__gte=at)
                .order_by("pk").values_list("pk", flat=True))

    read = PreparedQuery(since)
    for at in (start, start + timedelta(microseconds=1), start + timedelta(minutes=1, microseconds=7),
               start + timedelta(minutes=5), start.astimezone(timezone.get_default_timezone())):
        assert read.all(conversation_id=conversation.pk, at=at) == list(since(conversation.pk, at))
    assert read.all(conversation_id=conversation.pk, at=start + timedelta(microseconds=1)) == [
        messages[1].pk, messages[2].pk]
    with pytest.raises(TypeError, match="aware"):
        read.all(conversation_id=conversation.pk, at=datetime(2026, 12, 1, 10, 0))  # noqa: DTZ001 - the point


def test_save_fields_writes_what_save_writes_in_one_query(agent, django_assert_num_queries):
    conversation = make_conversation(assignee=agent)
    lead = Lead.objects.create(contact=conversation.contact)
    before = conversation.updated_at
    conversation.unread_count, conversation.last_message_preview = 4, "¿tienen el plan de 50?"
    conversation.lead, conversation.ai_draft = lead, "Tenemos el plan de 50 soles."
    conversation.priority = "urgent"  # changed, not among the fields: not written
    with django_assert_num_queries(1):
        save_fields(conversation, ["unread_count", "last_message_preview", "lead", "ai_draft", "updated_at"])
    assert conversation.updated_at > before  # auto_now, on the instance too
    stored = Conversation.objects.get(pk=conversation.pk)
    assert (stored.unread_count, stored.last_message_preview, stored.lead_id, stored.ai_draft) == (
        4, "¿tienen el plan de 50?", lead.pk, "Tenemos el plan de 50 soles.")
    message = customer_message(conversation, "hola")
    message.ai_flags, message.intent = {"analyzed": True, "score": 0.5}, "greeting"
    save_fields(message, ["ai_flags", "intent", "updated_at"])  # JSON as the database takes it
    assert Message.objects.values_list("ai_flags", "intent").get(pk=message.pk) == (
        {"analyzed": True, "score": 0.5}, "greeting")
    assert stored.updated_at == conversation.updated_at and stored.priority != "urgent"


def test_save_fields_refuses_what_save_refuses():
    conversation = make_conversation()
    gone = Conversation.objects.get(pk=conversation.pk)
    Conversation.objects.filter(pk=conversation.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        save_fields(gone, ["unread_count"])
    conversation = make_conversation(name="Otra")
    conversation.lead = Lead(contact=conversation.contact)  # never saved
    with pytest.raises(ValueError, match="unsaved related object"):
        save_fields(conversation, ["lead"])
    with pytest.raises(ValueError, match="do not exist"):
        save_fields(make_conversation(name="Tercera"), ["no_such_field"])
    save_fields(gone, [])  # no fields, no statement: as save(update_fields=[])


def test_save_fields_of_a_model_with_receivers_goes_through_save():
    account = make_account()
    assert channel_account_cached(account.pk).name == account.name
    account.name = "Línea de ventas"
    save_fields(account, ["name", "updated_at"])  # ChannelAccount's saves drop the per-process copy
    assert channel_account_cached(account.pk).name == "Línea de ventas"
    assert ChannelAccount.objects.get(pk=account.pk).name == "Línea de ventas"
    contact = Contact.objects.create(name="Rosa", phone="+51987000111")
    contact.name = "Rosa Q."
    save_fields(contact, ["name"])
    assert Contact.objects.get(pk=contact.pk).name == "Rosa Q."


def test_a_locking_read_inside_a_transaction_gives_the_row(agent):
    conversation = make_conversation(assignee=agent)
    read = PreparedQuery(lambda pk: Conversation.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        assert read.first(pk=conversation.pk) == conversation


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_outside_a_transaction_is_refused_as_the_orm_refuses_it():
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite takes no row locks")
    read = PreparedQuery(lambda pk: Conversation.objects.select_for_update().filter(pk=pk))
    with pytest.raises(TransactionManagementError):
        list(Conversation.objects.select_for_update().filter(pk=1))
    with pytest.raises(TransactionManagementError):
        read.first(pk=1)


def test_get_gives_the_row_or_the_model_s_does_not_exist(agent):
    conversation = make_conversation(assignee=agent)
    read = PreparedQuery(lambda pk: Conversation.objects.filter(pk=pk))
    assert read.get(pk=conversation.pk) == conversation
    with pytest.raises(Conversation.DoesNotExist):
        read.get(pk=conversation.pk + 1000)


def test_insert_rows_stores_what_save_stores_in_one_query(agent, django_assert_num_queries):
    conversation = make_conversation(assignee=agent)
    saved = Message(conversation=conversation, channel_account=conversation.channel_account, direction="in",
                    sender="customer", type="text", text="hola", ai_flags={"forwarded": True})
    saved.save()
    rows = [Message(conversation=conversation, channel_account=conversation.channel_account, direction="in",
                    sender="customer", type="text", text=text, ai_flags={"forwarded": True}) for text in ("a", "b")]
    with django_assert_num_queries(1):
        insert_rows(*rows)
    assert [r.pk for r in rows] == sorted(r.pk for r in rows) and rows[0].pk > saved.pk
    assert all(r._state.adding is False and r.created_at is not None for r in rows)
    fields = [f.attname for f in Message._meta.concrete_fields if f.attname not in ("id", "text", "created_at",
                                                                                     "updated_at")]
    stored = Message.objects.filter(pk__in=[saved.pk, *(r.pk for r in rows)]).order_by("pk")
    first, *others = [dict(zip(fields, values, strict=True)) for values in stored.values_list(*fields)]
    assert others == [first, first]  # every column as save() wrote it: defaults, JSON, ids
    assert list(stored.values_list("text", flat=True)) == ["hola", "a", "b"]
    assert Message.objects.get(pk=rows[1].pk).created_at == rows[1].created_at


def test_insert_rows_refuses_an_unsaved_related_object_and_saves_through_save_otherwise():
    conversation = make_conversation()
    with pytest.raises(ValueError, match="unsaved related object"):
        insert_rows(Message(conversation=Conversation(channel_account=conversation.channel_account),
                            channel_account=conversation.channel_account, text="x"))
    account = ChannelAccount(provider="meta_whatsapp", name="Nueva", account_ref="98811111")
    insert_rows(account)  # receivers (the per-process cache): through save()
    assert account.pk and ChannelAccount.objects.get(pk=account.pk).name == "Nueva"
