"""Contact flows: create, save content, edit, delete. Content is validated and applied by ccp.flows.publish
(the steps); these entry points own the transaction around them."""

from django.db.models import Q

from ccp.errors import InvalidParameter
from ccp.flows import publish as flow_publish
from ccp.models import ContactFlow, FlowType, QuickConnect, TaskTemplate
from ccp.services.audit import audit_created, audit_deleted, audit_snapshot, audit_snapshot_saved, audit_updated
from ccp.services.configuration.base import (
    delete_or_refuse,
    name_check,
    open_contacts_blocking,
    refuse_while_used,
    rows_blocking,
)
from ccp.services.transactions import entry_transaction

# What an audit entry records of a flow: its content by digest (saved and published), not in full.
AUDITED = ("name", "description", "type", "status", "content_sha256", "published_content_sha256")


def flow_create(
    *, instance, name: str, type: str, content: str, description: str = "", publish: bool = True
) -> ContactFlow:
    """Create a flow; when publishing, validate it first and save nothing if it has problems."""
    with entry_transaction():
        flow = flow_publish.flow_create(
            instance=instance, name=name, type=type, content=content, description=description, publish=publish
        )
        audit_created(flow, resource_type="flow", fields=AUDITED)
    return flow


def flow_save_content(*, flow: ContactFlow, content: str, publish: bool) -> ContactFlow:
    """Save new content; publish it (validated) or keep it as a draft beside the running version."""
    with entry_transaction():
        before = audit_snapshot_saved(flow, AUDITED)
        flow = flow_publish.flow_save_content(flow=flow, content=content, publish=publish)
        audit_updated(flow, before, resource_type="flow", fields=AUDITED)
    return flow


def flow_edit(
    *, flow: ContactFlow, name: str, description: str = "", type: str, content: str, publish: bool
) -> ContactFlow:
    """The console's flow form: details and content together, so content that cannot be published leaves
    the details unchanged too."""
    if type not in FlowType.values:
        raise InvalidParameter(f"{type!r} is not a flow type.", field="type")
    with entry_transaction():
        before = audit_snapshot_saved(flow, AUDITED)
        flow.name = name_check(ContactFlow, instance_id=flow.instance_id, name=name, exclude_pk=flow.pk)
        flow.description, flow.type = description, type
        flow.save(update_fields=["name", "description", "type", "updated_at"])
        flow = flow_publish.flow_save_content(flow=flow, content=content, publish=publish)
        audit_updated(flow, before, resource_type="flow", fields=AUDITED)
    return flow


def flow_delete(*, flow: ContactFlow) -> None:
    """Delete a flow; refused (ResourceInUse, naming them) while an open contact runs it (as its flow, customer
    queue flow or disconnect flow), or a quick connect or task template uses it."""
    with entry_transaction():
        refuse_while_used(
            flow,
            open_contacts_blocking(Q(flow=flow) | Q(customer_queue_flow=flow) | Q(disconnect_flow=flow))
            + rows_blocking("Quick connect", QuickConnect.objects.filter(flow=flow))
            + rows_blocking("Task template", TaskTemplate.objects.filter(flow=flow)),
        )
        before, flow_id = audit_snapshot(flow, AUDITED), flow.pk
        delete_or_refuse(flow)
        audit_deleted(flow, before, resource_type="flow", resource_id=flow_id)
