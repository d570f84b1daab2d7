"""A prepared read gives what its queryset gives (instances with their select_related rows, values_list rows,
the database's converters), builds its SQL once, and refuses the reads it cannot bind safely."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from conversations.models import Conversation, Message
from core.prepared import PreparedQuery, PreparedQueryError
from tests.automations.factories import customer_message, make_conversation

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
    assert len(built) == 1


def test_an_argument_that_is_not_one_parameter_is_refused_when_prepared():
    read = PreparedQuery(lambda conversation_id: Message.objects.filter(conversation_id__in=[conversation_id]))
    # an __in list would bind; a lookup that rewrites its value (contains: %value%) would not
    contains = PreparedQuery(lambda text: Message.objects.filter(text__contains=text))
    with pytest.raises(PreparedQueryError, match="text"):
        contains.all(text="hola")
    assert read.all(conversation_id=1) == []
    with pytest.raises(PreparedQueryError, match="prefetch"):
        PreparedQuery(lambda pk: Message.objects.prefetch_related("reply_to").filter(pk=pk)).all(pk=1)


def test_wrong_arguments_are_a_type_error():
    read = PreparedQuery(lambda conversation_id: Message.objects.filter(conversation_id=conversation_id))
    with pytest.raises(TypeError, match="conversation_id"):
        read.all(pk=1)


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
