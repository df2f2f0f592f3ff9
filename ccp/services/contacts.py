"""A contact's lifecycle after it exists: queue it, run its flows, end it (or put it in after-contact work),
change its data, routing, schedule, stop or expire it.

Task creation is in `tasks.py`, the audit trail and state changes in `contact_events.py`. Every change
writes a ContactEvent and pushes to browsers only after commit; routing is triggered after commit through
`hooks.routing_trigger`."""

import datetime as dt

from django.utils import timezone

from ccp import validation
from ccp.compiled import CompiledQuery
from ccp.errors import InvalidRequest, ResourceConflict
from ccp.flows.blocks import DISCONNECT, QUEUE, WHISPER
from ccp.flows.runner import flow_run
from ccp.held_writes import contact_flush, contact_save
from ccp.models import (
    Channel,
    Contact,
    ContactFlow,
    ContactState,
    DisconnectReason,
    Queue,
    QuickConnect,
    RoutingProfileQueue,
    TimerKind,
    User,
)
from ccp.models.contacts import AGENT_SLOT_STATES
from ccp.realtime.publish import agent_refresh
from ccp.routing.decide import delay_expiries
from ccp.services.contact_events import contact_record_event, contact_set_state
from ccp.services.hooks import conversation_ended_trigger, routing_trigger
from ccp.services.metric_rollups import rollup_contact_ended
from ccp.services.timers import timer_cancel, timer_schedule
from ccp.services.transactions import entry_transaction, transaction_required

# A queue's routing-profile delays for one channel (the QUEUE_DELAY timers a queued contact needs).
_QUEUE_DELAYS = CompiledQuery(
    lambda queue_id, channel: RoutingProfileQueue.objects.filter(
        queue_id=queue_id, channel=channel, delay_seconds__gt=0
    ).values_list("delay_seconds")
)



def quick_connect_queue(quick_connect: QuickConnect):
    """The working queue a quick connect targets: the queue, or the agent's personal queue."""
    if quick_connect.type == QuickConnect.Type.QUEUE:
        return quick_connect.queue
    if quick_connect.type == QuickConnect.Type.USER:
        return Queue.objects.filter(agent_id=quick_connect.user_id).first()
    return None


def contact_run_flow(*, contact: Contact, flow: ContactFlow, actor_type: str = "flow") -> None:
    """Run the contact's flow until it queues, waits or ends."""
    flow_run(contact=contact, flow=flow, actor_type=actor_type)


def contact_queue(*, contact: Contact, queue, actor_type: str = "flow", queue_flow: bool = True) -> None:
    """Put the contact in `queue` (state QUEUED); routing runs at once after commit.

    A contact with a customer queue flow (Set customer queue flow) runs it now, in this transaction, so
    what it changes (priority, age, a move to another queue, a hang-up) is settled before routing sees the
    contact; its Wait blocks resume it only while the contact is still queued.
    """
    now = timezone.now()
    contact.queue = queue
    contact.enqueue_timestamp = now
    contact.routing_order_at = now - dt.timedelta(seconds=contact.routing_age_seconds)
    contact.agent = None
    contact_set_state(
        contact=contact,
        state=ContactState.QUEUED,
        event="QUEUED",
        actor_type=actor_type,
        detail={"queue_id": queue.id, "queue_name": queue.name},
        fields=("queue", "enqueue_timestamp", "routing_order_at", "agent"),
    )
    delays = {row[0] for row in _QUEUE_DELAYS.rows(queue.id, contact.channel)}
    for due in delay_expiries(now, delays):
        timer_schedule(instance_id=contact.instance_id, kind=TimerKind.QUEUE_DELAY, due_at=due, contact=contact)
    routing_trigger(instance_id=contact.instance_id, queue_ids=[queue.id])
    if queue_flow and contact.customer_queue_flow_id:
        _hook_flow_run(contact, flow_id=contact.customer_queue_flow_id, mode=QUEUE)


# The contact's event-hook flows: run mode → (the event that records the run, what the flow is called).
HOOK_FLOWS = {
    QUEUE: ("CUSTOMER_QUEUE_FLOW", "customer queue"),
    DISCONNECT: ("DISCONNECT_FLOW", "disconnect"),
    WHISPER: ("WHISPER_FLOW", "agent whisper"),
}


def contact_whisper_flow_run(*, contact: Contact) -> None:
    """An agent has just accepted the task: run its agent whisper flow (Set whisper flow's AgentWhisper hook), if
    it has one, in the accepting transaction; an endpoint it invokes is called after commit (ccp.flows.runner)."""
    flow_id = ((contact.flow_state or {}).get("event_hooks") or {}).get("AgentWhisper")
    if flow_id and contact.state == ContactState.CONNECTED:
        _hook_flow_run(contact, flow_id=flow_id, mode=WHISPER)


def _hook_flow_run(contact: Contact, *, flow_id: str, mode: str) -> None:
    """Run one of the contact's event-hook flows (customer queue, disconnect, whisper), with an event saying so."""
    flow = ContactFlow.objects.filter(instance_id=contact.instance_id, pk=flow_id).first()
    if flow is None:
        return
    event, label = HOOK_FLOWS[mode]
    # A hook flow's blocks may read the contact back (metrics count it in its queue): write what is held first.
    contact_flush(contact)
    contact_record_event(
        contact=contact,
        event=event,
        actor_type="flow",
        reason=f"Running {label} flow {flow.name}",
        detail={"flow_id": flow.id, "flow_name": flow.name},
    )
    flow_run(contact=contact, flow=flow, actor_type="flow", mode=mode)


# The timers an ended contact no longer needs.
_END_CANCELS = (
    TimerKind.OFFER_TIMEOUT,
    TimerKind.QUEUE_DELAY,
    TimerKind.FLOW_WAIT,
    TimerKind.LAMBDA_INVOKE,
    TimerKind.EXPIRY,
    TimerKind.SCHEDULED_START,
    TimerKind.ACW_TIMEOUT,
)


def contact_end(
    *,
    contact: Contact,
    reason: str,
    actor_type: str,
    actor=None,
    detail: dict | None = None,
    run_disconnect_flow: bool = True,
    keep_timers: tuple[str, ...] = (),
) -> None:
    """End a contact now with `reason`; an agent's slot is freed at once. A forced end (a parked expiry) skips
    the disconnect flow and keeps its own parked timer listed (`keep_timers`)."""
    if contact.state == ContactState.ENDED:
        return
    now = timezone.now()
    agent_id = contact.agent_id
    was_disconnected = contact.state == ContactState.AFTER_CONTACT_WORK
    contact.disconnect_reason = reason
    if contact.disconnect_timestamp is None:
        contact.disconnect_timestamp = now
    if contact.state == ContactState.AFTER_CONTACT_WORK:
        contact.after_contact_work_end_timestamp = now
    contact_set_state(
        contact=contact,
        state=ContactState.ENDED,
        event="ENDED",
        actor_type=actor_type,
        actor=actor,
        reason=reason,
        detail=detail,
        fields=("disconnect_reason", "disconnect_timestamp", "after_contact_work_end_timestamp"),
    )
    rollup_contact_ended(contact)
    timer_cancel(contact=contact, kinds=[kind for kind in _END_CANCELS if kind not in keep_timers])
    if not was_disconnected:  # after-contact work began with the disconnect, which ran the flow then
        if run_disconnect_flow:
            contact_disconnect_flow_run(contact=contact, reason=reason)
        _conversation_disconnected(contact=contact, reason=reason)
    if agent_id:
        agent_refresh(user_id=agent_id, reason="ended", contact_id=contact.id)
        routing_trigger(instance_id=contact.instance_id, agent_ids=[agent_id])


def _conversation_disconnected(*, contact: Contact, reason: str) -> None:
    """A chat or a call disconnected: its transcript is complete, so the post-call and post-chat rules may run
    (after commit). A transferred one goes on as a new contact, so it is not over."""
    if contact.channel in (Channel.VOICE, Channel.CHAT) and reason != DisconnectReason.TRANSFERRED:
        conversation_ended_trigger(contact=contact)


def contact_disconnect_flow_run(*, contact: Contact, reason: str) -> None:
    """Run the contact's disconnect flow (Set disconnect flow) once it has disconnected, in the same transaction.

    Not for a transfer: the contact goes on as a new contact. A disconnect flow that fails records a
    FLOW_ERROR on the contact and changes nothing else; it never re-opens the contact.
    """
    if contact.disconnect_flow_id and reason != DisconnectReason.TRANSFERRED:
        _hook_flow_run(contact, flow_id=contact.disconnect_flow_id, mode=DISCONNECT)


def contact_set_attributes(*, contact: Contact, attributes: dict, actor_type: str = "flow", actor=None) -> None:
    """Merge attributes into the contact; for a PreviousContactId chain, into every contact of the chain."""
    attributes = validation.validate_attributes(attributes)
    if contact.chain_id:
        contact_flush(contact)  # the chain is read back from the database, this contact with it (if held)
    targets = (
        list(Contact.objects.select_for_update().filter(instance_id=contact.instance_id, chain_id=contact.chain_id))
        if contact.chain_id
        else [contact]
    )
    for target in targets:
        merged = {**target.attributes, **attributes}
        validation.validate_attributes(merged)
        target.attributes = merged
        target.last_update_timestamp = timezone.now()
        contact_save(target, ["attributes", "last_update_timestamp"])
        if target.pk == contact.pk:
            contact.attributes = merged
        contact_record_event(
            contact=target,
            event="ATTRIBUTES_UPDATED",
            actor_type=actor_type,
            actor=actor,
            detail={"keys": sorted(attributes)},
        )
        if target.agent_id and target.state in AGENT_SLOT_STATES:
            agent_refresh(user_id=target.agent_id, reason="updated", contact_id=target.id)


def contact_update(*, contact: Contact, name=None, description=None, references=None, actor_type="api", actor=None):
    """Change a contact's name, description or references (UpdateContact)."""
    fields = []
    if name is not None:
        contact.name = validation.validate_name(name)
        fields.append("name")
    if description is not None:
        contact.description = validation.validate_description(description)
        fields.append("description")
    if references is not None:
        contact.references = validation.references_merge(contact.references, references)
        fields.append("references")
    if not fields:
        return
    contact.last_update_timestamp = timezone.now()
    contact_save(contact, [*fields, "last_update_timestamp"])
    contact_record_event(
        contact=contact, event="UPDATED", actor_type=actor_type, actor=actor, detail={"fields": fields}
    )
    if contact.agent_id and contact.state in AGENT_SLOT_STATES:
        agent_refresh(user_id=contact.agent_id, reason="updated", contact_id=contact.id)


def contact_update_routing(*, contact: Contact, priority=None, age_seconds=None, actor_type: str = "flow", actor=None):
    """Change routing priority (1 first) or add to the contact's age in queue; reorders the queue at once."""
    if contact.state == ContactState.ENDED:
        raise ResourceConflict("The contact has ended, so its routing priority and age can no longer change.")
    fields = []
    if priority is not None:
        contact.routing_priority = validation.validate_routing_priority(priority)
        fields.append("routing_priority")
    if age_seconds is not None:
        contact.routing_age_seconds = validation.validate_routing_age(age_seconds, current=contact.routing_age_seconds)
        fields.append("routing_age_seconds")
        if contact.routing_order_at is not None:
            contact.routing_order_at -= dt.timedelta(seconds=age_seconds)
            fields.append("routing_order_at")
    if not fields:
        return
    contact.last_update_timestamp = timezone.now()
    contact_save(contact, [*fields, "last_update_timestamp"])
    contact_record_event(
        contact=contact,
        event="ROUTING_UPDATED",
        actor_type=actor_type,
        actor=actor,
        detail={"priority": contact.routing_priority, "age_seconds": contact.routing_age_seconds},
    )
    if contact.state == ContactState.QUEUED:
        routing_trigger(instance_id=contact.instance_id, queue_ids=[contact.queue_id])


def contact_reschedule(*, contact: Contact, scheduled_time: dt.datetime, actor_type="api", actor=None) -> None:
    """Move a scheduled task's start (UpdateContactSchedule)."""
    if contact.state != ContactState.SCHEDULED:
        raise InvalidRequest("Only a task that is still scheduled can be rescheduled.")
    scheduled_time = validation.validate_scheduled_time(scheduled_time, now=timezone.now())
    timer_cancel(contact=contact, kinds=[TimerKind.SCHEDULED_START])
    contact.scheduled_timestamp = scheduled_time
    contact.last_update_timestamp = timezone.now()
    contact_save(contact, ["scheduled_timestamp", "last_update_timestamp"])
    timer_schedule(
        instance_id=contact.instance_id, kind=TimerKind.SCHEDULED_START, due_at=scheduled_time, contact=contact
    )
    contact_record_event(
        contact=contact,
        event="RESCHEDULED",
        actor_type=actor_type,
        actor=actor,
        detail={"at": scheduled_time.isoformat()},
    )


def contact_stop(*, contact: Contact, actor_type="api", actor=None, reason: str = DisconnectReason.API) -> None:
    """StopContact: a task with an agent goes to after-contact work; any other open task ends."""
    if contact.state == ContactState.ENDED:
        raise InvalidRequest("The contact has already ended.")
    if contact.state == ContactState.SCHEDULED:
        contact_end(contact=contact, reason=reason, actor_type=actor_type, actor=actor, detail={"cancelled": True})
        return
    if contact.state in (ContactState.CONNECTED,):
        contact_to_after_contact_work(contact=contact, reason=reason, actor_type=actor_type, actor=actor)
        return
    if contact.state == ContactState.AFTER_CONTACT_WORK:
        raise InvalidRequest("The contact has already been disconnected and is in after-contact work.")
    contact_end(contact=contact, reason=reason, actor_type=actor_type, actor=actor)


def contact_expire(*, contact: Contact) -> None:
    """Seven days after initiation a task ends with reason EXPIRED. A step of the worker's timer firing,
    which owns the transaction."""
    transaction_required("A task's expiry")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.state != ContactState.ENDED:
        contact_end(contact=contact, reason=DisconnectReason.EXPIRED, actor_type="worker")


def contact_expire_forced(*, contact_id: str, error: str) -> bool:
    """The 7-day expiry failed on every attempt and was parked: end the task anyway, EXPIRED, in a transaction
    of its own, without its disconnect flow, the failure named in its ENDED event, and the parked timer left
    listed for the admin. Returns True if it ended the task now."""
    with entry_transaction():
        contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
        if contact is None or contact.state == ContactState.ENDED:
            return False
        contact_end(
            contact=contact,
            reason=DisconnectReason.EXPIRED,
            actor_type="worker",
            detail={"forced": True, "error": error[:500]},
            run_disconnect_flow=False,
            keep_timers=(TimerKind.EXPIRY,),
        )
    return True


def contact_to_after_contact_work(*, contact: Contact, reason: str, actor_type: str, actor=None) -> None:
    """Disconnect a connected task into after-contact work; the agent then closes it."""
    now = timezone.now()
    contact.disconnect_timestamp = now
    contact.disconnect_reason = reason
    contact.after_contact_work_start_timestamp = now
    contact_set_state(
        contact=contact,
        state=ContactState.AFTER_CONTACT_WORK,
        event="AFTER_CONTACT_WORK",
        actor_type=actor_type,
        actor=actor,
        reason=reason,
        fields=("disconnect_timestamp", "disconnect_reason", "after_contact_work_start_timestamp"),
    )
    timer_cancel(contact=contact, kinds=[TimerKind.FLOW_WAIT])
    # The agent's phone config: after-contact work ends by itself after this many seconds (0: when they close).
    limit = User.objects.filter(pk=contact.agent_id).values_list("after_contact_work_time_limit", flat=True).first()
    if limit:
        timer_schedule(
            instance_id=contact.instance_id,
            kind=TimerKind.ACW_TIMEOUT,
            due_at=now + dt.timedelta(seconds=limit),
            contact=contact,
            user_id=contact.agent_id,
        )
    contact_disconnect_flow_run(contact=contact, reason=reason)
    _conversation_disconnected(contact=contact, reason=reason)
    agent_refresh(user_id=contact.agent_id, reason="acw", contact_id=contact.id)


def contact_after_contact_work_expire(*, contact_id: str, agent_id: str) -> None:
    """The agent's after-contact-work time limit ran out: the contact ends as if they had closed it. A step of
    the worker's timer firing, which owns the transaction; a contact already closed, or moved on, is left be."""
    transaction_required("An after-contact-work time limit")
    contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None or contact.state != ContactState.AFTER_CONTACT_WORK or contact.agent_id != agent_id:
        return
    contact_end(
        contact=contact,
        reason=contact.disconnect_reason or DisconnectReason.AGENT_DISCONNECT,
        actor_type="worker",
        detail={"after_contact_work_time_limit": True},
    )
