"""Writes to contacts: create a task, queue it, end it, change its data. Every change is one transaction,
writes a ContactEvent, and pushes to browsers only after commit."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ccp import validation
from ccp.compiled import CompiledQuery
from ccp.errors import (
    InvalidRequest,
    QuotaExceeded,
    ResourceConflict,
    ResourceNotFound,
)
from ccp.flows.blocks import DISCONNECT, QUEUE
from ccp.held_writes import (
    contact_event_save,
    contact_flush,
    contact_save,
    contact_writes_held,
)
from ccp.models import (
    Channel,
    Contact,
    ContactEvent,
    ContactFlow,
    ContactState,
    DisconnectReason,
    InitiationMethod,
    Instance,
    QuickConnect,
    RoutingProfileQueue,
    TaskTemplate,
    TimerKind,
)
from ccp.models.contacts import AGENT_SLOT_STATES, OPEN_STATES
from ccp.realtime.publish import agent_refresh
from ccp.services.idempotency import contact_create_once, request_hash
from ccp.services.timers import timer_cancel, timer_schedule

# Close to the quota, task creation locks the instance row so two requests can't both take the last slot.
QUOTA_LOCK_MARGIN = 50


def contact_record_event(
    *, contact: Contact, event: str, actor_type: str, actor=None, from_state="", to_state="", reason="", detail=None
) -> ContactEvent:
    """Append one entry to the contact's audit trail."""
    event = ContactEvent(
        instance_id=contact.instance_id,
        contact=contact,
        at=timezone.now(),
        actor_type=actor_type,
        actor=actor,
        event=event,
        from_state=from_state,
        to_state=to_state or contact.state,
        agent_id=contact.agent_id,
        queue_id=contact.queue_id,
        reason=reason[:500],
        detail=detail or {},
    )
    contact_event_save(contact, event)
    return event


def contact_set_state(
    *, contact: Contact, state: str, event: str, actor_type: str, actor=None, reason="", detail=None, fields=()
) -> None:
    """Move a contact to `state`, saving `fields` with it, and record the event."""
    from_state = contact.state
    contact.state = state
    contact.last_update_timestamp = timezone.now()
    contact_save(contact, ["state", "last_update_timestamp", *fields])
    contact_record_event(
        contact=contact,
        event=event,
        actor_type=actor_type,
        actor=actor,
        from_state=from_state,
        to_state=state,
        reason=reason,
        detail=detail,
    )


def _template_apply(template: TaskTemplate, *, name, description, references, attributes) -> tuple:
    """Apply a template's defaults, refuse overrides of read-only fields, enforce required fields."""
    if template.status != TaskTemplate.Status.ACTIVE:
        raise InvalidRequest(f"Task template {template.name!r} is not active.")
    defaults = template.default_values
    read_only = set(template.read_only_fields)
    values = {"Name": name, "Description": description}
    values.update({k: v["Value"] for k, v in references.items()})
    for field_name in read_only:
        given = values.get(field_name)
        # A read-only field takes its default, or stays empty when it has none.
        if given not in (None, "") and given != defaults.get(field_name):
            raise InvalidRequest(f"Field {field_name!r} is read-only in template {template.name!r}.")
    field_types = {f["Id"]["Name"]: f.get("Type", "STRING") for f in template.fields or []}
    for field_name, default in defaults.items():
        if values.get(field_name) in (None, ""):
            if field_name == "Name":
                name = default
            elif field_name == "Description":
                description = default
            else:
                ref_type = field_types.get(field_name, "STRING")
                if ref_type in validation.REFERENCE_TYPES_AT_CREATION:
                    references[field_name] = {"Type": ref_type, "Value": default}
                else:
                    attributes.setdefault(field_name, default)
            values[field_name] = default
    missing = [f for f in template.required_fields if values.get(f) in (None, "")]
    if missing:
        raise InvalidRequest("Required template fields are missing: " + ", ".join(missing) + ".")
    return name, description, references, attributes


# Open tasks of an instance, counted from contact_instance_state_idx (compiled once: it runs on every task).
_OPEN_TASKS = CompiledQuery(
    lambda instance_id: Contact.objects.filter(
        instance_id=instance_id, channel=Channel.TASK, state__in=OPEN_STATES
    ).values("pk")
)
# A queue's routing-profile delays for tasks (the QUEUE_DELAY timers a queued task needs).
_QUEUE_DELAYS = CompiledQuery(
    lambda queue_id: RoutingProfileQueue.objects.filter(
        queue_id=queue_id, channel=Channel.TASK, delay_seconds__gt=0
    ).values_list("delay_seconds")
)


def _check_quota(instance: Instance) -> None:
    """Open tasks (in flows, queued, with agents, in after-contact work) stay under the instance quota."""
    open_tasks = _OPEN_TASKS.count(instance.pk)
    if open_tasks >= instance.active_task_quota - QUOTA_LOCK_MARGIN:
        Instance.objects.select_for_update().filter(pk=instance.pk).first()
        open_tasks = _OPEN_TASKS.count(instance.pk)
    if open_tasks >= instance.active_task_quota:
        raise QuotaExceeded(
            f"This instance already has {open_tasks} open tasks; its active task quota is {instance.active_task_quota}."
        )


def _resolve_flow(*, contact_flow, quick_connect, task_template) -> ContactFlow:
    """The flow a new task runs; one that was saved but never published is refused, so nothing is written."""
    flow = _flow_source(contact_flow=contact_flow, quick_connect=quick_connect, task_template=task_template)
    if not flow.is_published:
        raise InvalidRequest(f"Flow {flow.name!r} is saved but not published; publish it to start tasks on it.")
    return flow


def _flow_source(*, contact_flow, quick_connect, task_template) -> ContactFlow:
    validation.require_one_flow_source(
        contact_flow=contact_flow, quick_connect=quick_connect, task_template=task_template
    )
    if task_template is not None and task_template.flow is not None:
        return task_template.flow
    if quick_connect is not None:
        if quick_connect.flow is None:
            raise InvalidRequest(f"Quick connect {quick_connect.name!r} has no flow to run tasks.")
        return quick_connect.flow
    return contact_flow


def task_start(
    *,
    instance: Instance,
    name,
    description="",
    attributes=None,
    references=None,
    contact_flow: ContactFlow | None = None,
    quick_connect: QuickConnect | None = None,
    task_template: TaskTemplate | None = None,
    previous_contact: Contact | None = None,
    related_contact: Contact | None = None,
    scheduled_time: dt.datetime | None = None,
    initiation_method: str = InitiationMethod.API,
    client_token: str = "",
    actor_type: str = "api",
    actor=None,
) -> Contact:
    """Create a task and run its flow (or schedule it). Idempotent per ClientToken for 7 days."""
    now = timezone.now()
    client_token = validation.validate_client_token(client_token)
    # The request's fingerprint is kept with its ClientToken; without a token there is nothing to compare.
    fingerprint = client_token and request_hash(
        {
            "name": name,
            "description": description,
            "attributes": attributes,
            "references": references,
            "flow": getattr(contact_flow, "pk", None),
            "qc": getattr(quick_connect, "pk", None),
            "template": getattr(task_template, "pk", None),
            "previous": getattr(previous_contact, "pk", None),
            "related": getattr(related_contact, "pk", None),
            "scheduled": scheduled_time.timestamp() if scheduled_time else None,
        }
    )
    return contact_create_once(
        instance_id=instance.id,
        operation="StartTaskContact",
        token=client_token,
        fingerprint=fingerprint,
        mismatch="ClientToken was already used with a different request "
        "(name, description, attributes, references, flow or schedule differ).",
        now=now,
        create=lambda: _task_create(
            instance=instance,
            name=name,
            description=description,
            attributes=attributes,
            references=references,
            contact_flow=contact_flow,
            quick_connect=quick_connect,
            task_template=task_template,
            previous_contact=previous_contact,
            related_contact=related_contact,
            scheduled_time=scheduled_time,
            initiation_method=initiation_method,
            client_token=client_token,
            actor_type=actor_type,
            actor=actor,
            now=now,
        ),
    )


def _task_create(
    *,
    instance,
    name,
    description,
    attributes,
    references,
    contact_flow,
    quick_connect,
    task_template,
    previous_contact,
    related_contact,
    scheduled_time,
    initiation_method,
    client_token,
    actor_type,
    actor,
    now,
) -> Contact:
    if previous_contact is not None and related_contact is not None:
        raise InvalidRequest("Give PreviousContactId or RelatedContactId, not both.")
    flow = _resolve_flow(contact_flow=contact_flow, quick_connect=quick_connect, task_template=task_template)
    attributes = validation.validate_attributes(attributes)
    references = validation.validate_references(references)
    description = validation.validate_description(description)
    if task_template is not None:
        name, description, references, attributes = _template_apply(
            task_template, name=name, description=description, references=references, attributes=attributes
        )
    name = validation.validate_name(name)
    description = validation.validate_description(description)
    scheduled_time = validation.validate_scheduled_time(scheduled_time, now=now)
    for other in (contact_flow, quick_connect, task_template, previous_contact, related_contact):
        if other is not None and other.instance_id != instance.id:
            raise ResourceNotFound("A referenced resource was not found in this instance.")
    _check_quota(instance)

    chain_id = ""
    linked = previous_contact or related_contact
    if linked is not None:
        # The new task starts with a copy of the linked contact's attributes; its own override them.
        attributes = {**linked.attributes, **attributes}
        validation.validate_attributes(attributes)
    if previous_contact is not None:
        chain_id = previous_contact.chain_id or previous_contact.id
        in_chain = Contact.objects.filter(instance=instance, chain_id=chain_id, channel=Channel.TASK).count()
        if in_chain >= validation.PREVIOUS_CONTACT_CHAIN_MAX:
            raise QuotaExceeded(
                f"There are already {validation.PREVIOUS_CONTACT_CHAIN_MAX} tasks linked to this PreviousContactId."
            )
        if not previous_contact.chain_id:
            previous_contact.chain_id = chain_id
            contact_save(previous_contact, ["chain_id"])

    contact = Contact(
        instance=instance,
        channel=Channel.TASK,
        initiation_method=initiation_method,
        state=ContactState.SCHEDULED if scheduled_time else ContactState.IN_FLOW,
        name=name,
        description=description,
        attributes=attributes,
        references=references,
        previous_contact=previous_contact,
        related_contact=related_contact,
        chain_id=chain_id,
        flow=flow,
        client_token=client_token,
        task_template=task_template,
        initiation_timestamp=now,
        scheduled_timestamp=scheduled_time,
        last_update_timestamp=now,
    )
    if quick_connect is not None:
        contact.queue = quick_connect_queue(quick_connect)
    # A new task is its own initial contact (transfers keep the original's).
    contact.initial_contact_id = contact.id
    # The row, its events and timers are written once, after the flow's first run (contact_writes).
    with contact_writes_held(contact, insert=True):
        contact_record_event(
            contact=contact,
            event="CREATED",
            actor_type=actor_type,
            actor=actor,
            to_state=contact.state,
            detail={"initiation_method": initiation_method, "flow_id": flow.id},
        )
        # Amazon Connect ends a task 7 days after it was initiated.
        timer_schedule(
            instance=instance, kind=TimerKind.EXPIRY, due_at=now + validation.TASK_MAX_DURATION, contact=contact
        )
        if scheduled_time:
            timer_schedule(instance=instance, kind=TimerKind.SCHEDULED_START, due_at=scheduled_time, contact=contact)
        else:
            contact_run_flow(contact=contact, flow=flow, actor_type=actor_type)
    return contact


def quick_connect_queue(quick_connect: QuickConnect):
    """The working queue a quick connect targets: the queue, or the agent's personal queue."""
    from ccp.models import Queue

    if quick_connect.type == QuickConnect.Type.QUEUE:
        return quick_connect.queue
    if quick_connect.type == QuickConnect.Type.USER:
        return Queue.objects.filter(agent_id=quick_connect.user_id).first()
    return None


def contact_run_flow(*, contact: Contact, flow: ContactFlow, actor_type: str = "flow") -> None:
    """Run the contact's flow until it queues, waits or ends."""
    from ccp.flows.runner import flow_run

    flow_run(contact=contact, flow=flow, actor_type=actor_type)


def task_scheduled_start(*, contact: Contact) -> None:
    """A scheduled task's time has come: run its flow (called by the worker)."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if contact.state != ContactState.SCHEDULED:
            return
        contact_set_state(contact=contact, state=ContactState.IN_FLOW, event="SCHEDULE_REACHED", actor_type="worker")
        contact_run_flow(contact=contact, flow=contact.flow, actor_type="worker")
        _creator_refresh(contact, reason="scheduled-start")


def _creator_refresh(contact: Contact, *, reason: str) -> None:
    """The agent who created a task sees it among their scheduled tasks: redraw their panel."""
    creator = (
        ContactEvent.objects.filter(contact=contact, event="CREATED", actor__isnull=False)
        .values_list("actor_id", flat=True)
        .first()
    )
    if creator:
        agent_refresh(user_id=creator, reason=reason, contact_id=contact.id)


def task_scheduled_cancel(*, contact_id: str, user) -> None:
    """The agent cancels a task they scheduled, before its time (StopContact on a scheduled task)."""
    with transaction.atomic():
        contact = _scheduled_own(contact_id=contact_id, user=user)
        contact_stop(contact=contact, actor_type="agent", actor=user, reason=DisconnectReason.AGENT_DISCONNECT)
        agent_refresh(user_id=user.id, reason="scheduled-cancelled", contact_id=contact.id)


def task_scheduled_move(*, contact_id: str, user, scheduled_time: dt.datetime) -> None:
    """The agent moves a task they scheduled to another time (UpdateContactSchedule)."""
    with transaction.atomic():
        contact = _scheduled_own(contact_id=contact_id, user=user)
        contact_reschedule(contact=contact, scheduled_time=scheduled_time, actor_type="agent", actor=user)
        agent_refresh(user_id=user.id, reason="rescheduled", contact_id=contact.id)


def _scheduled_own(*, contact_id: str, user) -> Contact:
    """Lock a task this user scheduled that has not started; anything else (someone else's task, one that
    started or was cancelled) is refused the same way."""
    from ccp.selectors.panel import scheduled_by

    contact = scheduled_by(user).select_for_update(of=("self",)).filter(pk=contact_id).first()
    if contact is None:
        raise InvalidRequest("This task is no longer waiting for its scheduled time; the panel has been refreshed.")
    return contact


def contact_queue(*, contact: Contact, queue, actor_type: str = "flow", queue_flow: bool = True) -> None:
    """Put the contact in `queue` (state QUEUED); routing runs at once after commit.

    A contact with a customer queue flow (Set customer queue flow) runs it now, in this transaction, so
    what it changes (priority, age, a move to another queue, a hang-up) is settled before routing sees the
    contact; its Wait blocks resume it only while the contact is still queued.
    """
    from ccp.routing.decide import delay_expiries
    from ccp.routing.engine import routing_trigger

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
    delays = {row[0] for row in _QUEUE_DELAYS.rows(queue.id)}
    for due in delay_expiries(now, delays):
        timer_schedule(instance_id=contact.instance_id, kind=TimerKind.QUEUE_DELAY, due_at=due, contact=contact)
    routing_trigger(instance_id=contact.instance_id, queue_ids=[queue.id])
    if queue_flow and contact.customer_queue_flow_id:
        _hook_flow_run(contact, flow_id=contact.customer_queue_flow_id, mode=QUEUE)


# The contact's event-hook flows: run mode → (the event that records the run, what the flow is called).
HOOK_FLOWS = {QUEUE: ("CUSTOMER_QUEUE_FLOW", "customer queue"), DISCONNECT: ("DISCONNECT_FLOW", "disconnect")}


def _hook_flow_run(contact: Contact, *, flow_id: str, mode: str) -> None:
    """Run one of the contact's event-hook flows (customer queue, disconnect), with an event saying so."""
    from ccp.flows.runner import flow_run

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


def contact_end(*, contact: Contact, reason: str, actor_type: str, actor=None, detail: dict | None = None) -> None:
    """End a contact now with `reason`; an agent's slot is freed at once."""
    from ccp.routing.engine import routing_trigger

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
    timer_cancel(
        contact=contact,
        kinds=[
            TimerKind.OFFER_TIMEOUT,
            TimerKind.QUEUE_DELAY,
            TimerKind.FLOW_WAIT,
            TimerKind.EXPIRY,
            TimerKind.SCHEDULED_START,
        ],
    )
    if not was_disconnected:  # after-contact work began with the disconnect, which ran the flow then
        contact_disconnect_flow_run(contact=contact, reason=reason)
    if agent_id:
        agent_refresh(user_id=agent_id, reason="ended", contact_id=contact.id)
        routing_trigger(instance_id=contact.instance_id, agent_ids=[agent_id])


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
        contact.references = {**contact.references, **validation.validate_references(references)}
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
    from ccp.routing.engine import routing_trigger

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
        from ccp.services.offers import contact_to_after_contact_work

        contact_to_after_contact_work(contact=contact, reason=reason, actor_type=actor_type, actor=actor)
        return
    if contact.state == ContactState.AFTER_CONTACT_WORK:
        raise InvalidRequest("The contact has already been disconnected and is in after-contact work.")
    contact_end(contact=contact, reason=reason, actor_type=actor_type, actor=actor)


def contact_expire(*, contact: Contact) -> None:
    """Seven days after initiation a task ends with reason EXPIRED (called by the worker)."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if contact.state != ContactState.ENDED:
            contact_end(contact=contact, reason=DisconnectReason.EXPIRED, actor_type="worker")


def contact_lock(*, instance, contact_id: str) -> Contact:
    """Fetch and lock a contact of this instance, or raise ResourceNotFound."""
    contact = Contact.objects.select_for_update().filter(instance=instance, pk=contact_id).first()
    if contact is None:
        raise ResourceNotFound("Contact not found in this instance.")
    return contact
