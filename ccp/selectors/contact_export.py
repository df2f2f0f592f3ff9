"""The contact export: a search's rows as CSV or JSON Lines, produced a chunk at a time.

Shared by the console's streamed download and `manage.py export_contacts`. Rows are read as plain values
through a server-side cursor (`QuerySet.iterator(chunk_size=…)`) and written out as they come, so memory
stays flat whether the search matches ten rows or a million.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator

from django.db.models import TextField
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
# One encoder for every row: json.dumps with options builds a new JSONEncoder per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
CHUNK_SIZE = 2000


def _text(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _json(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


def contact_export_rows(*, instance, filters: ContactSearchFilters) -> Iterator[tuple]:
    """The search's rows in order as tuples of FIELDS' values then JSON_FIELDS' stored text, read `CHUNK_SIZE`
    at a time."""
    texts = {f"_{column}_text": Cast(column, TextField()) for column in JSON_FIELDS.values()}
    queryset = contact_search(instance=instance, filters=filters).annotate(**texts)
    return queryset.values_list(*FIELDS.values(), *texts).iterator(chunk_size=CHUNK_SIZE)


def contact_export_chunks(
    *, instance, filters: ContactSearchFilters, fmt: str, rows_per_chunk: int = 500, counted=None
):
    """The export as text chunks (header first for CSV), `rows_per_chunk` rows each; `counted(rows)`, when
    given, hears the number of rows written so far after each chunk (a CSV row may span lines)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}.")
    names = list(FIELDS)
    plain = len(names)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if fmt == "csv":
        writer.writerow([*names, *JSON_FIELDS])
    tail = "".join(f',"{name}":{{}}' for name in JSON_FIELDS) + "}}\n"
    count = 0
    for row in contact_export_rows(instance=instance, filters=filters):
        if fmt == "csv":
            writer.writerow([_text(v) for v in row])
        else:
            record = dict(zip(names, map(_json, row[:plain]), strict=True))
            head = _ENCODER.encode(record)[:-1]
            buffer.write(head + tail.format(*(text or "null" for text in row[plain:])))
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


def contact_export_filename(*, instance, filters: ContactSearchFilters, fmt: str, zone) -> str:
    """`contacts-<alias>-<start>-to-<end>.<fmt>`, the times in the instance's zone."""

    def stamp(value):
        return value.astimezone(zone).strftime("%Y%m%dT%H%M") if value else "any"

    alias = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in instance.alias)
    return f"contacts-{alias}-{stamp(filters.start)}-to-{stamp(filters.end)}.{fmt}"
