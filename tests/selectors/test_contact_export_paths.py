"""The export's two writers say the same thing: on PostgreSQL the database writes the CSV (COPY) and the JSON
Lines (json_build_object), elsewhere Python does; parsed back, every row and every value is equal, in the
search's order. Also: an export stopped half-way leaves the connection usable."""

import csv
import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from ccp.models import Contact
from ccp.selectors.contact_export import FIELDS, JSON_FIELDS, contact_export_chunks
from ccp.selectors.contacts import ContactSearchFilters
from tests.factories import AgentFactory, ContactFactory, QueueFactory, TaskTemplateFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
# The database writes only on PostgreSQL: these run in .ci/run's service pass (deselected, loudly, in the first).
postgres_only = pytest.mark.services


def parsed(text: str, fmt: str) -> list[dict]:
    """Rows as {column: value}, timestamps as datetimes and JSON columns decoded, whatever wrote them."""
    if fmt == "csv":
        rows = [dict(r) for r in csv.DictReader(io.StringIO(text))]
        for row in rows:
            for name in JSON_FIELDS:
                row[name] = json.loads(row[name])
            for name, value in row.items():
                if name not in JSON_FIELDS and value == "":
                    row[name] = None
    else:
        rows = [json.loads(line) for line in text.splitlines()]
    for row in rows:
        for name, value in row.items():
            if name.endswith("Timestamp") and value:
                row[name] = dt.datetime.fromisoformat(value)
            elif name == "RoutingPriority" and value is not None:
                row[name] = int(value)
    return rows


def export(instance, filters, fmt, fast) -> str:
    return "".join(contact_export_chunks(instance=instance, filters=filters, fmt=fmt, fast=fast))


@pytest.fixture
def varied(instance):
    queue = QueueFactory(instance=instance, name='Queue "A", west')
    agent = AgentFactory(instance=instance, username="ana")
    template = TaskTemplateFactory(instance=instance)
    ContactFactory(
        instance=instance,
        name='Quote " comma , newline\nand ünïcode ✓',
        description="back\\slash\ttab\r\nCRLF",
        attributes={"tier": "gold", "nested": 'a"b'},
        references={"Case": {"Type": "URL", "Value": "https://crm/1?a=b&c=d"}},
        queue=queue,
        agent=agent,
        state="CONNECTED",
        task_template=template,
        initiation_timestamp=NOW - dt.timedelta(minutes=5, microseconds=120_000),
        enqueue_timestamp=NOW - dt.timedelta(minutes=4),
        connected_to_agent_timestamp=NOW - dt.timedelta(minutes=3, microseconds=1),
    )
    ContactFactory(
        instance=instance,
        name="",
        description="",
        channel="VOICE",
        state="ENDED",
        disconnect_reason="API",
        initiation_timestamp=NOW - dt.timedelta(hours=1),
        disconnect_timestamp=NOW - dt.timedelta(minutes=30),
    )
    for n in range(5):
        ContactFactory(instance=instance, name=f"Row {n}", initiation_timestamp=NOW - dt.timedelta(hours=2, seconds=n))


@postgres_only
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("sort_field", ["INITIATION_TIMESTAMP", "CHANNEL", "DISCONNECT_TIMESTAMP"])
def test_the_database_and_python_writers_agree(instance, varied, fmt, sort_field):
    filters = ContactSearchFilters(start=NOW - dt.timedelta(days=1), sort_field=sort_field)
    database, python = export(instance, filters, fmt, True), export(instance, filters, fmt, False)
    assert parsed(database, fmt) == parsed(python, fmt)
    assert len(parsed(database, fmt)) == Contact.objects.filter(instance=instance).count() == 7
    if fmt == "csv":
        assert database.splitlines()[0] == ",".join([*FIELDS, *JSON_FIELDS])


@pytest.mark.parametrize("fast", [False, pytest.param(True, marks=postgres_only)])
def test_the_rows_counted_are_the_rows_written(instance, varied, fast):
    counts = []
    text = "".join(
        contact_export_chunks(
            instance=instance, filters=ContactSearchFilters(), fmt="jsonl", fast=fast, counted=counts.append
        )
    )
    assert counts[-1] == len(text.splitlines()) == 7


@postgres_only
def test_an_export_stopped_half_way_leaves_the_connection_usable(instance):
    for n in range(3000):
        ContactFactory(instance=instance, name=f"Row {n}", description="x" * 200)
    for fmt in ("csv", "jsonl"):
        chunks = contact_export_chunks(instance=instance, filters=ContactSearchFilters(), fmt=fmt, fast=True)
        assert next(chunks) and next(chunks)  # CSV's first chunk is the header: the second is inside the COPY
        chunks.close()  # the browser went away
        assert Contact.objects.filter(instance=instance).count() == 3000


def test_the_python_json_lines_writer_writes_each_value_as_json_dumps_does():
    from ccp.selectors.contact_export import _json_value

    at = dt.datetime(2026, 11, 28, 5, 22, 13, 578193, tzinfo=dt.UTC)
    for value in ('q"uote, back\\slash\ttab\r\n', "ünïcode ✓ \u2028 \x00\x1f", "", None, 0, 5, True, at):
        expected = json.dumps(at.isoformat() if value is at else value, ensure_ascii=False)
        assert _json_value(value) == expected
