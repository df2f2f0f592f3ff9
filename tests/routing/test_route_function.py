"""`ccp_route_offer` against what surrounds it: the migration that defines it, and the models it writes.

The function is SQL text in a migration, so nothing ties it to the models: a renamed field, or a new column
its INSERTs leave out, breaks routing on PostgreSQL only, at run time. These tests read the newest text
(ccp/routing/sql.py finds it) and fail instead. The column checks need no database and run in both passes;
the live text needs PostgreSQL.
"""

import hashlib
import re

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import NOT_PROVIDED

from ccp.routing.sql import route_offer_body, route_offer_function, route_offer_migrations

# Words of the function that are neither columns nor tables nor its own variables (v_…, p_…).
SQL_WORDS = {
    "and", "as", "begin", "case", "count", "cross", "declare", "else", "end", "exists", "false", "for", "found",
    "from", "if", "in", "insert", "into", "is", "join", "lateral", "limit", "not", "null", "of", "on", "or",
    "order", "by", "return", "returning", "select", "set", "then", "true", "union", "all", "update", "values",
    "when", "where", "locked", "skip", "filter", "any", "array", "varchar", "cardinality", "unnest",
}  # fmt: skip


def model_columns() -> dict[str, set[str]]:
    """Every ccp table and its columns, as the models say today."""
    return {
        model._meta.db_table: {field.column for field in model._meta.concrete_fields}
        for model in apps.get_app_config("ccp").get_models()
    }


def _statements(text: str) -> list[str]:
    body = route_offer_body(text)
    body = re.sub(r"--[^\n]*", " ", body)
    body = re.sub(r"'[^']*'", "''", body)  # string literals: 'ROUTABLE', the to_char format
    return body.split(";")


def named_columns(text: str, tables: set[str]) -> set[tuple[str, str]]:
    """(table, column) for every column the function names: `alias.column`, INSERT column lists, and the bare
    columns of a statement on one table (UPDATE ccp_user SET idle_since = … WHERE id = …)."""
    rowtypes = dict((var, table) for var, table in re.findall(r"\b(\w+)\s+(ccp_\w+)%ROWTYPE", text))
    named = set()
    for statement in _statements(text):
        aliases = dict(rowtypes)
        unaliased = set()
        for table, alias in re.findall(r"\b(?:FROM|JOIN|UPDATE)\s+(ccp_\w+)\b(?:\s+(\w+))?", statement):
            if table not in tables:
                named.add((table, "*"))  # a table no model has: reported as missing
            if alias and alias.lower() not in SQL_WORDS:
                aliases[alias] = table
            else:
                unaliased.add(table)
        for alias, column in re.findall(r"\b(\w+)\.(\w+)\b", statement):
            if alias in aliases and column != "*":
                named.add((aliases[alias], column))
        for table, columns in re.findall(r"INSERT\s+INTO\s+(ccp_\w+)\s*\(([^)]*)\)", statement):
            named.update((table, column.strip()) for column in columns.split(","))
        if len(unaliased) == 1 and len(aliases) == len(rowtypes):
            (table,) = unaliased
            for word in re.findall(r"(?<![.\w%])([a-z_][a-z0-9_]*)\b(?![.(%])", statement):
                if word.lower() not in SQL_WORDS and not word.startswith(("v_", "p_")) and word not in tables:
                    named.add((table, word))
    return named


def missing_columns(text: str, columns: dict[str, set[str]]) -> list[tuple[str, str]]:
    named = named_columns(text, set(columns))
    return sorted((table, column) for table, column in named if column not in columns.get(table, ()))


def test_every_column_the_routing_function_names_exists_on_the_models():
    columns = model_columns()
    named = named_columns(route_offer_function(), set(columns))

    assert missing_columns(route_offer_function(), columns) == []
    # The parse sees every kind of reference, so an empty result above means something.
    assert {
        ("ccp_user", "status_id"),  # u.status_id
        ("ccp_contact", "routing_order_at"),  # c.routing_order_at
        ("ccp_offercooldown", "until"),  # oc.until
        ("ccp_contact", "agent_id"),  # the open-task count, on one unaliased table
        ("ccp_contact", "connected_to_agent_timestamp"),  # UPDATE ccp_contact SET …
        ("ccp_contactevent", "detail"),  # INSERT column list
        ("ccp_timer", "due_at"),
        ("ccp_user", "idle_since"),  # UPDATE ccp_user SET idle_since
        ("ccp_contact", "queue_id"),  # v_contact.queue_id, a ccp_contact%ROWTYPE
    } <= named


def test_a_renamed_model_field_fails_the_column_check():
    columns = model_columns()
    columns["ccp_user"] = columns["ccp_user"] - {"idle_since"} | {"idle_from"}
    columns["ccp_contact"] = columns["ccp_contact"] - {"routing_order_at"} | {"routing_order"}
    columns["ccp_timer"] = columns["ccp_timer"] - {"leased_by"} | {"lessee"}

    assert missing_columns(route_offer_function(), columns) == [
        ("ccp_contact", "routing_order_at"),
        ("ccp_timer", "leased_by"),
        ("ccp_user", "idle_since"),
    ]


def test_a_column_the_models_do_not_have_fails_the_column_check():
    text = route_offer_function().replace("rpq.delay_seconds", "rpq.delay").replace("oc.until", "oc.expires")
    text = text.replace("SET idle_since = p_now", "SET idle_at = p_now")

    assert missing_columns(text, model_columns()) == [
        ("ccp_offercooldown", "expires"),
        ("ccp_routingprofilequeue", "delay"),
        ("ccp_user", "idle_at"),
    ]


@pytest.mark.parametrize("table", ["ccp_contactevent", "ccp_timer"])
def test_the_routing_function_fills_every_required_column_of_the_rows_it_inserts(table):
    # Django sets defaults in Python, not in the table: a NOT NULL column the INSERT leaves out fails on PostgreSQL.
    model = next(m for m in apps.get_app_config("ccp").get_models() if m._meta.db_table == table)
    required = {
        f.column
        for f in model._meta.concrete_fields
        if not f.null and not f.primary_key and f.db_default is NOT_PROVIDED
    }
    inserted = {column for t, column in named_columns(route_offer_function(), set(model_columns())) if t == table}

    assert required - inserted == set()


# Each migration's text as it was applied. A fresh test database installs whatever the newest migration says,
# so only this list notices an applied migration edited in place: existing databases would never run it again.
APPLIED_TEXTS = {
    "0003_route_offer_function": "a77889ca8f2b77a2",
    "0005_route_offer_expires_at": "6a7e4d789ccaaeb3",
    "0018_convo_route_offer_channels": "2d561935d358f7f3",
    "0022_console16_phone_config": "5d702299119695f2",
}


def test_a_migration_that_installed_the_routing_function_is_never_edited():
    texts = {name: hashlib.sha256(text.encode()).hexdigest()[:16] for name, text in route_offer_migrations()}

    for name, digest in APPLIED_TEXTS.items():
        assert texts.pop(name) == digest, f"{name} changed: a change to ccp_route_offer is a new migration"
    # A new migration: add it above, with its digest, once it is applied anywhere.
    assert texts == {}


@pytest.mark.services
@pytest.mark.django_db
def test_the_live_routing_function_is_the_newest_migrations_text():
    assert connection.vendor == "postgresql", "the live function needs PostgreSQL (DATABASE_URL)"
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'ccp_route_offer'")
        live = [row[0] for row in cursor.fetchall()]
        # The whole definition too (arguments, return type, language): install the newest text in a scratch
        # schema and let PostgreSQL print both. The test's transaction drops the schema again.
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        cursor.execute("CREATE SCHEMA route_offer_check")
        cursor.execute(f"SET LOCAL search_path = route_offer_check, {schema}")
        cursor.execute(route_offer_function())
        cursor.execute(f"SET LOCAL search_path = {schema}")
        cursor.execute(
            "SELECT n.nspname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE p.proname = 'ccp_route_offer'"
        )
        definitions = dict(cursor.fetchall())

    assert live == [route_offer_body(route_offer_function())], "a migration changed the function: is it the newest?"
    assert definitions[schema] == definitions["route_offer_check"].replace("route_offer_check.", f"{schema}.")
