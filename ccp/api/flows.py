"""Handlers for the flow operations: flows as code, Content being the flow-language string."""

from ccp.api.contacts import instance_get
from ccp.api.paging import page
from ccp.api.render import flow_content_sha256, flow_render
from ccp.errors import InvalidParameter
from ccp.flows.document import flow_nesting_problem
from ccp.models import ContactFlow, FlowStatus, FlowType
from ccp.services.configuration.flows import flow_create, flow_save_content


def _checked(params, key: str, model_field: str):
    value = params.get(key)
    limit = ContactFlow._meta.get_field(model_field).max_length
    if value is not None and len(value) > limit:
        raise InvalidParameter(f"{key} must be at most {limit} characters.", field=key)
    return value


def _content(params) -> str:
    """The flow's Content, refused (before anything is parsed or saved) when it nests absurdly deep."""
    content = params["Content"]
    if problem := flow_nesting_problem(content):
        raise InvalidParameter(problem, field="Content")
    return content


def create_contact_flow(*, instance, params) -> dict:
    """CreateContactFlow: Status PUBLISHED (the default) validates before anything is saved."""
    if params["Type"] not in FlowType.values:
        raise InvalidParameter(
            f"Flow type {params['Type']!r} is not supported here; use one of " + ", ".join(FlowType.values) + ".",
            field="Type",
        )
    flow = flow_create(
        instance=instance,
        name=_checked(params, "Name", "name"),
        type=params["Type"],
        content=_content(params),
        description=_checked(params, "Description", "description") or "",
        publish=params.get("Status", FlowStatus.PUBLISHED) == FlowStatus.PUBLISHED,
    )
    return {
        "ContactFlowId": flow.id,
        "ContactFlowArn": f"{instance.arn}/contact-flow/{flow.id}",
        "FlowContentSha256": flow_content_sha256(flow.content),
    }


def describe_contact_flow(*, instance, params) -> dict:
    """DescribeContactFlow."""
    flow = instance_get(ContactFlow, instance=instance, pk=params["ContactFlowId"], label="Flow")
    return {"ContactFlow": flow_render(flow)}


def update_contact_flow_content(*, instance, params) -> dict:
    """UpdateContactFlowContent: a published flow is re-published (validated); a saved one stays a draft."""
    flow = instance_get(ContactFlow, instance=instance, pk=params["ContactFlowId"], label="Flow")
    flow_save_content(flow=flow, content=_content(params), publish=flow.status == FlowStatus.PUBLISHED)
    return {}


def list_contact_flows(*, instance, params) -> dict:
    """ListContactFlows, optionally by type."""
    queryset = ContactFlow.objects.filter(instance=instance).select_related("instance").order_by("name", "id")
    if params.get("ContactFlowTypes"):
        queryset = queryset.filter(type__in=params["ContactFlowTypes"])
    rows, next_token = page(queryset, next_token=params.get("NextToken"), max_results=params.get("MaxResults"))
    summaries = [
        {
            "Id": f.id,
            "Arn": f"{instance.arn}/contact-flow/{f.id}",
            "Name": f.name,
            "ContactFlowType": f.type,
            "ContactFlowState": "ACTIVE",
            "ContactFlowStatus": f.status,
        }
        for f in rows
    ]
    return {"ContactFlowSummaryList": summaries, "NextToken": next_token}
