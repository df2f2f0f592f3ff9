"""Historical contact metrics: the one definition GetMetricDataV2, GetMetricData and the console's
historical report read.

Each metric follows Amazon Connect's historical metric of the same name ("Historical metrics
definitions" in the Amazon Connect Administrator Guide,
https://docs.aws.amazon.com/connect/latest/adminguide/historical-metrics-definitions.html); the
definition is written once, in `METRICS` below, and every caller goes through `historical_metrics`.

Where the figures come from. Straight from the contact rows (and, for non-responses, the MISSED
ContactEvents), aggregated by SQL: one GROUP BY over the contacts of the time range with a conditional
aggregate per ingredient, and one over the MISSED events. We chose this over rollup tables because every
figure then agrees with the contact rows at the moment of the request (a contact updated after the fact is
counted as it is now, with no rollup job to fall behind or to rebuild after a fix), and because the
range scan is served by indexes — `contact_search_idx` (instance, -initiation_timestamp) for the contacts
and `contact_event_metrics_idx` (instance, event, at) for the non-responses — so a 30-day report reads
only its own rows (`bench/metrics.py` measures it). Rollups remain the next step if a report over many
millions of contacts must answer faster.

Attribution. A contact counts in the interval (and the time range) in which it was initiated, with its
queue, channel and agent as they are now (the agent who last held it). A non-response counts in the
interval in which the offer rang out, for the agent who missed it and the queue it came from.

Tasks have no customer on hold and no interaction separate from handling, so the metrics the seeds name
as not applying to tasks (agent interaction and hold time, agent interaction time, average agent
interaction time, average customer hold time) are 0 for tasks: `NOT_FOR_TASKS`.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

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
    User,
)

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

# Amazon Connect's longest SERVICE_LEVEL threshold: 7 days, in seconds.
SERVICE_LEVEL_MAX_SECONDS = 604_800


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

NOT_FOR_TASKS = frozenset(
    {
        "SUM_INTERACTION_AND_HOLD_TIME",
        "SUM_INTERACTION_TIME",
        "AVG_INTERACTION_TIME",
        "AVG_HOLD_TIME",
        "AVG_INTERACTION_AND_HOLD_TIME",
    }
)


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
) -> list[Row]:
    """Every metric of `metrics` for each group of `groupings` (keys of DIMENSIONS) in each interval,
    over contacts of the instance initiated in [start, end), narrowed by `filters` ({key: [ids]}).

    Rows come ordered by dimensions then interval; groups and intervals without contacts are left out.
    Names and groupings are the caller's to check (`METRICS`, `DIMENSIONS`).
    """
    tz = ZoneInfo(timezone or instance.timezone or "UTC")
    filters = filters or {}
    group_fields = [DIMENSIONS[g] for g in groupings]
    buckets = _bucket(interval, tz, "initiation_timestamp")

    contacts = Contact.objects.filter(
        instance_id=instance.pk, initiation_timestamp__gte=start, initiation_timestamp__lt=end
    )
    for key, values in filters.items():
        contacts = contacts.filter(**{f"{DIMENSIONS[key]}__in": values})
    thresholds = sorted({m.threshold for m in metrics if m.name == "SERVICE_LEVEL" and m.threshold is not None})
    handled = Q(connected_to_agent_timestamp__isnull=False)
    finished = Coalesce("after_contact_work_end_timestamp", "disconnect_timestamp")
    ended = Q(after_contact_work_end_timestamp__isnull=False) | Q(disconnect_timestamp__isnull=False)
    handle = ExpressionWrapper(finished - F("connected_to_agent_timestamp"), output_field=DurationField())
    wait = _duration("connected_to_agent_timestamp", "enqueue_timestamp")
    acw = _duration("after_contact_work_end_timestamp", "after_contact_work_start_timestamp")
    aggregates = {
        "created": Count("id"),
        "queued": Count("id", filter=Q(enqueue_timestamp__isnull=False)),
        "handled": Count("id", filter=handled),
        "transferred_out": Count("id", filter=handled & Q(disconnect_reason=DisconnectReason.TRANSFERRED)),
        "abandoned": Count(
            "id", filter=Q(enqueue_timestamp__isnull=False, connected_to_agent_timestamp__isnull=True, state="ENDED")
        ),
        "api_handled": Count("id", filter=handled & Q(initiation_method=InitiationMethod.API)),
        "handle_n": Count("id", filter=handled & ended),
        "handle_sum": Sum(handle, filter=handled & ended),
        "answer_n": Count("id", filter=handled & Q(enqueue_timestamp__isnull=False)),
        "answer_sum": Sum(wait, filter=handled & Q(enqueue_timestamp__isnull=False)),
        "acw_n": Count("id", filter=Q(after_contact_work_end_timestamp__isnull=False)),
        "acw_sum": Sum(acw, filter=Q(after_contact_work_end_timestamp__isnull=False)),
        "left_queue": Count("id", filter=Q(enqueue_timestamp__isnull=False) & (handled | Q(state="ENDED"))),
    }
    for i, seconds in enumerate(thresholds):
        aggregates[f"sl_{i}"] = Count(
            "id",
            filter=handled
            & Q(
                enqueue_timestamp__isnull=False,
                connected_to_agent_timestamp__lt=F("enqueue_timestamp") + dt.timedelta(seconds=seconds),
            ),
        )
    wanted = {m.name for m in metrics}
    groups: dict[tuple, dict] = {}
    for row in _grouped(contacts, group_fields, buckets, aggregates):
        groups[_key(row, group_fields, buckets)] = row
    if "MAX_QUEUED_TIME" in wanted:
        answered = contacts.filter(handled & Q(enqueue_timestamp__isnull=False))
        for row in _grouped(answered, group_fields, buckets, {"longest": Max(wait)}):
            groups.setdefault(_key(row, group_fields, buckets), {})["longest"] = row["longest"]
    if "AGENT_NON_RESPONSE" in wanted:
        events = ContactEvent.objects.filter(instance_id=instance.pk, event="MISSED", at__gte=start, at__lt=end)
        for key, values in filters.items():
            events = events.filter(**{f"{EVENT_DIMENSIONS[key]}__in": values})
        event_fields = [EVENT_DIMENSIONS[g] for g in groupings]
        event_buckets = _bucket(interval, tz, "at")
        for row in _grouped(events, event_fields, event_buckets, {"n": Count("id")}):
            key = _key(row, event_fields, event_buckets)
            groups.setdefault(key, {})["missed"] = row["n"]
    occupancy = {}
    if "AGENT_OCCUPANCY" in wanted:
        occupancy = agent_occupancy(
            instance=instance, start=start, end=end, filters=filters, groupings=groupings, interval=interval, tz=tz
        )

    result = []
    for (dims, bucket, minute), agg in groups.items():
        first, last = _interval_of(interval, tz, start, end, bucket, minute)
        agg["occupancy"] = occupancy.pop((dims, first), None)
        if not agg.get("created") and not agg.get("missed") and not agg.get("occupancy"):
            continue  # nothing happened in this group (an aggregate over no rows)
        values = [_value(m, agg, thresholds) for m in metrics]
        result.append(Row(dict(zip(groupings, dims, strict=True)), first, last, values))
    for (dims, first), busy in occupancy.items():  # agents with time but no contact of their own
        last = _next_bound(interval, tz, first, start, end)
        values = [_value(m, {"occupancy": busy}, thresholds) for m in metrics]
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
        "AGENT_NON_RESPONSE": "missed",
    }
    if name in simple:
        return float(agg.get(simple[name]) or 0)
    if name == "AVG_HANDLE_TIME":
        return _avg(agg.get("handle_sum"), agg.get("handle_n"))
    if name == "SUM_CONTACT_TIME_AGENT":
        return round(_seconds(agg.get("handle_sum")), 3)
    if name == "AVG_QUEUE_ANSWER_TIME":
        return _avg(agg.get("answer_sum"), agg.get("answer_n"))
    if name == "AVG_AFTER_CONTACT_WORK_TIME":
        return _avg(agg.get("acw_sum"), agg.get("acw_n"))
    if name == "MAX_QUEUED_TIME":
        return round(_seconds(agg.get("longest")), 3)
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
        step = {"HOUR": 60, "THIRTY_MIN": 30, "FIFTEEN_MIN": 15}[interval]
        utc = first.astimezone(dt.UTC)
        floor = utc.replace(minute=utc.minute - utc.minute % step, second=0, microsecond=0)
        following = floor + dt.timedelta(minutes=step)
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
