"""Standard queues: create, change, delete."""

from collections.abc import Iterable

from django.db.models import Q

from ccp.errors import InvalidParameter, InvalidRequest
from ccp.models import HoursOfOperation, Instance, Queue, QuickConnect, RoutingProfile
from ccp.services.audit import audit_created, audit_deleted, audit_snapshot, audit_snapshot_saved, audit_updated
from ccp.services.configuration.base import (
    delete_or_refuse,
    name_check,
    open_contacts_blocking,
    refuse_while_used,
    rows_blocking,
    same_instance,
)
from ccp.services.transactions import entry_transaction

# What an audit entry records of a queue.
AUDITED = ("name", "description", "hours", "max_contacts", "quick_connects")


def _check(*, instance_id: str, hours, max_contacts, quick_connects) -> list[QuickConnect]:
    same_instance(hours, instance_id=instance_id, field="hours")
    if max_contacts is not None and max_contacts < 0:
        raise InvalidParameter("The maximum can't be negative.", field="max_contacts")
    quick_connects = list(quick_connects)
    for quick_connect in quick_connects:
        same_instance(quick_connect, instance_id=instance_id, field="quick_connects")
    return quick_connects


def queue_create(
    *,
    instance: Instance,
    name: str,
    description: str = "",
    hours: HoursOfOperation | None = None,
    max_contacts: int | None = None,
    quick_connects: Iterable[QuickConnect] = (),
) -> Queue:
    """A standard queue; `max_contacts` None means no limit."""
    with entry_transaction():
        name = name_check(Queue, instance_id=instance.pk, name=name)
        quick_connects = _check(
            instance_id=instance.pk, hours=hours, max_contacts=max_contacts, quick_connects=quick_connects
        )
        queue = Queue.objects.create(
            instance=instance, name=name, description=description, hours=hours, max_contacts=max_contacts
        )
        queue.quick_connects.set(quick_connects)
        audit_created(queue, resource_type="queue", fields=AUDITED)
    return queue


def queue_update(
    *,
    queue: Queue,
    name: str,
    description: str = "",
    hours: HoursOfOperation | None = None,
    max_contacts: int | None = None,
    quick_connects: Iterable[QuickConnect] = (),
) -> Queue:
    """Change a standard queue's name, description, hours, capacity and quick connects."""
    if queue.queue_type != Queue.Type.STANDARD:
        raise InvalidRequest("An agent's personal queue can't be edited.")
    with entry_transaction():
        before = audit_snapshot_saved(queue, AUDITED)
        queue.name = name_check(Queue, instance_id=queue.instance_id, name=name, exclude_pk=queue.pk)
        quick_connects = _check(
            instance_id=queue.instance_id, hours=hours, max_contacts=max_contacts, quick_connects=quick_connects
        )
        queue.description, queue.hours, queue.max_contacts = description, hours, max_contacts
        queue.save()
        queue.quick_connects.set(quick_connects)
        audit_updated(queue, before, resource_type="queue", fields=AUDITED)
    return queue


def queue_delete(*, queue: Queue) -> None:
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
        before, queue_id = audit_snapshot(queue, AUDITED), queue.pk
        delete_or_refuse(queue)
        audit_deleted(queue, before, resource_type="queue", resource_id=queue_id)
