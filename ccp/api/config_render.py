"""Configuration rows in the output shapes of botocore's Connect model (Describe, List and Search), their ARNs
as Amazon Connect forms them, and the API key's label that configuration writes record in the audit log."""

from ccp.models import Channel

# The resource segment of each configuration ARN: arn:aws:connect:<region>:<account>:instance/<id>/<kind>/<id>.
ARN_KIND = {
    "Queue": "queue",
    "RoutingProfile": "routing-profile",
    "QuickConnect": "transfer-destination",
    "HoursOfOperation": "operating-hours",
    "AgentStatus": "agent-state",
}


def arn(instance, row) -> str:
    return f"{instance.arn}/{ARN_KIND[type(row).__name__]}/{row.pk}"


def audited(handler):
    """Mark a handler that writes configuration: the dispatcher passes it `actor_label`, the API key's name in
    the audit log."""
    handler.audited = True
    return handler


def api_key_label(api_key) -> str:
    return f"API key {api_key.access_key_id}"


def queue_render(instance, queue) -> dict:
    """The `Queue` shape."""
    data = {
        "Name": queue.name,
        "QueueArn": arn(instance, queue),
        "QueueId": queue.pk,
        "Description": queue.description or None,
        "OutboundCallerConfig": queue.outbound_caller_config or None,
        "HoursOfOperationId": queue.hours_id,
        "MaxContacts": queue.max_contacts,
        "Status": queue.status,
        "Tags": queue.tags,
    }
    return {k: v for k, v in data.items() if v is not None}


CONCURRENCY_FIELD = {
    Channel.VOICE: "voice_concurrency",
    Channel.CHAT: "chat_concurrency",
    Channel.TASK: "task_concurrency",
}


def media_concurrencies(profile) -> list[dict]:
    """The channels the profile handles (concurrency above 0), as MediaConcurrencies."""
    return [
        {
            "Channel": channel,
            "Concurrency": getattr(profile, field),
            "CrossChannelBehavior": {"BehaviorType": "ROUTE_ANY_CHANNEL"},
        }
        for channel, field in CONCURRENCY_FIELD.items()
        if getattr(profile, field) > 0
    ]


def routing_profile_render(instance, profile, *, queue_ids: list[str], user_count: int) -> dict:
    """The `RoutingProfile` shape."""
    data = {
        "InstanceId": instance.pk,
        "Name": profile.name,
        "RoutingProfileArn": arn(instance, profile),
        "RoutingProfileId": profile.pk,
        "Description": profile.description,
        "MediaConcurrencies": media_concurrencies(profile),
        "DefaultOutboundQueueId": profile.default_outbound_queue_id,
        "Tags": profile.tags,
        "NumberOfAssociatedQueues": len(queue_ids),
        "NumberOfAssociatedUsers": user_count,
        "AssociatedQueueIds": queue_ids,
    }
    return data


def quick_connect_config(quick_connect) -> dict:
    """The `QuickConnectConfig` shape."""
    config = {"QuickConnectType": quick_connect.type}
    if quick_connect.type == "USER":
        config["UserConfig"] = {"UserId": quick_connect.user_id}
    elif quick_connect.type == "QUEUE":
        config["QueueConfig"] = {"QueueId": quick_connect.queue_id}
    else:
        config["PhoneConfig"] = {"PhoneNumber": quick_connect.phone_number}
    target = config.get("UserConfig") or config.get("QueueConfig")
    if target is not None and quick_connect.flow_id:
        target["ContactFlowId"] = quick_connect.flow_id
    return config


def quick_connect_render(instance, quick_connect) -> dict:
    """The `QuickConnect` shape."""
    return {
        "QuickConnectARN": arn(instance, quick_connect),
        "QuickConnectId": quick_connect.pk,
        "Name": quick_connect.name,
        "Description": quick_connect.description,
        "QuickConnectConfig": quick_connect_config(quick_connect),
        "Tags": quick_connect.tags,
    }


def quick_connect_summary(instance, quick_connect) -> dict:
    return {
        "Id": quick_connect.pk,
        "Arn": arn(instance, quick_connect),
        "Name": quick_connect.name,
        "QuickConnectType": quick_connect.type,
    }


def _time(value) -> dict:
    return {"Hours": int(value["Hours"]), "Minutes": int(value["Minutes"])}


def hours_render(instance, hours) -> dict:
    """The `HoursOfOperation` shape."""
    config = [
        {"Day": entry["Day"], "StartTime": _time(entry["StartTime"]), "EndTime": _time(entry["EndTime"])}
        for entry in hours.config
    ]
    return {
        "HoursOfOperationId": hours.pk,
        "HoursOfOperationArn": arn(instance, hours),
        "Name": hours.name,
        "Description": hours.description,
        "TimeZone": hours.timezone,
        "Config": config,
        "Tags": hours.tags,
    }


def agent_status_render(instance, status) -> dict:
    """The `AgentStatus` shape."""
    data = {
        "AgentStatusARN": arn(instance, status),
        "AgentStatusId": status.pk,
        "Name": status.name,
        "Description": status.description,
        "Type": status.type,
        "DisplayOrder": status.display_order or None,
        "State": status.state,
        "Tags": status.tags,
    }
    return {k: v for k, v in data.items() if v is not None}
