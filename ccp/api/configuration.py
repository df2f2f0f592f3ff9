"""Handlers that delete configuration: DeleteContactFlow, DeleteQueue, DeleteUser. Each is refused with
ResourceInUseException (409, naming what still uses the row) while open contacts or other configuration use it."""

from ccp.api.contacts import instance_get
from ccp.errors import InvalidRequest
from ccp.models import ContactFlow, Queue, User
from ccp.services.configuration.flows import flow_delete
from ccp.services.configuration.queues import queue_delete
from ccp.services.configuration.users import user_delete


def delete_contact_flow(*, instance, params) -> dict:
    """DeleteContactFlow."""
    flow_delete(flow=instance_get(ContactFlow, instance=instance, pk=params["ContactFlowId"], label="Flow"))
    return {}


def delete_queue(*, instance, params) -> dict:
    """DeleteQueue: standard queues only (an agent's queue goes with its agent)."""
    queue = instance_get(Queue, instance=instance, pk=params["QueueId"], label="Queue")
    if queue.queue_type != Queue.Type.STANDARD:
        raise InvalidRequest("An agent's personal queue goes with its agent.")
    queue_delete(queue=queue)
    return {}


def delete_user(*, instance, params) -> dict:
    """DeleteUser."""
    user_delete(user=instance_get(User, instance=instance, pk=params["UserId"], label="User"), actor_label="API")
    return {}
