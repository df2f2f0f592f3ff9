"""Keeping the historical metric rollups (ccp/models/metrics.py) up to date.

`rollup_contact_ended` adds a contact to its two rollup rows (its queue's, its agent's) in the transaction
that ends it, so a report reading the rollups agrees with the contact rows as soon as that transaction
commits; `rollup_rebuild` recomputes an instance's rows from its ended contacts (after a data load or a
fix: `manage.py metrics_rollup_rebuild`). Why rollups: a 30-day report over a million contacts summed the
rows in ~3 s; the rollups hold at most one row per queue (or agent) and channel per 15 minutes.

Each ingredient is the definition in ccp/selectors/historical.py (`contact_aggregates`): computed here
from the one contact in Python when it ends, and compiled by the ORM into the rebuild's
INSERT … SELECT … GROUP BY (set-based: 1,000,000 contacts rebuild in seconds on PostgreSQL, see
bench/metrics.py); tests compare the three (rollups, rebuild, contact rows) over known timelines.
"""

import datetime as dt

from django.db import connection
from django.db.models import ExpressionWrapper, IntegerField, Value
from django.db.models.functions import Cast, ExtractMinute, TruncHour

from ccp.models import Contact, ContactState, DisconnectReason, InitiationMethod, MetricRollup, MetricRollupHour
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


def _upsert(rows: list[dict], model=MetricRollup) -> None:
    """Add `rows` to the rollups: insert, or add to the row of the same key (atomic on both databases)."""
    columns = [*KEY, *SUMMED, *SL_COLUMNS, "longest_us"]
    table = connection.ops.quote_name(model._meta.db_table)
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
    """Add an ended contact to its queue's and its agent's rollup rows, per 15 minutes and per hour, in the
    transaction that ends it."""
    transaction_required("Adding an ended contact to the metric rollups")
    figures = contact_figures(contact)
    quarter = bucket_of(contact.initiation_timestamp)
    for model, bucket in ((MetricRollup, quarter), (MetricRollupHour, quarter.replace(minute=0))):
        # The bucket as the ORM (and the rebuild's SQL) stores it: on SQLite, text without an offset, so the
        # same 15 minutes (or hour) is the same key whichever path wrote the row first.
        common = {"instance_id": contact.instance_id, "channel": contact.channel}
        common["bucket"] = connection.ops.adapt_datetimefield_value(bucket)
        _upsert(
            [
                {**common, **figures, "by_agent": False, "queue_id": contact.queue_id or "", "agent_id": ""},
                {**common, **figures, "by_agent": True, "queue_id": "", "agent_id": contact.agent_id or ""},
            ],
            model,
        )


def rollup_rebuild(*, instance_id: str) -> int:
    """Recompute an instance's rollup rows from its ended contacts (one transaction); the number of rows."""
    with entry_transaction():
        return rollup_rebuild_rows(instance_id=instance_id)


def rollup_rebuild_rows(*, instance_id: str) -> int:
    """rollup_rebuild's work, inside the caller's transaction: set-based, one INSERT … SELECT … GROUP BY per
    scope (per queue, per agent), so the contacts never travel to Python (1,000,000 in seconds)."""
    transaction_required("Rebuilding the metric rollups")
    MetricRollup.objects.filter(instance_id=instance_id).delete()
    MetricRollupHour.objects.filter(instance_id=instance_id).delete()
    ended = Contact.objects.filter(instance_id=instance_id, state=ContactState.ENDED)
    total = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One sort and one pass per scope: JIT compiling 75 aggregates cost more than running them, and
            # parallel workers' partial groups (≈1 contact each per agent and 15 minutes) cost more to merge.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL work_mem = '256MB'")
        for by_agent in (False, True):
            if connection.vendor == "postgresql":
                sql, params = rebuild_sql_postgresql(by_agent=by_agent, instance_id=instance_id)
            else:
                sql, params = rebuild_sql(ended, by_agent=by_agent, instance_id=instance_id, table=MetricRollup)
            cursor.execute(sql, params)
            total += cursor.rowcount
        cursor.execute(*hours_from_quarters_sql(instance_id=instance_id))
        if connection.vendor == "postgresql":
            # Fresh statistics for the reports' plans (a rebuilt table's were those of the rows it replaced).
            for model in (MetricRollup, MetricRollupHour):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return total


def hours_from_quarters_sql(*, instance_id: str) -> tuple[str, list]:
    """INSERT INTO the hourly rollups the sums of an instance's 15-minute rows per hour (UTC): the hour rows the
    ended contacts wrote one by one, in one statement. Migration 0025 backfills with a frozen copy of it."""
    q = connection.ops.quote_name
    if connection.vendor == "postgresql":
        hour = "date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
    else:  # the ORM's text form, 'YYYY-MM-DD HH:MM:SS' in UTC
        hour = "substr(bucket, 1, 13) || ':00:00'"
    key = ["instance_id", "by_agent", hour, "queue_id", "agent_id", "channel"]
    figures = [f"SUM({q(c)})" for c in [*SUMMED, *SL_COLUMNS]] + [f"MAX({q('longest_us')})"]
    columns = ", ".join(q(c) for c in [*KEY, *SUMMED, *SL_COLUMNS, "longest_us"])
    sql = (
        f"INSERT INTO {q(MetricRollupHour._meta.db_table)} ({columns}) SELECT {', '.join([*key, *figures])}"  # noqa: S608
        f" FROM {q(MetricRollup._meta.db_table)} WHERE instance_id = %s GROUP BY {', '.join(key)}"
    )
    return sql, [instance_id]


def rebuild_sql_postgresql(*, by_agent: bool, instance_id: str) -> tuple[str, list]:
    """The rebuild's INSERT … SELECT … GROUP BY on PostgreSQL, written out: each contact's waits and times are
    turned into microseconds once (an inner SELECT), so the 49 service-level counts compare integers instead of
    adding 49 intervals to every contact's timestamps. The same definitions as `contact_figures` and
    `contact_aggregates` (every contact here has ended); tests compare it with the rows the ends wrote."""
    q = connection.ops.quote_name
    table, contact = q(MetricRollup._meta.db_table), q(Contact._meta.db_table)

    def us(later: str, earlier: str) -> str:
        return f"CAST(EXTRACT(EPOCH FROM {later} - {earlier}) * 1000000 AS BIGINT)"

    finished = "COALESCE(after_contact_work_end_timestamp, disconnect_timestamp)"
    # Names from the models, constants from the code, values as parameters.
    inner = (
        "SELECT date_bin('15 minutes', initiation_timestamp, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS b,"  # noqa: S608
        f" COALESCE({'agent_id' if by_agent else 'queue_id'}, '') AS k, channel, initiation_method AS m,"
        " disconnect_reason AS r, connected_to_agent_timestamp IS NOT NULL AS h, enqueue_timestamp IS NOT NULL AS q,"
        f" {us(finished, 'connected_to_agent_timestamp')} AS handle_us,"
        f" {us('connected_to_agent_timestamp', 'enqueue_timestamp')} AS wait_us,"
        " after_contact_work_end_timestamp IS NOT NULL AS a,"
        f" {us('after_contact_work_end_timestamp', 'after_contact_work_start_timestamp')} AS acw_us"
        # OFFSET 0 keeps the subquery a step of its own: pulled up, each FILTER below would recompute wait_us.
        f" FROM {contact} WHERE instance_id = %s AND state = %s OFFSET 0"
    )
    params: list = [instance_id, ContactState.ENDED]
    figures = {
        "created": ("COUNT(*)", []),
        "queued": ("COUNT(*) FILTER (WHERE q)", []),
        "handled": ("COUNT(*) FILTER (WHERE h)", []),
        "transferred_out": ("COUNT(*) FILTER (WHERE h AND r = %s)", [DisconnectReason.TRANSFERRED]),
        "abandoned": ("COUNT(*) FILTER (WHERE q AND NOT h)", []),
        "api_handled": ("COUNT(*) FILTER (WHERE h AND m = %s)", [InitiationMethod.API]),
        "handled_incoming": ("COUNT(*) FILTER (WHERE h AND m = ANY(%s))", [[str(m) for m in INCOMING]]),
        "handled_outbound": ("COUNT(*) FILTER (WHERE h AND m = %s)", [InitiationMethod.OUTBOUND]),
        "transferred_in": ("COUNT(*) FILTER (WHERE m = ANY(%s))", [[str(m) for m in TRANSFERRED_IN]]),
        "expired": ("COUNT(*) FILTER (WHERE r = %s)", [DisconnectReason.EXPIRED]),
        "flow_disconnected": ("COUNT(*) FILTER (WHERE r = %s)", [DisconnectReason.CONTACT_FLOW_DISCONNECT]),
        "handle_n": ("COUNT(*) FILTER (WHERE h AND handle_us IS NOT NULL)", []),
        "handle_us": ("COALESCE(SUM(handle_us) FILTER (WHERE h), 0)", []),
        "answer_n": ("COUNT(*) FILTER (WHERE h AND q)", []),
        "answer_us": ("COALESCE(SUM(wait_us), 0)", []),
        "acw_n": ("COUNT(*) FILTER (WHERE a)", []),
        "acw_us": ("COALESCE(SUM(acw_us), 0)", []),
        "left_queue": ("COUNT(*) FILTER (WHERE q)", []),  # every contact here has ended
    }
    for seconds, column in zip(SERVICE_LEVEL_EDGES, SL_COLUMNS, strict=True):
        figures[column] = (f"COUNT(*) FILTER (WHERE wait_us < {int(seconds) * 1_000_000})", [])
    figures["longest_us"] = ("MAX(wait_us)", [])
    assert list(figures) == [*SUMMED, *SL_COLUMNS, "longest_us"]
    key = ["%s", "TRUE" if by_agent else "FALSE", "b", "''" if by_agent else "k", "k" if by_agent else "''", "channel"]
    outer_params = [instance_id] + [p for _, ps in figures.values() for p in ps]
    columns = ", ".join(q(c) for c in [*KEY, *figures])
    selected = ", ".join([*key, *(sql for sql, _ in figures.values())])
    sql = f"INSERT INTO {table} ({columns}) SELECT {selected} FROM ({inner}) c GROUP BY b, k, channel"  # noqa: S608
    return sql, [*outer_params, *params]


def rebuild_sql(ended, *, by_agent: bool, instance_id: str, table) -> tuple[str, tuple]:
    """INSERT INTO the rollups SELECT … FROM (`ended` grouped per 15 minutes, queue or agent, and channel).

    The inner GROUP BY is the ORM's compilation of `contact_aggregates` (the one definition of each
    ingredient); the outer SELECT only turns its buckets into 15-minute starts and its summed durations into
    microseconds, per database: PostgreSQL sums intervals, SQLite sums microseconds already."""
    field = "agent_id" if by_agent else "queue_id"
    buckets = {
        "_h": TruncHour("initiation_timestamp", tzinfo=dt.UTC),
        "_m": ExpressionWrapper(
            Cast(ExtractMinute("initiation_timestamp", tzinfo=dt.UTC), IntegerField()) / Value(15),
            output_field=IntegerField(),
        ),
    }
    aggregates = contact_aggregates(list(SERVICE_LEVEL_EDGES))
    grouped = ended.annotate(**buckets).values("_h", "_m", field, "channel").annotate(**aggregates).order_by()
    inner, inner_params = grouped.query.sql_with_params()
    q = connection.ops.quote_name
    if connection.vendor == "postgresql":
        bucket = "(s._h + s._m * INTERVAL '15 minutes') AT TIME ZONE 'UTC'"

        def us(column: str) -> str:
            return f"CAST(EXTRACT(EPOCH FROM s.{q(column)}) * 1000000 AS BIGINT)"
    else:
        bucket = "datetime(s._h, '+' || (s._m * 15) || ' minutes')"

        def us(column: str) -> str:
            return f"CAST(s.{q(column)} AS INTEGER)"

    def summed(column: str) -> str:
        return f"COALESCE({us(column)}, 0)" if column.endswith("_us") else f"COALESCE(s.{q(column)}, 0)"

    dims = {"queue_id": "''", "agent_id": "''", field: f"COALESCE(s.{q(field)}, '')"}
    selected = [
        "%s",
        "TRUE" if by_agent else "FALSE",
        bucket,
        dims["queue_id"],
        dims["agent_id"],
        "s.channel",
        *(summed(c) for c in SUMMED),
        *(f"COALESCE(s.sl_{i}, 0)" for i in range(len(SL_COLUMNS))),
        us("longest_us"),
    ]
    columns = ", ".join(q(c) for c in [*KEY, *SUMMED, *SL_COLUMNS, "longest_us"])
    sql = (
        f"INSERT INTO {q(table._meta.db_table)} ({columns}) "  # noqa: S608 (names from the models; values as parameters)
        f"SELECT {', '.join(selected)} FROM ({inner}) s"
    )
    return sql, (instance_id, *inner_params)
