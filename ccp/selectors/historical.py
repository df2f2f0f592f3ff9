"""Historical contact metrics: the one definition GetMetricDataV2, GetMetricData and the console's
historical report read.

Each metric follows Amazon Connect's historical metric of the same name ("Historical metrics
definitions" in the Amazon Connect Administrator Guide,
https://docs.aws.amazon.com/connect/latest/adminguide/historical-metrics-definitions.html); the
definition is written once, in `METRICS` below, and every caller goes through `historical_metrics`.

Where the figures come from. Ended contacts are summed per 15 minutes of initiation in the rollups
(`ccp/models/metrics.py`, written in the transaction that ends each contact, so they are never behind the
contact rows); a report reads the rollup rows of the whole 15-minute buckets of its range and adds the
contact rows the rollups do not hold — the contacts still open (`contact_open_initiated_idx`) and those of the
partial buckets at either end of the range — aggregated by the same definitions (`contact_aggregates`).
Non-responses are counted from the MISSED events (`contact_event_metrics_idx`). A request the rollups cannot
answer reads the contact rows alone (`source="contacts"`, the reference the tests compare the rollups with):
filters or groupings that mix a queue with an agent or routing profile (the rollups are per queue or per
agent, not both), and SERVICE_LEVEL thresholds other than `SERVICE_LEVEL_EDGES`. Why rollups: summing a
30-day range of a million contacts row by row took ~3 s (`bench/metrics.py`); its rollups are ~58,000 rows.

Attribution. A contact counts in the interval (and the time range) in which it was initiated, with its
queue, channel and agent as they are now (the agent who last held it). A non-response counts in the
interval in which the offer rang out, for the agent who missed it and the queue it came from.

Tasks have no customer on hold and no interaction separate from handling, so the metrics the seeds name
as not applying to tasks (agent interaction and hold time, agent interaction time, average agent
interaction time, average customer hold time) are 0 for tasks: `NOT_FOR_TASKS`.
"""

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, IntegerField, Max, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, ExtractMinute, TruncDay, TruncHour, TruncWeek

from ccp.models import (
    AgentEvent,
    AgentStatus,
    Contact,
    ContactEvent,
    DisconnectReason,
    InitiationMethod,
    Instance,
    MetricRollup,
    MetricRollupHour,
    User,
)
from ccp.models.metrics import SERVICE_LEVEL_EDGES, SUMMED, sl_column
from ccp.validation import SERVICE_LEVEL_MAX_SECONDS  # noqa: F401 (Amazon Connect's longest threshold: 7 days)

# Grouping / filter keys (GetMetricDataV2's names) and the contact column each reads.
DIMENSIONS = {
    "QUEUE": "queue_id",
    "CHANNEL": "channel",
    "ROUTING_PROFILE": "agent__routing_profile_id",
    "AGENT": "agent_id",
}
# The same for the MISSED events (the event's agent and queue; the contact's channel).
EVENT_DIMENSIONS = {
    "QUEUE": "queue_id",
    "CHANNEL": "contact__channel",
    "ROUTING_PROFILE": "agent__routing_profile_id",
    "AGENT": "agent_id",
}

INTERVALS = ("TOTAL", "FIFTEEN_MIN", "THIRTY_MIN", "HOUR", "DAY", "WEEK")


@dataclass(frozen=True)
class MetricDef:
    name: str
    unit: str  # COUNT, SECONDS or PERCENT
    doc: str


def _defs(*items: tuple[str, str, str]) -> dict[str, MetricDef]:
    return {name: MetricDef(name, unit, doc) for name, unit, doc in items}


METRICS = _defs(
    ("CONTACTS_CREATED", "COUNT", "Contacts created (initiated) in the interval, whatever happened to them next."),
    (
        "CONTACTS_QUEUED",
        "COUNT",
        "Contacts put in a queue (their enqueue timestamp is set), answered or not.",
    ),
    (
        "CONTACTS_HANDLED",
        "COUNT",
        "Contacts an agent connected to (accepted). A contact an agent handled and then transferred out is"
        " handled too.",
    ),
    (
        "CONTACTS_TRANSFERRED_OUT",
        "COUNT",
        "Contacts an agent handled and transferred out (to a queue, an agent or a quick connect): the"
        " contact ended with the reason TRANSFERRED after being connected.",
    ),
    (
        "CONTACTS_ABANDONED",
        "COUNT",
        "Contacts that were queued and ended without ever reaching an agent.",
    ),
    (
        "API_CONTACTS_HANDLED",
        "COUNT",
        "Contacts started by the API (StartTaskContact) that an agent handled.",
    ),
    (
        "CONTACTS_HANDLED_INCOMING",
        "COUNT",
        "Incoming contacts an agent handled: started inbound, by the API (StartTaskContact), by a transfer or"
        " as a callback.",
    ),
    ("CONTACTS_HANDLED_OUTBOUND", "COUNT", "Outbound contacts an agent handled (initiation method OUTBOUND)."),
    (
        "CONTACTS_TRANSFERRED_IN",
        "COUNT",
        "Contacts a transfer created (to an agent, a queue or a quick connect), handled or not.",
    ),
    (
        "CONTACTS_EXPIRED",
        "COUNT",
        "Tasks that ended because they expired (7 days after initiation, or their template's expiry; disconnect"
        " reason EXPIRED). Amazon Connect counts them with SUM_CONTACTS_DISCONNECTED filtered by reason.",
    ),
    (
        "CONTACTS_DISCONNECTED_BY_FLOW",
        "COUNT",
        "Contacts a flow ended (Disconnect block; disconnect reason CONTACT_FLOW_DISCONNECT).",
    ),
    (
        "AGENT_NON_RESPONSE",
        "COUNT",
        "Contacts routed to an agent that the agent did not answer before the offer rang out (the agent's"
        " status becomes Missed). Each missed offer counts once.",
    ),
    (
        "AVG_HANDLE_TIME",
        "SECONDS",
        "Average time from the agent connecting to the contact until the end of after-contact work (or the"
        " disconnect, without ACW), over handled contacts that finished.",
    ),
    (
        "SUM_CONTACT_TIME_AGENT",
        "SECONDS",
        "Total time agents spent on contacts: the sum of the handle times (connected to end of ACW).",
    ),
    (
        "AVG_QUEUE_ANSWER_TIME",
        "SECONDS",
        "Average time contacts waited in the queue before an agent answered: from enqueue to connected.",
    ),
    (
        "AVG_AFTER_CONTACT_WORK_TIME",
        "SECONDS",
        "Average time agents spent in after-contact work, over contacts that had ACW and finished it.",
    ),
    (
        "MAX_QUEUED_TIME",
        "SECONDS",
        "The longest time a contact spent in the queue before it was answered.",
    ),
    (
        "AGENT_OCCUPANCY",
        "PERCENT",
        "Percentage of time agents were active on contacts: on-contact time / (on-contact time + idle time),"
        " where on-contact time is the union of the agent's contacts from connected to the end of ACW and"
        " idle time is time in the Available status with no contact. Grouped by agent or routing profile.",
    ),
    (
        "SERVICE_LEVEL",
        "PERCENT",
        "Percentage of contacts removed from the queue (answered or ended) that an agent answered in less"
        " than the threshold (seconds, 1 … 604,800; Comparison LT): a wait of exactly the threshold is"
        " outside.",
    ),
    (
        "SUM_INTERACTION_AND_HOLD_TIME",
        "SECONDS",
        "Agent interaction and hold time: 0 for tasks (no customer on hold, no separate interaction).",
    ),
    ("SUM_INTERACTION_TIME", "SECONDS", "Agent interaction time: 0 for tasks."),
    ("AVG_INTERACTION_TIME", "SECONDS", "Average agent interaction time: 0 for tasks."),
    ("AVG_HOLD_TIME", "SECONDS", "Average customer hold time: 0 for tasks."),
    ("AVG_INTERACTION_AND_HOLD_TIME", "SECONDS", "Average agent interaction and hold time: 0 for tasks."),
)

# Initiation methods of the contacts that come in (CONTACTS_HANDLED_INCOMING) and of those a transfer made.
INCOMING = (
    InitiationMethod.INBOUND,
    InitiationMethod.TRANSFER,
    InitiationMethod.QUEUE_TRANSFER,
    InitiationMethod.CALLBACK,
    InitiationMethod.API,
)
TRANSFERRED_IN = (InitiationMethod.TRANSFER, InitiationMethod.QUEUE_TRANSFER)

NOT_FOR_TASKS = frozenset(
    {
        "SUM_INTERACTION_AND_HOLD_TIME",
        "SUM_INTERACTION_TIME",
        "AVG_INTERACTION_TIME",
        "AVG_HOLD_TIME",
        "AVG_INTERACTION_AND_HOLD_TIME",
    }
)


# The ingredients (contact_aggregates' keys) each metric's value reads in `_value`, besides `created`, which every
# group reads (a group without contacts is left out); SERVICE_LEVEL reads its `sl_<i>` too. A report sums only
# what its metrics read (tests/selectors/test_historical.py checks each metric against the whole set).
INGREDIENTS = {
    "CONTACTS_QUEUED": ("queued",),
    "CONTACTS_HANDLED": ("handled",),
    "CONTACTS_TRANSFERRED_OUT": ("transferred_out",),
    "CONTACTS_ABANDONED": ("abandoned",),
    "API_CONTACTS_HANDLED": ("api_handled",),
    "CONTACTS_HANDLED_INCOMING": ("handled_incoming",),
    "CONTACTS_HANDLED_OUTBOUND": ("handled_outbound",),
    "CONTACTS_TRANSFERRED_IN": ("transferred_in",),
    "CONTACTS_EXPIRED": ("expired",),
    "CONTACTS_DISCONNECTED_BY_FLOW": ("flow_disconnected",),
    "AVG_HANDLE_TIME": ("handle_us", "handle_n"),
    "SUM_CONTACT_TIME_AGENT": ("handle_us",),
    "AVG_QUEUE_ANSWER_TIME": ("answer_us", "answer_n"),
    "AVG_AFTER_CONTACT_WORK_TIME": ("acw_us", "acw_n"),
    "MAX_QUEUED_TIME": ("longest_us",),
    "SERVICE_LEVEL": ("left_queue",),
}


def ingredients_of(metrics: list["MetricRequest"]) -> frozenset[str]:
    """The ingredients `metrics` read: `created`, each one's INGREDIENTS, and `sl_<i>` for the thresholds."""
    needed = {"created"}
    for metric in metrics:
        needed.update(INGREDIENTS.get(metric.name, ()))
    thresholds = sorted({m.threshold for m in metrics if m.name == "SERVICE_LEVEL" and m.threshold is not None})
    return frozenset(needed | {f"sl_{i}" for i in range(len(thresholds))})


@dataclass(frozen=True)
class MetricRequest:
    """One metric asked for; `threshold` (seconds) only for SERVICE_LEVEL."""

    name: str
    threshold: float | None = None


@dataclass(frozen=True)
class Row:
    """One group in one interval: its dimensions, interval and each metric's value."""

    dimensions: dict[str, str]
    start: dt.datetime
    end: dt.datetime
    values: list[float]


def _duration(end, start):
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _seconds(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000  # a bare microsecond count


def _bucket(interval: str, tz: ZoneInfo, field: str) -> dict:
    if interval == "TOTAL":
        return {}
    if interval == "DAY":
        return {"_b": TruncDay(field, tzinfo=tz)}
    if interval == "WEEK":
        return {"_b": TruncWeek(field, tzinfo=tz)}
    buckets = {"_b": TruncHour(field, tzinfo=tz)}
    if interval in ("FIFTEEN_MIN", "THIRTY_MIN"):
        # Which quarter (or half) of the hour: integer division in SQL on both databases.
        step = 15 if interval == "FIFTEEN_MIN" else 30
        buckets["_m"] = ExpressionWrapper(
            Cast(ExtractMinute(field, tzinfo=tz), IntegerField()) / Value(step), output_field=IntegerField()
        )
    return buckets


def _interval_of(interval: str, tz: ZoneInfo, start: dt.datetime, end: dt.datetime, bucket, minute):
    """(start, end) of the interval a bucket stands for, in UTC; DAY and WEEK follow the local calendar."""
    if interval == "TOTAL":
        return start, end
    local = bucket.astimezone(tz)
    if interval == "DAY":
        first = dt.datetime.combine(local.date(), dt.time(), tzinfo=tz)
        last = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    elif interval == "WEEK":
        first = dt.datetime.combine(local.date(), dt.time(), tzinfo=tz)
        last = dt.datetime.combine(local.date() + dt.timedelta(days=7), dt.time(), tzinfo=tz)
    else:
        step = {"HOUR": 60, "THIRTY_MIN": 30, "FIFTEEN_MIN": 15}[interval]
        first = bucket.astimezone(dt.UTC) + dt.timedelta(minutes=(minute or 0) * step)
        last = first + dt.timedelta(minutes=step)
    return max(first.astimezone(dt.UTC), start), min(last.astimezone(dt.UTC), end)


def contact_aggregates(thresholds: list[float]) -> dict:
    """Each metric's ingredients over contact rows, as SQL aggregates: the definitions of METRICS. Durations
    sum to whole microseconds (`_us`), as the rollups hold them; `sl_<i>` counts the answered contacts that
    waited less than thresholds[i] seconds."""
    handled = Q(connected_to_agent_timestamp__isnull=False)
    queued = Q(enqueue_timestamp__isnull=False)
    finished = Coalesce("after_contact_work_end_timestamp", "disconnect_timestamp")
    ended = Q(after_contact_work_end_timestamp__isnull=False) | Q(disconnect_timestamp__isnull=False)
    handle = ExpressionWrapper(finished - F("connected_to_agent_timestamp"), output_field=DurationField())
    wait = _duration("connected_to_agent_timestamp", "enqueue_timestamp")
    acw = _duration("after_contact_work_end_timestamp", "after_contact_work_start_timestamp")
    aggregates = {
        "created": Count("id"),
        "queued": Count("id", filter=queued),
        "handled": Count("id", filter=handled),
        "transferred_out": Count("id", filter=handled & Q(disconnect_reason=DisconnectReason.TRANSFERRED)),
        "abandoned": Count("id", filter=queued & Q(connected_to_agent_timestamp__isnull=True, state="ENDED")),
        "api_handled": Count("id", filter=handled & Q(initiation_method=InitiationMethod.API)),
        "handled_incoming": Count("id", filter=handled & Q(initiation_method__in=INCOMING)),
        "handled_outbound": Count("id", filter=handled & Q(initiation_method=InitiationMethod.OUTBOUND)),
        "transferred_in": Count("id", filter=Q(initiation_method__in=TRANSFERRED_IN)),
        "expired": Count("id", filter=Q(disconnect_reason=DisconnectReason.EXPIRED)),
        "flow_disconnected": Count("id", filter=Q(disconnect_reason=DisconnectReason.CONTACT_FLOW_DISCONNECT)),
        "handle_n": Count("id", filter=handled & ended),
        "handle_us": Sum(handle, filter=handled & ended),
        "answer_n": Count("id", filter=handled & queued),
        "answer_us": Sum(wait, filter=handled & queued),
        "acw_n": Count("id", filter=Q(after_contact_work_end_timestamp__isnull=False)),
        "acw_us": Sum(acw, filter=Q(after_contact_work_end_timestamp__isnull=False)),
        "left_queue": Count("id", filter=queued & (handled | Q(state="ENDED"))),
        "longest_us": Max(wait, filter=handled & queued),
    }
    for i, seconds in enumerate(thresholds):
        aggregates[f"sl_{i}"] = Count(
            "id",
            filter=handled
            & queued
            & Q(connected_to_agent_timestamp__lt=F("enqueue_timestamp") + dt.timedelta(seconds=seconds)),
        )
    return aggregates


def _us(value) -> int:
    """A summed duration as whole microseconds (PostgreSQL sums to an interval, SQLite to microseconds)."""
    if value is None:
        return 0
    if isinstance(value, dt.timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    return int(value)


_SUMMED = frozenset(SUMMED)
_SKIP, _COUNT, _MICROSECONDS, _LONGEST = range(4)
_KINDS: dict[str, int] = {}  # each key of a row: how _add adds it (worked out once per key name)


def _kind(key: str) -> int:
    if key == "longest_us":
        return _LONGEST
    if key in _SUMMED or key.startswith("sl_") or key == "missed":
        return _MICROSECONDS if key.endswith("_us") else _COUNT
    return _SKIP  # a dimension or bucket of the row


def _add(total: dict, part: dict) -> None:
    """Add one set of ingredients to another (counts and sums add; the longest wait is the larger)."""
    for key, value in part.items():
        kind = _KINDS.get(key)
        if kind is None:
            kind = _KINDS[key] = _kind(key)
        if kind == _SKIP or value is None:
            continue
        if kind == _COUNT:
            total[key] = total.get(key, 0) + value
        elif kind == _MICROSECONDS:
            total[key] = total.get(key, 0) + _us(value)
        else:
            value = _us(value)
            longest = total.get(key)
            total[key] = value if longest is None else max(longest, value)


def rollups_answer(metrics: list["MetricRequest"], filters: dict, groupings) -> bool | None:
    """Which rollup rows can answer (False: per queue, True: per agent), or None: only the contact rows can."""
    for metric in metrics:
        if metric.name == "SERVICE_LEVEL" and metric.threshold is not None:
            if metric.threshold != int(metric.threshold) or int(metric.threshold) not in SERVICE_LEVEL_EDGES:
                return None
    used = set(groupings) | set(filters)
    if used <= {"QUEUE", "CHANNEL"}:
        return False
    if used <= {"AGENT", "ROUTING_PROFILE", "CHANNEL"}:
        return True
    return None


def _floor15(moment: dt.datetime) -> dt.datetime:
    utc = moment.astimezone(dt.UTC)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)


def _hours_line_up(interval: str, tz: ZoneInfo, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether every interval of the request starts on a whole UTC hour (its first one aside, which starts at
    `start`): then each hourly rollup row lies in one interval. True for hourly, daily and weekly intervals in
    every zone whose offset is whole hours, and for TOTAL; never for 15- and 30-minute intervals."""
    if interval in ("FIFTEEN_MIN", "THIRTY_MIN"):
        return False
    bounds = interval_bounds(interval, tz, start, end)[1:]
    return all(b.minute == 0 and b.second == 0 and b.microsecond == 0 for b in (x.astimezone(dt.UTC) for x in bounds))


def _contact_ingredients(
    contacts, groupings: list[str], interval: str, tz: ZoneInfo, thresholds: list[float], needed: frozenset[str]
) -> dict[tuple, dict]:
    """{(dimension values, bucket, minute): the `needed` ingredients} over contact rows (one GROUP BY)."""
    fields = [DIMENSIONS[g] for g in groupings]
    buckets = _bucket(interval, tz, "initiation_timestamp")
    aggregates = {name: a for name, a in contact_aggregates(thresholds).items() if name in needed}
    groups: dict[tuple, dict] = {}
    for row in _grouped(contacts, fields, buckets, aggregates):
        if not row.get("created"):
            continue  # an aggregate over no rows
        _add(groups.setdefault(_key(row, fields, buckets), {}), row)
    return groups


def _rollup_ingredients(
    *,
    model=MetricRollup,
    more: list[tuple[dt.datetime, dt.datetime]] = (),
    instance: Instance,
    by_agent: bool,
    start: dt.datetime,
    end: dt.datetime,
    filters: dict,
    groupings: list[str],
    interval: str,
    tz: ZoneInfo,
    thresholds: list[float],
    needed: frozenset[str],
) -> dict[tuple, dict]:
    """The same over the rollup rows of `model` whose buckets start in [start, end) or in one of `more` ranges
    (all on the model's bucket bounds)."""
    within = Q(bucket__gte=start, bucket__lt=end)
    for first, last in more:
        within |= Q(bucket__gte=first, bucket__lt=last)
    rows = model.objects.filter(within, instance_id=instance.pk, by_agent=by_agent)
    profiles: dict[str, str | None] = {}
    if by_agent and "ROUTING_PROFILE" in (*filters, *groupings):
        profiles = dict(User.objects.filter(instance_id=instance.pk).values_list("id", "routing_profile_id"))
    for key, values in filters.items():
        if key == "QUEUE":
            rows = rows.filter(queue_id__in=values)
        elif key == "CHANNEL":
            rows = rows.filter(channel__in=values)
        elif key == "AGENT":
            rows = rows.filter(agent_id__in=values)
        else:  # ROUTING_PROFILE: the agents on those profiles now
            rows = rows.filter(agent_id__in=[a for a, p in profiles.items() if p in values])
    column = {"QUEUE": "queue_id", "CHANNEL": "channel", "AGENT": "agent_id", "ROUTING_PROFILE": "agent_id"}
    fields = list(dict.fromkeys(column[g] for g in groupings))
    buckets = _bucket(interval, tz, "bucket")
    aggregates = {name: Sum(name) for name in SUMMED if name in needed}
    if "longest_us" in needed:
        aggregates["longest_us"] = Max("longest_us")
    for i, seconds in enumerate(thresholds):
        aggregates[f"sl_{i}"] = Sum(sl_column(int(seconds)))
    groups: dict[tuple, dict] = {}
    for row in _grouped(rows, fields, buckets, aggregates):
        if not row.get("created"):
            continue
        dims = []
        for grouping in groupings:
            value = row[column[grouping]] or None
            dims.append(profiles.get(value) if grouping == "ROUTING_PROFILE" else value)
        _add(groups.setdefault((tuple(dims), row.get("_b"), row.get("_m")), {}), row)
    return groups


def _aggregate_settings(read):
    """On PostgreSQL, run `read` with the planner settings its GROUP BYs need: no JIT (compiling the
    aggregates took longer than running them: 66 of 558 ms) and 64 MB of work_mem (600 report groups hash in
    4 MB instead of sorting 56,000 rollup rows on disk: 558 → 258 ms, bench/metrics.py under load), and
    random_page_cost 1.1 (SSD or cached pages: after a rebuild the planner otherwise read the whole table,
    agent rows included, rather than the range's queue rows: 1,600 → 920 ms). SET LOCAL: for this read's
    transaction only."""

    @functools.wraps(read)
    def wrapper(*args, **kwargs):
        if connection.vendor != "postgresql":
            return read(*args, **kwargs)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL random_page_cost = 1.1")
            return read(*args, **kwargs)

    return wrapper


@_aggregate_settings
def historical_metrics(
    *,
    instance: Instance,
    start: dt.datetime,
    end: dt.datetime,
    metrics: list[MetricRequest],
    filters: dict[str, list[str]] | None = None,
    groupings: list[str] = (),
    interval: str = "TOTAL",
    timezone: str | None = None,
    fill: bool = False,
    source: str = "rollups",
) -> list[Row]:
    """Every metric of `metrics` for each group of `groupings` (keys of DIMENSIONS) in each interval,
    over contacts of the instance initiated in [start, end), narrowed by `filters` ({key: [ids]}).

    Rows come ordered by dimensions then interval. Groups without contacts are left out; so are their empty
    intervals unless `fill` (GetMetricDataV2: a group, or the whole range without grouping, gets a row for
    every interval, zeros where nothing happened). `source="contacts"` reads the contact rows alone (see the
    module docstring). Names and groupings are the caller's to check (`METRICS`, `DIMENSIONS`).
    """
    tz = ZoneInfo(timezone or instance.timezone or "UTC")
    filters = filters or {}
    groupings = list(groupings)
    contacts = Contact.objects.filter(
        instance_id=instance.pk, initiation_timestamp__gte=start, initiation_timestamp__lt=end
    )
    for key, values in filters.items():
        contacts = contacts.filter(**{f"{DIMENSIONS[key]}__in": values})
    thresholds = sorted({m.threshold for m in metrics if m.name == "SERVICE_LEVEL" and m.threshold is not None})
    wanted = {m.name for m in metrics}
    needed = ingredients_of(metrics)
    by_agent = rollups_answer(metrics, filters, groupings) if source == "rollups" else None
    first_whole, last_whole = _floor15(start + dt.timedelta(minutes=15) - dt.timedelta(microseconds=1)), _floor15(end)
    if by_agent is None or first_whole >= last_whole:
        groups = _contact_ingredients(contacts, groupings, interval, tz, thresholds, needed)
    else:
        common = {
            "instance": instance,
            "by_agent": by_agent,
            "filters": filters,
            "groupings": groupings,
            "interval": interval,
            "tz": tz,
            "thresholds": thresholds,
            "needed": needed,
        }
        # The whole hours from the hourly rows when the intervals allow, the quarters on either side from the
        # 15-minute rows; otherwise every whole quarter from the 15-minute rows.
        first_hour = (first_whole + dt.timedelta(minutes=45)).replace(minute=0)
        last_hour = last_whole.replace(minute=0)
        if first_hour < last_hour and _hours_line_up(interval, tz, start, end):
            groups = _rollup_ingredients(model=MetricRollupHour, start=first_hour, end=last_hour, **common)
            quarters = [(a, b) for a, b in ((first_whole, first_hour), (last_hour, last_whole)) if a < b]
            if quarters:
                (a, b), *more = quarters
                for key, part in _rollup_ingredients(start=a, end=b, more=more, **common).items():
                    _add(groups.setdefault(key, {}), part)
        else:
            groups = _rollup_ingredients(start=first_whole, end=last_whole, **common)
        # What the rollups do not hold: open contacts, and every contact of the partial buckets at the ends.
        rest = contacts.filter(
            ~Q(state="ENDED") | Q(initiation_timestamp__lt=first_whole) | Q(initiation_timestamp__gte=last_whole)
        )
        for key, part in _contact_ingredients(rest, groupings, interval, tz, thresholds, needed).items():
            _add(groups.setdefault(key, {}), part)
    if "AGENT_NON_RESPONSE" in wanted:
        events = ContactEvent.objects.filter(instance_id=instance.pk, event="MISSED", at__gte=start, at__lt=end)
        for key, values in filters.items():
            events = events.filter(**{f"{EVENT_DIMENSIONS[key]}__in": values})
        event_fields = [EVENT_DIMENSIONS[g] for g in groupings]
        event_buckets = _bucket(interval, tz, "at")
        for row in _grouped(events, event_fields, event_buckets, {"n": Count("id")}):
            if row["n"]:
                key = _key(row, event_fields, event_buckets)
                groups.setdefault(key, {})["missed"] = row["n"]
    occupancy = {}
    if "AGENT_OCCUPANCY" in wanted:
        occupancy = agent_occupancy(
            instance=instance, start=start, end=end, filters=filters, groupings=groupings, interval=interval, tz=tz
        )

    cells: dict[tuple, dict] = {}
    for (dims, bucket, minute), agg in groups.items():
        first, _ = _interval_of(interval, tz, start, end, bucket, minute)
        _add(cells.setdefault((dims, first), {}), agg)
    for (dims, first), busy in occupancy.items():
        cells.setdefault((dims, first), {})["occupancy"] = busy
    ends: dict[dt.datetime, dt.datetime] = {}  # each interval's end, worked out once for every group
    if fill:
        group_keys = {dims for dims, _ in cells} or ({()} if not groupings else set())
        bounds = interval_bounds(interval, tz, start, end)
        ends = dict(zip(bounds, [*bounds[1:], end], strict=True))
        for dims in group_keys:
            for first in bounds:
                cells.setdefault((dims, first), {})
    result = []
    for (dims, first), agg in cells.items():
        last = ends.get(first)
        if last is None:
            last = ends[first] = _next_bound(interval, tz, first, start, end)
        values = [_value(m, agg, thresholds) for m in metrics]
        result.append(Row(dict(zip(groupings, dims, strict=True)), first, last, values))
    result.sort(key=lambda r: (tuple(str(v) for v in r.dimensions.values()), r.start))
    return result


def _grouped(queryset, fields: list[str], buckets: dict, aggregates: dict) -> list[dict]:
    """One dict of `aggregates` per group of `fields` and `buckets` (one GROUP BY); a single dict for the
    whole queryset when there is nothing to group by."""
    if not fields and not buckets:
        return [queryset.aggregate(**aggregates)]
    return list(queryset.annotate(**buckets).values(*fields, *buckets).annotate(**aggregates).order_by())


def _key(row: dict, fields: list[str], buckets: dict) -> tuple:
    dims = tuple(row[f] for f in fields)
    return dims, row.get("_b"), row.get("_m")


def _avg(total, n) -> float:
    return round(_seconds(total) / n, 3) if n else 0.0


def _value(metric: MetricRequest, agg: dict, thresholds: list[float]) -> float:
    """One metric's value from a group's aggregates: each branch is the definition in METRICS."""
    name = metric.name
    if name in NOT_FOR_TASKS:
        return 0.0
    simple = {
        "CONTACTS_CREATED": "created",
        "CONTACTS_QUEUED": "queued",
        "CONTACTS_HANDLED": "handled",
        "CONTACTS_TRANSFERRED_OUT": "transferred_out",
        "CONTACTS_ABANDONED": "abandoned",
        "API_CONTACTS_HANDLED": "api_handled",
        "CONTACTS_HANDLED_INCOMING": "handled_incoming",
        "CONTACTS_HANDLED_OUTBOUND": "handled_outbound",
        "CONTACTS_TRANSFERRED_IN": "transferred_in",
        "CONTACTS_EXPIRED": "expired",
        "CONTACTS_DISCONNECTED_BY_FLOW": "flow_disconnected",
        "AGENT_NON_RESPONSE": "missed",
    }
    if name in simple:
        return float(agg.get(simple[name]) or 0)
    if name == "AVG_HANDLE_TIME":
        return _avg(agg.get("handle_us"), agg.get("handle_n"))
    if name == "SUM_CONTACT_TIME_AGENT":
        return round(_seconds(agg.get("handle_us")), 3)
    if name == "AVG_QUEUE_ANSWER_TIME":
        return _avg(agg.get("answer_us"), agg.get("answer_n"))
    if name == "AVG_AFTER_CONTACT_WORK_TIME":
        return _avg(agg.get("acw_us"), agg.get("acw_n"))
    if name == "MAX_QUEUED_TIME":
        return round(_seconds(agg.get("longest_us")), 3)
    if name == "AGENT_OCCUPANCY":
        on_contact, idle = agg.get("occupancy") or (0.0, 0.0)
        return round(100.0 * on_contact / (on_contact + idle), 2) if on_contact + idle else 0.0
    if name == "SERVICE_LEVEL":
        left = agg.get("left_queue") or 0
        inside = agg.get(f"sl_{thresholds.index(metric.threshold)}") or 0
        return round(100.0 * inside / left, 2) if left else 0.0
    raise KeyError(name)


# --- Agent occupancy: status and contact time lines ------------------------------------------------


def interval_bounds(interval: str, tz: ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The starts of the intervals covering [start, end) (clipped to it), in UTC; DAY and WEEK follow the
    local calendar of `tz`, so a daylight-saving day is 23 or 25 hours long."""
    bounds = [start]
    while True:
        following = _next_bound(interval, tz, bounds[-1], start, end)
        if following >= end:
            return bounds
        bounds.append(following)


def _next_bound(interval: str, tz: ZoneInfo, first: dt.datetime, start: dt.datetime, end: dt.datetime):
    if interval == "TOTAL":
        return end
    local = first.astimezone(tz)
    if interval in ("DAY", "WEEK"):
        day = local.date() - dt.timedelta(days=local.weekday() if interval == "WEEK" else 0)
        day += dt.timedelta(days=7 if interval == "WEEK" else 1)
        following = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    else:
        # The local clock's hour or quarter (a +05:30 zone's hours start at :30 UTC), stepped in UTC.
        step = {"HOUR": 60, "THIRTY_MIN": 30, "FIFTEEN_MIN": 15}[interval]
        floor = local.replace(minute=local.minute - local.minute % step, second=0, microsecond=0)
        following = floor.astimezone(dt.UTC) + dt.timedelta(minutes=step)
    return min(following, end)


def _union(spans: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[list[dt.datetime]] = []
    for begin, finish in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], finish)
        else:
            merged.append([begin, finish])
    return [(b, f) for b, f in merged]


def _overlap(spans, begin: dt.datetime, finish: dt.datetime) -> float:
    return sum(max(0.0, (min(f, finish) - max(b, begin)).total_seconds()) for b, f in spans)


def _subtract(spans, holes):
    """`spans` minus `holes` (both unions of disjoint spans)."""
    result = []
    for begin, finish in spans:
        cursor = begin
        for hole_begin, hole_end in holes:
            if hole_end <= cursor or hole_begin >= finish:
                continue
            if hole_begin > cursor:
                result.append((cursor, hole_begin))
            cursor = max(cursor, hole_end)
        if cursor < finish:
            result.append((cursor, finish))
    return result


def agent_occupancy(
    *,
    instance: Instance,
    start: dt.datetime,
    end: dt.datetime,
    filters: dict[str, list[str]],
    groupings: list[str],
    interval: str,
    tz: ZoneInfo,
) -> dict[tuple, tuple[float, float]]:
    """{(dimension values, interval start): (on-contact seconds, idle seconds)} — AGENT_OCCUPANCY's two
    terms, per agent (or routing profile) and interval. Reads the agents' status events (the status at
    `start` is their last event before it) and their handled contacts overlapping the range."""
    users = {u["id"]: u["routing_profile_id"] for u in _agents(instance, filters).values("id", "routing_profile_id")}
    before = (
        AgentEvent.objects.filter(instance_id=instance.pk, user_id__in=list(users), at__lt=start)
        .values("user_id")
        .annotate(last=Max("at"))
        .order_by()
    )
    firsts = {row["user_id"]: row["last"] for row in before}
    status_rows = AgentEvent.objects.filter(instance_id=instance.pk, user_id__in=list(users), at__lt=end).filter(
        Q(at__gte=start) | Q(at__in=list(firsts.values()))
    )
    lines: dict[str, list[tuple[dt.datetime, str]]] = {}
    for event in status_rows.order_by("at", "id").values("user_id", "at", "status_type"):
        if event["at"] < start and firsts.get(event["user_id"]) != event["at"]:
            continue
        lines.setdefault(event["user_id"], []).append((max(event["at"], start), event["status_type"]))
    available: dict[str, list] = {}
    for user_id, line in lines.items():
        for (begin, kind), (finish, _) in zip(line, [*line[1:], (end, "")], strict=True):
            if kind == AgentStatus.Type.ROUTABLE and finish > begin:
                available.setdefault(user_id, []).append((begin, finish))
    busy: dict[str, list] = {}
    contacts = Contact.objects.filter(
        instance_id=instance.pk,
        agent_id__in=list(users),
        connected_to_agent_timestamp__isnull=False,
        connected_to_agent_timestamp__lt=end,
    ).filter(
        Q(after_contact_work_end_timestamp__gte=start)
        | Q(after_contact_work_end_timestamp__isnull=True, disconnect_timestamp__gte=start)
        | Q(after_contact_work_end_timestamp__isnull=True, disconnect_timestamp__isnull=True)
    )
    for c in contacts.values(
        "agent_id", "connected_to_agent_timestamp", "after_contact_work_end_timestamp", "disconnect_timestamp", "state"
    ):
        finish = (
            c["after_contact_work_end_timestamp"]
            or (c["disconnect_timestamp"] if c["state"] == "ENDED" else None)
            or end
        )
        busy.setdefault(c["agent_id"], []).append((max(c["connected_to_agent_timestamp"], start), min(finish, end)))
    bounds = interval_bounds(interval, tz, start, end)
    result: dict[tuple, list[float]] = {}
    for user_id, profile_id in users.items():
        on_contact = _union(busy.get(user_id, []))
        idle = _subtract(_union(available.get(user_id, [])), on_contact)
        if not on_contact and not idle:
            continue
        dims = tuple({"AGENT": user_id, "ROUTING_PROFILE": profile_id}.get(g) for g in groupings)
        for first in bounds:
            last = _next_bound(interval, tz, first, start, end)
            contact_s, idle_s = _overlap(on_contact, first, last), _overlap(idle, first, last)
            if contact_s or idle_s:
                total = result.setdefault((dims, first), [0.0, 0.0])
                total[0] += contact_s
                total[1] += idle_s
    return {key: (a, b) for key, (a, b) in result.items()}


def _agents(instance: Instance, filters: dict[str, list[str]]):
    users = User.objects.filter(instance_id=instance.pk, routing_profile__isnull=False)
    if "AGENT" in filters:
        users = users.filter(pk__in=filters["AGENT"])
    if "ROUTING_PROFILE" in filters:
        users = users.filter(routing_profile_id__in=filters["ROUTING_PROFILE"])
    return users
