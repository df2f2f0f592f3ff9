"""Who takes which contact: the routing decision as pure functions of plain data.

Channels: each channel has its own slots, from the routing profile's concurrency (Amazon Connect: voice 1,
chat up to 10, tasks up to 10), and a contact is offered from the profile's queues listed for its channel.
An agent on a call still gets tasks and chats while those slots are free.

Order, as Amazon Connect routes contacts: the queue's priority in the agent's routing profile (1 first),
a queue's delay (contacts wait that long before this profile's agents see them), then the contact's
routing priority (1 first) and its age (oldest first, adjusted by routing-age changes). Among free
agents, the one idle longest is offered first.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

CHANNELS = ("VOICE", "CHAT", "TASK")


@dataclass(frozen=True)
class QueueSlot:
    """One queue of a routing profile for one channel."""

    queue_id: str
    priority: int
    delay_seconds: int
    channel: str = "TASK"


@dataclass(frozen=True)
class QueuedContact:
    contact_id: str
    queue_id: str
    routing_priority: int
    routing_order_at: dt.datetime
    enqueue_timestamp: dt.datetime
    channel: str = "TASK"


@dataclass(frozen=True)
class FreeAgent:
    user_id: str
    idle_since: dt.datetime | None
    open_contacts: int
    concurrency: int
    # A slot of another channel is free (`open_contacts`/`concurrency` count tasks).
    other_channel_free: bool = False


def is_past_delay(contact: QueuedContact, slot: QueueSlot, now: dt.datetime) -> bool:
    """A queue delay holds a contact back from this profile's agents until it has waited that long."""
    return now - contact.enqueue_timestamp >= dt.timedelta(seconds=slot.delay_seconds)


def contact_rank(contact: QueuedContact, slot: QueueSlot) -> tuple:
    return (slot.priority, contact.routing_priority, contact.routing_order_at, contact.contact_id)


def pick_contact(
    candidates: Iterable[QueuedContact], slots: dict[str, QueueSlot], now: dt.datetime
) -> QueuedContact | None:
    """The contact an agent with these queue slots should be offered next, or None."""
    eligible = [c for c in candidates if c.queue_id in slots and is_past_delay(c, slots[c.queue_id], now)]
    if not eligible:
        return None
    return min(eligible, key=lambda c: contact_rank(c, slots[c.queue_id]))


def pick_across(heads: Iterable[tuple[QueuedContact, QueueSlot]], now: dt.datetime) -> QueuedContact | None:
    """The best of the heads of an agent's (queue, channel) slots: the same order as `pick_contact`, across
    channels (a contact matches the one slot of its queue and channel)."""
    eligible = [(c, s) for c, s in heads if c.channel == s.channel and is_past_delay(c, s, now)]
    if not eligible:
        return None
    return min(eligible, key=lambda pair: contact_rank(*pair))[0]


def channels_with_free_slot(open_by_channel: dict[str, int], concurrency: dict[str, int]) -> list[str]:
    """The channels in which the agent has a free slot: each channel counts only its own contacts."""
    return [ch for ch in CHANNELS if open_by_channel.get(ch, 0) < concurrency.get(ch, 0)]


def has_free_slot(agent: FreeAgent) -> bool:
    """An agent takes tasks up to the routing profile's task concurrency (at most 10), and chats and calls
    up to theirs."""
    return agent.open_contacts < agent.concurrency or agent.other_channel_free


def order_agents(agents: Iterable[FreeAgent]) -> list[FreeAgent]:
    """Agents with a free slot, the one idle longest first (never idle = idle the longest)."""
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    free = [a for a in agents if has_free_slot(a)]
    return sorted(free, key=lambda a: (a.idle_since or floor, a.user_id))


def delay_expiries(enqueued_at: dt.datetime, delays: Iterable[int]) -> list[dt.datetime]:
    """The moments a newly queued contact becomes visible to the profiles that delay its queue."""
    return sorted({enqueued_at + dt.timedelta(seconds=d) for d in delays if d > 0})
