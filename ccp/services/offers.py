"""An agent's side of a task: offer, accept, reject, miss, end (after-contact work), close."""

import datetime as dt

from django.utils import timezone

from ccp.errors import Conflict
from ccp.models import Channel, Contact, ContactState, DisconnectReason, OfferCooldown, TimerKind, User
from ccp.realtime.publish import agent_refresh
from ccp.services.agents import agent_set_missed
from ccp.services.contact_events import contact_set_state
from ccp.services.contacts import contact_end, contact_to_after_contact_work, contact_whisper_flow_run
from ccp.services.hooks import routing_trigger
from ccp.services.timers import timer_cancel, timer_schedule
from ccp.services.transactions import entry_transaction, transaction_required

# After a rejected or missed offer, the same agent isn't offered the same task for this long.
OFFER_COOLDOWN = dt.timedelta(seconds=60)


def contact_offer(*, contact: Contact, agent: User, now: dt.datetime) -> None:
    """Offer a locked QUEUED contact to a locked agent (called by the routing engine only)."""
    transaction_required("An offer")
    rp = agent.routing_profile
    contact.agent = agent
    contact.offered_at = now
    auto_accept = offer_auto_accepted(routing_profile=rp, agent=agent, channel=contact.channel)
    if auto_accept:
        contact.connected_to_agent_timestamp = now
        contact_set_state(
            contact=contact,
            state=ContactState.CONNECTED,
            event="CONNECTED",
            actor_type="routing",
            reason="auto-accept",
            fields=("agent", "offered_at", "connected_to_agent_timestamp"),
        )
        contact_whisper_flow_run(contact=contact)
    else:
        contact_set_state(
            contact=contact,
            state=ContactState.CONNECTING,
            event="OFFERED",
            actor_type="routing",
            detail={"expires_at": (now + dt.timedelta(seconds=rp.task_offer_timeout_seconds)).isoformat()},
            fields=("agent", "offered_at"),
        )
        timer_schedule(
            instance_id=contact.instance_id,
            kind=TimerKind.OFFER_TIMEOUT,
            due_at=now + dt.timedelta(seconds=rp.task_offer_timeout_seconds),
            contact=contact,
            user=agent,
        )
    # Busier now: the next free agent in line is someone idle longer.
    User.objects.filter(pk=agent.pk).update(idle_since=now)
    agent_refresh(user_id=agent.id, reason="offer", contact_id=contact.id, offer=not auto_accept)


def offer_auto_accepted(*, routing_profile, agent: User, channel: str) -> bool:
    """Whether an offer skips ringing: a task when the routing profile's task auto-accept or the agent's phone
    config (AutoAccept) says so, a call when the agent's phone config does; a chat always rings first.
    ccp_route_offer (migration 0022) decides the same in SQL."""
    if channel == Channel.TASK:
        return routing_profile.task_auto_accept or agent.auto_accept
    return channel == Channel.VOICE and agent.auto_accept


def _lock_own(*, contact_id: str, agent: User, states: list[str]) -> Contact:
    contact = Contact.objects.select_for_update().filter(pk=contact_id, instance_id=agent.instance_id).first()
    if contact is None or contact.agent_id != agent.id or contact.state not in states:
        raise Conflict("This task is no longer yours to act on; the panel has been refreshed.")
    return contact


def contact_accept(*, contact_id: str, agent: User) -> Contact:
    """The agent accepts an offer: the task is CONNECTED to them."""
    with entry_transaction():
        contact = _lock_own(contact_id=contact_id, agent=agent, states=[ContactState.CONNECTING])
        contact.connected_to_agent_timestamp = timezone.now()
        contact_set_state(
            contact=contact,
            state=ContactState.CONNECTED,
            event="CONNECTED",
            actor_type="agent",
            actor=agent,
            fields=("connected_to_agent_timestamp",),
        )
        timer_cancel(contact=contact, kinds=[TimerKind.OFFER_TIMEOUT])
        contact_whisper_flow_run(contact=contact)
        agent_refresh(user_id=agent.id, reason="accepted", contact_id=contact.id)
    return contact


def contact_whisper_auto_accepted(*, contact: Contact) -> None:
    """The PostgreSQL claim auto-accepted this task in SQL: run its whisper flow now, in a transaction of its own
    (the portable path runs it inside contact_offer). Only a task with a whisper flow opens one."""
    if not ((contact.flow_state or {}).get("event_hooks") or {}).get("AgentWhisper"):
        return
    with entry_transaction():
        locked = Contact.objects.select_for_update().filter(pk=contact.pk).first()
        if locked is not None and locked.state == ContactState.CONNECTED:
            contact_whisper_flow_run(contact=locked)


def _return_to_queue(*, contact: Contact, agent: User, event: str, actor_type: str, actor=None) -> None:
    """A rejected or missed task goes back to the front of its queue; this agent cools off from it."""
    now = timezone.now()
    OfferCooldown.objects.update_or_create(contact=contact, agent=agent, defaults={"until": now + OFFER_COOLDOWN})
    timer_cancel(contact=contact, kinds=[TimerKind.OFFER_TIMEOUT])
    contact.agent = None
    contact.offered_at = None
    # routing_order_at is kept: the task keeps its place, which is at the front for an old task.
    contact_set_state(
        contact=contact,
        state=ContactState.QUEUED,
        event=event,
        actor_type=actor_type,
        actor=actor,
        detail={"agent_id": agent.id},
        fields=("agent", "offered_at"),
    )
    agent_refresh(user_id=agent.id, reason=event.lower(), contact_id=contact.id)
    routing_trigger(instance_id=contact.instance_id, queue_ids=[contact.queue_id])


def contact_reject(*, contact_id: str, agent: User) -> None:
    """The agent rejects an offer."""
    with entry_transaction():
        contact = _lock_own(contact_id=contact_id, agent=agent, states=[ContactState.CONNECTING])
        _return_to_queue(contact=contact, agent=agent, event="REJECTED", actor_type="agent", actor=agent)


def contact_offer_expire(*, contact_id: str, agent_id: str) -> None:
    """The offer ran out: the task returns to its queue and the agent goes to Missed. A step of the worker's
    timer firing, which owns the transaction."""
    transaction_required("An offer's expiry")
    contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None or contact.state != ContactState.CONNECTING or contact.agent_id != agent_id:
        return
    agent = User.objects.select_for_update().get(pk=agent_id)
    _return_to_queue(contact=contact, agent=agent, event="MISSED", actor_type="worker")
    agent_set_missed(user=agent)


def contact_complete(*, contact_id: str, agent: User) -> Contact:
    """End task: the agent finishes the work; the task moves to after-contact work."""
    with entry_transaction():
        contact = _lock_own(contact_id=contact_id, agent=agent, states=[ContactState.CONNECTED])
        contact_to_after_contact_work(
            contact=contact, reason=DisconnectReason.AGENT_DISCONNECT, actor_type="agent", actor=agent
        )
    return contact


def contact_close(*, contact_id: str, agent: User) -> Contact:
    """Close contact: after-contact work is done; the task ends and the slot frees at once."""
    with entry_transaction():
        contact = _lock_own(contact_id=contact_id, agent=agent, states=[ContactState.AFTER_CONTACT_WORK])
        contact_end(
            contact=contact,
            reason=contact.disconnect_reason or DisconnectReason.AGENT_DISCONNECT,
            actor_type="agent",
            actor=agent,
        )
    return contact
