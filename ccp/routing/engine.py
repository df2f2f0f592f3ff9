"""The claim: turn a routing decision into an offer with row locks, so each task goes to exactly one agent.

Locks: the agent row (FOR UPDATE SKIP LOCKED) serialises everything that changes one agent's load or
status; the head of each of the agent's queues is read with FOR UPDATE SKIP LOCKED, so a contact goes
to one agent even with many routing processes, and concurrent routers take different heads rather than
waiting on each other. On SQLite, transactions are IMMEDIATE, which serialises writers.

On PostgreSQL the whole claim is one server-side function, `ccp_route_offer` (ccp/routing/sql.py): one
round trip per decision. Elsewhere the same steps run from Python (`_offer_next_portable`); the routing
tests run against both.
"""

import datetime as dt

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from ccp.compiled import CompiledQuery
from ccp.models import (
    AgentStatus,
    Channel,
    Contact,
    ContactState,
    OfferCooldown,
    Queue,
    RoutingProfileQueue,
    User,
)
from ccp.models.contacts import AGENT_SLOT_STATES
from ccp.realtime.publish import agent_refresh
from ccp.routing.decide import (
    CHANNELS,
    FreeAgent,
    QueuedContact,
    QueueSlot,
    channels_with_free_slot,
    order_agents,
    pick_across,
)
from ccp.services.offers import contact_offer, contact_whisper_auto_accepted
from ccp.services.transactions import entry_transaction
from ccp.worker.wakeup import worker_wake

# A safety bound on offers made by one dispatch call (a trigger never routes forever).
MAX_OFFERS_PER_DISPATCH = 2000


def agent_queue_slots(agent: User, *, channels=("TASK",)) -> dict[tuple[str, str], QueueSlot]:
    """The agent's routing-profile queues for `channels`, plus their personal queue at top priority in each,
    keyed by (queue id, channel)."""
    slots = {
        (rpq.queue_id, rpq.channel): QueueSlot(rpq.queue_id, rpq.priority, rpq.delay_seconds, rpq.channel)
        for rpq in RoutingProfileQueue.objects.filter(
            routing_profile_id=agent.routing_profile_id, channel__in=list(channels)
        )
    }
    personal = Queue.objects.filter(agent_id=agent.id).values_list("id", flat=True).first()
    if personal:
        for channel in channels:
            slots[(personal, channel)] = QueueSlot(personal, 1, 0, channel)
    return slots


def _locked_heads_portable(agent: User, slots: dict, now: dt.datetime) -> list[tuple[Contact, QueueSlot]]:
    """The head of each of the agent's (queue, channel) slots. On SQLite, IMMEDIATE transactions already
    serialise writers."""
    cooling = OfferCooldown.objects.filter(contact=OuterRef("pk"), agent=agent, until__gt=now)
    heads = []
    for slot in slots.values():
        row = (
            Contact.objects.filter(
                queue_id=slot.queue_id,
                state=ContactState.QUEUED,
                channel=slot.channel,
                enqueue_timestamp__lte=now - dt.timedelta(seconds=slot.delay_seconds),
            )
            .exclude(Exists(cooling))
            .order_by("routing_priority", "routing_order_at", "id")
            .first()
        )
        if row:
            heads.append((row, slot))
    return heads


def _open_by_channel(agent_id: str) -> dict[str, int]:
    """The agent's contacts holding a slot, counted per channel."""
    return dict(
        Contact.objects.filter(agent_id=agent_id, state__in=AGENT_SLOT_STATES)
        .values_list("channel")
        .annotate(n=Count("id"))
        .values_list("channel", "n")
    )


def _as_queued(contact: Contact) -> QueuedContact:
    return QueuedContact(
        contact.id,
        contact.queue_id,
        contact.routing_priority,
        contact.routing_order_at,
        contact.enqueue_timestamp,
        contact.channel,
    )


def routing_offer_next(*, agent_id: str, now: dt.datetime | None = None) -> Contact | None:
    """Offer the best queued contact to one agent if they are Available with a free slot in its channel;
    return it."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _offer_next_postgres(agent_id, now)
    with entry_transaction():  # a claim runs after commit, in a transaction of its own
        return _offer_next_portable(agent_id, now)


def _offer_next_postgres(agent_id: str, now: dt.datetime) -> Contact | None:
    """One statement, so one round trip and (outside a transaction) one commit: see ccp/routing/sql.py."""
    contact = next(iter(Contact.objects.raw("SELECT * FROM ccp_route_offer(%s, %s)", [agent_id, now])), None)
    if contact is not None:
        offer = contact.state == ContactState.CONNECTING
        if offer:
            worker_wake()
        else:
            contact_whisper_auto_accepted(contact=contact)
        agent_refresh(user_id=agent_id, reason="offer", contact_id=contact.id, offer=offer)
    return contact


def _offer_next_portable(agent_id: str, now: dt.datetime) -> Contact | None:
    agent = (
        User.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("routing_profile", "status")
        .filter(id=agent_id, status__type=AgentStatus.Type.ROUTABLE, routing_profile__isnull=False)
        .first()
    )
    if agent is None:
        return None
    free = channels_with_free_slot(_open_by_channel(agent.id), _concurrency(agent.routing_profile))
    if not free:
        return None
    slots = agent_queue_slots(agent, channels=free)
    if not slots:
        return None
    heads = _locked_heads_portable(agent, slots, now)
    choice = pick_across([(_as_queued(c), slot) for c, slot in heads], now)
    if choice is None:
        return None
    contact = next(c for c, _slot in heads if c.id == choice.contact_id)
    contact_offer(contact=contact, agent=agent, now=now)
    return contact


def _concurrency(profile) -> dict[str, int]:
    return {channel: profile.concurrency(channel) for channel in CHANNELS}


def _routable(*, instance_id: str, agent_ids=None):
    """Agents of the instance who are Available with a routing profile (of `agent_ids`, when given)."""
    qs = User.objects.filter(
        instance_id=instance_id, status__type=AgentStatus.Type.ROUTABLE, routing_profile__isnull=False
    )
    return qs if agent_ids is None else qs.filter(id__in=list(agent_ids))


# "Is anyone in the instance Available?", asked after every new queued task: compiled once.
_ROUTABLE_ANY = CompiledQuery(lambda instance_id: _routable(instance_id=instance_id).values("pk")[:1])


# "Is a chat or call waiting anywhere in the instance?": two seeks in contact_instance_state_idx. When none is, a
# dispatch looks only at free task slots, so agents whose tasks are full are not tried for nothing.
_CONVERSATIONS_QUEUED = CompiledQuery(
    lambda instance_id: Contact.objects.filter(
        instance_id=instance_id, state=ContactState.QUEUED, channel__in=[Channel.CHAT, Channel.VOICE]
    ).values("pk")[:1]
)


def free_agents(*, instance_id: str, agent_ids=None, queue_ids=None, channels=CHANNELS) -> list[FreeAgent]:
    """Available agents with a free slot in one of `channels`, as routing data (two queries)."""
    qs = _routable(instance_id=instance_id, agent_ids=agent_ids)
    if queue_ids is not None:
        qs = qs.filter(
            Q(routing_profile__queue_configs__queue_id__in=list(queue_ids)) | Q(personal_queue__id__in=list(queue_ids))
        ).distinct()
    rows = list(
        qs.values_list(
            "id",
            "idle_since",
            "routing_profile__task_concurrency",
            "routing_profile__chat_concurrency",
            "routing_profile__voice_concurrency",
        )
    )
    counts: dict[str, dict[str, int]] = {}
    for agent_id, channel, n in (
        Contact.objects.filter(agent_id__in=[r[0] for r in rows], state__in=AGENT_SLOT_STATES)
        .values_list("agent_id", "channel")
        .annotate(n=Count("id"))
        .values_list("agent_id", "channel", "n")
    ):
        counts.setdefault(agent_id, {})[channel] = n
    agents = []
    for uid, idle, task, chat, voice in rows:
        busy = counts.get(uid, {})
        others = [
            ch for ch in channels_with_free_slot(busy, {Channel.CHAT: chat, Channel.VOICE: voice}) if ch in channels
        ]
        task = task if Channel.TASK in channels else 0
        agents.append(FreeAgent(uid, idle, busy.get(Channel.TASK, 0), task, other_channel_free=bool(others)))
    return order_agents(agents)


def _queued_exists(*, instance_id: str, queue_ids=None) -> bool:
    qs = Contact.objects.filter(instance_id=instance_id, state=ContactState.QUEUED)
    if queue_ids is not None:
        qs = qs.filter(queue_id__in=list(queue_ids))
    return qs.exists()


def routing_dispatch(*, instance_id: str, agent_ids=None, queue_ids=None) -> int:
    """Offer queued contacts (tasks, chats, calls) to free agents until nothing more matches; returns the
    number of offers.

    Triggered at once (after commit, through ccp.services.hooks.routing_trigger, where ccp/apps.py installs
    it) by a new queued task, an agent going Available, a task ending, a transfer, and a queue delay running
    out — no polling on the path from task to offer.
    """
    # Nobody Available (out of hours, a backlog being loaded): one small query says so, instead of the agent
    # search below, which joins routing profiles and queues — the common case when tasks arrive in bulk.
    anyone = (
        _ROUTABLE_ANY.exists(instance_id)
        if agent_ids is None
        else _routable(instance_id=instance_id, agent_ids=agent_ids).exists()
    )
    if not anyone:
        return 0
    offers = 0
    channels = CHANNELS if _CONVERSATIONS_QUEUED.exists(instance_id) else (Channel.TASK,)
    agents = [
        a.user_id
        for a in free_agents(instance_id=instance_id, agent_ids=agent_ids, queue_ids=queue_ids, channels=channels)
    ]
    watch_queues = queue_ids if agent_ids is None else None
    while agents and offers < MAX_OFFERS_PER_DISPATCH:
        still_free = []
        for agent_id in agents:
            # Stop as soon as the queues that triggered us are empty: the other free agents have nothing to get.
            if not _queued_exists(instance_id=instance_id, queue_ids=watch_queues):
                return offers
            if routing_offer_next(agent_id=agent_id) is not None:
                offers += 1
                still_free.append(agent_id)  # back of the line: now the most recently busy
        agents = still_free
    return offers
