"""The real-time metrics page's content: the queues and agents of ccp/selectors/metrics.py narrowed by
the page's filters (queues, routing profiles, channel), each column's threshold, and each agent's
contacts per channel against their capacity with their current tasks' ages. Read by the console view
and by the supervisors' websocket (ccp/realtime/supervisor.py), so both draw the same page.

The metrics themselves are not redefined here: every figure is a field of `QueueMetrics`, folded by
`metrics_of` from the same agent states and contact counts.
"""

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from ccp.compiled import CompiledQuery
from ccp.models import Channel, Contact, Instance
from ccp.models.contacts import AGENT_SLOT_STATES
from ccp.selectors.historical import SERVICE_LEVEL_MAX_SECONDS
from ccp.selectors.metrics import (
    AgentState,
    QueueMetrics,
    RecentFigures,
    instance_metrics,
    instance_service_level,
    metrics_of,
    recent_figures,
)

# The queue table's columns: (QueueMetrics field, heading, unit). One per real-time metric.
COLUMNS = [
    ("contacts_in_queue", "In queue", "count"),
    ("oldest_contact_age_seconds", "Oldest", "seconds"),
    ("contacts_scheduled", "Scheduled", "count"),
    ("contacts_in_flow", "In flow", "count"),
    ("contacts_with_agents", "With agents", "count"),
    ("agents_online", "Online", "count"),
    ("agents_available", "Available", "count"),
    ("agents_on_contact", "On contact", "count"),
    ("agents_after_contact_work", "ACW", "count"),
    ("agents_non_productive", "NPT", "count"),
    ("agents_error", "Error", "count"),
    ("agents_staffed", "Staffed", "count"),
    ("slots_active", "Slots active", "count"),
    ("slots_available", "Slots available", "count"),
    ("missed", "Missed", "count"),  # in the last `window` minutes
    ("service_level", "SL", "percent"),  # in the last `window` minutes, answered within `sl` seconds
]
COLUMN_KEYS = [key for key, _, _ in COLUMNS]
CHANNELS = [Channel.TASK, Channel.CHAT, Channel.VOICE]


# Every agent-held contact of an instance, the columns the page shows (compiled once: ccp/compiled.py).
_HELD_CONTACTS = CompiledQuery(
    lambda instance_id: (
        Contact.objects.filter(instance_id=instance_id, state__in=AGENT_SLOT_STATES)
        .order_by("offered_at", "id")
        .values_list("id", "name", "channel", "state", "agent_id", "offered_at", "initiation_timestamp")
    )
)

# The window of the Missed and SL columns (minutes) and SL's threshold (seconds) when the URL names none.
DEFAULT_WINDOW_MINUTES = 15
MAX_WINDOW_MINUTES = 24 * 60


@dataclass(frozen=True)
class Cell:
    key: str
    value: float | None
    unit: str
    over: bool  # past the page's threshold for this column: at or above it, or below it for a percentage


# HeldContact and AgentRow: not frozen, as AgentState (a frozen dataclass's __init__ costs ~4× for 1,000 rows).
@dataclass(slots=True)
class HeldContact:
    """A contact an agent holds, as the agents table shows it: since it was offered (or initiated)."""

    pk: str
    name: str
    channel: str
    since: datetime


@dataclass(slots=True)
class AgentRow:
    state: AgentState
    status_seconds: int
    by_channel: list[tuple[str, int, int]]  # (channel, contacts held, capacity)
    tasks: list[tuple[HeldContact, int]]  # current tasks with their age in seconds


@dataclass(frozen=True)
class Board:
    queues: list[tuple[object, list[Cell]]]
    totals: list[Cell]
    agents: list[AgentRow]
    at: datetime
    window_minutes: int = DEFAULT_WINDOW_MINUTES
    sl_seconds: int = 60
    columns: tuple = tuple(COLUMNS)


def board_filters(query: dict[str, list[str]]) -> dict:
    """The page's filters from its query string (the console view reads the same)."""
    channel = (query.get("channel") or [""])[0]
    thresholds = {}
    for key in COLUMN_KEYS:
        raw = (query.get(f"warn_{key}") or [""])[0]
        if raw.strip().isdigit():
            thresholds[key] = int(raw)
    window = (query.get("window") or [""])[0].strip()
    service_level = (query.get("sl") or [""])[0].strip()
    return {
        "queue_ids": [v for v in query.get("queue", []) if v],
        "profile_ids": [v for v in query.get("routing_profile", []) if v],
        "channel": channel if channel in Channel.values else None,
        "thresholds": thresholds,
        "window_minutes": min(int(window), MAX_WINDOW_MINUTES) if window.isdigit() and int(window) else None,
        "sl_seconds": min(int(service_level), SERVICE_LEVEL_MAX_SECONDS)
        if service_level.isdigit() and int(service_level)
        else None,
    }


def _cells(metrics: QueueMetrics, recent: RecentFigures, thresholds: dict[str, int]) -> list[Cell]:
    # A shallow read of the fields (dataclasses.asdict copies each value recursively, once per queue row).
    values = {"missed": recent.missed, "service_level": recent.service_level}
    cells = []
    for key, _, unit in COLUMNS:
        value = values[key] if key in values else getattr(metrics, key)
        limit = thresholds.get(key)
        if limit is None or value is None:
            over = False
        else:
            over = value < limit if unit == "percent" else value >= limit
        cells.append(Cell(key, value, unit, over))
    return cells


def realtime_board(
    *,
    instance: Instance,
    queue_ids: list[str] = (),
    profile_ids: list[str] = (),
    channel: str | None = None,
    thresholds: dict[str, int] | None = None,
    window_minutes: int | None = None,
    sl_seconds: int | None = None,
    at: datetime | None = None,
) -> Board:
    """The page for these filters: queue rows (standard queues), totals over them, and agent rows. Missed and
    SL cover the last `window_minutes`; SL counts answers within `sl_seconds` (the instance's default
    service level for the channel when not given)."""
    at = at or timezone.now()
    thresholds = thresholds or {}
    window_minutes = window_minutes or DEFAULT_WINDOW_MINUTES
    sl_seconds = sl_seconds or instance_service_level(instance, channel or Channel.TASK)
    recent = recent_figures(
        instance=instance, since=at - timedelta(minutes=window_minutes), threshold_seconds=sl_seconds, channel=channel
    )
    # Every agent-held contact of the instance (contact_instance_state_idx), as plain rows of the columns the
    # page shows (a model instance each cost more than the rest of the agent table); the agents' slot use on
    # the page's channel is counted from the same rows.
    held: dict[str, list[HeldContact]] = {}
    slot_use: dict[str, list[int]] = {}
    agent_channel = channel or Channel.TASK
    for pk, name, channel_, state, agent_id, offered_at, initiated in _HELD_CONTACTS.rows(instance.pk):
        held.setdefault(agent_id, []).append(HeldContact(pk, name, channel_, offered_at or initiated))
        if channel_ == agent_channel:
            slot_use.setdefault(agent_id, [0, 0, 0])[AGENT_SLOT_STATES.index(state)] += 1
    data = instance_metrics(
        instance=instance, agent_channel=agent_channel, contact_channel=channel or None, at=at, held=slot_use
    )
    queues = [(q, m) for q, m in data.queues if not queue_ids or q.pk in queue_ids]
    agents = data.agents
    if profile_ids:
        agents = [s for s in agents if s.agent.routing_profile_id in profile_ids]
    if queue_ids:
        agents = [s for s in agents if s.queue_ids & set(queue_ids)]
    # Unfiltered, the agents are the instance's: their fold is the one instance_metrics made for its totals.
    folded = metrics_of(states=agents, at=at) if profile_ids or queue_ids else data.totals
    totals = dataclasses.replace(
        folded,
        contacts_in_queue=sum(m.contacts_in_queue for _, m in queues),
        oldest_contact_age_seconds=max((m.oldest_contact_age_seconds for _, m in queues), default=0),
        contacts_scheduled=sum(m.contacts_scheduled for _, m in queues),
        contacts_with_agents=sum(m.contacts_with_agents for _, m in queues),
        contacts_in_flow=sum(m.contacts_in_flow for _, m in queues),
    )
    if not queue_ids:  # the instance's own: scheduled and in-flow contacts no queue claims yet count here
        totals = dataclasses.replace(
            totals,
            contacts_scheduled=data.totals.contacts_scheduled,
            contacts_in_flow=data.totals.contacts_in_flow,
        )
    shown_queues = {q.pk for q, _ in queues}
    recent_total = RecentFigures(
        missed=sum(r.missed for k, r in recent.items() if k in shown_queues or not queue_ids),
        answered_within=sum(r.answered_within for k, r in recent.items() if k in shown_queues or not queue_ids),
        left_queue=sum(r.left_queue for k, r in recent.items() if k in shown_queues or not queue_ids),
    )
    # Per routing profile once: each channel's capacity, with nothing held (most agents' row).
    capacity: dict[str, list[tuple[str, int, int]]] = {}
    rows = []
    for state in agents:
        agent = state.agent
        if agent.routing_profile_id not in capacity:
            capacity[agent.routing_profile_id] = [(ch, 0, agent.routing_profile.concurrency(ch)) for ch in CHANNELS]
        by_channel, tasks = capacity[agent.routing_profile_id], []
        mine = held.get(agent.pk)
        if mine:
            by_channel = [(ch, sum(c.channel == ch for c in mine), n) for ch, _, n in by_channel]
            tasks = [(c, int((at - c.since).total_seconds())) for c in mine if c.channel == Channel.TASK]
        since = agent.status_since
        rows.append(AgentRow(state, int((at - since).total_seconds()) if since else 0, by_channel, tasks))
    return Board(
        queues=[(q, _cells(m, recent.get(q.pk, RecentFigures()), thresholds)) for q, m in queues],
        totals=_cells(totals, recent_total, thresholds),
        agents=rows,
        at=at,
        window_minutes=window_minutes,
        sl_seconds=sl_seconds,
    )
