"""Standard queues: create, change, delete. The console's form and every queue operation of the API call
`queue_create` / `queue_update` (the API's partial updates pass the queue's other settings unchanged, from
`queue_settings`)."""

from collections.abc import Iterable

from django.db.models import Q

from ccp.errors import InvalidParameter, InvalidRequest, LimitExceeded
from ccp.models import ContactFlow, HoursOfOperation, Instance, Queue, QuickConnect, RoutingProfile
from ccp.services.audit import audit_created, audit_deleted, audit_updated
from ccp.services.configuration.base import (
    delete_or_refuse,
    name_check,
    open_contacts_blocking,
    refuse_while_used,
    rows_blocking,
    same_instance,
)
from ccp.services.configuration.quotas import QUEUES_PER_INSTANCE, QUICK_CONNECTS_PER_QUEUE, quota_check
from ccp.services.configuration.tags import tags_check
from ccp.services.transactions import entry_transaction

OUTBOUND_CALLER_KEYS = ("OutboundCallerIdName", "OutboundCallerIdNumberId", "OutboundFlowId")


def _outbound_check(*, instance_id: str, config: dict | None) -> dict:
    """Amazon Connect's OutboundCallerConfig, stored as given (tasks place no calls); its flow must be one of
    the instance's."""
    config = {k: v for k, v in (config or {}).items() if k in OUTBOUND_CALLER_KEYS and v not in (None, "")}
    for key, value in config.items():
        if not isinstance(value, str) or len(value) > 500:
            raise InvalidParameter(f"{key} is text of at most 500 characters.", field="outbound_caller_config")
    flow_id = config.get("OutboundFlowId")
    if flow_id and not ContactFlow.objects.filter(instance_id=instance_id, pk=flow_id).exists():
        raise InvalidParameter(f"Flow {flow_id[:100]!r} is not in this instance.", field="outbound_caller_config")
    return config


def _check(*, instance_id: str, hours, max_contacts, quick_connects, status) -> list[QuickConnect]:
    same_instance(hours, instance_id=instance_id, field="hours")
    if max_contacts is not None and max_contacts < 0:
        raise InvalidParameter("The maximum can't be negative.", field="max_contacts")
    if status not in Queue.Status.values:
        raise InvalidParameter(f"{status!r} is not a queue status (ENABLED, DISABLED).", field="status")
    quick_connects = list(dict.fromkeys(quick_connects))
    for quick_connect in quick_connects:
        same_instance(quick_connect, instance_id=instance_id, field="quick_connects")
    if len(quick_connects) > QUICK_CONNECTS_PER_QUEUE:
        raise LimitExceeded(f"A queue shows at most {QUICK_CONNECTS_PER_QUEUE:,} quick connects.")
    return quick_connects


def _snapshot(queue: Queue) -> dict:
    """What the audit log records of a queue."""
    return {
        "name": queue.name,
        "description": queue.description,
        "hours": queue.hours_id,
        "max_contacts": queue.max_contacts,
        "status": queue.status,
        "outbound_caller_config": queue.outbound_caller_config,
        "quick_connects": sorted(queue.quick_connects.values_list("pk", flat=True)) if queue.pk else [],
    }


def queue_settings(queue: Queue) -> dict:
    """The queue's current settings as `queue_update` arguments, for a change of some of them."""
    return {
        "name": queue.name,
        "description": queue.description,
        "hours": queue.hours,
        "max_contacts": queue.max_contacts,
        "quick_connects": list(queue.quick_connects.all()),
        "status": queue.status,
        "outbound_caller_config": queue.outbound_caller_config,
    }


def queue_create(
    *,
    instance: Instance,
    name: str,
    description: str = "",
    hours: HoursOfOperation | None = None,
    max_contacts: int | None = None,
    quick_connects: Iterable[QuickConnect] = (),
    status: str = Queue.Status.ENABLED,
    outbound_caller_config: dict | None = None,
    tags: dict | None = None,
    actor=None,
    actor_label: str = "",
) -> Queue:
    """A standard queue; `max_contacts` None means no limit. At most QUEUES_PER_INSTANCE (agents' queues too, as
    Amazon Connect counts them)."""
    with entry_transaction():
        name = name_check(Queue, instance_id=instance.pk, name=name)
        quick_connects = _check(
            instance_id=instance.pk,
            hours=hours,
            max_contacts=max_contacts,
            quick_connects=quick_connects,
            status=status,
        )
        outbound = _outbound_check(instance_id=instance.pk, config=outbound_caller_config)
        tags = tags_check(tags)
        quota_check(Queue.objects.filter(instance=instance), limit=QUEUES_PER_INSTANCE, what="queues in an instance")
        queue = Queue.objects.create(
            instance=instance,
            name=name,
            description=description,
            hours=hours,
            max_contacts=max_contacts,
            status=status,
            outbound_caller_config=outbound,
            tags=tags,
        )
        queue.quick_connects.set(quick_connects)
        audit_created(queue, resource_type="queue", after=_snapshot(queue), actor=actor, actor_label=actor_label)
    return queue


def queue_update(
    *,
    queue: Queue,
    name: str,
    description: str = "",
    hours: HoursOfOperation | None = None,
    max_contacts: int | None = None,
    quick_connects: Iterable[QuickConnect] = (),
    status: str | None = None,
    outbound_caller_config: dict | None = None,
    actor=None,
    actor_label: str = "",
) -> Queue:
    """Change a standard queue's name, description, hours, capacity and quick connects; `status` and
    `outbound_caller_config` None keep what the queue has (the console's form does not show them)."""
    if queue.queue_type != Queue.Type.STANDARD:
        raise InvalidRequest("An agent's personal queue can't be edited.")
    with entry_transaction():
        # From the database: a console form has already put the new values on `queue`.
        before = _snapshot(Queue.objects.get(pk=queue.pk))
        status = queue.status if status is None else status
        queue.name = name_check(Queue, instance_id=queue.instance_id, name=name, exclude_pk=queue.pk)
        quick_connects = _check(
            instance_id=queue.instance_id,
            hours=hours,
            max_contacts=max_contacts,
            quick_connects=quick_connects,
            status=status,
        )
        if outbound_caller_config is not None:
            queue.outbound_caller_config = _outbound_check(instance_id=queue.instance_id, config=outbound_caller_config)
        queue.description, queue.hours, queue.max_contacts, queue.status = description, hours, max_contacts, status
        queue.save()
        queue.quick_connects.set(quick_connects)
        audit_updated(
            queue, before, resource_type="queue", after=_snapshot(queue), actor=actor, actor_label=actor_label
        )
    return queue


def queue_delete(*, queue: Queue, actor=None, actor_label: str = "") -> None:
    """Delete a standard queue; refused (ResourceInUse, naming them) while open contacts are in it, a routing
    profile serves it or sends outbound work to it, or a quick connect transfers to it."""
    if queue.queue_type != Queue.Type.STANDARD:
        raise InvalidRequest("An agent's personal queue goes with its agent.")
    with entry_transaction():
        profiles = RoutingProfile.objects.filter(Q(queue_configs__queue=queue) | Q(default_outbound_queue=queue))
        refuse_while_used(
            queue,
            open_contacts_blocking(Q(queue=queue))
            + rows_blocking("Routing profile", profiles.distinct())
            + rows_blocking("Quick connect", QuickConnect.objects.filter(queue=queue)),
        )
        # Recorded first: the row's id is gone once deleted, and a refused delete rolls the entry back with it.
        audit_deleted(queue, _snapshot(queue), resource_type="queue", actor=actor, actor_label=actor_label)
        delete_or_refuse(queue)
