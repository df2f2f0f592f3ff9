"""Querysets compiled to SQL once and run again with new values: the hot paths' statements without the cost
of the ORM's query compiler on every call.

Building and compiling a small queryset costs 250-400 us of CPU here (filters resolved, joins set up, SQL
generated), running the SQL it produces ~20 us; an INSERT of the 40-column contact row costs more still. A
task start runs about ten such statements, so the compiler was most of its CPU.

A `CompiledQuery` is written as a normal queryset over string parameters. It is compiled on first use with a
marker string in place of each parameter, and later calls put their values where the markers were in the
compiled parameter list: the same SQL and the same conversions of the results (`from_db_value`, as Django's
own iterators do). Only exact matches on string values can be parameters (ids, names); anything else in the
queryset is fixed when it is written. `insert_rows` writes model instances with one cached INSERT statement,
using the fields' own `pre_save` and `get_db_prep_save`, as Django's insert compiler does.

Considered: django-cachalot and the like cache results, which would serve stale rows after an admin's edit;
nothing maintained caches compiled SQL for Django 6; raw SQL by hand in each caller would repeat what the ORM
already knows (table and column names, quoting, conversions) and drift from the models.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

_MARKER = "\x00ccp-param-{}\x00"
_COUNT_WRAP = "SELECT COUNT(*) FROM ({}) counted"


@dataclass(frozen=True)
class _Compiled:
    model: type[Model]
    sql: str
    params: list  # the compiled parameters, markers included
    slots: list  # per parameter: the index of the value that replaces it, or None to keep it
    fields: list | None  # attnames of a model query's columns; None for values()/values_list()
    converters: dict
    compiler: object


def _args(compiled: _Compiled, values: tuple) -> list:
    """The compiled parameters with each marker replaced by its value."""
    return [values[s] if s is not None else p for p, s in zip(compiled.params, compiled.slots, strict=True)]


class CompiledQuery:
    """A queryset built by `build(*params)` from string parameters, compiled once (for DEFAULT_DB_ALIAS, the
    one database here)."""

    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()

    def _compile(self, count: int) -> _Compiled:
        with self._lock:
            if self._compiled is not None:
                return self._compiled
            markers = [_MARKER.format(i) for i in range(count)]
            queryset = self._build(*markers).using(DEFAULT_DB_ALIAS)
            compiler = queryset.query.get_compiler(using=DEFAULT_DB_ALIAS)
            sql, params = compiler.as_sql()
            slots = [markers.index(p) if isinstance(p, str) and p in markers else None for p in params]
            if {s for s in slots if s is not None} != set(range(count)):
                raise ValueError("A compiled query's parameters must be exact matches on string values.")
            if compiler.klass_info and compiler.klass_info.get("related_klass_infos"):
                raise ValueError("A compiled query cannot select_related().")
            columns = [col for col, _, _ in compiler.select]
            self._compiled = _Compiled(
                model=queryset.model,
                sql=sql,
                params=list(params),
                slots=slots,
                fields=[col.target.attname for col in columns] if queryset._fields is None else None,
                converters=compiler.get_converters(columns),
                compiler=compiler,
            )
            return self._compiled

    def _fetch(self, values: tuple, sql_wrap: str = "{}") -> tuple[list, _Compiled]:
        compiled = self._compiled or self._compile(len(values))
        return self._run(compiled, sql_wrap.format(compiled.sql), _args(compiled, values))

    def _run(self, compiled: _Compiled, sql: str, args: list) -> tuple[list, _Compiled]:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(sql, args)
            return cursor.fetchall(), compiled

    def rows(self, *values: str) -> list:
        """The queryset's results: model instances, or tuples for a values_list() queryset."""
        rows, compiled = self._fetch(values)
        return self._shaped(rows, compiled)

    @staticmethod
    def _shaped(rows: list, compiled: _Compiled) -> list:
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        if compiled.fields is None:
            return [tuple(row) for row in rows]
        return [compiled.model.from_db(DEFAULT_DB_ALIAS, compiled.fields, row) for row in rows]

    def first(self, *values: str):
        """The first result, or None."""
        found = self.rows(*values)
        return found[0] if found else None

    def count(self, *values: str) -> int:
        """How many rows the queryset matches (write it with .values("pk"), so the database can count an index)."""
        rows, _ = self._fetch(values, _COUNT_WRAP)
        return int(rows[0][0])

    def exists(self, *values: str) -> bool:
        """Whether the queryset matches any row (write it with [:1])."""
        rows, _ = self._fetch(values)
        return bool(rows)

    def sql_with_params(self, *values: str) -> tuple[str, list]:
        """The compiled SQL and its parameters with these values, to embed in a larger raw statement."""
        compiled = self._compiled or self._compile(len(values))
        return compiled.sql, _args(compiled, values)


def fetch_together(*calls: tuple[CompiledQuery, str, tuple]) -> list:
    """Several compiled reads in one round trip: each call is (query, "rows" | "first" | "count" | "exists",
    values); returns each call's result, as that method would. They run in order, so a read after a
    select_for_update() sees what the lock protects.

    On PostgreSQL with client-side binding (Django's default) the statements go in one execute and their
    results are read with nextset(); elsewhere (SQLite runs one statement per execute) one execute each.
    A statement costs ~20 us on the server here and a round trip several times that, plus a context switch
    on both sides: on a path of thirty statements, most of the wait."""
    connection = connections[DEFAULT_DB_ALIAS]
    joined = connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get("server_side_binding")
    statements = []
    for query, kind, values in calls:
        compiled = query._compiled or query._compile(len(values))
        args = _args(compiled, values)
        sql = _COUNT_WRAP.format(compiled.sql) if kind == "count" else compiled.sql
        statements.append((sql, args, compiled, kind))
    results = []
    with connection.cursor() as cursor:
        if joined:
            cursor.execute("; ".join(sql for sql, *_ in statements), [a for _, args, *_ in statements for a in args])
        for i, (sql, args, compiled, kind) in enumerate(statements):
            if not joined:
                cursor.execute(sql, args)
            elif i:
                cursor.nextset()
            rows = cursor.fetchall()
            if kind == "count":
                results.append(int(rows[0][0]))
            elif kind == "exists":
                results.append(bool(rows))
            else:
                shaped = CompiledQuery._shaped(rows, compiled)
                results.append(shaped if kind == "rows" else (shaped[0] if shaped else None))
    return results


class CompiledShapes:
    """One CompiledQuery per shape of a query whose SQL text varies with its arguments' shape (how many ids an
    IN list has, which channels it reads): `shapes.get(key, build)` compiles `build` the first time `key` is
    seen. Keys are few (lists of a routing profile's queues, the three channels), so the cache stays small;
    it stops growing at `limit` shapes and then compiles per call, as the ORM would."""

    def __init__(self, limit: int = 256):
        self._queries: dict = {}
        self._limit = limit

    def get(self, key, build: Callable[..., QuerySet]) -> CompiledQuery:
        query = self._queries.get(key)
        if query is None:
            query = CompiledQuery(build)
            if len(self._queries) < self._limit:
                query = self._queries.setdefault(key, query)
        return query


_INSERTS: dict[tuple, tuple] = {}
_INSERTS_LOCK = threading.Lock()


def _insert_sql(connection, alias: str, model: type[Model], count: int) -> tuple[list, str]:
    key = (alias, model, count)
    cached = _INSERTS.get(key)
    if cached is None:
        with _INSERTS_LOCK:
            fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.db_returning)]
            ops = connection.ops
            columns = ", ".join(ops.quote_name(f.column) for f in fields)
            row = "(" + ", ".join(["%s"] * len(fields)) + ")"
            # Names from the model, quoted by the backend; values are parameters.
            sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES " + ", ".join(  # noqa: S608
                [row] * count
            )
            cached = _INSERTS[key] = (fields, sql)
    return cached


# psycopg parses a statement for its placeholders once and caches the result, for statements of at most
# 4,096 characters and 50 parameters (psycopg._queries); longer ones are parsed again on every execute.
_PSYCOPG_CACHED_LENGTH, _PSYCOPG_CACHED_PARAMS = 4096, 50


def _round_trips(connection, statements: list[tuple[str, list]]) -> list[tuple[str, list]]:
    """Statements joined into as few executes as psycopg still caches (PostgreSQL with client-side binding,
    Django's default, runs several statements in one execute); elsewhere one execute each."""
    if connection.vendor != "postgresql" or connection.settings_dict["OPTIONS"].get("server_side_binding"):
        return statements
    joined: list[tuple[str, list]] = []
    for sql, params in statements:
        if joined:
            last_sql, last_params = joined[-1]
            if (
                len(last_sql) + len(sql) + 2 <= _PSYCOPG_CACHED_LENGTH
                and len(last_params) + len(params) <= _PSYCOPG_CACHED_PARAMS
            ):
                joined[-1] = (f"{last_sql}; {sql}", [*last_params, *params])
                continue
        joined.append((sql, params))
    return joined


def insert_rows(*groups: list[Model]) -> None:
    """INSERT new model instances, one statement per group (each a list of one model's instances).

    On PostgreSQL they share round trips where they can (`_round_trips`). Ids the database assigns are not
    read back."""
    groups = [group for group in groups if group]
    if not groups:
        return
    alias = groups[0][0]._state.db or DEFAULT_DB_ALIAS
    connection = connections[alias]
    statements = []
    for objs in groups:
        fields, sql = _insert_sql(connection, alias, type(objs[0]), len(objs))
        params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs for field in fields]
        statements.append((sql, params))
    with connection.cursor() as cursor:
        for sql, params in _round_trips(connection, statements):
            cursor.execute(sql, params)
    for objs in groups:
        for obj in objs:
            obj._state.adding = False
            obj._state.db = alias


_IN_INSTANCE: dict[type, CompiledQuery] = {}


def row_in_instance(model: type[Model], *, instance_id: str, pk: str):
    """The row of `model` with this id in this instance, or None (one compiled query per model)."""
    query = _IN_INSTANCE.get(model)
    if query is None:
        query = _IN_INSTANCE.setdefault(
            model, CompiledQuery(lambda instance, key: model.objects.filter(instance_id=instance, pk=key)[:1])
        )
    if not isinstance(pk, str):
        return None
    return query.first(instance_id, pk)
