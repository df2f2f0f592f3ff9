"""Handlers for the queue operations. Each change is `queue_create` / `queue_update`, the console's own writes:
a partial update passes the queue's other settings unchanged (`queue_settings`)."""

from django.db.models import Q

from ccp.api.config_render import arn, audited, queue_render, quick_connect_summary
from ccp.api.config_search import search
from ccp.api.contacts import instance_get
from ccp.api.paging import page
from ccp.errors import InvalidParameter
from ccp.models import HoursOfOperation, Queue, QuickConnect
from ccp.services.configuration.queues import queue_create, queue_settings, queue_update


def _queue(instance, params) -> Queue:
    return instance_get(Queue, instance=instance, pk=params["QueueId"], label="Queue")


def _quick_connects(instance, ids) -> list[QuickConnect]:
    return [instance_get(QuickConnect, instance=instance, pk=pk, label="Quick connect") for pk in ids or []]


def _no_email(params) -> None:
    if params.get("OutboundEmailConfig") or params.get("EmailAddressesConfig"):
        raise InvalidParameter("Email is not a channel of this server.", field="OutboundEmailConfig")


@audited
def create_queue(*, instance, params, actor_label: str) -> dict:
    """CreateQueue: PUT /queues/{InstanceId}."""
    _no_email(params)
    queue = queue_create(
        instance=instance,
        name=params["Name"],
        description=params.get("Description", ""),
        hours=instance_get(HoursOfOperation, instance=instance, pk=params["HoursOfOperationId"], label="Hours"),
        max_contacts=params.get("MaxContacts"),
        quick_connects=_quick_connects(instance, params.get("QuickConnectIds")),
        outbound_caller_config=params.get("OutboundCallerConfig"),
        tags=params.get("Tags"),
        actor_label=actor_label,
    )
    return {"QueueArn": arn(instance, queue), "QueueId": queue.pk}


def describe_queue(*, instance, params) -> dict:
    """DescribeQueue."""
    return {"Queue": queue_render(instance, _queue(instance, params))}


def _update(instance, params, actor_label: str, **changes) -> dict:
    queue = _queue(instance, params)
    queue_update(queue=queue, **{**queue_settings(queue), **changes}, actor_label=actor_label)
    return {}


@audited
def update_queue_name(*, instance, params, actor_label: str) -> dict:
    """UpdateQueueName: the name, the description, or both."""
    changes = {
        key: params[member] for key, member in (("name", "Name"), ("description", "Description")) if member in params
    }
    return _update(instance, params, actor_label, **changes)


@audited
def update_queue_hours_of_operation(*, instance, params, actor_label: str) -> dict:
    """UpdateQueueHoursOfOperation."""
    hours = instance_get(HoursOfOperation, instance=instance, pk=params["HoursOfOperationId"], label="Hours")
    return _update(instance, params, actor_label, hours=hours)


@audited
def update_queue_max_contacts(*, instance, params, actor_label: str) -> dict:
    """UpdateQueueMaxContacts: no MaxContacts means no limit."""
    return _update(instance, params, actor_label, max_contacts=params.get("MaxContacts"))


@audited
def update_queue_status(*, instance, params, actor_label: str) -> dict:
    """UpdateQueueStatus: ENABLED or DISABLED."""
    return _update(instance, params, actor_label, status=params["Status"])


@audited
def update_queue_outbound_caller_config(*, instance, params, actor_label: str) -> dict:
    """UpdateQueueOutboundCallerConfig: stored and described."""
    return _update(instance, params, actor_label, outbound_caller_config=params["OutboundCallerConfig"])


@audited
def associate_queue_quick_connects(*, instance, params, actor_label: str) -> dict:
    """AssociateQueueQuickConnects: added to those the queue shows (at most QUICK_CONNECTS_PER_QUEUE)."""
    queue = _queue(instance, params)
    settings = queue_settings(queue)
    added = _quick_connects(instance, params["QuickConnectIds"])
    settings["quick_connects"] = list(dict.fromkeys(settings["quick_connects"] + added))
    queue_update(queue=queue, **settings, actor_label=actor_label)
    return {}


@audited
def disassociate_queue_quick_connects(*, instance, params, actor_label: str) -> dict:
    """DisassociateQueueQuickConnects: ids the queue does not show are ignored."""
    queue = _queue(instance, params)
    settings = queue_settings(queue)
    removed = set(params["QuickConnectIds"])
    settings["quick_connects"] = [qc for qc in settings["quick_connects"] if qc.pk not in removed]
    queue_update(queue=queue, **settings, actor_label=actor_label)
    return {}


def list_queue_quick_connects(*, instance, params) -> dict:
    """ListQueueQuickConnects."""
    queue = _queue(instance, params)
    rows, token = page(
        queue.quick_connects.order_by("name", "pk"),
        next_token=params.get("NextToken"),
        max_results=params.get("MaxResults"),
    )
    return {"QuickConnectSummaryList": [quick_connect_summary(instance, qc) for qc in rows], "NextToken": token}


def _queue_type(criteria: dict) -> Q:
    kind = criteria.get("QueueTypeCondition")
    return Q(queue_type=kind) if kind else Q()


def search_queues(*, instance, params) -> dict:
    """SearchQueues."""
    rows, token, total = search(
        Queue.objects.filter(instance=instance).prefetch_related("quick_connects"), params, extra=_queue_type
    )
    return {
        "Queues": [queue_render(instance, queue) for queue in rows],
        "NextToken": token,
        "ApproximateTotalCount": total,
    }
