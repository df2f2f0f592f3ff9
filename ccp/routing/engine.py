"""The claim: turn a routing decision into an offer with row locks, so each task goes to exactly one agent.

Locks: the agent row (FOR UPDATE SKIP LOCKED) serialises everything that changes one agent's load or
status; the head of each of the agent's queues is read with FOR UPDATE SKIP LOCKED, so a contact goes
to one agent even with many routing processes, and concurrent routers take different heads rather than
waiting on each other. On SQLite, transactions are IMMEDIATE, which serialises writers.
"""

import datetime as dt
import logging
import time

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

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
from ccp.routing.decide import FreeAgent, QueuedContact, QueueSlot, order_agents, pick_contact

log = logging.getLogger(__name__)

# A safety bound on offers made by one dispatch call (a trigger never routes forever).
MAX_OFFERS_PER_DISPATCH = 2000


# Routing profiles change rarely and are read on every decision: each process keeps them this long.
SLOTS_TTL_SECONDS = 2.0
_slots_cache: dict[tuple[str, str], tuple[float, dict[str, QueueSlot]]] = {}


def agent_queue_slots(agent: User) -> dict[str, QueueSlot]:
    """The TASK queues of the agent's routing profile, plus their personal queue at top priority."""
    key = (agent.routing_profile_id, agent.id)
    hit = _slots_cache.get(key)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    slots = {
        rpq.queue_id: QueueSlot(rpq.queue_id, rpq.priority, rpq.delay_seconds)
        for rpq in RoutingProfileQueue.objects.filter(routing_profile_id=agent.routing_profile_id, channel="TASK")
    }
    personal = Queue.objects.filter(agent_id=agent.id).values_list("id", flat=True).first()
    if personal:
        slots[personal] = QueueSlot(personal, 1, 0)
    if len(_slots_cache) > 10_000:
        _slots_cache.clear()
    _slots_cache[key] = (time.monotonic() + SLOTS_TTL_SECONDS, slots)
    return slots


# PostgreSQL: the head of every queue of the profile in one round trip, each locked with SKIP LOCKED, so
# concurrent routers each get a different head instead of colliding on the same one.
HEADS_SQL = """
SELECT c.* FROM unnest(%s::varchar[], %s::int[]) AS s(queue_id, delay_seconds)
CROSS JOIN LATERAL (
    SELECT * FROM ccp_contact c
    WHERE c.queue_id = s.queue_id AND c.state = 'QUEUED' AND c.channel = 'TASK'
      AND c.enqueue_timestamp <= %s - make_interval(secs => s.delay_seconds)
      AND NOT EXISTS (
          SELECT 1 FROM ccp_offercooldown oc WHERE oc.contact_id = c.id AND oc.agent_id = %s AND oc.until > %s
      )
    ORDER BY c.routing_priority, c.routing_order_at, c.id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
) c
"""


def _locked_heads_postgres(agent: User, slots: dict[str, QueueSlot], now: dt.datetime) -> list[Contact]:
    queue_ids = list(slots)
    delays = [slots[q].delay_seconds for q in queue_ids]
    return list(Contact.objects.raw(HEADS_SQL, [queue_ids, delays, now, agent.id, now]))


def _locked_heads_portable(agent: User, slots: dict[str, QueueSlot], now: dt.datetime) -> list[Contact]:
    """Other databases (SQLite): one query per queue; IMMEDIATE transactions already serialise writers."""
    cooling = OfferCooldown.objects.filter(contact=OuterRef("pk"), agent=agent, until__gt=now)
    heads = []
    for slot in slots.values():
        row = (
            Contact.objects.filter(
                queue_id=slot.queue_id,
                state=ContactState.QUEUED,
                channel=Channel.TASK,
                enqueue_timestamp__lte=now - dt.timedelta(seconds=slot.delay_seconds),
            )
            .exclude(Exists(cooling))
            .order_by("routing_priority", "routing_order_at", "id")
            .first()
        )
        if row:
            heads.append(row)
    return heads


def _as_queued(contact: Contact) -> QueuedContact:
    return QueuedContact(
        contact.id, contact.queue_id, contact.routing_priority, contact.routing_order_at, contact.enqueue_timestamp
    )


def routing_offer_next(*, agent_id: str, now: dt.datetime | None = None) -> Contact | None:
    """Offer the best queued task to one agent if they are Available with a free slot; return it."""
    from ccp.services.offers import contact_offer

    now = now or timezone.now()
    with transaction.atomic():
        agent = (
            User.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("routing_profile", "status")
            .filter(id=agent_id, status__type=AgentStatus.Type.ROUTABLE, routing_profile__isnull=False)
            .first()
        )
        if agent is None:
            return None
        open_count = Contact.objects.filter(agent=agent, channel=Channel.TASK, state__in=AGENT_SLOT_STATES).count()
        if open_count >= agent.routing_profile.task_concurrency:
            return None
        slots = agent_queue_slots(agent)
        if not slots:
            return None
        heads = (
            _locked_heads_postgres(agent, slots, now)
            if connection.vendor == "postgresql"
            else _locked_heads_portable(agent, slots, now)
        )
        choice = pick_contact([_as_queued(c) for c in heads], slots, now)
        if choice is None:
            return None
        contact = next(c for c in heads if c.id == choice.contact_id)
        contact_offer(contact=contact, agent=agent, now=now)
        return contact


def free_agents(*, instance_id: str, agent_ids=None, queue_ids=None) -> list[FreeAgent]:
    """Available agents with a free task slot, as routing data (one query)."""
    qs = User.objects.filter(
        instance_id=instance_id, status__type=AgentStatus.Type.ROUTABLE, routing_profile__isnull=False
    )
    if agent_ids is not None:
        qs = qs.filter(id__in=list(agent_ids))
    if queue_ids is not None:
        qs = qs.filter(
            Q(
                routing_profile__queue_configs__queue_id__in=list(queue_ids),
                routing_profile__queue_configs__channel="TASK",
            )
            | Q(personal_queue__id__in=list(queue_ids))
        ).distinct()
    rows = list(qs.values_list("id", "idle_since", "routing_profile__task_concurrency"))
    counts = dict(
        Contact.objects.filter(agent_id__in=[r[0] for r in rows], channel=Channel.TASK, state__in=AGENT_SLOT_STATES)
        .values_list("agent_id")
        .annotate(n=Count("id"))
        .values_list("agent_id", "n")
    )
    return order_agents(FreeAgent(uid, idle, counts.get(uid, 0), conc) for uid, idle, conc in rows)


def _queued_exists(*, instance_id: str, queue_ids=None) -> bool:
    qs = Contact.objects.filter(instance_id=instance_id, state=ContactState.QUEUED, channel=Channel.TASK)
    if queue_ids is not None:
        qs = qs.filter(queue_id__in=list(queue_ids))
    return qs.exists()


def routing_dispatch(*, instance_id: str, agent_ids=None, queue_ids=None) -> int:
    """Offer queued tasks to free agents until nothing more matches; returns the number of offers.

    Triggered at once (after commit) by a new queued task, an agent going Available, a task ending,
    a transfer, and a queue delay running out — no polling on the path from task to offer.
    """
    offers = 0
    agents = [a.user_id for a in free_agents(instance_id=instance_id, agent_ids=agent_ids, queue_ids=queue_ids)]
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


def routing_trigger(*, instance_id: str, agent_ids=None, queue_ids=None) -> None:
    """Run a dispatch once the current transaction commits."""

    def run():
        try:
            routing_dispatch(instance_id=instance_id, agent_ids=agent_ids, queue_ids=queue_ids)
        except Exception:  # routing failures must not fail the write that triggered them; the worker sweeps
            log.exception("routing dispatch failed")

    transaction.on_commit(run)
