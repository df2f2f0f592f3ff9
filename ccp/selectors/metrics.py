"""Real-time queue and agent metrics: the one definition the console's real-time page, the flow
blocks (Check staffing, Check queue status, Get queue metrics) and Transfer to queue's capacity check
all read.

Each metric follows Amazon Connect's real-time metric of the same name (GetCurrentMetricData,
"Real-time metrics definitions" in the Amazon Connect Administrator Guide,
https://docs.aws.amazon.com/connect/latest/adminguide/real-time-metrics-definitions.html). The
definition is written once, on the predicate or count below, and every caller goes through it.

Scope. Every function takes the instance and, optionally, a queue and a channel:

- agents count for a queue when their routing profile lists the queue for the channel (a personal
  queue's agent counts for it); without a queue, every active user with a routing profile counts;
- agent metrics are per channel (concurrency and slots are per channel) and default to tasks, the
  channel this contact center routes;
- contact metrics count every channel unless a channel is given, as a queue's capacity does.

The contact states map onto Amazon Connect's as: CONNECTING is Incoming (the offer rings and holds a
slot), CONNECTED is On contact (there is no separate hold state), AFTER_CONTACT_WORK is ACW. The
system's Missed status, set after an offer rings out, is the agent Error state.
"""

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from ccp.compiled import CompiledQuery
from ccp.models import (
    AgentStatus,
    Channel,
    Contact,
    ContactEvent,
    ContactState,
    Instance,
    Queue,
    RoutingProfile,
    RoutingProfileQueue,
    User,
)
from ccp.models.contacts import AGENT_SLOT_STATES

DEFAULT_AGENT_CHANNEL = Channel.TASK
# The user columns the real-time callers read (names, status, profile); the rest stay unread.
AGENT_COLUMNS = (
    "id",
    "username",
    "first_name",
    "last_name",
    "is_active",
    "routing_profile_id",
    "status_id",
    "status_since",
)
# The instance's agents in name order, and its open contacts counted per queue and state: what every refresh of
# the real-time page reads, compiled once (ccp/compiled.py).
_INSTANCE_AGENT_ROWS = CompiledQuery(
    lambda instance_id: (
        User.objects.filter(instance_id=instance_id, is_active=True, routing_profile__isnull=False)
        .order_by("first_name", "last_name", "username")
        .values_list(*AGENT_COLUMNS)
    )
)
_COUNTED_STATES = [ContactState.QUEUED, ContactState.SCHEDULED, ContactState.IN_FLOW, *AGENT_SLOT_STATES]
_INSTANCE_CONTACT_COUNTS = CompiledQuery(
    lambda instance_id: (
        Contact.objects.filter(instance_id=instance_id, state__in=_COUNTED_STATES)
        .values_list("queue_id", "state")
        .annotate(n=Count("id"), oldest=Min("enqueue_timestamp"))
        .order_by()
    )
)


# AgentRef and AgentState are not frozen: a frozen dataclass's __init__ sets each field through
# object.__setattr__, which made building a 1,000-agent floor's two objects per agent cost 4× more
# (6.2 ms of CPU against 1.8 ms here, under load). Nothing changes them after agent_states returns.
@dataclass(slots=True)
class AgentRef:
    """An agent as the real-time metrics read them: a User's names, status and routing profile."""

    pk: str
    username: str
    first_name: str
    last_name: str
    routing_profile_id: str
    routing_profile: RoutingProfile
    status_id: str | None
    status: AgentStatus | None
    status_since: datetime | None

    @property
    def id(self) -> str:
        return self.pk

    def __str__(self) -> str:  # as User.__str__
        return f"{self.first_name} {self.last_name}".strip() or self.username


@dataclass(slots=True)
class AgentState:
    """One agent at one moment, for one channel: their status and the contacts holding their slots.

    `count` agents share it: 1 for one agent's state (`agent_states`); for a group of agents in the same state
    (`agent_state_groups`, and the folds' own merging) `agent` is None. Every predicate below reads one state;
    every count weighs it by `count`.
    """

    agent: "AgentRef | None"
    status_type: str | None
    slots: int
    incoming: int
    on_contact: int
    after_contact_work: int
    queue_ids: frozenset[str]
    routing_profile_id: str = ""
    count: int = 1

    @property
    def slots_in_use(self) -> int:
        return self.incoming + self.on_contact + self.after_contact_work


# --- The definitions, one predicate per agent metric -----------------------------------------------


def agent_is_online(state: AgentState) -> bool:
    """Online (AGENTS_ONLINE): the agent's status is anything but Offline — Available, a custom status
    such as Break, or the system's Missed status. No status at all is Offline."""
    return state.status_type is not None and state.status_type != AgentStatus.Type.OFFLINE


def agent_is_available(state: AgentState) -> bool:
    """Available (AGENTS_AVAILABLE): the agent can be routed a contact of the channel right now — their
    status is Available (routable) and a slot of the channel is free. An agent with every slot full,
    in a custom status, or in the Missed (error) status is not available."""
    return state.status_type == AgentStatus.Type.ROUTABLE and state.slots_in_use < state.slots


def agent_is_on_contact(state: AgentState) -> bool:
    """On contact (AGENTS_ON_CONTACT): the agent is connected to at least one contact. An offer still
    ringing (Incoming) and a contact in after-contact work are their own activities, not On contact."""
    return state.on_contact > 0


def agent_is_in_after_contact_work(state: AgentState) -> bool:
    """After contact work (AGENTS_AFTER_CONTACT_WORK): the agent has at least one contact in ACW.

    AWS notes the name is confusing: "in the Amazon Connect console, ACW counts the number of contacts
    that are in an ACW state, not the number of agents". This counts agents, as the API name says.
    """
    return state.after_contact_work > 0


def agent_is_in_error(state: AgentState) -> bool:
    """Error (AGENTS_ERROR): the agent missed an offer (non-response) and the system set them to the
    Missed status; they are offered nothing until they pick another status."""
    return state.status_type == AgentStatus.Type.MISSED


def agent_is_non_productive(state: AgentState) -> bool:
    """Non-productive (AGENTS_NON_PRODUCTIVE, "NPT"): the agent is in a custom status such as Break.

    As in Amazon Connect, an agent in a custom status who still handles a contact is counted twice:
    "you'll see the agent is simultaneously on NPT ... and On contact" (About agent status, AWS).
    """
    return state.status_type == AgentStatus.Type.CUSTOM


def agent_is_staffed(state: AgentState) -> bool:
    """Staffed (AGENTS_STAFFED): the agent is Online — Available, on contact, in after-contact work, in
    a custom status or in error. An Offline agent is never staffed, whatever their contacts."""
    return agent_is_online(state)


# --- Reading the agents ----------------------------------------------------------------------------


def agent_states(
    *,
    instance: Instance,
    queue: Queue | None = None,
    channel: str = DEFAULT_AGENT_CHANNEL,
    agent_ids: list[str] | None = None,
    held: dict[str, tuple[int, int, int]] | None = None,
) -> list[AgentState]:
    """The agents in scope (see the module docstring) with their status and slot use for `channel`, one
    state per agent (what a page listing the agents reads; a fold over the instance's agents reads
    `agent_state_groups`). `agent_ids` narrows them to those agents. `held`: the contacts of `channel` each
    agent holds, (offered, connected, in ACW), when the caller has read them already (the real-time page).

    Five queries whatever the number of agents: the users, their statuses and profiles, the queues their
    profiles serve, and their open contacts by state.
    """
    users = User.objects.filter(instance_id=instance.pk, is_active=True, routing_profile__isnull=False)
    if agent_ids is not None:
        users = users.filter(id__in=agent_ids)
    if queue is not None and queue.agent_id:
        users = users.filter(id=queue.agent_id)
    elif queue is not None:
        users = users.filter(
            routing_profile__queue_configs__queue=queue, routing_profile__queue_configs__channel=channel
        ).distinct()
    # 1,000 agents share a few profiles and statuses: read each of those once and share it, and the agents
    # as plain rows (a model instance per agent was most of the page's time: bench/metrics.py).
    if queue is None and agent_ids is None:
        rows = _INSTANCE_AGENT_ROWS.rows(instance.pk)
    else:
        rows = list(users.order_by("first_name", "last_name", "username").values_list(*AGENT_COLUMNS))
    statuses = AgentStatus.objects.in_bulk({row[6] for row in rows if row[6]})
    profiles = RoutingProfile.objects.in_bulk({row[5] for row in rows})

    profile_queues: dict[str, set[str]] = {}
    configs = RoutingProfileQueue.objects.filter(routing_profile_id__in=list(profiles), channel=channel)
    for profile_id, queue_id in configs.values_list("routing_profile_id", "queue_id"):
        profile_queues.setdefault(profile_id, set()).add(queue_id)
    # Per profile once: its slots for the channel and the queues it serves.
    serves = {pk: (p.concurrency(channel), frozenset(profile_queues.get(pk, ()))) for pk, p in profiles.items()}

    if held is None:
        held = {}
        contacts = Contact.objects.filter(instance_id=instance.pk, state__in=AGENT_SLOT_STATES, channel=channel)
        if queue is not None or agent_ids is not None:  # a few agents: name them (all: contact_instance_state_idx)
            contacts = contacts.filter(agent_id__in=[row[0] for row in rows])
        for agent_id, state, n in contacts.values_list("agent_id", "state").annotate(n=Count("id")).order_by():
            held.setdefault(agent_id, [0, 0, 0])[AGENT_SLOT_STATES.index(state)] = n

    states = []
    for pk, username, first, last, _, profile_id, status_id, since in rows:
        status = statuses.get(status_id)
        slots, queue_ids = serves[profile_id]
        incoming, on_contact, after_contact_work = held.get(pk, (0, 0, 0))
        agent = AgentRef(pk, username, first, last, profile_id, profiles[profile_id], status_id, status, since)
        states.append(
            AgentState(
                agent,
                status.type if status is not None else None,
                slots,
                incoming,
                on_contact,
                after_contact_work,
                queue_ids,
                profile_id,
            )
        )
    return states


def agent_state_groups(*, instance: Instance, channel: str = DEFAULT_AGENT_CHANNEL) -> list[AgentState]:
    """The instance's agents (every active user with a routing profile) as groups of agents sharing a routing
    profile, a status type and the number of contacts of `channel` they hold in each state: one AgentState
    per group, `count` agents each (`agent` is None). What the folds over the whole floor read
    (GetCurrentMetricData): the grouping is done in SQL, so 1,000 agents come back as a handful of rows
    instead of 1,000 objects. Two queries: the groups (users, statuses, profiles and held contacts joined)
    and the queues their profiles serve.
    """
    q = connection.ops.quote_name
    user, status, profile, contact = (q(model._meta.db_table) for model in (User, AgentStatus, RoutingProfile, Contact))
    slots = q({Channel.VOICE: "voice_concurrency", Channel.CHAT: "chat_concurrency"}.get(channel, "task_concurrency"))
    held = ", ".join(
        f"SUM(CASE WHEN state = %s THEN 1 ELSE 0 END) AS {name}"
        for name in ("incoming", "on_contact", "after_contact_work")
    )
    # Names from the models, values as parameters. The held contacts: contact_instance_state_idx.
    sql = (
        f"SELECT u.routing_profile_id, s.type, p.{slots}, COALESCE(h.incoming, 0), COALESCE(h.on_contact, 0),"  # noqa: S608
        " COALESCE(h.after_contact_work, 0), COUNT(*)"
        f" FROM {user} u JOIN {profile} p ON p.id = u.routing_profile_id LEFT JOIN {status} s ON s.id = u.status_id"
        f" LEFT JOIN (SELECT agent_id, {held} FROM {contact}"
        f" WHERE instance_id = %s AND state IN (%s, %s, %s) AND channel = %s GROUP BY agent_id) h ON h.agent_id = u.id"
        " WHERE u.instance_id = %s AND u.is_active = %s"
        f" GROUP BY u.routing_profile_id, s.type, p.{slots}, h.incoming, h.on_contact, h.after_contact_work"
    )
    params = [*AGENT_SLOT_STATES, instance.pk, *AGENT_SLOT_STATES, channel, instance.pk, True]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    profile_queues: dict[str, set[str]] = {}
    configs = RoutingProfileQueue.objects.filter(
        routing_profile_id__in={row[0] for row in rows}, channel=channel
    ).values_list("routing_profile_id", "queue_id")
    for profile_id, queue_id in configs:
        profile_queues.setdefault(profile_id, set()).add(queue_id)
    return [
        AgentState(
            agent=None,
            status_type=status_type,
            slots=concurrency,
            incoming=incoming,
            on_contact=on_contact,
            after_contact_work=acw,
            queue_ids=frozenset(profile_queues.get(profile_id, ())),
            routing_profile_id=profile_id,
            count=n,
        )
        for profile_id, status_type, concurrency, incoming, on_contact, acw, n in rows
    ]


def merged_states(states: list[AgentState], *, keep_queues: bool = False) -> list[AgentState]:
    """`states` merged into one state per distinct status and slot use (and served queues, if `keep_queues`),
    each standing for the `count` agents that share it: a fold asks each definition once per distinct state,
    not once per agent (1,000 agents on a floor are a few dozen distinct states). Agents and profiles are
    dropped: narrow first, then merge."""
    counts: dict[tuple, int] = {}
    for s in states:
        key = (s.status_type, s.slots, s.incoming, s.on_contact, s.after_contact_work, keep_queues and s.queue_ids)
        counts[key] = counts.get(key, 0) + s.count
    return [
        AgentState(None, status_type, slots, incoming, on_contact, acw, queue_ids or frozenset(), count=n)
        for (status_type, slots, incoming, on_contact, acw, queue_ids), n in counts.items()
    ]


def agents_where(predicate, states: list[AgentState]) -> int:
    """How many agents of `states` the definition `predicate` holds for (each state weighs its `count`)."""
    return sum(state.count for state in states if predicate(state))


def agents_online(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """AGENTS_ONLINE: agents whose status is not Offline (agent_is_online)."""
    return agents_where(agent_is_online, agent_states(instance=instance, queue=queue, channel=channel))


def agents_available(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """AGENTS_AVAILABLE: Available agents with a free slot of the channel (agent_is_available)."""
    return agents_where(agent_is_available, agent_states(instance=instance, queue=queue, channel=channel))


def agents_on_contact(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """AGENTS_ON_CONTACT: agents connected to at least one contact (agent_is_on_contact)."""
    return agents_where(agent_is_on_contact, agent_states(instance=instance, queue=queue, channel=channel))


def agents_after_contact_work(
    *, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL
) -> int:
    """AGENTS_AFTER_CONTACT_WORK: agents with a contact in ACW (agent_is_in_after_contact_work)."""
    return agents_where(agent_is_in_after_contact_work, agent_states(instance=instance, queue=queue, channel=channel))


def agents_error(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """AGENTS_ERROR: agents in the Missed status after a missed offer (agent_is_in_error)."""
    return agents_where(agent_is_in_error, agent_states(instance=instance, queue=queue, channel=channel))


def agents_non_productive(
    *, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL
) -> int:
    """AGENTS_NON_PRODUCTIVE: agents in a custom status (agent_is_non_productive)."""
    return agents_where(agent_is_non_productive, agent_states(instance=instance, queue=queue, channel=channel))


def agents_staffed(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """AGENTS_STAFFED: Online agents, whatever they are doing (agent_is_staffed)."""
    return agents_where(agent_is_staffed, agent_states(instance=instance, queue=queue, channel=channel))


def slots_active_of(states: list[AgentState]) -> int:
    """SLOTS_ACTIVE over `states`: AWS counts "each contact where the contact state is either Connected,
    On Hold, After contact work, Paused, or Outbound ring" — here connected or in ACW. An offer still
    ringing holds a slot (it is not available) but is not active."""
    return sum((state.on_contact + state.after_contact_work) * state.count for state in states)


def slots_available_of(states: list[AgentState]) -> int:
    """SLOTS_AVAILABLE over `states`: free slots of agents who are Available (routable) right now."""
    return sum(
        max(0, state.slots - state.slots_in_use) * state.count
        for state in states
        if state.status_type == AgentStatus.Type.ROUTABLE
    )


def slots_active(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """SLOTS_ACTIVE: the agents' slots of the channel with a connected or ACW contact (slots_active_of)."""
    return slots_active_of(agent_states(instance=instance, queue=queue, channel=channel))


def slots_available(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """SLOTS_AVAILABLE: free slots of the channel among Available agents (slots_available_of)."""
    return slots_available_of(agent_states(instance=instance, queue=queue, channel=channel))


# --- Contact metrics -------------------------------------------------------------------------------


def _contacts(*, instance: Instance, queue: Queue | None, channel: str | None, states):
    contacts = Contact.objects.filter(instance_id=instance.pk, state__in=states)
    if queue is not None:
        contacts = contacts.filter(queue=queue)
    if channel is not None:
        contacts = contacts.filter(channel=channel)
    return contacts


def contacts_in_queue(*, instance: Instance, queue: Queue | None = None, channel: str | None = None) -> int:
    """CONTACTS_IN_QUEUE: contacts waiting in the queue for an agent (not yet offered)."""
    return _contacts(instance=instance, queue=queue, channel=channel, states=[ContactState.QUEUED]).count()


def oldest_contact_age_seconds(
    *, instance: Instance, queue: Queue | None = None, channel: str | None = None, at: datetime | None = None
) -> int:
    """OLDEST_CONTACT_AGE: seconds the longest-waiting contact in queue has waited since it was
    enqueued; 0 when nobody waits."""
    oldest = _contacts(instance=instance, queue=queue, channel=channel, states=[ContactState.QUEUED]).aggregate(
        oldest=Min("enqueue_timestamp")
    )["oldest"]
    return _age(oldest, at or timezone.now())


def contacts_scheduled(*, instance: Instance, queue: Queue | None = None, channel: str | None = None) -> int:
    """CONTACTS_SCHEDULED: contacts waiting for their scheduled time (tasks started with a
    ScheduledTime) — the queue's, when one is given."""
    return _contacts(instance=instance, queue=queue, channel=channel, states=[ContactState.SCHEDULED]).count()


def contacts_with_agents(*, instance: Instance, queue: Queue | None = None, channel: str | None = None) -> int:
    """Contacts of the queue an agent holds: offered, connected or in after-contact work."""
    return _contacts(instance=instance, queue=queue, channel=channel, states=AGENT_SLOT_STATES).count()


def instance_service_level(instance: Instance, channel: str) -> int:
    """The instance's default service-level threshold for the channel, in seconds (its settings)."""
    return {
        Channel.VOICE: instance.service_level_voice_seconds,
        Channel.CHAT: instance.service_level_chat_seconds,
        Channel.TASK: instance.service_level_task_seconds,
    }[channel]


def contacts_in_flow(*, instance: Instance, queue: Queue | None = None, channel: str | None = None) -> int:
    """Contacts running a flow (not yet queued, or back in a flow): a queue's when the flow already set it
    (a queue quick connect, Set working queue) — the instance's otherwise."""
    return _contacts(instance=instance, queue=queue, channel=channel, states=[ContactState.IN_FLOW]).count()


@dataclass(frozen=True)
class RecentFigures:
    """A queue's last minutes: non-responses, and the contacts that left the queue and how many of them were
    answered within the service-level threshold."""

    missed: int = 0
    answered_within: int = 0
    left_queue: int = 0

    @property
    def service_level(self) -> float | None:
        """Service level (Amazon Connect's real-time "SL X secs"): the percentage of contacts removed from
        the queue in the window (answered, or ended without an agent) that an agent answered in less than
        the threshold; None when none left the queue."""
        return round(100.0 * self.answered_within / self.left_queue, 1) if self.left_queue else None


def recent_figures(
    *, instance: Instance, since: datetime, threshold_seconds: int, channel: str | None = None
) -> dict[str | None, RecentFigures]:
    """{queue_id: RecentFigures} since `since`. Missed (AGENT_NON_RESPONSE in real time): offers that rang
    out unanswered in the window (the MISSED events, contact_event_metrics_idx). Two queries whatever the
    floor's size: the events, and the contacts answered or ended in the window (their partial indexes)."""
    events = ContactEvent.objects.filter(instance_id=instance.pk, event="MISSED", at__gte=since)
    if channel:
        events = events.filter(contact__channel=channel)
    missed = dict(events.values("queue_id").annotate(n=Count("id")).order_by().values_list("queue_id", "n"))
    answered = Q(connected_to_agent_timestamp__gte=since)
    abandoned = Q(connected_to_agent_timestamp__isnull=True, state=ContactState.ENDED, disconnect_timestamp__gte=since)
    within = answered & Q(
        connected_to_agent_timestamp__lt=F("enqueue_timestamp") + timedelta(seconds=threshold_seconds)
    )
    left = Contact.objects.filter(instance_id=instance.pk, enqueue_timestamp__isnull=False).filter(answered | abandoned)
    if channel:
        left = left.filter(channel=channel)
    rows = left.values("queue_id").annotate(n=Count("id"), inside=Count("id", filter=within)).order_by()
    result: dict[str | None, RecentFigures] = {}
    for row in rows:
        result[row["queue_id"]] = RecentFigures(answered_within=row["inside"], left_queue=row["n"])
    for queue_id, n in missed.items():
        result[queue_id] = dataclasses.replace(result.get(queue_id, RecentFigures()), missed=n)
    return result


def queue_contacts_waiting(*, queue: Queue) -> int:
    """Contacts in the queue now, every channel (the capacity check of Transfer to queue)."""
    return contacts_in_queue(instance=Instance(pk=queue.instance_id), queue=queue)


def _age(since: datetime | None, at: datetime) -> int:
    return max(0, int((at - since).total_seconds())) if since else 0


# --- Every metric of a queue at once ---------------------------------------------------------------


@dataclass(frozen=True)
class QueueMetrics:
    """A queue's numbers at one moment; each field is the metric of the same name above."""

    contacts_in_queue: int
    oldest_contact_age_seconds: int
    contacts_scheduled: int
    contacts_with_agents: int
    agents_online: int
    agents_available: int
    agents_staffed: int
    agents_on_contact: int
    agents_after_contact_work: int
    agents_error: int
    agents_non_productive: int
    slots_active: int
    slots_available: int
    contacts_in_flow: int = 0


def metrics_of(
    *,
    states: list[AgentState],
    queued: int = 0,
    oldest: datetime | None = None,
    scheduled: int = 0,
    with_agents: int = 0,
    in_flow: int = 0,
    at: datetime,
) -> QueueMetrics:
    """Fold agent states and contact counts already read into every metric, by the predicates above (once per
    distinct state: `merged_states`)."""
    states = merged_states(states)
    return QueueMetrics(
        contacts_in_queue=queued,
        oldest_contact_age_seconds=_age(oldest, at),
        contacts_scheduled=scheduled,
        contacts_with_agents=with_agents,
        agents_online=agents_where(agent_is_online, states),
        agents_available=agents_where(agent_is_available, states),
        agents_staffed=agents_where(agent_is_staffed, states),
        agents_on_contact=agents_where(agent_is_on_contact, states),
        agents_after_contact_work=agents_where(agent_is_in_after_contact_work, states),
        agents_error=agents_where(agent_is_in_error, states),
        agents_non_productive=agents_where(agent_is_non_productive, states),
        slots_active=slots_active_of(states),
        slots_available=slots_available_of(states),
        contacts_in_flow=in_flow,
    )


def _contact_counts(*, instance: Instance, queue: Queue | None, channel: str | None) -> dict[str, dict]:
    """{queue_id: {state: (count, oldest enqueue)}} for queued, scheduled and agent-held contacts."""
    if queue is None and channel is None:
        rows = _INSTANCE_CONTACT_COUNTS.rows(instance.pk)
    else:
        rows = (
            _contacts(instance=instance, queue=queue, channel=channel, states=_COUNTED_STATES)
            .values_list("queue_id", "state")
            .annotate(n=Count("id"), oldest=Min("enqueue_timestamp"))
            .order_by()
        )
    counts: dict[str, dict] = {}
    for queue_id, state, n, oldest in rows:
        counts.setdefault(queue_id, {})[state] = (n, oldest)
    return counts


def _with_contacts(agents: QueueMetrics, counts: dict, *, at: datetime) -> QueueMetrics:
    """`agents` (folded from agent states alone) with the contact metrics of `counts` — the same as
    _fold over those states and counts."""
    queued, oldest = counts.get(ContactState.QUEUED, (0, None))
    return dataclasses.replace(
        agents,
        contacts_in_queue=queued,
        oldest_contact_age_seconds=_age(oldest, at),
        contacts_scheduled=counts.get(ContactState.SCHEDULED, (0, None))[0],
        contacts_with_agents=sum(counts.get(state, (0, None))[0] for state in AGENT_SLOT_STATES),
        contacts_in_flow=counts.get(ContactState.IN_FLOW, (0, None))[0],
    )


def _fold(counts: dict, *, states: list[AgentState], at: datetime) -> QueueMetrics:
    queued, oldest = counts.get(ContactState.QUEUED, (0, None))
    return metrics_of(
        states=states,
        queued=queued,
        oldest=oldest,
        scheduled=counts.get(ContactState.SCHEDULED, (0, None))[0],
        with_agents=sum(counts.get(state, (0, None))[0] for state in AGENT_SLOT_STATES),
        in_flow=counts.get(ContactState.IN_FLOW, (0, None))[0],
        at=at,
    )


def fold_counts(counts: dict, *, states: list[AgentState], at: datetime) -> QueueMetrics:
    """Every metric from contact counts already read ({state: (count, oldest enqueue)}) and agent
    states (GetCurrentMetricData's groups go through this)."""
    return _fold(counts, states=states, at=at)


def queue_metrics(
    *,
    queue: Queue,
    agent_channel: str = DEFAULT_AGENT_CHANNEL,
    contact_channel: str | None = None,
    at: datetime | None = None,
) -> QueueMetrics:
    """Every metric of one queue (what Check queue status, Check staffing and Get queue metrics read)."""
    # Only the instance's key is read below; this spares fetching the row.
    instance = Instance(pk=queue.instance_id)
    counts = _contact_counts(instance=instance, queue=queue, channel=contact_channel).get(queue.pk, {})
    states = agent_states(instance=instance, queue=queue, channel=agent_channel)
    return _fold(counts, states=states, at=at or timezone.now())


@dataclass(frozen=True)
class InstanceMetrics:
    """The real-time page: each standard queue's metrics, every agent's state, and the totals."""

    queues: list[tuple[Queue, QueueMetrics]]
    agents: list[AgentState]
    totals: QueueMetrics
    personal_queued: int
    at: datetime


def instance_metrics(
    *,
    instance: Instance,
    agent_channel: str = DEFAULT_AGENT_CHANNEL,
    contact_channel: str | None = None,
    at: datetime | None = None,
    held: dict[str, tuple[int, int, int]] | None = None,
) -> InstanceMetrics:
    """Every standard queue's metrics and the instance's totals, from one read of agents and contacts (`held`:
    as agent_states takes it)."""
    at = at or timezone.now()
    states = agent_states(instance=instance, channel=agent_channel, held=held)
    counts = _contact_counts(instance=instance, queue=None, channel=contact_channel)
    queues = []
    # Agents sharing a routing profile serve the same queues: fold each distinct set of serving agents
    # once (20 queues of one profile cost one pass over the agents, not twenty).
    by_queues: dict[frozenset, list[AgentState]] = {}
    for state in merged_states(states, keep_queues=True):
        by_queues.setdefault(state.queue_ids, []).append(state)
    agent_folds: dict[frozenset, QueueMetrics] = {}
    for queue in Queue.objects.filter(instance_id=instance.pk, queue_type=Queue.Type.STANDARD).order_by("name"):
        key = frozenset(queue_ids for queue_ids in by_queues if queue.pk in queue_ids)
        if key not in agent_folds:
            agent_folds[key] = metrics_of(states=[s for queue_ids in key for s in by_queues[queue_ids]], at=at)
        queues.append((queue, _with_contacts(agent_folds[key], counts.get(queue.pk, {}), at=at)))
    personal = set(
        Queue.objects.filter(instance_id=instance.pk, queue_type=Queue.Type.AGENT).values_list("pk", flat=True)
    )
    totals: dict[str, tuple[int, datetime | None]] = {}
    for by_state in counts.values():
        for state, (n, oldest) in by_state.items():
            count, first = totals.get(state, (0, None))
            totals[state] = (count + n, min(d for d in (first, oldest) if d) if first or oldest else None)
    personal_queued = sum(counts.get(pk, {}).get(ContactState.QUEUED, (0, None))[0] for pk in personal)
    return InstanceMetrics(
        queues=queues,
        agents=states,
        totals=_fold(totals, states=states, at=at),
        personal_queued=personal_queued,
        at=at,
    )
