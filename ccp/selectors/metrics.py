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

from django.db.models import Count, F, Min, Q
from django.utils import timezone

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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True)
class AgentState:
    """One agent at one moment, for one channel: their status and the contacts holding their slots."""

    agent: "AgentRef"
    status_type: str | None
    slots: int
    incoming: int
    on_contact: int
    after_contact_work: int
    queue_ids: frozenset[str]

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
    *, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL
) -> list[AgentState]:
    """The agents in scope (see the module docstring) with their status and slot use for `channel`.

    Three queries whatever the number of agents: the users, the queues their profiles serve, and their
    open contacts by state.
    """
    users = User.objects.filter(instance_id=instance.pk, is_active=True, routing_profile__isnull=False)
    if queue is not None and queue.agent_id:
        users = users.filter(id=queue.agent_id)
    elif queue is not None:
        users = users.filter(
            routing_profile__queue_configs__queue=queue, routing_profile__queue_configs__channel=channel
        ).distinct()
    # 1,000 agents share a few profiles and statuses: read each of those once and share it, and the agents
    # as plain rows (a model instance per agent was most of the page's time: bench/metrics.py).
    rows = users.order_by("first_name", "last_name", "username").values_list(*AGENT_COLUMNS)
    rows = list(rows)
    statuses = AgentStatus.objects.in_bulk({row[6] for row in rows if row[6]})
    profiles = RoutingProfile.objects.in_bulk({row[5] for row in rows})
    users = [
        AgentRef(pk, username, first, last, profile_id, profiles[profile_id], status_id, statuses.get(status_id), since)
        for pk, username, first, last, _, profile_id, status_id, since in rows
    ]

    profile_queues: dict[str, set[str]] = {}
    configs = RoutingProfileQueue.objects.filter(
        routing_profile_id__in={u.routing_profile_id for u in users}, channel=channel
    ).values_list("routing_profile_id", "queue_id")
    for profile_id, queue_id in configs:
        profile_queues.setdefault(profile_id, set()).add(queue_id)

    held: dict[tuple[str, str], int] = {}
    rows = Contact.objects.filter(instance_id=instance.pk, state__in=AGENT_SLOT_STATES, channel=channel)
    if queue is not None:  # a few agents: name them (the instance's every agent: contact_instance_state_idx)
        rows = rows.filter(agent_id__in=[u.pk for u in users])
    rows = rows.values("agent_id", "state").annotate(n=Count("id")).order_by()
    for row in rows:
        held[(row["agent_id"], row["state"])] = row["n"]

    return [
        AgentState(
            agent=user,
            status_type=user.status.type if user.status_id else None,
            slots=user.routing_profile.concurrency(channel),
            incoming=held.get((user.pk, ContactState.CONNECTING), 0),
            on_contact=held.get((user.pk, ContactState.CONNECTED), 0),
            after_contact_work=held.get((user.pk, ContactState.AFTER_CONTACT_WORK), 0),
            queue_ids=frozenset(profile_queues.get(user.routing_profile_id, ())),
        )
        for user in users
    ]


def agents_online(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """AGENTS_ONLINE: agents whose status is not Offline (agent_is_online)."""
    return sum(map(agent_is_online, agent_states(instance=instance, queue=queue, channel=channel)))


def agents_available(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """AGENTS_AVAILABLE: Available agents with a free slot of the channel (agent_is_available)."""
    return sum(map(agent_is_available, agent_states(instance=instance, queue=queue, channel=channel)))


def agents_on_contact(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """AGENTS_ON_CONTACT: agents connected to at least one contact (agent_is_on_contact)."""
    return sum(map(agent_is_on_contact, agent_states(instance=instance, queue=queue, channel=channel)))


def agents_after_contact_work(
    *, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL
) -> int:
    """AGENTS_AFTER_CONTACT_WORK: agents with a contact in ACW (agent_is_in_after_contact_work)."""
    return sum(map(agent_is_in_after_contact_work, agent_states(instance=instance, queue=queue, channel=channel)))


def agents_error(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """AGENTS_ERROR: agents in the Missed status after a missed offer (agent_is_in_error)."""
    return sum(map(agent_is_in_error, agent_states(instance=instance, queue=queue, channel=channel)))


def agents_non_productive(
    *, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL
) -> int:
    """AGENTS_NON_PRODUCTIVE: agents in a custom status (agent_is_non_productive)."""
    return sum(map(agent_is_non_productive, agent_states(instance=instance, queue=queue, channel=channel)))


def agents_staffed(*, instance: Instance, queue: Queue | None = None, channel: str = DEFAULT_AGENT_CHANNEL) -> int:
    """AGENTS_STAFFED: Online agents, whatever they are doing (agent_is_staffed)."""
    return sum(map(agent_is_staffed, agent_states(instance=instance, queue=queue, channel=channel)))


def slots_active_of(states: list[AgentState]) -> int:
    """SLOTS_ACTIVE over `states`: AWS counts "each contact where the contact state is either Connected,
    On Hold, After contact work, Paused, or Outbound ring" — here connected or in ACW. An offer still
    ringing holds a slot (it is not available) but is not active."""
    return sum(state.on_contact + state.after_contact_work for state in states)


def slots_available_of(states: list[AgentState]) -> int:
    """SLOTS_AVAILABLE over `states`: free slots of agents who are Available (routable) right now."""
    return sum(
        max(0, state.slots - state.slots_in_use) for state in states if state.status_type == AgentStatus.Type.ROUTABLE
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
    """Fold agent states and contact counts already read into every metric, by the predicates above."""
    return QueueMetrics(
        contacts_in_queue=queued,
        oldest_contact_age_seconds=_age(oldest, at),
        contacts_scheduled=scheduled,
        contacts_with_agents=with_agents,
        agents_online=sum(map(agent_is_online, states)),
        agents_available=sum(map(agent_is_available, states)),
        agents_staffed=sum(map(agent_is_staffed, states)),
        agents_on_contact=sum(map(agent_is_on_contact, states)),
        agents_after_contact_work=sum(map(agent_is_in_after_contact_work, states)),
        agents_error=sum(map(agent_is_in_error, states)),
        agents_non_productive=sum(map(agent_is_non_productive, states)),
        slots_active=slots_active_of(states),
        slots_available=slots_available_of(states),
        contacts_in_flow=in_flow,
    )


def _contact_counts(*, instance: Instance, queue: Queue | None, channel: str | None) -> dict[str, dict]:
    """{queue_id: {state: (count, oldest enqueue)}} for queued, scheduled and agent-held contacts."""
    states = [ContactState.QUEUED, ContactState.SCHEDULED, ContactState.IN_FLOW, *AGENT_SLOT_STATES]
    rows = (
        _contacts(instance=instance, queue=queue, channel=channel, states=states)
        .values("queue_id", "state")
        .annotate(n=Count("id"), oldest=Min("enqueue_timestamp"))
    )
    counts: dict[str, dict] = {}
    for row in rows:
        counts.setdefault(row["queue_id"], {})[row["state"]] = (row["n"], row["oldest"])
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
) -> InstanceMetrics:
    """Every standard queue's metrics and the instance's totals, from one read of agents and contacts."""
    at = at or timezone.now()
    states = agent_states(instance=instance, channel=agent_channel)
    counts = _contact_counts(instance=instance, queue=None, channel=contact_channel)
    queues = []
    # Agents sharing a routing profile serve the same queues: fold each distinct set of serving agents
    # once (20 queues of one profile cost one pass over the agents, not twenty).
    profiles = {state.queue_ids for state in states}
    agent_folds: dict[frozenset, QueueMetrics] = {}
    for queue in Queue.objects.filter(instance_id=instance.pk, queue_type=Queue.Type.STANDARD).order_by("name"):
        key = frozenset(queue_ids for queue_ids in profiles if queue.pk in queue_ids)
        if key not in agent_folds:
            agent_folds[key] = metrics_of(states=[state for state in states if state.queue_ids in key], at=at)
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
