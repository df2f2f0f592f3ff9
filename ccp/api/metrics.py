"""Handlers for the metrics operations: GetCurrentMetricData and GetCurrentUserData (real time, from
ccp/selectors/metrics.py) and GetMetricDataV2 and GetMetricData (historical, from
ccp/selectors/historical.py). The definitions live in the selectors; this module maps Amazon Connect's
names, filters, groupings and limits onto them.

Limits, as Amazon Connect documents them (API Reference, GetMetricData, GetMetricDataV2 and
IntervalDetails): GetMetricData's StartTime and EndTime are multiples of 5 minutes, the range is at most
24 hours and starts within the last 24 hours; GetMetricDataV2's StartTime is within the last 3 months and
the range is less than 3 days for FIFTEEN_MIN, THIRTY_MIN and HOUR intervals and less than 35 days for
DAY, WEEK and TOTAL. SERVICE_LEVEL thresholds are 1 … 604,800 seconds with Comparison LT.
"""

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, Min
from django.utils import timezone

from ccp.api.paging import token_decode, token_encode
from ccp.errors import InvalidParameter, ResourceNotFound
from ccp.models import AgentEvent, Channel, Contact, Queue, RoutingProfile, RoutingProfileQueue, User
from ccp.models.contacts import AGENT_SLOT_STATES
from ccp.selectors import metrics as realtime
from ccp.selectors.historical import (
    DIMENSIONS,
    METRICS,
    SERVICE_LEVEL_MAX_SECONDS,
    MetricRequest,
    historical_metrics,
)

CHANNELS = [Channel.VOICE, Channel.CHAT, Channel.TASK]

# GetCurrentMetricData: name → (unit, reader of a QueueMetrics).
CURRENT = {
    "AGENTS_ONLINE": ("COUNT", lambda m: m.agents_online),
    "AGENTS_AVAILABLE": ("COUNT", lambda m: m.agents_available),
    "AGENTS_ON_CONTACT": ("COUNT", lambda m: m.agents_on_contact),
    "AGENTS_ON_CALL": ("COUNT", lambda m: m.agents_on_contact),
    "AGENTS_STAFFED": ("COUNT", lambda m: m.agents_staffed),
    "AGENTS_AFTER_CONTACT_WORK": ("COUNT", lambda m: m.agents_after_contact_work),
    "AGENTS_NON_PRODUCTIVE": ("COUNT", lambda m: m.agents_non_productive),
    "AGENTS_ERROR": ("COUNT", lambda m: m.agents_error),
    "CONTACTS_IN_QUEUE": ("COUNT", lambda m: m.contacts_in_queue),
    "OLDEST_CONTACT_AGE": ("SECONDS", lambda m: m.oldest_contact_age_seconds),
    "CONTACTS_SCHEDULED": ("COUNT", lambda m: m.contacts_scheduled),
    "SLOTS_ACTIVE": ("COUNT", lambda m: m.slots_active),
    "SLOTS_AVAILABLE": ("COUNT", lambda m: m.slots_available),
}

# GetMetricData (v1) names → (the historical definition, unit, statistic).
HISTORICAL_V1 = {
    "CONTACTS_QUEUED": ("CONTACTS_QUEUED", "COUNT", "SUM"),
    "CONTACTS_HANDLED": ("CONTACTS_HANDLED", "COUNT", "SUM"),
    "CONTACTS_ABANDONED": ("CONTACTS_ABANDONED", "COUNT", "SUM"),
    "CONTACTS_TRANSFERRED_OUT": ("CONTACTS_TRANSFERRED_OUT", "COUNT", "SUM"),
    "CONTACTS_MISSED": ("AGENT_NON_RESPONSE", "COUNT", "SUM"),
    "API_CONTACTS_HANDLED": ("API_CONTACTS_HANDLED", "COUNT", "SUM"),
    "CONTACTS_HANDLED_INCOMING": ("CONTACTS_HANDLED_INCOMING", "COUNT", "SUM"),
    "CONTACTS_HANDLED_OUTBOUND": ("CONTACTS_HANDLED_OUTBOUND", "COUNT", "SUM"),
    "CONTACTS_TRANSFERRED_IN": ("CONTACTS_TRANSFERRED_IN", "COUNT", "SUM"),
    "HANDLE_TIME": ("AVG_HANDLE_TIME", "SECONDS", "AVG"),
    "AFTER_CONTACT_WORK_TIME": ("AVG_AFTER_CONTACT_WORK_TIME", "SECONDS", "AVG"),
    "QUEUE_ANSWER_TIME": ("AVG_QUEUE_ANSWER_TIME", "SECONDS", "AVG"),
    "QUEUED_TIME": ("MAX_QUEUED_TIME", "SECONDS", "MAX"),
    "HOLD_TIME": ("AVG_HOLD_TIME", "SECONDS", "AVG"),
    "INTERACTION_TIME": ("AVG_INTERACTION_TIME", "SECONDS", "AVG"),
    "INTERACTION_AND_HOLD_TIME": ("AVG_INTERACTION_AND_HOLD_TIME", "SECONDS", "AVG"),
    "SERVICE_LEVEL": ("SERVICE_LEVEL", "PERCENT", "AVG"),
}

V2_GROUPINGS = tuple(DIMENSIONS)
V2_RANGE = {
    "FIFTEEN_MIN": dt.timedelta(days=3),
    "THIRTY_MIN": dt.timedelta(days=3),
    "HOUR": dt.timedelta(days=3),
    "DAY": dt.timedelta(days=35),
    "WEEK": dt.timedelta(days=35),
    "TOTAL": dt.timedelta(days=35),
}
V2_HISTORY = dt.timedelta(days=92)


def _unsupported(kind: str, names) -> InvalidParameter:
    return InvalidParameter(f"{kind} not supported by this server: {', '.join(sorted(set(names)))}.")


def _bare_id(value: str) -> str:
    """An id, or the id at the end of an ARN (…/queue/ID)."""
    return value.rsplit("/", 1)[-1]


def _resolve(model, instance, values, label: str, **extra) -> list[str]:
    ids = [_bare_id(v) for v in values or ()]
    found = set(model.objects.filter(instance_id=instance.pk, pk__in=ids, **extra).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        raise ResourceNotFound(f"{label} not found in this instance: {', '.join(missing[:10])}.")
    return ids


def _page(items: list, params) -> tuple[list, str | None]:
    offset = token_decode(params.get("NextToken"))
    size = params.get("MaxResults") or 100
    more = len(items) > offset + size
    return items[offset : offset + size], token_encode(offset + size) if more else None


def _threshold(threshold: dict | None, name: str) -> float:
    if not threshold or threshold.get("ThresholdValue") is None:
        raise InvalidParameter(f"{name} needs a Threshold (Comparison LT, ThresholdValue in seconds).")
    if threshold.get("Comparison", "LT") != "LT":
        raise InvalidParameter(f"{name}: the only threshold comparison is LT.")
    value = threshold["ThresholdValue"]
    if not 1 <= value <= SERVICE_LEVEL_MAX_SECONDS:
        raise InvalidParameter(f"{name}: ThresholdValue must be between 1 and {SERVICE_LEVEL_MAX_SECONDS:,} seconds.")
    return value


# --- Real time -------------------------------------------------------------------------------------


def get_current_metric_data(*, instance, params) -> dict:
    """GetCurrentMetricData: POST /metrics/current/{InstanceId}.

    Queue metrics per queue of Filters.Queues (or every queue of Filters.RoutingProfiles); CHANNEL splits
    them per channel; ROUTING_PROFILE splits the agent metrics by the agents' routing profile. Agent
    metrics without a CHANNEL grouping read the channel filter's only channel, else TASK.
    """
    filters = params.get("Filters") or {}
    groupings = params.get("Groupings") or []
    asked = params.get("CurrentMetrics") or []
    if any(not isinstance(m.get("Name"), str) for m in asked):
        raise InvalidParameter("CurrentMetrics: every metric needs a Name.")
    unknown = [m["Name"] for m in asked if m["Name"] not in CURRENT]
    if unknown:
        raise _unsupported("Current metrics", unknown)
    bad = [g for g in groupings if g not in ("QUEUE", "CHANNEL", "ROUTING_PROFILE")]
    if bad:
        raise _unsupported("Groupings", bad)
    queue_ids = _resolve(Queue, instance, filters.get("Queues"), "Queues")
    profile_ids = _resolve(RoutingProfile, instance, filters.get("RoutingProfiles"), "Routing profiles")
    if not queue_ids and not profile_ids:
        raise InvalidParameter("Filters must name at least one queue or routing profile.")
    channels = filters.get("Channels") or CHANNELS
    if not queue_ids:
        queue_ids = sorted(
            set(
                RoutingProfileQueue.objects.filter(
                    routing_profile_id__in=profile_ids, channel__in=channels
                ).values_list("queue_id", flat=True)
            )
        )
    queues = {q.pk: q for q in Queue.objects.filter(instance_id=instance.pk, pk__in=queue_ids)}
    at = timezone.now()
    split_channel = "CHANNEL" in groupings
    split_queue = "QUEUE" in groupings
    split_profile = "ROUTING_PROFILE" in groupings
    agent_channels = channels if split_channel else [channels[0] if len(channels) == 1 else Channel.TASK]

    counts: dict = {}
    rows = (
        Contact.objects.filter(
            instance_id=instance.pk,
            queue_id__in=list(queues),
            channel__in=channels,
            state__in=["QUEUED", "SCHEDULED", *AGENT_SLOT_STATES],
        )
        .values("queue_id", "channel", "state")
        .annotate(n=Count("id"), oldest=Min("enqueue_timestamp"))
        .order_by()
    )
    for row in rows:
        key = (row["queue_id"] if split_queue else None, row["channel"] if split_channel else None)
        bucket = counts.setdefault(key, {})
        n, oldest = bucket.get(row["state"], (0, None))
        first = min(d for d in (oldest, row["oldest"]) if d) if (oldest or row["oldest"]) else None
        bucket[row["state"]] = (n + row["n"], first)

    # The floor's agents as groups sharing a profile, a status and their slot use (a handful of rows, whatever
    # the number of agents); the owners of personal queues asked for, one state each.
    groups_by_channel = {ch: realtime.agent_state_groups(instance=instance, channel=ch) for ch in agent_channels}
    owners = sorted({q.agent_id for q in queues.values() if q.agent_id})
    owners_by_channel = {
        ch: {s.agent.pk: s for s in realtime.agent_states(instance=instance, channel=ch, agent_ids=owners)}
        if owners
        else {}
        for ch in agent_channels
    }
    results = []
    queue_keys = sorted(queues, key=lambda pk: queues[pk].name) if split_queue else [None]
    channel_keys = list(agent_channels) if split_channel else [None]
    profile_keys: list = [None]
    if split_profile:
        every = {s.routing_profile_id for groups in groups_by_channel.values() for s in groups}
        profile_keys = sorted(set(profile_ids) if profile_ids else every)
    for queue_id in queue_keys:
        scope = {queue_id} if queue_id else set(queues)
        for channel in channel_keys:
            key = channel or agent_channels[0]
            personal = {queues[q].agent_id for q in scope if queues[q].agent_id}
            # Agents whose profile serves a queue of the scope, and owners of its personal queues not among them.
            serving = [s for s in groups_by_channel[key] if s.queue_ids & scope]
            serving += [s for pk, s in owners_by_channel[key].items() if pk in personal and not s.queue_ids & scope]
            if profile_ids:
                serving = [s for s in serving if s.routing_profile_id in profile_ids]
            for profile_id in profile_keys:
                scoped = [s for s in serving if profile_id is None or s.routing_profile_id == profile_id]
                metrics = realtime.fold_counts(counts.get((queue_id, channel), {}), states=scoped, at=at)
                dims: dict = {}
                if queue_id:
                    dims["Queue"] = {"Id": queue_id, "Arn": f"{instance.arn}/queue/{queue_id}"}
                if channel:
                    dims["Channel"] = channel
                if profile_id:
                    dims["RoutingProfile"] = {"Id": profile_id, "Arn": f"{instance.arn}/routing-profile/{profile_id}"}
                collections = []
                for metric in asked:
                    unit, read = CURRENT[metric["Name"]]
                    collections.append(
                        {"Metric": {"Name": metric["Name"], "Unit": unit}, "Value": float(read(metrics))}
                    )
                results.append({"Dimensions": dims, "Collections": collections})
    page, token = _page(results, params)
    return {"MetricResults": page, "NextToken": token, "DataSnapshotTime": at, "ApproximateTotalCount": len(results)}


def get_current_user_data(*, instance, params) -> dict:
    """GetCurrentUserData: POST /metrics/userdata/{InstanceId} — each agent's status, slots per channel
    and contacts, for the agents of Filters.Agents, of Filters.RoutingProfiles, or serving Filters.Queues."""
    filters = params.get("Filters") or {}
    agent_ids = _resolve(User, instance, filters.get("Agents"), "Agents")
    profile_ids = _resolve(RoutingProfile, instance, filters.get("RoutingProfiles"), "Routing profiles")
    queue_ids = _resolve(Queue, instance, filters.get("Queues"), "Queues")
    if not (agent_ids or profile_ids or queue_ids):
        raise InvalidParameter("Filters must name agents, routing profiles or queues.")
    contact_states = (filters.get("ContactFilter") or {}).get("ContactStates") or []
    by_channel = {ch: {s.agent.pk: s for s in realtime.agent_states(instance=instance, channel=ch)} for ch in CHANNELS}
    states = list(by_channel[Channel.TASK].values())
    if agent_ids:
        states = [s for s in states if s.agent.pk in agent_ids]
    if profile_ids:
        states = [s for s in states if s.agent.routing_profile_id in profile_ids]
    if queue_ids:
        wanted = set(queue_ids)
        states = [s for s in states if any(by_channel[ch][s.agent.pk].queue_ids & wanted for ch in CHANNELS)]
    page, token = _page(states, params)
    contacts: dict[str, list] = {}
    for contact in Contact.objects.filter(
        instance_id=instance.pk, agent_id__in=[s.agent.pk for s in page], state__in=AGENT_SLOT_STATES
    ).order_by("offered_at", "id"):
        contacts.setdefault(contact.agent_id, []).append(contact)
    items = []
    for state in page:
        user = state.agent
        entries = []
        for c in contacts.get(user.pk, []):
            agent_state = {"CONNECTING": "CONNECTING", "CONNECTED": "CONNECTED", "AFTER_CONTACT_WORK": "ENDED"}[c.state]
            if contact_states and agent_state not in contact_states:
                continue
            entry = {
                "ContactId": c.id,
                "Channel": c.channel,
                "InitiationMethod": c.initiation_method,
                "AgentContactState": agent_state,
                "StateStartTimestamp": {
                    "CONNECTING": c.offered_at,
                    "CONNECTED": c.connected_to_agent_timestamp,
                    "AFTER_CONTACT_WORK": c.after_contact_work_start_timestamp,
                }[c.state]
                or c.last_update_timestamp,
            }
            if c.connected_to_agent_timestamp:
                entry["ConnectedToAgentTimestamp"] = c.connected_to_agent_timestamp
            if c.queue_id:
                entry["Queue"] = {"Id": c.queue_id, "Arn": f"{instance.arn}/queue/{c.queue_id}"}
            entries.append(entry)
        if contact_states and not entries:
            continue
        item = {
            "User": {"Id": user.pk, "Arn": f"{instance.arn}/agent/{user.pk}"},
            "RoutingProfile": {
                "Id": user.routing_profile_id,
                "Arn": f"{instance.arn}/routing-profile/{user.routing_profile_id}",
            },
            "MaxSlotsByChannel": {ch: by_channel[ch][user.pk].slots for ch in CHANNELS},
            "ActiveSlotsByChannel": {ch: by_channel[ch][user.pk].slots_in_use for ch in CHANNELS},
            "AvailableSlotsByChannel": {ch: realtime.slots_available_of([by_channel[ch][user.pk]]) for ch in CHANNELS},
            "Contacts": entries,
        }
        if user.status_id:
            item["Status"] = {
                "StatusName": user.status.name,
                "StatusArn": f"{instance.arn}/agent-state/{user.status_id}",
                "StatusStartTimestamp": user.status_since or _status_start(user),
            }
        items.append(item)
    return {"UserDataList": items, "NextToken": token, "ApproximateTotalCount": len(states)}


def _status_start(user) -> dt.datetime | None:
    event = AgentEvent.objects.filter(user_id=user.pk).order_by("-at").first()
    return event.at if event else None


# --- Historical ------------------------------------------------------------------------------------


def get_metric_data_v2(*, instance, params) -> dict:
    """GetMetricDataV2: POST /metrics/data."""
    if params["ResourceArn"] not in (instance.arn, instance.pk):
        raise ResourceNotFound("ResourceArn is not an instance of this account.")
    start, end = params["StartTime"], params["EndTime"]
    interval = (params.get("Interval") or {}).get("IntervalPeriod") or "TOTAL"
    tz_name = (params.get("Interval") or {}).get("TimeZone") or instance.timezone or "UTC"
    _check_timezone(tz_name)
    if start >= end:
        raise InvalidParameter("StartTime must be before EndTime.")
    if end - start >= V2_RANGE[interval]:
        days = V2_RANGE[interval].days
        raise InvalidParameter(f"For the {interval} interval, EndTime must be less than {days} days after StartTime.")
    if start < timezone.now() - V2_HISTORY:
        raise InvalidParameter("StartTime must be within the last 3 months.")
    filters: dict[str, list[str]] = {}
    for item in params["Filters"]:
        key = item["FilterKey"]
        if key not in DIMENSIONS:
            raise _unsupported("Filter keys", [key])
        values = [_bare_id(v) for v in item.get("FilterValues") or []]
        if key == "QUEUE":
            _resolve(Queue, instance, values, "Queues")
        elif key == "ROUTING_PROFILE":
            _resolve(RoutingProfile, instance, values, "Routing profiles")
        elif key == "AGENT":
            _resolve(User, instance, values, "Agents")
        elif any(v not in CHANNELS for v in values):
            raise InvalidParameter(f"CHANNEL filter values must be among {', '.join(CHANNELS)}.")
        filters[key] = values
    groupings = params.get("Groupings") or []
    bad = [g for g in groupings if g not in V2_GROUPINGS]
    if bad:
        raise _unsupported("Groupings", bad)
    asked = params["Metrics"]
    unknown = [m.get("Name", "") for m in asked if m.get("Name") not in METRICS]
    if unknown:
        raise _unsupported("Metrics", unknown)
    by_agent_only = {"QUEUE", "CHANNEL"} & (set(groupings) | set(filters))
    if by_agent_only and any(m["Name"] == "AGENT_OCCUPANCY" for m in asked):
        raise InvalidParameter(
            f"AGENT_OCCUPANCY is per agent: it cannot be filtered or grouped by {', '.join(sorted(by_agent_only))}."
        )
    requests = []
    for metric in asked:
        threshold = None
        if metric["Name"] == "SERVICE_LEVEL":
            threshold = _threshold((metric.get("Threshold") or [None])[0], "SERVICE_LEVEL")
        requests.append(MetricRequest(metric["Name"], threshold))
    rows = historical_metrics(
        instance=instance,
        start=start,
        end=end,
        metrics=requests,
        filters=filters,
        groupings=groupings,
        interval=interval,
        timezone=tz_name,
        fill=True,
    )
    results = []
    for row in rows:
        collections = []
        for metric, value in zip(asked, row.values, strict=True):
            echo = {"Name": metric["Name"]}
            if metric.get("Threshold"):
                echo["Threshold"] = metric["Threshold"]
            collections.append({"Metric": echo, "Value": value})
        results.append(
            {
                "Dimensions": {key: str(value) for key, value in row.dimensions.items() if value is not None},
                "MetricInterval": {"Interval": interval, "StartTime": row.start, "EndTime": row.end},
                "Collections": collections,
            }
        )
    page, token = _page(results, params)
    return {"MetricResults": page, "NextToken": token}


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidParameter(f"Interval.TimeZone {name[:64]!r} is not a time zone.")


def get_metric_data(*, instance, params) -> dict:
    """GetMetricData (the first version): POST /metrics/historical/{InstanceId}, grouped by QUEUE and/or
    CHANNEL, over at most 24 hours that start within the last 24 hours."""
    start, end = params["StartTime"], params["EndTime"]
    for label, value in (("StartTime", start), ("EndTime", end)):
        if value.second or value.microsecond or value.minute % 5:
            raise InvalidParameter(f"{label} must be a multiple of 5 minutes.")
    if start >= end:
        raise InvalidParameter("StartTime must be before EndTime.")
    if end - start > dt.timedelta(hours=24):
        raise InvalidParameter("EndTime must be at most 24 hours after StartTime.")
    if start < timezone.now() - dt.timedelta(hours=24) - dt.timedelta(minutes=5):
        raise InvalidParameter("StartTime must be within the last 24 hours.")
    filters = params.get("Filters") or {}
    queue_ids = _resolve(Queue, instance, filters.get("Queues"), "Queues")
    if not queue_ids:
        raise InvalidParameter("Filters.Queues must name at least one queue.")
    selection = {"QUEUE": queue_ids}
    if filters.get("Channels"):
        selection["CHANNEL"] = list(filters["Channels"])
    groupings = params.get("Groupings") or []
    bad = [g for g in groupings if g not in ("QUEUE", "CHANNEL")]
    if bad:
        raise _unsupported("Groupings", bad)
    asked = params.get("HistoricalMetrics") or []
    if any(not isinstance(m.get("Name"), str) for m in asked):
        raise InvalidParameter("HistoricalMetrics: every metric needs a Name.")
    unknown = [m["Name"] for m in asked if m["Name"] not in HISTORICAL_V1]
    if unknown:
        raise _unsupported("Historical metrics", unknown)
    requests = []
    for metric in asked:
        threshold = _threshold(metric.get("Threshold"), "SERVICE_LEVEL") if metric["Name"] == "SERVICE_LEVEL" else None
        requests.append(MetricRequest(HISTORICAL_V1[metric["Name"]][0], threshold))
    rows = historical_metrics(
        instance=instance, start=start, end=end, metrics=requests, filters=selection, groupings=groupings
    )
    results = []
    for row in rows:
        dims: dict = {}
        if row.dimensions.get("QUEUE"):
            queue_id = row.dimensions["QUEUE"]
            dims["Queue"] = {"Id": queue_id, "Arn": f"{instance.arn}/queue/{queue_id}"}
        if row.dimensions.get("CHANNEL"):
            dims["Channel"] = row.dimensions["CHANNEL"]
        collections = []
        for metric, value in zip(asked, row.values, strict=True):
            _, unit, statistic = HISTORICAL_V1[metric["Name"]]
            echo = {
                "Name": metric["Name"],
                "Unit": metric.get("Unit") or unit,
                "Statistic": metric.get("Statistic") or statistic,
            }
            if metric.get("Threshold"):
                echo["Threshold"] = metric["Threshold"]
            collections.append({"Metric": echo, "Value": value})
        results.append({"Dimensions": dims, "Collections": collections})
    page, token = _page(results, params)
    return {"MetricResults": page, "NextToken": token}
