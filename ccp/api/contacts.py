"""Handlers for the contact operations: read the parsed input, find the rows, call the service, render.

A handler that changes a contact does it in the transaction `contact_locked` opens (the services' own,
durable), so the contact's row stays locked until every check and change is done; the dispatcher opens none."""

from ccp.api.paging import page
from ccp.api.render import contact_render, reference_summary
from ccp.compiled import row_in_instance
from ccp.errors import IdempotencyConflict, InvalidRequest, ResourceNotFound
from ccp.models import Contact, ContactFlow, FlowType, QuickConnect, TaskTemplate, User
from ccp.models import Queue as QueueModel
from ccp.services.contact_events import contact_locked
from ccp.services.contacts import (
    contact_reschedule,
    contact_set_attributes,
    contact_stop,
    contact_update,
    contact_update_routing,
)
from ccp.services.tasks import task_start
from ccp.services.transfers import contact_transfer

# AWS documents ListContactReferences as one page (its NextToken "is always null"), for contacts that
# carry a handful of references. A contact here may carry any number, so past this many we page, with
# the same NextToken as the other List operations; boto3's paginator follows it.
REFERENCES_PAGE_SIZE = 100
# The flow types TransferContact accepts, as AWS documents them.
TRANSFER_FLOW_TYPES = (FlowType.CONTACT_FLOW, FlowType.QUEUE_TRANSFER, FlowType.AGENT_TRANSFER)


def instance_get(model, *, instance, pk, label: str):
    """A row of `model` in this instance by id, or ResourceNotFound naming what was missing."""
    row = row_in_instance(model, instance_id=instance.pk, pk=pk)
    if row is None:
        raise ResourceNotFound(f"{label} {pk[:256]!r} was not found in this instance.")
    return row


def _optional(model, *, instance, params, key: str, label: str):
    value = params.get(key)
    if not value:
        return None
    return instance_get(model, instance=instance, pk=value, label=label)


def start_task_contact(*, instance, params) -> dict:
    """StartTaskContact: PUT /contact/task."""
    try:
        contact = task_start(
            instance=instance,
            name=params.get("Name"),
            description=params.get("Description", ""),
            attributes=params.get("Attributes"),
            references=params.get("References"),
            contact_flow=_optional(ContactFlow, instance=instance, params=params, key="ContactFlowId", label="Flow"),
            quick_connect=_optional(
                QuickConnect, instance=instance, params=params, key="QuickConnectId", label="Quick connect"
            ),
            task_template=_optional(
                TaskTemplate, instance=instance, params=params, key="TaskTemplateId", label="Task template"
            ),
            previous_contact=_optional(
                Contact, instance=instance, params=params, key="PreviousContactId", label="Contact"
            ),
            related_contact=_optional(
                Contact, instance=instance, params=params, key="RelatedContactId", label="Contact"
            ),
            scheduled_time=params.get("ScheduledTime"),
            client_token=params.get("ClientToken", ""),
            actor_type="api",
        )
    except IdempotencyConflict as exc:
        # botocore lists IdempotencyException for TransferContact only; StartTaskContact reports a 400.
        raise InvalidRequest(exc.message, field="ClientToken")
    return {"ContactId": contact.id}


def stop_contact(*, instance, params) -> dict:
    """StopContact: POST /contact/stop."""
    with contact_locked(instance=instance, contact_id=params["ContactId"]) as contact:
        contact_stop(contact=contact, actor_type="api")
    return {}


def describe_contact(*, instance, params) -> dict:
    """DescribeContact: GET /contacts/{InstanceId}/{ContactId}."""
    contact = (
        Contact.objects.select_related("instance", "task_template")
        .filter(instance=instance, pk=params["ContactId"])
        .first()
    )
    if contact is None:
        raise ResourceNotFound("Contact not found in this instance.")
    return {"Contact": contact_render(contact)}


def update_contact(*, instance, params) -> dict:
    """UpdateContact: name, description and references of a task."""
    with contact_locked(instance=instance, contact_id=params["ContactId"]) as contact:
        contact_update(
            contact=contact,
            name=params.get("Name"),
            description=params.get("Description"),
            references=params.get("References"),
            actor_type="api",
        )
    return {}


def update_contact_attributes(*, instance, params) -> dict:
    """UpdateContactAttributes: merges into the contact, or into its whole PreviousContactId chain."""
    with contact_locked(instance=instance, contact_id=params["InitialContactId"]) as contact:
        contact_set_attributes(contact=contact, attributes=params["Attributes"], actor_type="api")
    return {}


def get_contact_attributes(*, instance, params) -> dict:
    """GetContactAttributes."""
    contact = instance_get(Contact, instance=instance, pk=params["InitialContactId"], label="Contact")
    return {"Attributes": contact.attributes or {}}


def list_contact_references(*, instance, params) -> dict:
    """ListContactReferences: the contact's references of the asked types, by name, a page at a time."""
    contact = instance_get(Contact, instance=instance, pk=params["ContactId"], label="Contact")
    wanted = set(params["ReferenceTypes"])
    # Sorted by name: a JSON column keeps no key order on PostgreSQL, and the token is an offset.
    matching = sorted((name, ref) for name, ref in (contact.references or {}).items() if ref.get("Type") in wanted)
    rows, next_token = page(matching, next_token=params.get("NextToken"), max_results=REFERENCES_PAGE_SIZE)
    return {"ReferenceSummaryList": [reference_summary(name, ref) for name, ref in rows], "NextToken": next_token}


def update_contact_schedule(*, instance, params) -> dict:
    """UpdateContactSchedule: move a scheduled task."""
    with contact_locked(instance=instance, contact_id=params["ContactId"]) as contact:
        contact_reschedule(contact=contact, scheduled_time=params["ScheduledTime"], actor_type="api")
    return {}


def transfer_contact(*, instance, params) -> dict:
    """TransferContact: to a queue or an agent, running the given transfer flow.

    The transfer service works on quick connects; an unsaved quick connect describes the destination
    the API names (QueueId or UserId, and ContactFlowId), so both paths share one service."""
    with contact_locked(instance=instance, contact_id=params["ContactId"]) as contact:
        flow = instance_get(ContactFlow, instance=instance, pk=params["ContactFlowId"], label="Flow")
        if flow.type not in TRANSFER_FLOW_TYPES:
            raise InvalidRequest(
                f"Flow {flow.name!r} is a {flow.type} flow; TransferContact runs inbound, transfer-to-queue "
                "or transfer-to-agent flows."
            )
        queue_id, user_id = params.get("QueueId"), params.get("UserId")
        if bool(queue_id) == bool(user_id):
            raise InvalidRequest("Give exactly one of QueueId and UserId.")
        if queue_id:
            queue = instance_get(QueueModel, instance=instance, pk=queue_id, label="Queue")
            destination = QuickConnect(instance=instance, name="TransferContact", type="QUEUE", queue=queue, flow=flow)
        else:
            user = instance_get(User, instance=instance, pk=user_id, label="User")
            destination = QuickConnect(instance=instance, name="TransferContact", type="USER", user=user, flow=flow)
        new = contact_transfer(
            contact=contact, quick_connect=destination, actor_type="api", client_token=params.get("ClientToken", "")
        )
    return {"ContactId": new.id, "ContactArn": f"{instance.arn}/contact/{new.id}"}


def update_contact_routing_data(*, instance, params) -> dict:
    """UpdateContactRoutingData: queue priority (1 first) and queue time adjustment (seconds)."""
    with contact_locked(instance=instance, contact_id=params["ContactId"]) as contact:
        contact_update_routing(
            contact=contact,
            priority=params.get("QueuePriority"),
            age_seconds=params.get("QueueTimeAdjustmentSeconds"),
            actor_type="api",
        )
    return {}
