"""Keeping the historical metric rollups (ccp/models/metrics.py) up to date.

`rollup_contact_ended` adds a contact to its two rollup rows (its queue's, its agent's) in the transaction
that ends it, so a report reading the rollups agrees with the contact rows as soon as that transaction
commits; `rollup_rebuild` recomputes an instance's rows from its ended contacts (after a data load or a
fix: `manage.py metrics_rollup_rebuild`). Why rollups: a 30-day report over a million contacts summed the
rows in ~3 s; the rollups hold at most one row per queue (or agent) and channel per 15 minutes.

Each ingredient is the definition in ccp/selectors/historical.py (`contact_aggregates`), computed here
from the one contact in Python; tests compare both over known timelines.
"""

import datetime as dt

from django.db import connection
from django.db.models import ExpressionWrapper, IntegerField, Value
from django.db.models.functions import Cast, ExtractMinute, TruncHour

from ccp.models import Contact, ContactState, DisconnectReason, InitiationMethod, MetricRollup
from ccp.models.metrics import SERVICE_LEVEL_EDGES, SUMMED, sl_column
from ccp.selectors.historical import INCOMING, TRANSFERRED_IN, contact_aggregates
from ccp.services.transactions import entry_transaction, transaction_required

BUCKET = dt.timedelta(minutes=15)
SL_COLUMNS = [sl_column(s) for s in SERVICE_LEVEL_EDGES]
KEY = ("instance_id", "by_agent", "bucket", "queue_id", "agent_id", "channel")


def bucket_of(moment: dt.datetime) -> dt.datetime:
    """The UTC start of the 15 minutes `moment` falls in."""
    utc = moment.astimezone(dt.UTC)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)


def _us(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def contact_figures(contact: Contact) -> dict:
    """One ended contact's ingredients (the definitions of historical.contact_aggregates, for one row)."""
    handled = contact.connected_to_agent_timestamp is not None
    queued = contact.enqueue_timestamp is not None
    finished = contact.after_contact_work_end_timestamp or contact.disconnect_timestamp
    figures = dict.fromkeys([*SUMMED, *SL_COLUMNS], 0)
    figures["longest_us"] = None
    figures["created"] = 1
    figures["queued"] = int(queued)
    figures["handled"] = int(handled)
    figures["transferred_out"] = int(handled and contact.disconnect_reason == DisconnectReason.TRANSFERRED)
    figures["abandoned"] = int(queued and not handled and contact.state == ContactState.ENDED)
    figures["api_handled"] = int(handled and contact.initiation_method == InitiationMethod.API)
    figures["handled_incoming"] = int(handled and contact.initiation_method in INCOMING)
    figures["handled_outbound"] = int(handled and contact.initiation_method == InitiationMethod.OUTBOUND)
    figures["transferred_in"] = int(contact.initiation_method in TRANSFERRED_IN)
    figures["expired"] = int(contact.disconnect_reason == DisconnectReason.EXPIRED)
    figures["flow_disconnected"] = int(contact.disconnect_reason == DisconnectReason.CONTACT_FLOW_DISCONNECT)
    if handled and finished is not None:
        figures["handle_n"] = 1
        figures["handle_us"] = _us(finished - contact.connected_to_agent_timestamp)
    if handled and queued:
        wait = contact.connected_to_agent_timestamp - contact.enqueue_timestamp
        figures["answer_n"] = 1
        figures["answer_us"] = _us(wait)
        figures["longest_us"] = _us(wait)
        for seconds, column in zip(SERVICE_LEVEL_EDGES, SL_COLUMNS, strict=True):
            figures[column] = int(wait < dt.timedelta(seconds=seconds))
    if contact.after_contact_work_end_timestamp is not None:
        figures["acw_n"] = 1
        if contact.after_contact_work_start_timestamp is not None:
            acw = contact.after_contact_work_end_timestamp - contact.after_contact_work_start_timestamp
            figures["acw_us"] = _us(acw)
    figures["left_queue"] = int(queued and (handled or contact.state == ContactState.ENDED))
    return figures


def _upsert(rows: list[dict]) -> None:
    """Add `rows` to the rollups: insert, or add to the row of the same key (atomic on both databases)."""
    columns = [*KEY, *SUMMED, *SL_COLUMNS, "longest_us"]
    table = connection.ops.quote_name(MetricRollup._meta.db_table)
    q = connection.ops.quote_name
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    added = [f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in [*SUMMED, *SL_COLUMNS]]
    longest = (
        f"{q('longest_us')} = COALESCE({greatest}({table}.{q('longest_us')}, excluded.{q('longest_us')}),"
        f" {table}.{q('longest_us')}, excluded.{q('longest_us')})"
    )
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Names from the model and "%s" placeholders only: the values go as parameters.
    names, key, updates = ", ".join(q(c) for c in columns), ", ".join(q(c) for c in KEY), ", ".join([*added, longest])
    values = ", ".join([placeholders] * len(rows))
    sql = f"INSERT INTO {table} ({names}) VALUES {values} ON CONFLICT ({key}) DO UPDATE SET {updates}"  # noqa: S608
    params = [row[c] for row in rows for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rollup_contact_ended(contact: Contact) -> None:
    """Add an ended contact to its queue's and its agent's rollup rows, in the transaction that ends it."""
    transaction_required("Adding an ended contact to the metric rollups")
    figures = contact_figures(contact)
    common = {"instance_id": contact.instance_id, "bucket": bucket_of(contact.initiation_timestamp)}
    common["channel"] = contact.channel
    _upsert(
        [
            {**common, **figures, "by_agent": False, "queue_id": contact.queue_id or "", "agent_id": ""},
            {**common, **figures, "by_agent": True, "queue_id": "", "agent_id": contact.agent_id or ""},
        ]
    )


def _as_us(value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.timedelta):
        return _us(value)
    return int(value)  # SQLite sums durations as microseconds


def rollup_rebuild(*, instance_id: str, batch: int = 5_000) -> int:
    """Recompute an instance's rollup rows from its ended contacts (one transaction); the number of rows."""
    with entry_transaction():
        return rollup_rebuild_rows(instance_id=instance_id, batch=batch)


def rollup_rebuild_rows(*, instance_id: str, batch: int = 5_000) -> int:
    """rollup_rebuild's work, inside the caller's transaction (the migration that adds the rollups)."""
    transaction_required("Rebuilding the metric rollups")
    MetricRollup.objects.filter(instance_id=instance_id).delete()
    buckets = {
        "_h": TruncHour("initiation_timestamp", tzinfo=dt.UTC),
        "_m": ExpressionWrapper(
            Cast(ExtractMinute("initiation_timestamp", tzinfo=dt.UTC), IntegerField()) / Value(15),
            output_field=IntegerField(),
        ),
    }
    ended = Contact.objects.filter(instance_id=instance_id, state=ContactState.ENDED).annotate(**buckets)
    total = 0
    columns = [*KEY, *SUMMED, *SL_COLUMNS, "longest_us"]
    for by_agent, field in ((False, "queue_id"), (True, "agent_id")):
        aggregates = contact_aggregates(list(SERVICE_LEVEL_EDGES))
        grouped = ended.values("_h", "_m", field, "channel").annotate(**aggregates).order_by()
        rows = []
        for row in grouped.iterator(chunk_size=batch):
            figures = {c: _as_us(row[c]) if c.endswith("_us") else row[c] for c in SUMMED}
            figures.update({column: row[f"sl_{i}"] for i, column in enumerate(SL_COLUMNS)})
            figures["longest_us"] = None if row["longest_us"] is None else _as_us(row["longest_us"])
            figures.update(
                instance_id=instance_id,
                by_agent=by_agent,
                bucket=row["_h"].astimezone(dt.UTC) + row["_m"] * BUCKET,
                queue_id="" if by_agent else row["queue_id"] or "",
                agent_id=row["agent_id"] or "" if by_agent else "",
                channel=row["channel"],
            )
            rows.append([figures[c] for c in columns])
            if len(rows) >= INSERT_ROWS:
                _insert(columns, rows)
                total += len(rows)
                rows = []
        if rows:
            _insert(columns, rows)
            total += len(rows)
    return total


# Rows per INSERT of the rebuild: 400 rows of ~75 columns stay under SQLite's 32,766 parameters (PostgreSQL: 65,535).
INSERT_ROWS = 400


def _insert(columns: list[str], rows: list[list]) -> None:
    """One multi-row INSERT of new rollup rows (the rebuild: no model instance per row)."""
    q = connection.ops.quote_name
    table, names = q(MetricRollup._meta.db_table), ", ".join(q(c) for c in columns)
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values}", [v for row in rows for v in row])  # noqa: S608
