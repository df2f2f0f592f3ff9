"""Contact flows' details and deletion (their content goes through ccp.flows.publish, which validates)."""

from django.db import transaction

from ccp.errors import InvalidParameter
from ccp.models import ContactFlow, FlowType
from ccp.services.configuration.base import delete_or_refuse, name_check


def flow_update_details(*, flow: ContactFlow, name: str, description: str = "", type: str) -> ContactFlow:
    """Rename a flow, or change its description or type; its content is left alone."""
    if type not in FlowType.values:
        raise InvalidParameter(f"{type!r} is not a flow type.", field="type")
    with transaction.atomic():
        flow.name = name_check(ContactFlow, instance_id=flow.instance_id, name=name, exclude_pk=flow.pk)
        flow.description, flow.type = description, type
        flow.save(update_fields=["name", "description", "type", "updated_at"])
    return flow


def flow_delete(*, flow: ContactFlow) -> None:
    """Delete a flow; refused (ResourceInUse) while a task template or quick connect uses it."""
    with transaction.atomic():
        delete_or_refuse(flow)
