"""Reads whose SQL is built once per process: later calls only bind their arguments and load the rows.

Building a query's SQL (the queryset's filters, then the compiler's columns, joins and converters) costs the
ORM several times what running it costs PostgreSQL: 1-2 ms of CPU for a row with a ``select_related``, against
0.2 ms for the same SQL sent as it is. The inbound path, the AI step and the sends run the same few reads for
every message, so those reads are written as usual and prepared once::

    OPEN_CONVERSATION = PreparedQuery(
        lambda account_id, contact_id: Conversation.objects.select_related("assignee")
        .filter(channel_account_id=account_id, contact_id=contact_id).order_by("-pk")[:1])

    conversation = OPEN_CONVERSATION.first(account_id=3, contact_id=42)

The builder is called once with a distinct stand-in for each argument; the stand-ins are found
among the compiled SQL's parameters, and each call puts its own values in their places. The rows are loaded as
the queryset would load them (model instances with their ``select_related`` rows, or ``values_list`` tuples),
with the database's converters. Arguments are ids (int), short strings or aware datetimes, compared as they
are (``=``, ``<``, ``>=``...); a builder whose argument does not reach the SQL as one parameter (``__in``, a
lookup that rewrites its value) is refused when it is prepared, so a mistake fails in the tests, not on a
customer's message. Each call's arguments must have the types of the first call's.

:func:`save_fields` is ``instance.save(update_fields=...)`` with the UPDATE built once per model and set of
fields, for the rows those paths write on every message.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.db import DatabaseError, connections, router
from django.db.models import Model, QuerySet, signals
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators
from django.db.transaction import TransactionManagementError

T = TypeVar("T")

#: Stand-ins for the arguments while the SQL is built: values no real id or text takes.
_INT_BASE = 7_340_000_000_000_000_001
_STR_BASE = "\x1fprepared-argument-"
_TYPES = (int, str, datetime)


class PreparedQueryError(ValueError):
    pass


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str, bool], ...]  # (position in params, argument name, adapted as a datetime)
    types: tuple[tuple[str, type], ...]
    kind: type
    for_update: bool
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    model: Any = None
    init_list: tuple[str, ...] = ()
    fields_start: int = 0
    fields_end: int = 0
    populators: tuple[Any, ...] = ()
    annotations: tuple[tuple[str, int], ...] = ()


class PreparedQuery(Generic[T]):
    """A read built by ``build(**arguments)`` (a QuerySet), compiled once per process (on the database the
    queryset reads from: a process talks to one)."""

    def __init__(self, build: Callable[..., QuerySet[Any]]) -> None:
        self.build = build
        self.arguments = tuple(inspect.signature(build).parameters)
        self._compiled: _Compiled | None = None
        self._alias = ""
        self._lock = threading.Lock()

    def _stand_ins(self, types: dict[str, type], variant: int = 0) -> dict[str, Any]:
        def stand_in(k: int, kind: type) -> Any:
            if kind is str:
                return f"{_STR_BASE}{variant}-{k}"
            if kind is datetime:
                return datetime(2 + variant, 1, 1, 0, 0, 0, k + 1, tzinfo=UTC)
            return _INT_BASE + 1000 * variant + k

        return {name: stand_in(k, types[name]) for k, name in enumerate(self.arguments)}

    def _compile(self, types: dict[str, type]) -> _Compiled:
        stand_ins = self._stand_ins(types)
        queryset = self.build(**stand_ins)
        alias = self._alias = queryset.db
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise PreparedQueryError("A prepared read cannot prefetch or come from a related manager.")
        kind = queryset._iterable_class
        if kind not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise PreparedQueryError(f"A prepared read loads instances or values_list() rows, not {kind.__name__}.")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        # A datetime reaches the SQL as the database adapts it (SQLite: text), and is adapted so on each call.
        adapt = connections[alias].ops.adapt_datetimefield_value
        by_value = {value: (name, False) for name, value in stand_ins.items()}
        by_value.update({adapt(value): (name, True) for name, value in stand_ins.items() if types[name] is datetime})
        slots = tuple((position, *by_value[param]) for position, param in enumerate(params)
                      if isinstance(param, _TYPES) and not isinstance(param, bool) and param in by_value)
        missing = set(self.arguments) - {name for _position, name, _adapted in slots}
        if missing:
            raise PreparedQueryError(f"Arguments {sorted(missing)} do not reach the SQL as parameters of their own.")
        # Built again with other stand-ins, only the slots may change: a value the builder computed from an
        # argument (``at + timedelta(days=1)``) would otherwise be kept as a constant.
        other_sql, other_params = self.build(**self._stand_ins(types, variant=1)).query.get_compiler(
            using=alias).as_sql()
        bound = {position for position, _name, _adapted in slots}
        if other_sql != sql or any(a != b for k, (a, b) in enumerate(zip(params, other_params, strict=True))
                                   if k not in bound):
            raise PreparedQueryError("The builder computes on an argument; compute before the call and pass the "
                                     "result as an argument of its own.")
        fields = [column[0] for column in compiler.select[0:compiler.col_count]]
        converters = tuple((position, tuple(convs), expression)
                           for position, (convs, expression) in compiler.get_converters(fields).items())
        compiled = _Compiled(sql=sql, params=tuple(params), slots=slots, types=tuple(types.items()), kind=kind,
                             for_update=bool(queryset.query.select_for_update), converters=converters,
                             model=queryset.model)
        if kind is not ModelIterable:
            return compiled
        klass_info = compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return replace(compiled, fields_start=start, fields_end=end,
                       init_list=tuple(column[0].target.attname for column in compiler.select[start:end]),
                       populators=tuple(get_related_populators(klass_info, compiler.select, alias)),
                       annotations=tuple(compiler.annotation_col_map.items()))

    def _compiled_once(self, arguments: dict[str, Any]) -> _Compiled:
        compiled = self._compiled
        if compiled is None:
            types = {name: type(value) for name, value in arguments.items()}
            unknown = sorted(name for name, kind in types.items() if kind not in _TYPES)
            if unknown:
                raise TypeError(f"Arguments {unknown} must be ids, strings or datetimes.")
            with self._lock:
                compiled = self._compiled = self._compiled or self._compile(types)
        for name, kind in compiled.types:
            if type(arguments[name]) is not kind:
                raise TypeError(f"Argument {name!r} must be {kind.__name__}, as when this read was prepared.")
        return compiled

    def all(self, **arguments: Any) -> list[T]:
        """Every row, as the built queryset would give them."""
        if set(arguments) != set(self.arguments):
            raise TypeError(f"This read takes {list(self.arguments)}, got {sorted(arguments)}.")
        compiled = self._compiled_once(arguments)
        alias = self._alias
        connection = connections[alias]
        if compiled.for_update and connection.features.has_select_for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        for name, kind in compiled.types:
            if kind is datetime and arguments[name].tzinfo is None:
                raise TypeError(f"Argument {name!r} must be an aware datetime.")
        params = list(compiled.params)
        for position, name, adapted in compiled.slots:
            value = arguments[name]
            params[position] = connection.ops.adapt_datetimefield_value(value) if adapted else value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [self._converted(row, compiled, connection) for row in rows]
        if compiled.kind is FlatValuesListIterable:
            return [row[0] for row in rows]
        if compiled.kind is ValuesListIterable:
            return [tuple(row) for row in rows]
        return [self._instance(row, compiled, alias) for row in rows]

    def first(self, **arguments: Any) -> T | None:
        """The first row, or None (the builder gives the order and, to fetch one row, the ``[:1]``)."""
        rows = self.all(**arguments)
        return rows[0] if rows else None

    def get(self, **arguments: Any) -> T:
        """The first row; the model's ``DoesNotExist`` when there is none, as ``QuerySet.get`` raises."""
        rows = self.all(**arguments)
        if not rows:
            raise self._compiled.model.DoesNotExist(f"{self._compiled.model.__name__} {arguments} does not exist.")
        return rows[0]

    @staticmethod
    def _converted(row: tuple[Any, ...], compiled: _Compiled, connection: Any) -> list[Any]:
        values = list(row)
        for position, convs, expression in compiled.converters:
            value = values[position]
            for converter in convs:
                value = converter(value, expression, connection)
            values[position] = value
        return values

    @staticmethod
    def _instance(row: Any, compiled: _Compiled, alias: str) -> Any:
        obj = compiled.model.from_db(alias, compiled.init_list, row[compiled.fields_start:compiled.fields_end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations:
            setattr(obj, name, row[position])
        return obj


@dataclass(frozen=True)
class _Update:
    sql: str
    fields: tuple[Any, ...]
    relations: tuple[Any, ...]


_updates: dict[tuple[type, str, tuple[str, ...]], _Update | None] = {}


def _update_for(model: type[Model], alias: str, names: tuple[str, ...]) -> _Update | None:
    """The UPDATE of ``names`` of one row (None: a field this cannot write as ``%s``; save() writes it)."""
    meta = model._meta
    wanted = set(names)
    fields = tuple(f for f in meta.local_concrete_fields
                   if not f.primary_key and not f.generated and (f.name in wanted or f.attname in wanted))
    if len(fields) != len(wanted) or meta.parents or any(hasattr(f, "get_placeholder") for f in fields):
        return None
    quote = connections[alias].ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names
    return _Update(sql=sql, fields=fields, relations=tuple(f for f in fields if f.is_relation))


def save_fields(instance: Model, fields: Sequence[str]) -> None:
    """``instance.save(update_fields=fields)``: the same values written (each field's ``pre_save``, such as an
    ``auto_now``, and its database preparation), the same error when the row is gone, with the UPDATE's SQL
    built once per model and set of fields. A model with its own ``save()`` or with ``pre_save``/``post_save``
    receivers, a value that is an expression, a related object that is not the one its id names (unsaved, say),
    or a field written otherwise than as ``%s`` goes through ``save()`` itself, which handles or refuses each.
    No fields: nothing written, as ``save(update_fields=[])`` writes nothing."""
    if not fields:
        return
    model = type(instance)
    alias = instance._state.db or router.db_for_write(model, instance=instance)
    key = (model, alias, tuple(fields))
    if key not in _updates:
        _updates[key] = _update_for(model, alias, key[2])
    update = _updates[key]
    if update is None or instance.pk is None or not _saved_plainly(model) or not _relations_agree(
            instance, update.relations):
        instance.save(update_fields=fields)
        return
    values = [field.pre_save(instance, False) for field in update.fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        instance.save(update_fields=fields)
        return
    connection = connections[alias]
    params = [field.get_db_prep_save(value, connection) for field, value in zip(update.fields, values, strict=True)]
    params.append(instance.pk)
    with connection.cursor() as cursor:
        cursor.execute(update.sql, params)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    instance._state.db, instance._state.adding = alias, False


def _saved_plainly(model: type[Model]) -> bool:
    """Nothing runs around this model's saves: no ``save()`` of its own, no receivers of its signals."""
    return (model.save is Model.save and not signals.pre_save.has_listeners(model)
            and not signals.post_save.has_listeners(model))


def _relations_agree(instance: Model, relations: tuple[Any, ...]) -> bool:
    for field in relations:
        if field.is_cached(instance):
            related = field.get_cached_value(instance)
            if related is not None and (related.pk is None or getattr(related, field.target_field.attname)
                                        != getattr(instance, field.attname)):
                return False
    return True


@dataclass(frozen=True)
class _Insert:
    sql: str
    fields: tuple[Any, ...]
    returning: Any  # the primary key, given back by the database


_inserts: dict[tuple[type, str, int], _Insert | None] = {}


def _insert_for(model: type[Model], alias: str, count: int) -> _Insert | None:
    """The INSERT of ``count`` new rows giving back their ids (None: a row this cannot write as ``%s``)."""
    meta, connection = model._meta, connections[alias]
    auto = meta.auto_field
    if (auto is None or meta.parents or list(meta.db_returning_fields) != [auto]
            or not connection.features.can_return_rows_from_bulk_insert):
        return None
    fields = tuple(f for f in meta.local_concrete_fields if f is not auto and not f.generated)
    if any(hasattr(f, "get_placeholder") for f in fields):
        return None
    quote = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(fields))})"
    returning, _params = connection.ops.return_insert_columns([auto])
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - names
           f"VALUES {', '.join([row] * count)} {returning}")
    return _Insert(sql=sql, fields=fields, returning=auto)


def insert_rows(*instances: Model) -> None:
    """``instance.save()`` of new rows of one model (their ids set from the database), in one INSERT whose SQL
    is built once per model and number of rows. Rows with an id already set, a model with its own ``save()`` or
    with ``pre_save`` or ``post_save`` receivers, a value that is an expression (a database default), or a field
    written otherwise than as ``%s`` go through ``save()`` itself, one by one; an unsaved related object is
    refused as ``save()`` refuses it."""
    if not instances:
        return
    model = type(instances[0])
    alias = instances[0]._state.db or router.db_for_write(model, instance=instances[0])
    key = (model, alias, len(instances))
    if key not in _inserts:
        _inserts[key] = _insert_for(model, alias, len(instances))
    insert = _inserts[key]
    values = []
    if insert is not None and _saved_plainly(model):
        for instance in instances:
            if type(instance) is not model or instance.pk is not None:
                break
            instance._prepare_related_fields_for_save(operation_name="save")
            row = [field.pre_save(instance, True) for field in insert.fields]
            if any(hasattr(value, "resolve_expression") for value in row):
                break
            values.append(row)
    if insert is None or len(values) != len(instances):
        for instance in instances:
            instance.save(force_insert=True)
        return
    connection = connections[alias]
    params = [field.get_db_prep_save(value, connection) for row in values
              for field, value in zip(insert.fields, row, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(insert.sql, params)
        ids = cursor.fetchall()
    for instance, (pk,) in zip(instances, ids, strict=True):
        setattr(instance, insert.returning.attname, pk)
        instance._state.db, instance._state.adding = alias, False
