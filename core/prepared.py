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
with the database's converters. Arguments are ids (int) or short strings, compared with ``=``; a builder whose
argument does not reach the SQL as one parameter (``__in``, a lookup that rewrites its value) is refused when
it is prepared, so a mistake fails in the tests, not on a customer's message.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators
from django.db.transaction import TransactionManagementError

T = TypeVar("T")

#: Stand-ins for the arguments while the SQL is built: values no real id or text takes.
_INT_BASE = 7_340_000_000_000_000_001
_STR_BASE = "\x1fprepared-argument-"


class PreparedQueryError(ValueError):
    pass


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...]  # (position in params, argument name)
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

    def _stand_ins(self, types: dict[str, type]) -> dict[str, Any]:
        return {name: (f"{_STR_BASE}{k}" if types.get(name) is str else _INT_BASE + k)
                for k, name in enumerate(self.arguments)}

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
        by_value = {value: name for name, value in stand_ins.items()}
        slots = tuple((position, by_value[param]) for position, param in enumerate(params)
                      if isinstance(param, int | str) and not isinstance(param, bool) and param in by_value)
        missing = set(self.arguments) - {name for _position, name in slots}
        if missing:
            raise PreparedQueryError(f"Arguments {sorted(missing)} do not reach the SQL as parameters of their own.")
        fields = [column[0] for column in compiler.select[0:compiler.col_count]]
        converters = tuple((position, tuple(convs), expression)
                           for position, (convs, expression) in compiler.get_converters(fields).items())
        compiled = _Compiled(sql=sql, params=tuple(params), slots=slots, kind=kind,
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
            with self._lock:
                compiled = self._compiled = self._compiled or self._compile(types)
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
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = arguments[name]
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
