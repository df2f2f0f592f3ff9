"""Quick connects: an agent, a queue or a phone number agents can transfer to."""

from ccp.errors import InvalidParameter
from ccp.models import ContactFlow, Instance, Queue, QuickConnect, User
from ccp.services.audit import audit_created, audit_deleted, audit_updated
from ccp.services.configuration.base import delete_or_refuse, name_check, same_instance
from ccp.services.configuration.quotas import QUICK_CONNECTS_PER_INSTANCE, quota_check
from ccp.services.configuration.tags import tags_check
from ccp.services.transactions import entry_transaction

# What an audit entry records of a quick connect.
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


def _snapshot(quick_connect: QuickConnect) -> dict:
    return {
        "name": quick_connect.name,
        "description": quick_connect.description,
        "type": quick_connect.type,
        "user": quick_connect.user_id,
        "queue": quick_connect.queue_id,
        "phone_number": quick_connect.phone_number,
        "flow": quick_connect.flow_id,
    }


def quick_connect_settings(quick_connect: QuickConnect) -> dict:
    """The current settings as `quick_connect_update` arguments, for a change of some of them."""
    return {
        "name": quick_connect.name,
        "description": quick_connect.description,
        "type": quick_connect.type,
        "user": quick_connect.user,
        "queue": quick_connect.queue,
        "phone_number": quick_connect.phone_number,
        "flow": quick_connect.flow,
    }


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
    tags: dict | None = None,
    actor=None,
    actor_label: str = "",
) -> QuickConnect:
    """A quick connect; only the target its type names is kept."""
    return _quick_connect_write(
        QuickConnect(instance=instance, tags=tags_check(tags)),
        fields=_fields(**locals()),
        actor=actor,
        actor_label=actor_label,
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
    actor=None,
    actor_label: str = "",
) -> QuickConnect:
    """Change a quick connect; only the target its type names is kept."""
    return _quick_connect_write(quick_connect, fields=_fields(**locals()), actor=actor, actor_label=actor_label)


FIELDS = ("name", "type", "description", "user", "queue", "phone_number", "flow")


def _fields(**arguments) -> dict:
    """The quick connect's fields among a service's arguments."""
    return {field: arguments[field] for field in FIELDS}


def _quick_connect_write(quick_connect: QuickConnect, *, fields: dict, actor, actor_label: str) -> QuickConnect:
    """Check and save a new or existing quick connect: a name unique in the instance, the one target its type
    names (the others cleared), and at most QUICK_CONNECTS_PER_INSTANCE of them."""
    instance_id = quick_connect.instance_id
    creating = quick_connect._state.adding
    with entry_transaction():
        # From the database: a console form has already put the new values on `quick_connect`.
        before = {} if creating else _snapshot(QuickConnect.objects.get(pk=quick_connect.pk))
        quick_connect.name = name_check(
            QuickConnect, instance_id=instance_id, name=fields["name"], exclude_pk=quick_connect.pk
        )
        target = _target(
            instance_id=instance_id,
            type=fields["type"],
            user=fields["user"],
            queue=fields["queue"],
            phone_number=fields["phone_number"],
            flow=fields["flow"],
        )
        if creating:
            quota_check(
                QuickConnect.objects.filter(instance_id=instance_id),
                limit=QUICK_CONNECTS_PER_INSTANCE,
                what="quick connects in an instance",
            )
        quick_connect.description, quick_connect.type, quick_connect.flow = (
            fields["description"],
            fields["type"],
            fields["flow"],
        )
        for field, value in target.items():
            setattr(quick_connect, field, value)
        quick_connect.save()
        after = _snapshot(quick_connect)
        if creating:
            audit_created(
                quick_connect, resource_type="quick_connect", after=after, actor=actor, actor_label=actor_label
            )
        else:
            audit_updated(
                quick_connect, before, resource_type="quick_connect", after=after, actor=actor, actor_label=actor_label
            )
    return quick_connect


def quick_connect_delete(*, quick_connect: QuickConnect, actor=None, actor_label: str = "") -> None:
    """Delete a quick connect; queues stop showing it."""
    with entry_transaction():
        audit_deleted(
            quick_connect, _snapshot(quick_connect), resource_type="quick_connect", actor=actor, actor_label=actor_label
        )
        delete_or_refuse(quick_connect)
