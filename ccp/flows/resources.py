"""Queue, flow, hours and agent identifiers, accepted as ids or ARNs, turned into rows of one instance.

ARN forms: arn:aws:connect:REGION:ACCOUNT:instance/INSTANCE_ID/queue/QUEUE_ID (and
.../contact-flow/FLOW_ID, .../operating-hours/HOURS_ID, .../agent/USER_ID). An ARN of another
instance, or an id that names nothing (such as an export's "**Enter a valid queue ARN**"), is a
resource that does not exist.
"""

from ccp.compiled import row_in_instance
from ccp.models import ContactFlow, HoursOfOperation, Queue, User


class ResourceMissing(Exception):
    """The identifier names nothing in this instance; the block takes its error branch."""


def resource_id(value: str, *, kind: str, instance_id: str) -> str:
    """The bare id from an id or an ARN of the given kind; "" when the ARN is of another kind or instance."""
    value = (value or "").strip()
    if not value.startswith("arn:"):
        return value
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[2] != "connect":
        return ""
    path = parts[5].split("/")
    # instance/INSTANCE_ID/KIND/ID
    if len(path) != 4 or path[0] != "instance" or path[2] != kind:
        return ""
    if path[1] != instance_id:
        return ""
    return path[3]


def queue_find(instance, value: str) -> Queue:
    """The queue an id or queue ARN names."""
    queue_id = resource_id(str(value or ""), kind="queue", instance_id=instance.id)
    queue = row_in_instance(Queue, instance_id=instance.id, pk=queue_id) if queue_id else None
    if queue is None:
        raise ResourceMissing(f"No queue {value!r} in this instance.")
    return queue


def agent_queue_find(instance, value: str) -> Queue:
    """The personal queue of the agent an id or agent ARN names."""
    user_id = resource_id(str(value or ""), kind="agent", instance_id=instance.id)
    user = row_in_instance(User, instance_id=instance.id, pk=user_id) if user_id else None
    if user is None:
        raise ResourceMissing(f"No agent {value!r} in this instance.")
    queue = Queue.objects.filter(agent=user).first()
    if queue is None:
        raise ResourceMissing(f"Agent {user.username} has no personal queue.")
    return queue


def flow_find(instance, value: str) -> ContactFlow:
    """The flow an id or contact-flow ARN names."""
    flow_id = resource_id(str(value or ""), kind="contact-flow", instance_id=instance.id)
    flow = row_in_instance(ContactFlow, instance_id=instance.id, pk=flow_id) if flow_id else None
    if flow is None:
        raise ResourceMissing(f"No flow {value!r} in this instance.")
    return flow


def hours_find(instance, value: str) -> HoursOfOperation:
    """The hours of operation an id or operating-hours ARN names."""
    hours_id = resource_id(str(value or ""), kind="operating-hours", instance_id=instance.id)
    hours = row_in_instance(HoursOfOperation, instance_id=instance.id, pk=hours_id) if hours_id else None
    if hours is None:
        raise ResourceMissing(f"No hours of operation {value!r} in this instance.")
    return hours
