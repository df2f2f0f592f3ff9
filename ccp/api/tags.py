"""TagResource, UntagResource and ListTagsForResource on the configuration rows that carry tags, named by the
ARNs this server gives them (ccp.api.config_render.arn). An ARN of another instance is not found."""

import re

from ccp.api.config_render import audited
from ccp.api.contacts import instance_get
from ccp.errors import InvalidParameter, ResourceNotFound
from ccp.models import AgentStatus, HoursOfOperation, Queue, QuickConnect, RoutingProfile
from ccp.services.configuration.tags import resource_tag, resource_untag

ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:connect:[^:]*:[^:]*:instance/(?P<instance>[^/]+)/(?P<kind>[a-z-]+)/(?P<id>[^/]+)$"
)
# kind in the ARN → (model, label, the audit log's resource type)
TAGGABLE = {
    "queue": (Queue, "Queue", "queue"),
    "routing-profile": (RoutingProfile, "Routing profile", "routing_profile"),
    "transfer-destination": (QuickConnect, "Quick connect", "quick_connect"),
    "operating-hours": (HoursOfOperation, "Hours", "hours_of_operation"),
    "agent-state": (AgentStatus, "Agent status", "agent_status"),
}


def _resource(instance, resource_arn: str):
    """(row, its audit resource type) for an ARN of this instance."""
    match = ARN_RE.match(resource_arn)
    if match is None:
        raise InvalidParameter("resourceArn is not an Amazon Connect resource ARN.", field="resourceArn")
    if match["kind"] not in TAGGABLE:
        raise InvalidParameter(f"{match['kind']} resources carry no tags on this server.", field="resourceArn")
    if match["instance"] != instance.pk:
        raise ResourceNotFound(f"{resource_arn[:300]!r} was not found.")
    model, label, resource_type = TAGGABLE[match["kind"]]
    return instance_get(model, instance=instance, pk=match["id"], label=label), resource_type


@audited
def tag_resource(*, instance, params, actor_label: str) -> dict:
    """TagResource: adds tags, overwriting the values of keys already there."""
    row, resource_type = _resource(instance, params["resourceArn"])
    resource_tag(row=row, tags=params["tags"], resource_type=resource_type, actor_label=actor_label)
    return {}


@audited
def untag_resource(*, instance, params, actor_label: str) -> dict:
    """UntagResource."""
    row, resource_type = _resource(instance, params["resourceArn"])
    resource_untag(row=row, keys=params["tagKeys"], resource_type=resource_type, actor_label=actor_label)
    return {}


def list_tags_for_resource(*, instance, params) -> dict:
    """ListTagsForResource."""
    row, _ = _resource(instance, params["resourceArn"])
    return {"tags": row.tags}
