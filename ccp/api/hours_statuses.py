"""Handlers for hours of operation and agent statuses, through the console's own writes."""

from ccp.api.config_render import agent_status_render, arn, audited, hours_render
from ccp.api.contacts import instance_get
from ccp.api.paging import page
from ccp.errors import InvalidParameter
from ccp.models import AgentStatus, HoursOfOperation
from ccp.services.configuration.agent_statuses import agent_status_create, agent_status_settings, agent_status_update
from ccp.services.configuration.hours import hours_create, hours_delete, hours_settings, hours_update


def _hours(instance, params) -> HoursOfOperation:
    return instance_get(HoursOfOperation, instance=instance, pk=params["HoursOfOperationId"], label="Hours")


@audited
def create_hours_of_operation(*, instance, params, actor_label: str) -> dict:
    """CreateHoursOfOperation."""
    if params.get("ParentHoursOfOperationConfigs"):
        raise InvalidParameter(
            "Parent hours of operation are not supported here.", field="ParentHoursOfOperationConfigs"
        )
    hours = hours_create(
        instance=instance,
        name=params["Name"],
        description=params.get("Description", ""),
        timezone=params["TimeZone"],
        config=params["Config"],
        tags=params.get("Tags"),
        actor_label=actor_label,
    )
    return {"HoursOfOperationId": hours.pk, "HoursOfOperationArn": arn(instance, hours)}


def describe_hours_of_operation(*, instance, params) -> dict:
    """DescribeHoursOfOperation."""
    return {"HoursOfOperation": hours_render(instance, _hours(instance, params))}


@audited
def update_hours_of_operation(*, instance, params, actor_label: str) -> dict:
    """UpdateHoursOfOperation: only the members given change."""
    hours = _hours(instance, params)
    settings = hours_settings(hours)
    for key, member in (
        ("name", "Name"),
        ("description", "Description"),
        ("timezone", "TimeZone"),
        ("config", "Config"),
    ):
        if member in params:
            settings[key] = params[member]
    hours_update(hours=hours, **settings, actor_label=actor_label)
    return {}


@audited
def delete_hours_of_operation(*, instance, params, actor_label: str) -> dict:
    """DeleteHoursOfOperation: refused (ResourceInUseException, naming them) while queues keep them."""
    hours_delete(hours=_hours(instance, params), actor_label=actor_label)
    return {}


def list_hours_of_operations(*, instance, params) -> dict:
    """ListHoursOfOperations."""
    rows, token = page(
        HoursOfOperation.objects.filter(instance=instance).order_by("name", "pk"),
        next_token=params.get("NextToken"),
        max_results=params.get("MaxResults"),
    )
    items = [{"Id": h.pk, "Arn": arn(instance, h), "Name": h.name} for h in rows]
    return {"HoursOfOperationSummaryList": items, "NextToken": token}


def _status(instance, params) -> AgentStatus:
    return instance_get(AgentStatus, instance=instance, pk=params["AgentStatusId"], label="Agent status")


@audited
def create_agent_status(*, instance, params, actor_label: str) -> dict:
    """CreateAgentStatus: a CUSTOM status, as Amazon Connect creates."""
    status = agent_status_create(
        instance=instance,
        name=params["Name"],
        type=AgentStatus.Type.CUSTOM,
        display_order=params.get("DisplayOrder", 0),
        description=params.get("Description", ""),
        state=params["State"],
        tags=params.get("Tags"),
        actor_label=actor_label,
    )
    return {"AgentStatusARN": arn(instance, status), "AgentStatusId": status.pk}


def describe_agent_status(*, instance, params) -> dict:
    """DescribeAgentStatus."""
    return {"AgentStatus": agent_status_render(instance, _status(instance, params))}


def list_agent_statuses(*, instance, params) -> dict:
    """ListAgentStatuses, optionally by type."""
    queryset = AgentStatus.objects.filter(instance=instance).order_by("display_order", "name", "pk")
    if params.get("AgentStatusTypes"):
        queryset = queryset.filter(type__in=params["AgentStatusTypes"])
    rows, token = page(queryset, next_token=params.get("NextToken"), max_results=params.get("MaxResults"))
    items = [{"Id": s.pk, "Arn": arn(instance, s), "Name": s.name, "Type": s.type} for s in rows]
    return {"AgentStatusSummaryList": items, "NextToken": token}


@audited
def update_agent_status(*, instance, params, actor_label: str) -> dict:
    """UpdateAgentStatus: only the members given change; ResetOrderNumber clears the display order."""
    status = _status(instance, params)
    settings = agent_status_settings(status)
    for key, member in (("name", "Name"), ("description", "Description"), ("state", "State")):
        if member in params:
            settings[key] = params[member]
    if params.get("ResetOrderNumber"):
        settings["display_order"] = 0
    elif "DisplayOrder" in params:
        settings["display_order"] = params["DisplayOrder"]
    agent_status_update(status=status, **settings, actor_label=actor_label)
    return {}
