"""Quick connects: an agent, a queue or a phone number agents can transfer to."""

from ccp.errors import InvalidParameter
from ccp.models import ContactFlow, Instance, Queue, QuickConnect, User
from ccp.services.audit import audit_created, audit_deleted, audit_snapshot, audit_snapshot_saved, audit_updated
from ccp.services.configuration.base import delete_or_refuse, name_check, same_instance
from ccp.services.transactions import entry_transaction

# What an audit entry records of a quick connect.
AUDITED = ("name", "description", "type", "user", "queue", "phone_number", "flow")
TARGET_FIELD = {
    QuickConnect.Type.USER: "user",
    QuickConnect.Type.QUEUE: "queue",
    QuickConnect.Type.PHONE_NUMBER: "phone_number",
}


def _target(*, instance_id: str, type: str, user, queue, phone_number: str, flow) -> dict:
    """The target fields for `type`: exactly the one that matches it (the model's check constraint)."""
    if type not in TARGET_FIELD:
        raise InvalidParameter(f"{type!r} is not a quick connect type.", field="type")
    same_instance(user, instance_id=instance_id, field="user")
    same_instance(queue, instance_id=instance_id, field="queue")
    same_instance(flow, instance_id=instance_id, field="flow")
    target = {"user": None, "queue": None, "phone_number": ""}
    field = TARGET_FIELD[type]
    value = {"user": user, "queue": queue, "phone_number": (phone_number or "").strip()}[field]
    if not value:
        raise InvalidParameter("Required for this type of quick connect.", field=field)
    target[field] = value
    return target


def quick_connect_create(
    *,
    instance: Instance,
    name: str,
    type: str,
    description: str = "",
    user: User | None = None,
    queue: Queue | None = None,
    phone_number: str = "",
    flow: ContactFlow | None = None,
) -> QuickConnect:
    """A quick connect; only the target its type names is kept."""
    with entry_transaction():
        name = name_check(QuickConnect, instance_id=instance.pk, name=name)
        target = _target(
            instance_id=instance.pk, type=type, user=user, queue=queue, phone_number=phone_number, flow=flow
        )
        quick_connect = QuickConnect.objects.create(
            instance=instance, name=name, description=description, type=type, flow=flow, **target
        )
        audit_created(quick_connect, resource_type="quick_connect", fields=AUDITED)
    return quick_connect


def quick_connect_update(
    *,
    quick_connect: QuickConnect,
    name: str,
    type: str,
    description: str = "",
    user: User | None = None,
    queue: Queue | None = None,
    phone_number: str = "",
    flow: ContactFlow | None = None,
) -> QuickConnect:
    """Change a quick connect; only the target its type names is kept."""
    with entry_transaction():
        before = audit_snapshot_saved(quick_connect, AUDITED)
        instance_id = quick_connect.instance_id
        quick_connect.name = name_check(QuickConnect, instance_id=instance_id, name=name, exclude_pk=quick_connect.pk)
        target = _target(
            instance_id=instance_id, type=type, user=user, queue=queue, phone_number=phone_number, flow=flow
        )
        quick_connect.description, quick_connect.type, quick_connect.flow = description, type, flow
        for field, value in target.items():
            setattr(quick_connect, field, value)
        quick_connect.save()
        audit_updated(quick_connect, before, resource_type="quick_connect", fields=AUDITED)
    return quick_connect


def quick_connect_delete(*, quick_connect: QuickConnect) -> None:
    """Delete a quick connect; queues stop showing it."""
    with entry_transaction():
        before, quick_connect_id = audit_snapshot(quick_connect, AUDITED), quick_connect.pk
        delete_or_refuse(quick_connect)
        audit_deleted(quick_connect, before, resource_type="quick_connect", resource_id=quick_connect_id)
