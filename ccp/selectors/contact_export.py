"""The contact export: a search's rows as CSV or JSON Lines, produced a chunk at a time.

Shared by the console's streamed download and `manage.py export_contacts`. Memory stays flat whether the
search matches ten rows or a million: rows are written out as they arrive.

On PostgreSQL the database writes the text: CSV through `COPY (the search) TO STDOUT (FORMAT csv)`, JSON Lines
as one `json_build_object(…)::text` per row read through a server-side cursor. Python only passes the text on,
which is what gets a million rows out at the benchmark's rate (bench/search.py). Elsewhere (SQLite) rows are
read as plain values through a server-side-style iterator and written with the csv module and json. Both
paths write the same columns and values: timestamps as ISO 8601 in UTC, the JSON columns as stored (a test
parses both back and compares them, tests/selectors/test_contact_export_paths.py).
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from json.encoder import encode_basestring

from django.db import connection, transaction
from django.db.models import F, Func, TextField, Value
from django.db.models.functions import Cast

from ccp.selectors.contacts import ContactSearchFilters, contact_search

# Column name → the value read from the row (plain values, no model instances).
FIELDS = {
    "Id": "id",
    "Channel": "channel",
    "InitiationMethod": "initiation_method",
    "State": "state",
    "Name": "name",
    "Description": "description",
    "InitiationTimestamp": "initiation_timestamp",
    "ScheduledTimestamp": "scheduled_timestamp",
    "EnqueueTimestamp": "enqueue_timestamp",
    "ConnectedToAgentTimestamp": "connected_to_agent_timestamp",
    "AfterContactWorkStartTimestamp": "after_contact_work_start_timestamp",
    "AfterContactWorkEndTimestamp": "after_contact_work_end_timestamp",
    "DisconnectTimestamp": "disconnect_timestamp",
    "LastUpdateTimestamp": "last_update_timestamp",
    "DisconnectReason": "disconnect_reason",
    "QueueId": "queue_id",
    "QueueName": "queue__name",
    "AgentId": "agent_id",
    "AgentUsername": "agent__username",
    "RoutingPriority": "routing_priority",
    "FlowId": "flow_id",
    "TaskTemplateId": "task_template_id",
    "InitialContactId": "initial_contact_id",
    "PreviousContactId": "previous_contact_id",
    "RelatedContactId": "related_contact_id",
}
# The JSON columns, read as their stored text and written out as is: decoding a million attribute maps only
# to encode them again was a third of the export's time.
JSON_FIELDS = {"References": "references", "Attributes": "attributes"}
FORMATS = ("csv", "jsonl")
# One encoder for the values _json_value does not write itself (numbers): json.dumps with options builds a new
# JSONEncoder per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# A JSON Lines row with a %s per value: the keys are written once here, not encoded again for every row
# (json's encoder spent more time on a 27-key dict per row than on all the rest of the export: 17,000 rows/s).
_JSON_LINE = "{" + ",".join(f"{encode_basestring(name)}:%s" for name in [*FIELDS, *JSON_FIELDS]) + "}\n"
CHUNK_SIZE = 2000
# The text handed on at a time by the PostgreSQL path (COPY's blocks are a few kilobytes).
CHUNK_CHARS = 256 * 1024
TIMESTAMP_FIELDS = {column for column in FIELDS.values() if column.endswith("timestamp")}


def _text(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _json_value(value) -> str:
    """One plain column's value as JSON text, as the encoder writes it (a string is escaped by the same C
    function json.dumps(ensure_ascii=False) uses); a timestamp as its ISO 8601 string."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is dt.datetime:
        return '"' + value.isoformat() + '"'
    if isinstance(value, dt.datetime):
        return encode_basestring(value.isoformat())
    return _ENCODER.encode(value)


def contact_export_rows(*, instance, filters: ContactSearchFilters) -> Iterator[tuple]:
    """The search's rows in order as tuples of FIELDS' values then JSON_FIELDS' stored text, read `CHUNK_SIZE`
    at a time (one query per segment of the sort order, one after the other)."""
    texts = {f"_{column}_text": Cast(column, TextField()) for column in JSON_FIELDS.values()}
    for queryset in contact_search(instance=instance, filters=filters):
        yield from queryset.annotate(**texts).values_list(*FIELDS.values(), *texts).iterator(chunk_size=CHUNK_SIZE)


def _python_chunks(*, instance, filters, fmt: str, rows_per_chunk: int, counted) -> Iterator[str]:
    names = list(FIELDS)
    plain = len(names)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if fmt == "csv":
        writer.writerow([*names, *JSON_FIELDS])
    count = 0
    for row in contact_export_rows(instance=instance, filters=filters):
        if fmt == "csv":
            writer.writerow([_text(v) for v in row])
        else:
            buffer.write(_JSON_LINE % (*map(_json_value, row[:plain]), *(text or "null" for text in row[plain:])))
        count += 1
        if count % rows_per_chunk == 0:
            if counted:
                counted(count)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if counted:
        counted(count)
    if buffer.tell():
        yield buffer.getvalue()


def _iso(column: str) -> Func:
    """A timestamp as ISO 8601 text with a T, in the session's zone (UTC): what `datetime.isoformat` writes,
    except that PostgreSQL drops trailing zeros of the fraction (both parse to the same instant)."""
    return Func(F(column), template="(to_json(%(expressions)s) #>> '{}')", output_field=TextField())


def _postgres_chunks(*, instance, filters, fmt: str, counted) -> Iterator[str]:
    count = 0
    if fmt == "csv":
        yield ",".join([*FIELDS, *JSON_FIELDS]) + "\n"
        columns = [_iso(c) if c in TIMESTAMP_FIELDS else F(c) for c in FIELDS.values()]
        columns += [Cast(column, TextField()) for column in JSON_FIELDS.values()]
    else:
        pairs = [*FIELDS.items(), *JSON_FIELDS.items()]
        args = [arg for name, column in pairs for arg in (Cast(Value(name), TextField()), F(column))]
        line = Cast(Func(*args, function="json_build_object"), TextField())
    pending, size = [], 0
    for queryset in contact_search(instance=instance, filters=filters):
        if fmt == "csv":
            sql, params = queryset.values_list(*columns).query.sql_with_params()
            # In a transaction (a savepoint inside the caller's): a reader that stops half-way (the browser went
            # away) makes psycopg cancel the COPY, and the rollback leaves the connection clean for the next query.
            with transaction.atomic(), connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
                    for block in copy:
                        pending.append(bytes(block).decode())
                        size += len(block)
                        if size >= CHUNK_CHARS:
                            yield "".join(pending)
                            pending, size = [], 0
                count += cursor.cursor.rowcount
        else:
            for text in queryset.annotate(_line=line).values_list("_line", flat=True).iterator(chunk_size=CHUNK_SIZE):
                pending.append(text)
                pending.append("\n")
                size += len(text)
                count += 1
                if size >= CHUNK_CHARS:
                    yield "".join(pending)
                    pending, size = [], 0
        if counted:
            counted(count)
    if counted:
        counted(count)
    if pending:
        yield "".join(pending)


def contact_export_chunks(
    *, instance, filters: ContactSearchFilters, fmt: str, rows_per_chunk: int = 500, counted=None, fast=None
):
    """The export as text chunks (header first for CSV); `counted(rows)`, when given, hears the number of rows
    written so far (a CSV row may span lines). `fast` picks the PostgreSQL path (default: on PostgreSQL)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}.")
    if fast is None:
        fast = connection.vendor == "postgresql"
    if fast:
        return _postgres_chunks(instance=instance, filters=filters, fmt=fmt, counted=counted)
    return _python_chunks(instance=instance, filters=filters, fmt=fmt, rows_per_chunk=rows_per_chunk, counted=counted)


def contact_export_filename(*, instance, filters: ContactSearchFilters, fmt: str, zone) -> str:
    """`contacts-<alias>-<start>-to-<end>.<fmt>`, the times in the instance's zone."""

    def stamp(value):
        return value.astimezone(zone).strftime("%Y%m%dT%H%M") if value else "any"

    alias = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in instance.alias)
    return f"contacts-{alias}-{stamp(filters.start)}-to-{stamp(filters.end)}.{fmt}"
