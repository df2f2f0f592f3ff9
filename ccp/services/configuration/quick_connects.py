"""Quick connects: an agent, a queue or a phone number agents can transfer to."""

from ccp.errors import InvalidParameter
from ccp.models import ContactFlow, Instance, Queue, QuickConnect, User
from ccp.services.configuration.base import delete_or_refuse, name_check, same_instance
from ccp.services.transactions import entry_transaction

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
        return QuickConnect.objects.create(
            instance=instance, name=name, description=description, type=type, flow=flow, **target
        )


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
        instance_id = quick_connect.instance_id
        quick_connect.name = name_check(QuickConnect, instance_id=instance_id, name=name, exclude_pk=quick_connect.pk)
        target = _target(
            instance_id=instance_id, type=type, user=user, queue=queue, phone_number=phone_number, flow=flow
        )
        quick_connect.description, quick_connect.type, quick_connect.flow = description, type, flow
        for field, value in target.items():
            setattr(quick_connect, field, value)
        quick_connect.save()
    return quick_connect


def quick_connect_delete(*, quick_connect: QuickConnect) -> None:
    """Delete a quick connect; queues stop showing it."""
    with entry_transaction():
        delete_or_refuse(quick_connect)
