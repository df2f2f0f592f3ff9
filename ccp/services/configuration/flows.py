"""Contact flows' details and deletion (their content goes through ccp.flows.publish, which validates)."""

from django.db import transaction
from django.db.models import Q

from ccp.errors import InvalidParameter
from ccp.models import ContactFlow, FlowType, QuickConnect, TaskTemplate
from ccp.services.configuration.base import (
    delete_or_refuse,
    name_check,
    open_contacts_blocking,
    refuse_while_used,
    rows_blocking,
)


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
    """Delete a flow; refused (ResourceInUse, naming them) while an open contact runs it (as its flow, customer
    queue flow or disconnect flow), or a quick connect or task template uses it."""
    with transaction.atomic():
        refuse_while_used(
            flow,
            open_contacts_blocking(Q(flow=flow) | Q(customer_queue_flow=flow) | Q(disconnect_flow=flow))
            + rows_blocking("Quick connect", QuickConnect.objects.filter(flow=flow))
            + rows_blocking("Task template", TaskTemplate.objects.filter(flow=flow)),
        )
        delete_or_refuse(flow)
