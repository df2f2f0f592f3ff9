"""Handlers for the routing profile operations. Each change goes through the console's own writes
(`routing_profile_create` / `routing_profile_update`), so it is checked, audited, and reaches the profile's
agents (their next routing decision and their panels) the moment it commits."""

from django.db.models import Count

from ccp.api.config_render import CONCURRENCY_FIELD, arn, audited, routing_profile_render
from ccp.api.config_search import search
from ccp.api.contacts import instance_get
from ccp.api.paging import page
from ccp.errors import InvalidParameter
from ccp.models import Queue, RoutingProfile, RoutingProfileQueue
from ccp.services.configuration.routing_profiles import (
    ProfileQueue,
    routing_profile_create,
    routing_profile_delete,
    routing_profile_settings,
    routing_profile_update,
)


def _profile(instance, params) -> RoutingProfile:
    return instance_get(RoutingProfile, instance=instance, pk=params["RoutingProfileId"], label="Routing profile")


def _concurrency(media: list[dict]) -> dict:
    """MediaConcurrencies as the profile's concurrency fields (only the channels given)."""
    fields = {}
    for entry in media:
        field = CONCURRENCY_FIELD.get(entry["Channel"])
        if field is None:
            raise InvalidParameter(f"{entry['Channel']} is not a channel of this server.", field="MediaConcurrencies")
        fields[field] = entry["Concurrency"]
    return fields


def _queue_configs(instance, configs: list[dict]) -> list[ProfileQueue]:
    return [
        ProfileQueue(
            queue=instance_get(Queue, instance=instance, pk=config["QueueReference"]["QueueId"], label="Queue"),
            channel=config["QueueReference"]["Channel"],
            priority=config["Priority"],
            delay_seconds=config["Delay"],
        )
        for config in configs
    ]


def _no_manual_assignment(params) -> None:
    if params.get("ManualAssignmentQueueConfigs") or params.get("ManualAssignmentQueueReferences"):
        raise InvalidParameter("Manual assignment queues are not supported here.", field="ManualAssignmentQueueConfigs")


@audited
def create_routing_profile(*, instance, params, actor_label: str) -> dict:
    """CreateRoutingProfile: channels left out of MediaConcurrencies are not handled, except tasks, which this
    server always routes (one at a time unless given)."""
    _no_manual_assignment(params)
    concurrency = {"voice_concurrency": 0, "chat_concurrency": 0, "task_concurrency": 1}
    concurrency.update(_concurrency(params["MediaConcurrencies"]))
    profile = routing_profile_create(
        instance=instance,
        name=params["Name"],
        description=params["Description"],
        default_outbound_queue=instance_get(
            Queue, instance=instance, pk=params["DefaultOutboundQueueId"], label="Queue"
        ),
        queues=_queue_configs(instance, params.get("QueueConfigs") or []),
        tags=params.get("Tags"),
        actor_label=actor_label,
        **concurrency,
    )
    return {"RoutingProfileArn": arn(instance, profile), "RoutingProfileId": profile.pk}


def _render(instance, profile) -> dict:
    queue_ids = list(
        RoutingProfileQueue.objects.filter(routing_profile=profile)
        .order_by("queue_id")
        .values_list("queue_id", flat=True)
        .distinct()
    )
    return routing_profile_render(instance, profile, queue_ids=queue_ids, user_count=profile.users.count())


def describe_routing_profile(*, instance, params) -> dict:
    """DescribeRoutingProfile."""
    return {"RoutingProfile": _render(instance, _profile(instance, params))}


def _update(instance, params, actor_label: str, change) -> dict:
    profile = _profile(instance, params)
    settings = routing_profile_settings(profile)
    change(settings)
    routing_profile_update(routing_profile=profile, **settings, actor_label=actor_label)
    return {}


@audited
def update_routing_profile_name(*, instance, params, actor_label: str) -> dict:
    """UpdateRoutingProfileName: the name, the description, or both."""

    def change(settings):
        settings["name"] = params.get("Name", settings["name"])
        settings["description"] = params.get("Description", settings["description"])

    return _update(instance, params, actor_label, change)


@audited
def update_routing_profile_concurrency(*, instance, params, actor_label: str) -> dict:
    """UpdateRoutingProfileConcurrency: the channels given change; the others keep theirs."""
    return _update(instance, params, actor_label, lambda s: s.update(_concurrency(params["MediaConcurrencies"])))


@audited
def update_routing_profile_default_outbound_queue(*, instance, params, actor_label: str) -> dict:
    """UpdateRoutingProfileDefaultOutboundQueue."""
    queue = instance_get(Queue, instance=instance, pk=params["DefaultOutboundQueueId"], label="Queue")
    return _update(instance, params, actor_label, lambda s: s.update(default_outbound_queue=queue))


def _key(entry: ProfileQueue) -> tuple[str, str]:
    return entry.queue.pk, entry.channel


@audited
def associate_routing_profile_queues(*, instance, params, actor_label: str) -> dict:
    """AssociateRoutingProfileQueues: a queue already listed for that channel is refused, as Amazon Connect does."""
    _no_manual_assignment(params)
    added = _queue_configs(instance, params.get("QueueConfigs") or [])
    return _update(instance, params, actor_label, lambda s: s.update(queues=s["queues"] + added))


@audited
def disassociate_routing_profile_queues(*, instance, params, actor_label: str) -> dict:
    """DisassociateRoutingProfileQueues: references the profile does not list are ignored."""
    _no_manual_assignment(params)
    removed = {(ref["QueueId"], ref["Channel"]) for ref in params.get("QueueReferences") or []}
    return _update(
        instance, params, actor_label, lambda s: s.update(queues=[q for q in s["queues"] if _key(q) not in removed])
    )


@audited
def update_routing_profile_queues(*, instance, params, actor_label: str) -> dict:
    """UpdateRoutingProfileQueues: new priority and delay for queues the profile lists; another queue is not found."""
    changed = {_key(entry): entry for entry in _queue_configs(instance, params["QueueConfigs"])}

    def change(settings):
        listed = {_key(entry) for entry in settings["queues"]}
        for key in changed:
            if key not in listed:
                raise InvalidParameter(
                    f"Queue {key[0]!r} is not in this routing profile for {key[1]}; associate it first.",
                    field="QueueConfigs",
                )
        settings["queues"] = [changed.get(_key(entry), entry) for entry in settings["queues"]]

    return _update(instance, params, actor_label, change)


def list_routing_profile_queues(*, instance, params) -> dict:
    """ListRoutingProfileQueues."""
    profile = _profile(instance, params)
    queryset = profile.queue_configs.select_related("queue").order_by("priority", "queue__name", "channel", "pk")
    rows, token = page(queryset, next_token=params.get("NextToken"), max_results=params.get("MaxResults"))
    summaries = [
        {
            "QueueId": row.queue_id,
            "QueueArn": arn(instance, row.queue),
            "QueueName": row.queue.name,
            "Priority": row.priority,
            "Delay": row.delay_seconds,
            "Channel": row.channel,
        }
        for row in rows
    ]
    return {"RoutingProfileQueueConfigSummaryList": summaries, "NextToken": token}


@audited
def delete_routing_profile(*, instance, params, actor_label: str) -> dict:
    """DeleteRoutingProfile: refused (ResourceInUseException, naming them) while users have it."""
    routing_profile_delete(routing_profile=_profile(instance, params), actor_label=actor_label)
    return {}


def search_routing_profiles(*, instance, params) -> dict:
    """SearchRoutingProfiles."""
    queryset = RoutingProfile.objects.filter(instance=instance).annotate(user_count=Count("users", distinct=True))
    rows, token, total = search(queryset, params)
    queue_ids: dict[str, list[str]] = {}
    for profile_id, queue_id in (
        RoutingProfileQueue.objects.filter(routing_profile__in=rows)
        .order_by("queue_id")
        .values_list("routing_profile_id", "queue_id")
    ):
        if queue_id not in queue_ids.setdefault(profile_id, []):
            queue_ids[profile_id].append(queue_id)
    profiles = [
        routing_profile_render(instance, p, queue_ids=queue_ids.get(p.pk, []), user_count=p.user_count) for p in rows
    ]
    return {"RoutingProfiles": profiles, "NextToken": token, "ApproximateTotalCount": total}
