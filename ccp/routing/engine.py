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
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Collate
from django.utils import timezone

from ccp.compiled import CompiledQuery, CompiledShapes, fetch_together
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
    QueuedContact,
    QueueSlot,
    channels_with_free_slot,
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


# The routing profile's concurrency per channel.
_CONCURRENCY_FIELDS = {
    Channel.TASK: "routing_profile__task_concurrency",
    Channel.CHAT: "routing_profile__chat_concurrency",
    Channel.VOICE: "routing_profile__voice_concurrency",
}


def _id_order():
    """The id as Python compares strings (code points): the "C" collation on PostgreSQL, BINARY on SQLite."""
    return Collate("id", "C") if connection.vendor == "postgresql" else F("id")


def free_agents(
    *, instance_id: str, agent_ids=None, queue_ids=None, channels=CHANNELS, limit: int | None = None, after=None
) -> list[tuple[str, dt.datetime | None]]:
    """(id, idle_since) of the Available agents with a free slot in one of `channels` (serving one of
    `queue_ids`, when given), in `decide.order_agents`' order — idle longest first, never idle first of all,
    then by id —: the best `limit` of them, after `after` (the (id, idle_since) row the previous page ended on).

    One query, so a routing pass reads as many agents as it can use, not every Available one. The inner query
    sorts the Available agents (narrow rows: id, idle time, concurrency; `OFFSET 0` keeps PostgreSQL from
    pushing the outer filter into it); the outer one counts each agent's open contacts only for the rows it
    takes, in order, until it has `limit` agents with a free slot.

    The first page (no `after`: every dispatch's) is compiled once per shape — how many agent and queue ids,
    which channels —, as the ORM's compiler cost more CPU than the query (see ccp/compiled.py)."""
    agent_ids = None if agent_ids is None else list(agent_ids)
    queue_ids = None if queue_ids is None else list(queue_ids)
    channels = tuple(channels)
    if agent_ids == [] or queue_ids == []:
        return []  # none of no agents, or serving no queue
    if after is None:
        shape = (None if agent_ids is None else len(agent_ids), None if queue_ids is None else len(queue_ids), channels)
        inner, params = _FREE_AGENTS.get(shape, lambda *ids: _free_agents_inner(shape, ids)).sql_with_params(
            instance_id, *(agent_ids or ()), *(queue_ids or ())
        )
    else:
        qs = _free_agents_queryset(instance_id=instance_id, agent_ids=agent_ids, queue_ids=queue_ids, channels=channels)
        last_id, idle = after
        if idle is None:
            qs = qs.filter(Q(idle_since__isnull=True, sort_id__gt=last_id) | Q(idle_since__isnull=False))
        else:
            qs = qs.filter(Q(idle_since__gt=idle) | Q(idle_since=idle, sort_id__gt=last_id))
        inner, params = _free_agents_ordered(qs, channels).query.sql_with_params()
    sql = _free_agents_outer(inner, channels)
    params = [*params, *(v for ch in channels for v in (ch, *AGENT_SLOT_STATES))]
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # A raw cursor's timestamps as the ORM reads them (SQLite returns text).
    column = User._meta.get_field("idle_since").get_col(User._meta.db_table)
    converters = connection.ops.get_db_converters(column) + column.field.get_db_converters(connection)
    out = []
    for agent_id, idle in rows:
        for convert in converters:
            idle = convert(idle, column, connection)
        out.append((agent_id, idle))
    return out


_FREE_AGENTS = CompiledShapes()


def _free_agents_inner(shape, ids):
    """The first page's inner queryset for `shape`, over marker ids (see CompiledQuery)."""
    agent_count, queue_count, channels = shape
    instance_id, rest = ids[0], list(ids[1:])
    agent_ids = None if agent_count is None else rest[:agent_count]
    queue_ids = None if queue_count is None else rest[len(agent_ids or ()) :]
    qs = _free_agents_queryset(instance_id=instance_id, agent_ids=agent_ids, queue_ids=queue_ids, channels=channels)
    return _free_agents_ordered(qs, channels)


def _free_agents_queryset(*, instance_id: str, agent_ids, queue_ids, channels):
    qs = _routable(instance_id=instance_id, agent_ids=agent_ids)
    if queue_ids is not None:
        qs = qs.filter(
            Exists(
                RoutingProfileQueue.objects.filter(
                    routing_profile_id=OuterRef("routing_profile_id"), queue_id__in=queue_ids
                )
            )
            | Exists(Queue.objects.filter(agent_id=OuterRef("pk"), id__in=queue_ids))
        )
    return qs.annotate(sort_id=_id_order(), **{f"conc_{ch.lower()}": F(_CONCURRENCY_FIELDS[ch]) for ch in channels})


def _free_agents_ordered(qs, channels):
    return qs.order_by(F("idle_since").asc(nulls_first=True), F("sort_id").asc()).values_list(
        "id", "idle_since", "sort_id", *(f"conc_{ch.lower()}" for ch in channels)
    )


def _free_agents_outer(inner: str, channels) -> str:
    quote = connection.ops.quote_name
    # Only our own names go into the text (a channel is a key of _CONCURRENCY_FIELDS); values are parameters.
    slots = ", ".join(["%s"] * len(AGENT_SLOT_STATES))
    free = " OR ".join(
        f"(SELECT COUNT(*) FROM {quote(Contact._meta.db_table)} c WHERE c.agent_id = a.id AND c.channel = %s"  # noqa: S608
        f" AND c.state IN ({slots})) < a.conc_{ch.lower()}"
        for ch in channels
    )
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    return (
        f"SELECT a.id, a.idle_since FROM ({inner}{fence}) a WHERE {free}"  # noqa: S608
        " ORDER BY a.idle_since ASC NULLS FIRST, a.sort_id ASC"
    )


def _queued(*, instance_id: str, queue_ids, channels=None):
    qs = Contact.objects.filter(instance_id=instance_id, state=ContactState.QUEUED)
    if channels is not None:
        qs = qs.filter(channel__in=list(channels))
    if queue_ids is not None:
        qs = qs.filter(queue_id__in=list(queue_ids))
    return qs.order_by()


_WAITING = CompiledShapes()
_QUEUED_ANY = CompiledShapes()


def _routable_waiting(*, instance_id: str, queue_ids, channels) -> int:
    """How many queued contacts a pass could route (of `queue_ids`, in `channels`), counted up to the bound of
    one dispatch: how many free agents it needs at most."""
    queue_ids = None if queue_ids is None else list(queue_ids)
    channels = tuple(channels)
    if queue_ids == []:
        return 0
    query = _WAITING.get(
        (channels, None if queue_ids is None else len(queue_ids)),
        lambda instance, *queues: _queued(
            instance_id=instance, queue_ids=None if queue_ids is None else queues, channels=channels
        ).values("pk")[:MAX_OFFERS_PER_DISPATCH],
    )
    return query.count(instance_id, *(queue_ids or ()))


def _queued_exists(*, instance_id: str, queue_ids=None) -> bool:
    queue_ids = None if queue_ids is None else list(queue_ids)
    if queue_ids == []:
        return False
    query = _QUEUED_ANY.get(
        None if queue_ids is None else len(queue_ids),
        lambda instance, *queues: _queued(instance_id=instance, queue_ids=None if queue_ids is None else queues).values(
            "pk"
        )[:1],
    )
    return query.exists(instance_id, *(queue_ids or ()))


def routing_dispatch(*, instance_id: str, agent_ids=None, queue_ids=None) -> int:
    """Offer queued contacts (tasks, chats, calls) to free agents until nothing more matches; returns the
    number of offers.

    Triggered at once (after commit, through ccp.services.hooks.routing_trigger, where ccp/apps.py installs
    it) by a new queued task, an agent going Available, a task ending, a transfer, and a queue delay running
    out — no polling on the path from task to offer.
    """
    # Nobody Available (out of hours, a backlog being loaded): one small query says so, instead of the agent
    # search below, which joins routing profiles and queues — the common case when tasks arrive in bulk.
    if agent_ids is None:
        anyone, conversations = fetch_together(
            (_ROUTABLE_ANY, "exists", (instance_id,)), (_CONVERSATIONS_QUEUED, "exists", (instance_id,))
        )
    else:
        anyone = _routable(instance_id=instance_id, agent_ids=agent_ids).exists()
        conversations = anyone and _CONVERSATIONS_QUEUED.exists(instance_id)
    if not anyone:
        return 0
    offers = 0
    channels = CHANNELS if conversations else (Channel.TASK,)
    watch_queues = queue_ids if agent_ids is None else None

    # The first round goes down the free agents in order, a page at a time: each page as many agents as
    # contacts are waiting (the best k, in SQL), the next page only when some of them took nothing (a queue
    # delay, a cooldown, a head another router holds). Agents offered something are the most recently busy
    # now: they wait for the next round, and a later page that meets them again skips them.
    took: list[str] = []
    tried: set[str] = set()
    after = None
    while offers < MAX_OFFERS_PER_DISPATCH:
        waiting = _routable_waiting(instance_id=instance_id, queue_ids=watch_queues, channels=channels)
        if not waiting:
            return offers
        page = free_agents(
            instance_id=instance_id,
            agent_ids=agent_ids,
            queue_ids=queue_ids,
            channels=channels,
            limit=waiting,
            after=after,
        )
        for n, (agent_id, _idle) in enumerate(page):
            if agent_id in tried:
                continue
            tried.add(agent_id)
            # Stop as soon as the queues that triggered us are empty: the other free agents have nothing to get.
            # (The page's first agent comes right after `waiting` counted them.)
            if n and not _queued_exists(instance_id=instance_id, queue_ids=watch_queues):
                return offers
            if routing_offer_next(agent_id=agent_id) is not None:
                offers += 1
                took.append(agent_id)  # back of the line: now the most recently busy
        if len(page) < waiting:
            break  # no more free agents
        after = page[-1]

    agents = took
    while agents and offers < MAX_OFFERS_PER_DISPATCH:
        still_free = []
        for agent_id in agents:
            if not _queued_exists(instance_id=instance_id, queue_ids=watch_queues):
                return offers
            if routing_offer_next(agent_id=agent_id) is not None:
                offers += 1
                still_free.append(agent_id)
        agents = still_free
    return offers
