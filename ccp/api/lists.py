"""Handlers for the read-only lists: queues, quick connects, routing profiles, users."""

from ccp.api.paging import page
from ccp.models import Queue, QuickConnect, RoutingProfile, User


def _paged(queryset, params) -> tuple[list, str | None]:
    return page(queryset, next_token=params.get("NextToken"), max_results=params.get("MaxResults"))


def list_queues(*, instance, params) -> dict:
    """ListQueues, optionally by type (STANDARD, AGENT)."""
    queryset = Queue.objects.filter(instance=instance).order_by("name", "id")
    if params.get("QueueTypes"):
        queryset = queryset.filter(queue_type__in=params["QueueTypes"])
    rows, token = _paged(queryset, params)
    items = [
        {"Id": q.id, "Arn": f"{instance.arn}/queue/{q.id}", "Name": q.name, "QueueType": q.queue_type} for q in rows
    ]
    return {"QueueSummaryList": items, "NextToken": token}


def list_quick_connects(*, instance, params) -> dict:
    """ListQuickConnects, optionally by type (USER, QUEUE, PHONE_NUMBER)."""
    queryset = QuickConnect.objects.filter(instance=instance).order_by("name", "id")
    if params.get("QuickConnectTypes"):
        queryset = queryset.filter(type__in=params["QuickConnectTypes"])
    rows, token = _paged(queryset, params)
    items = [
        {"Id": q.id, "Arn": f"{instance.arn}/transfer-destination/{q.id}", "Name": q.name, "QuickConnectType": q.type}
        for q in rows
    ]
    return {"QuickConnectSummaryList": items, "NextToken": token}


def list_routing_profiles(*, instance, params) -> dict:
    """ListRoutingProfiles."""
    rows, token = _paged(RoutingProfile.objects.filter(instance=instance).order_by("name", "id"), params)
    items = [{"Id": r.id, "Arn": f"{instance.arn}/routing-profile/{r.id}", "Name": r.name} for r in rows]
    return {"RoutingProfileSummaryList": items, "NextToken": token}


def list_users(*, instance, params) -> dict:
    """ListUsers."""
    rows, token = _paged(User.objects.filter(instance=instance).order_by("username", "id"), params)
    items = [{"Id": u.id, "Arn": f"{instance.arn}/agent/{u.id}", "Username": u.username} for u in rows]
    return {"UserSummaryList": items, "NextToken": token}
