"""Handlers for the quick connect operations, through the console's own writes (`quick_connect_create` /
`quick_connect_update`)."""

from ccp.api.config_render import arn, audited, quick_connect_render
from ccp.api.config_search import search
from ccp.api.contacts import instance_get
from ccp.errors import InvalidParameter
from ccp.models import ContactFlow, Queue, QuickConnect, User
from ccp.services.configuration.quick_connects import (
    quick_connect_create,
    quick_connect_delete,
    quick_connect_settings,
    quick_connect_update,
)


def _quick_connect(instance, params) -> QuickConnect:
    return instance_get(QuickConnect, instance=instance, pk=params["QuickConnectId"], label="Quick connect")


def _target(instance, config: dict) -> dict:
    """A QuickConnectConfig as the service's type and target: the member its type names is required."""
    kind = config["QuickConnectType"]
    member = {"USER": "UserConfig", "QUEUE": "QueueConfig", "PHONE_NUMBER": "PhoneConfig"}.get(kind)
    if member is None:
        raise InvalidParameter(f"{kind} quick connects are not supported here.", field="QuickConnectConfig")
    target = config.get(member)
    if target is None:
        raise InvalidParameter(f"A {kind} quick connect needs its {member}.", field="QuickConnectConfig")
    fields = {"type": kind, "user": None, "queue": None, "phone_number": "", "flow": None}
    if kind == "PHONE_NUMBER":
        fields["phone_number"] = target["PhoneNumber"]
        return fields
    if kind == "USER":
        fields["user"] = instance_get(User, instance=instance, pk=target["UserId"], label="User")
    else:
        fields["queue"] = instance_get(Queue, instance=instance, pk=target["QueueId"], label="Queue")
    fields["flow"] = instance_get(ContactFlow, instance=instance, pk=target["ContactFlowId"], label="Flow")
    return fields


@audited
def create_quick_connect(*, instance, params, actor_label: str) -> dict:
    """CreateQuickConnect."""
    quick_connect = quick_connect_create(
        instance=instance,
        name=params["Name"],
        description=params.get("Description", ""),
        tags=params.get("Tags"),
        actor_label=actor_label,
        **_target(instance, params["QuickConnectConfig"]),
    )
    return {"QuickConnectARN": arn(instance, quick_connect), "QuickConnectId": quick_connect.pk}


def describe_quick_connect(*, instance, params) -> dict:
    """DescribeQuickConnect."""
    return {"QuickConnect": quick_connect_render(instance, _quick_connect(instance, params))}


@audited
def update_quick_connect_name(*, instance, params, actor_label: str) -> dict:
    """UpdateQuickConnectName: the name, the description, or both."""
    quick_connect = _quick_connect(instance, params)
    settings = quick_connect_settings(quick_connect)
    settings["name"] = params.get("Name", settings["name"])
    settings["description"] = params.get("Description", settings["description"])
    quick_connect_update(quick_connect=quick_connect, **settings, actor_label=actor_label)
    return {}


@audited
def update_quick_connect_config(*, instance, params, actor_label: str) -> dict:
    """UpdateQuickConnectConfig: a new type and target."""
    quick_connect = _quick_connect(instance, params)
    settings = {**quick_connect_settings(quick_connect), **_target(instance, params["QuickConnectConfig"])}
    quick_connect_update(quick_connect=quick_connect, **settings, actor_label=actor_label)
    return {}


@audited
def delete_quick_connect(*, instance, params, actor_label: str) -> dict:
    """DeleteQuickConnect: queues stop showing it."""
    quick_connect_delete(quick_connect=_quick_connect(instance, params), actor_label=actor_label)
    return {}


def search_quick_connects(*, instance, params) -> dict:
    """SearchQuickConnects."""
    rows, token, total = search(QuickConnect.objects.filter(instance=instance), params)
    return {
        "QuickConnects": [quick_connect_render(instance, qc) for qc in rows],
        "NextToken": token,
        "ApproximateTotalCount": total,
    }
