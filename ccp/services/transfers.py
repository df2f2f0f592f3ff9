"""Transfers (to a queue or an agent through a quick connect) and the number pad's linked outbound call."""

from dataclasses import dataclass

from django.utils import timezone

from ccp import validation
from ccp.errors import InvalidRequest, QuotaExceeded, ResourceNotFound
from ccp.models import (
    Channel,
    Contact,
    ContactState,
    DisconnectReason,
    InitiationMethod,
    QuickConnect,
    TimerKind,
    User,
)
from ccp.services.contact_events import contact_record_event
from ccp.services.contacts import contact_end, contact_queue, contact_run_flow, quick_connect_queue
from ccp.services.conversations import agent_call_start
from ccp.services.idempotency import RequestFields, contact_create_once
from ccp.services.timers import timer_schedule
from ccp.services.transactions import entry_transaction, transaction_required


@dataclass(frozen=True)
class TransferRequest(RequestFields):
    """What a transfer asks for: the contact and its destination (the API describes one with an unsaved quick
    connect, so the destination's ids, not the quick connect's). Every field is part of the fingerprint."""

    contact: Contact
    type: str
    queue: str | None
    user: str | None
    flow: str | None


def contact_transfer(
    *, contact: Contact, quick_connect: QuickConnect, actor_type: str = "agent", actor=None, client_token: str = ""
) -> Contact:
    """Transfer a task: a new contact (TRANSFER / QUEUE_TRANSFER) with the original as previous contact
    runs the quick connect's flow (or goes straight to its queue); the original ends as TRANSFERRED.
    Idempotent per ClientToken for 7 days (TransferContact). The caller holds the original's row lock
    inside a transaction, so a repeat waits for the first transfer and then finds its token."""
    transaction_required("A transfer")
    client_token = validation.validate_client_token(client_token)
    # The destination, not the quick connect's id: the API describes it with an unsaved quick connect.
    request = TransferRequest(
        contact=contact,
        type=quick_connect.type,
        queue=quick_connect.queue_id,
        user=quick_connect.user_id,
        flow=quick_connect.flow_id,
    )
    return contact_create_once(
        instance_id=contact.instance_id,
        operation="TransferContact",
        token=client_token,
        fingerprint=request.fingerprint(),
        mismatch="ClientToken was already used with a different request (contact, queue, user or flow differ).",
        now=timezone.now(),
        durable=False,  # inside the caller's transaction, which holds the original's row lock
        create=lambda: _transfer(contact=contact, quick_connect=quick_connect, actor_type=actor_type, actor=actor),
    )


def _transfer(*, contact: Contact, quick_connect: QuickConnect, actor_type: str, actor) -> Contact:
    if quick_connect.instance_id != contact.instance_id:
        raise ResourceNotFound("Quick connect not found in this instance.")
    # TransferContact describes its destination with an unsaved quick connect: its queue, user and flow
    # are checked here too, so no caller can move a task into another instance's rows.
    for target in (quick_connect.queue, quick_connect.user, quick_connect.flow):
        if target is not None and target.instance_id != contact.instance_id:
            raise ResourceNotFound("The transfer's destination was not found in this instance.")
    if contact.state not in (ContactState.QUEUED, ContactState.CONNECTED, ContactState.IN_FLOW):
        raise InvalidRequest("Only a queued or connected task can be transferred.")
    if quick_connect.type == QuickConnect.Type.PHONE_NUMBER:
        raise InvalidRequest("Tasks can be transferred to agents and queues, not to phone numbers.")
    if contact.transfer_count >= validation.MAX_TRANSFERS:
        raise QuotaExceeded(f"A task can be transferred at most {validation.MAX_TRANSFERS} times.")
    target_queue = quick_connect_queue(quick_connect)
    if target_queue is None:
        raise InvalidRequest("The quick connect's target has no queue.")
    now = timezone.now()
    method = (
        InitiationMethod.TRANSFER if quick_connect.type == QuickConnect.Type.USER else InitiationMethod.QUEUE_TRANSFER
    )
    new = Contact.objects.create(
        instance_id=contact.instance_id,
        channel=contact.channel,
        initiation_method=method,
        state=ContactState.IN_FLOW,
        name=contact.name,
        description=contact.description,
        attributes=contact.attributes,
        references=contact.references,
        initial_contact_id=contact.initial_contact_id or contact.id,
        previous_contact=contact,
        chain_id=contact.chain_id,
        queue=target_queue,
        routing_priority=contact.routing_priority,
        flow=quick_connect.flow,
        transfer_count=contact.transfer_count + 1,
        task_template_id=contact.task_template_id,
        initiation_timestamp=now,
        last_update_timestamp=now,
    )
    contact_record_event(
        contact=new,
        event="CREATED",
        actor_type=actor_type,
        actor=actor,
        to_state=new.state,
        detail={"initiation_method": method, "transferred_from": contact.id, "quick_connect": quick_connect.name},
    )
    # The 7-day limit counts from the original task's initiation (the initial contact's: a transfer of a
    # transfer was initiated at the first transfer).
    started = (
        Contact.objects.filter(pk=new.initial_contact_id).values_list("initiation_timestamp", flat=True).first()
        or contact.initiation_timestamp
        or now
    )
    timer_schedule(
        instance=contact.instance,
        kind=TimerKind.EXPIRY,
        due_at=started + validation.TASK_MAX_DURATION,
        contact=new,
    )
    contact_end(
        contact=contact,
        reason=DisconnectReason.TRANSFERRED,
        actor_type=actor_type,
        actor=actor,
        detail={"transferred_to": new.id, "quick_connect": quick_connect.name},
    )
    if quick_connect.flow is not None:
        contact_run_flow(contact=new, flow=quick_connect.flow, actor_type=actor_type)
    else:
        contact_queue(contact=new, queue=target_queue, actor_type=actor_type)
    return new


def contact_transfer_by_agent(*, contact_id: str, quick_connect_id: str, agent: User) -> Contact:
    """The agent transfers one of their connected tasks through a quick connect."""
    with entry_transaction():
        contact = Contact.objects.select_for_update().filter(pk=contact_id, instance_id=agent.instance_id).first()
        if contact is None or contact.agent_id != agent.id or contact.state != ContactState.CONNECTED:
            raise InvalidRequest("This task is no longer connected to you.")
        quick_connect = QuickConnect.objects.filter(pk=quick_connect_id, instance_id=agent.instance_id).first()
        if quick_connect is None:
            raise ResourceNotFound("Quick connect not found.")
        return contact_transfer(contact=contact, quick_connect=quick_connect, actor_type="agent", actor=agent)


def outbound_call_start(*, task_id: str, agent: User, phone_number: str) -> Contact:
    """Number pad: an outbound VOICE call linked to the task, made by the conversations service as
    StartOutboundVoiceContact makes one (its flow runs, it queues, it reaches the agent who dialled)."""
    return agent_call_start(task_id=task_id, agent=agent, phone_number=phone_number)


def outbound_call_hangup(*, call_id: str, agent: User) -> None:
    """Hang up the simulated call."""
    with entry_transaction():
        call = Contact.objects.select_for_update().filter(pk=call_id, instance_id=agent.instance_id).first()
        if (
            call is None
            or call.agent_id != agent.id
            or call.channel != Channel.VOICE
            or call.state == ContactState.ENDED
        ):
            raise InvalidRequest("That call has already ended.")
        contact_end(contact=call, reason=DisconnectReason.AGENT_DISCONNECT, actor_type="agent", actor=agent)
