"""Creating tasks: StartTaskContact, the panel's Create task and a flow's Create task block; templates, the
active-task quota, PreviousContactId chains, and scheduled starts (start, cancel, move).

A request is one frozen `TaskRequest`; its fingerprint, kept with a ClientToken, covers every field of it, so a
new field can never be left out of the comparison."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from ccp import template_fields, validation
from ccp.compiled import CompiledQuery, fetch_together
from ccp.errors import InvalidParameter, InvalidRequest, QuotaExceeded, ResourceNotFound
from ccp.held_writes import contact_save, contact_writes_held
from ccp.models import (
    Channel,
    Contact,
    ContactEvent,
    ContactFlow,
    ContactState,
    DisconnectReason,
    InitiationMethod,
    Instance,
    Queue,
    QuickConnect,
    TaskTemplate,
    TimerKind,
)
from ccp.models.contacts import OPEN_STATES
from ccp.realtime.publish import agent_refresh
from ccp.selectors.panel import scheduled_by
from ccp.services.contact_events import contact_record_event, contact_set_state
from ccp.services.contacts import contact_reschedule, contact_run_flow, contact_stop, quick_connect_queue
from ccp.services.idempotency import RequestFields, contact_create_once
from ccp.services.timers import timer_schedule
from ccp.services.transactions import entry_transaction, transaction_required

# Close to the quota, task creation locks the instance row so two requests can't both take the last slot.
QUOTA_LOCK_MARGIN = 50


@dataclass(frozen=True)
class TemplateApplied:
    """A task's values after its template: what the task stores, and what the template's control fields ask."""

    name: str
    description: str
    references: dict
    attributes: dict
    self_assign: bool = False
    expires_after: dt.timedelta | None = None


def _template_apply(template: TaskTemplate, *, name, description, references, attributes) -> TemplateApplied:
    """Apply a template the way Amazon Connect does, for the API, the panel and flows alike: every given value is
    checked against its field's type, read-only fields keep their defaults, defaults fill what is empty, required
    fields must have a value; values of the template's fields become references of the field's type, and the
    SELF_ASSIGN and EXPIRY_DURATION fields are taken out of the references to steer the task."""
    if template.status != TaskTemplate.Status.ACTIVE:
        raise InvalidRequest(f"Task template {template.name!r} is not active.")
    defaults = template.default_values
    read_only = set(template.read_only_fields)
    specs = {template_fields.field_name(f): f for f in template.fields or [] if template_fields.field_name(f)}
    references = dict(references)
    values = {"Name": name, "Description": description}
    values.update({k: v["Value"] for k, v in references.items()})
    for spec in specs.values():
        if spec.get("Type") == "NAME":
            values[template_fields.field_name(spec)] = name
        elif spec.get("Type") == "DESCRIPTION":
            values[template_fields.field_name(spec)] = description
    for field_name in read_only:
        given = values.get(field_name)
        # A read-only field takes its default, or stays empty when it has none.
        if given not in (None, "") and given != defaults.get(field_name):
            raise InvalidRequest(f"Field {field_name!r} is read-only in template {template.name!r}.")
    for field_name, default in defaults.items():
        if values.get(field_name) in (None, ""):
            values[field_name] = default
    missing = [f for f in template.required_fields if values.get(f) in (None, "")]
    if missing:
        raise InvalidRequest("Required template fields are missing: " + ", ".join(missing) + ".")
    self_assign, expires_after = False, None
    for field_name, spec in specs.items():
        kind, value = spec.get("Type") or "STRING", values.get(field_name)
        if value in (None, ""):
            continue
        problem = template_fields.value_problem(spec, value)
        if problem:
            raise InvalidParameter(f"Field {field_name!r} {problem}.", field="References")
        if kind == "NAME":
            name = value
        elif kind == "DESCRIPTION":
            description = value
        elif kind == "SELF_ASSIGN":
            references.pop(field_name, None)
            self_assign = value == "true"
        elif kind == "EXPIRY_DURATION":
            references.pop(field_name, None)
            expires_after = template_fields.expiry_after(value)
        elif kind in template_fields.REFERENCE_TYPE:
            references[field_name] = {"Type": template_fields.REFERENCE_TYPE[kind], "Value": value}
        # SCHEDULED_TIME and QUICK_CONNECT come as the request's ScheduledTime and QuickConnectId.
    if len(references) > validation.REFERENCES_MAX:
        raise InvalidParameter(f"A task has at most {validation.REFERENCES_MAX} references.", field="References")
    return TemplateApplied(name, description, references, attributes, self_assign, expires_after)


# Open tasks of an instance, counted from contact_instance_state_idx (compiled once: it runs on every task).
_OPEN_TASKS = CompiledQuery(
    lambda instance_id: Contact.objects.filter(
        instance_id=instance_id, channel=Channel.TASK, state__in=OPEN_STATES
    ).values("pk")
)
# Tasks that named a contact of this chain as their previous one (the root and transfers do not count).
_CHAIN_TASKS = CompiledQuery(
    lambda instance_id, chain_id: (
        Contact.objects.filter(instance_id=instance_id, chain_id=chain_id, channel=Channel.TASK)
        .exclude(pk=chain_id)
        .exclude(initiation_method__in=(InitiationMethod.TRANSFER, InitiationMethod.QUEUE_TRANSFER))
        .values("pk")
    )
)


def _self_assign_queue(instance: Instance, *, actor_type: str, actor) -> Queue:
    """The creating agent's own queue, for a template's SELF_ASSIGN field; only an agent can assign to themselves."""
    if actor_type != "agent" or actor is None:
        raise InvalidRequest("Only an agent creating the task in the panel can assign it to themselves (SELF_ASSIGN).")
    queue = Queue.objects.filter(instance=instance, agent_id=actor.pk).first()
    if queue is None:
        raise InvalidRequest("You have no queue of your own to assign the task to; choose who gets it.")
    return queue


def _check_quota(instance: Instance, open_tasks: int | None = None) -> None:
    """Open tasks (in flows, queued, with agents, in after-contact work) stay under the instance quota
    (`open_tasks`: counted already by the caller, in this transaction)."""
    # The operator's ceiling holds even for a quota written before it was lowered.
    quota = min(instance.active_task_quota, settings.MAX_ACTIVE_TASK_QUOTA)
    if open_tasks is None:
        open_tasks = _OPEN_TASKS.count(instance.pk)
    if open_tasks >= quota - QUOTA_LOCK_MARGIN:
        Instance.objects.select_for_update().filter(pk=instance.pk).first()
        open_tasks = _OPEN_TASKS.count(instance.pk)
    if open_tasks >= quota:
        raise QuotaExceeded(f"This instance already has {open_tasks} open tasks; its active task quota is {quota}.")


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


@dataclass(frozen=True)
class TaskRequest(RequestFields):
    """What a task creation asks for: every field is part of its ClientToken fingerprint."""

    name: str
    description: str = ""
    attributes: dict | None = None
    references: dict | None = None
    contact_flow: ContactFlow | None = field(default=None, metadata={"key": "flow"})
    quick_connect: QuickConnect | None = field(default=None, metadata={"key": "qc"})
    task_template: TaskTemplate | None = field(default=None, metadata={"key": "template"})
    previous_contact: Contact | None = field(default=None, metadata={"key": "previous"})
    related_contact: Contact | None = field(default=None, metadata={"key": "related"})
    scheduled_time: dt.datetime | None = field(default=None, metadata={"key": "scheduled"})


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
    request = TaskRequest(
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
    )
    now = timezone.now()
    client_token = validation.validate_client_token(client_token)
    return contact_create_once(
        instance_id=instance.id,
        operation="StartTaskContact",
        token=client_token,
        # The request's fingerprint is kept with its ClientToken; without a token there is nothing to compare.
        fingerprint=client_token and request.fingerprint(),
        mismatch="ClientToken was already used with a different request "
        "(name, description, attributes, references, flow or schedule differ).",
        now=now,
        durable=True,  # an entry point: its transaction is its own
        create=lambda: _task_create(
            instance=instance,
            request=request,
            initiation_method=initiation_method,
            client_token=client_token,
            actor_type=actor_type,
            actor=actor,
            now=now,
        ),
    )


def task_create(
    *,
    instance: Instance,
    initiation_method: str,
    actor_type: str,
    actor=None,
    references_max: int = validation.REFERENCES_MAX,
    **fields,
) -> Contact:
    """Create a task inside the caller's transaction (a flow's Create task block, in its run's transaction, a
    rule's CREATE_TASK, which holds up to validation.RULE_TASK_REFERENCES_MAX references): no ClientToken, so
    nothing to look up."""
    return _task_create(
        instance=instance,
        request=TaskRequest(**fields),
        initiation_method=initiation_method,
        client_token="",
        actor_type=actor_type,
        actor=actor,
        now=timezone.now(),
        references_max=references_max,
    )


def _task_create(
    *,
    instance: Instance,
    request: TaskRequest,
    initiation_method,
    client_token,
    actor_type,
    actor,
    now,
    references_max: int = validation.REFERENCES_MAX,
) -> Contact:
    name, description = request.name, request.description
    attributes, references = request.attributes, request.references
    contact_flow, quick_connect, task_template = request.contact_flow, request.quick_connect, request.task_template
    previous_contact, related_contact = request.previous_contact, request.related_contact
    scheduled_time = request.scheduled_time
    transaction_required("Creating a task")
    if previous_contact is not None and related_contact is not None:
        raise InvalidRequest("Give PreviousContactId or RelatedContactId, not both.")
    flow = _resolve_flow(contact_flow=contact_flow, quick_connect=quick_connect, task_template=task_template)
    attributes = validation.validate_attributes(attributes)
    references = validation.validate_references(references, limit=references_max)
    description = validation.validate_description(description)
    self_assign, expires_after = False, validation.TASK_MAX_DURATION
    if task_template is not None:
        applied = _template_apply(
            task_template, name=name, description=description, references=references, attributes=attributes
        )
        name, description, references, attributes = (
            applied.name,
            applied.description,
            applied.references,
            applied.attributes,
        )
        self_assign, expires_after = applied.self_assign, applied.expires_after or expires_after
    own_queue = None
    if self_assign:
        own_queue = _self_assign_queue(instance, actor_type=actor_type, actor=actor)
        # As choosing yourself under "Assign to": the agent's own quick connect's flow takes the task to them.
        own = QuickConnect.objects.filter(instance=instance, type=QuickConnect.Type.USER, user_id=actor.pk).first()
        if own is not None and own.flow is not None:
            flow = _resolve_flow(contact_flow=None, quick_connect=own, task_template=None)
    name = validation.validate_name(name)
    description = validation.validate_description(description)
    scheduled_time = validation.validate_scheduled_time(scheduled_time, now=now)
    for other in (contact_flow, quick_connect, task_template, previous_contact, related_contact):
        if other is not None and other.instance_id != instance.id:
            raise ResourceNotFound("A referenced resource was not found in this instance.")
    chain_id, in_chain = "", 0
    if previous_contact is not None:
        chain_id = previous_contact.chain_id or previous_contact.id
        # Seed 003: "12 task contacts can be created that share the same PreviousContactId" — the tasks that
        # named a previous contact count; the root (of any channel) and transfers of chained tasks do not.
        # Both counts in one round trip.
        open_tasks, in_chain = fetch_together(
            (_OPEN_TASKS, "count", (instance.pk,)), (_CHAIN_TASKS, "count", (instance.id, chain_id))
        )
        _check_quota(instance, open_tasks)
    else:
        _check_quota(instance)

    linked = previous_contact or related_contact
    if linked is not None:
        # The new task starts with a copy of the linked contact's attributes; its own override them.
        attributes = {**linked.attributes, **attributes}
        validation.validate_attributes(attributes)
    if previous_contact is not None:
        if in_chain >= validation.PREVIOUS_CONTACT_CHAIN_MAX:
            raise QuotaExceeded(
                f"There are already {validation.PREVIOUS_CONTACT_CHAIN_MAX} tasks referencing the same "
                "PreviousContactId."
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
    if own_queue is not None:
        # SELF_ASSIGN: the task's working queue is the creating agent's own; the flow transfers it there.
        contact.queue = own_queue
    # A new task is its own initial contact (transfers keep the original's).
    contact.initial_contact_id = contact.id
    # The row, its events and timers are written once, after the flow's first run (ccp.held_writes).
    with contact_writes_held(contact, insert=True):
        contact_record_event(
            contact=contact,
            event="CREATED",
            actor_type=actor_type,
            actor=actor,
            to_state=contact.state,
            detail={"initiation_method": initiation_method, "flow_id": flow.id},
        )
        # Amazon Connect ends a task 7 days after it was initiated, or sooner when its template's
        # EXPIRY_DURATION says so.
        timer_schedule(instance=instance, kind=TimerKind.EXPIRY, due_at=now + expires_after, contact=contact)
        if scheduled_time:
            timer_schedule(instance=instance, kind=TimerKind.SCHEDULED_START, due_at=scheduled_time, contact=contact)
        else:
            contact_run_flow(contact=contact, flow=flow, actor_type=actor_type)
    return contact


def task_scheduled_start(*, contact: Contact) -> None:
    """A scheduled task's time has come: run its flow. A step of the worker's timer firing, which owns the
    transaction."""
    transaction_required("A scheduled start")
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
    with entry_transaction():
        contact = _scheduled_own(contact_id=contact_id, user=user)
        contact_stop(contact=contact, actor_type="agent", actor=user, reason=DisconnectReason.AGENT_DISCONNECT)
        agent_refresh(user_id=user.id, reason="scheduled-cancelled", contact_id=contact.id)


def task_scheduled_move(*, contact_id: str, user, scheduled_time: dt.datetime) -> None:
    """The agent moves a task they scheduled to another time (UpdateContactSchedule)."""
    with entry_transaction():
        contact = _scheduled_own(contact_id=contact_id, user=user)
        contact_reschedule(contact=contact, scheduled_time=scheduled_time, actor_type="agent", actor=user)
        agent_refresh(user_id=user.id, reason="rescheduled", contact_id=contact.id)


def _scheduled_own(*, contact_id: str, user) -> Contact:
    """Lock a task this user scheduled that has not started; anything else (someone else's task, one that
    started or was cancelled) is refused the same way."""
    contact = scheduled_by(user).select_for_update(of=("self",)).filter(pk=contact_id).first()
    if contact is None:
        raise InvalidRequest("This task is no longer waiting for its scheduled time; the panel has been refreshed.")
    return contact
