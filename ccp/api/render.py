"""Rows in the output shapes of botocore's Connect model. Datetimes stay datetimes here; the response
encoder turns them into epoch seconds, which botocore parses as timestamps."""

import hashlib

REFERENCE_SUMMARY_KEYS = {
    "URL": "Url",
    "ATTACHMENT": "Attachment",
    "STRING": "String",
    "NUMBER": "Number",
    "DATE": "Date",
    "EMAIL": "Email",
}


def _drop_none(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None and v != {}}


def contact_render(contact) -> dict:
    """The `Contact` shape: everything the contact record holds."""
    queue_info = _drop_none({"Id": contact.queue_id, "EnqueueTimestamp": contact.enqueue_timestamp})
    acw_start, acw_end = contact.after_contact_work_start_timestamp, contact.after_contact_work_end_timestamp
    agent_info = _drop_none(
        {
            "Id": contact.agent_id,
            # A task is accepted the moment it connects to the agent.
            "AcceptedByAgentTimestamp": contact.connected_to_agent_timestamp,
            "ConnectedToAgentTimestamp": contact.connected_to_agent_timestamp,
            "AfterContactWorkStartTimestamp": acw_start,
            "AfterContactWorkEndTimestamp": acw_end,
            "AfterContactWorkDuration": int((acw_end - acw_start).total_seconds()) if acw_start and acw_end else None,
        }
    )
    template = contact.task_template
    return _drop_none(
        {
            "Arn": f"{contact.instance.arn}/contact/{contact.id}",
            "Id": contact.id,
            "InitialContactId": contact.initial_contact_id,
            "PreviousContactId": contact.previous_contact_id,
            "RelatedContactId": contact.related_contact_id,
            "InitiationMethod": contact.initiation_method,
            "Name": contact.name,
            "Description": contact.description,
            "Channel": contact.channel,
            "QueueInfo": queue_info or None,
            "AgentInfo": agent_info or None,
            "InitiationTimestamp": contact.initiation_timestamp,
            "DisconnectTimestamp": contact.disconnect_timestamp,
            "LastUpdateTimestamp": contact.last_update_timestamp,
            "ScheduledTimestamp": contact.scheduled_timestamp,
            "QueuePriority": contact.routing_priority,
            "QueueTimeAdjustmentSeconds": contact.routing_age_seconds,
            "DisconnectReason": contact.disconnect_reason or None,
            "Attributes": contact.attributes or None,
            # The number an agent dialled from the number pad (an outbound call linked to a task).
            "CustomerEndpoint": {"Type": "TELEPHONE_NUMBER", "Address": contact.phone_number}
            if contact.phone_number
            else None,
            "TaskTemplateInfo": {"Arn": f"{contact.instance.arn}/task-template/{template.id}", "Name": template.name}
            if template
            else None,
        }
    )


def contact_search_summary(contact) -> dict:
    """The `ContactSearchSummary` shape."""
    return _drop_none(
        {
            "Arn": f"{contact.instance.arn}/contact/{contact.id}",
            "Id": contact.id,
            "InitialContactId": contact.initial_contact_id,
            "PreviousContactId": contact.previous_contact_id,
            "InitiationMethod": contact.initiation_method,
            "Channel": contact.channel,
            "QueueInfo": _drop_none({"Id": contact.queue_id, "EnqueueTimestamp": contact.enqueue_timestamp}) or None,
            "AgentInfo": _drop_none(
                {"Id": contact.agent_id, "ConnectedToAgentTimestamp": contact.connected_to_agent_timestamp}
            )
            or None,
            "InitiationTimestamp": contact.initiation_timestamp,
            "DisconnectTimestamp": contact.disconnect_timestamp,
            "ScheduledTimestamp": contact.scheduled_timestamp,
            "Name": contact.name,
        }
    )


def reference_summary(name: str, ref: dict) -> dict:
    """One `ReferenceSummary`: a union keyed by the reference type."""
    key = REFERENCE_SUMMARY_KEYS.get(ref.get("Type"), "String")
    return {key: {"Name": name, "Value": ref.get("Value", "")}}


def task_template_render(template) -> dict:
    """The GetTaskTemplate / UpdateTaskTemplate output."""
    return _drop_none(
        {
            "InstanceId": template.instance_id,
            "Id": template.id,
            "Arn": f"{template.instance.arn}/task-template/{template.id}",
            "Name": template.name,
            "Description": template.description,
            "ContactFlowId": template.flow_id,
            "Constraints": template.constraints or {},
            "Defaults": template.defaults or {},
            "Fields": template.fields or [],
            "Status": template.status,
            "LastModifiedTime": template.updated_at,
            "CreatedTime": template.created_at,
        }
    )


def task_template_summary(template) -> dict:
    """The `TaskTemplateMetadata` shape."""
    return _drop_none(
        {
            "Id": template.id,
            "Arn": f"{template.instance.arn}/task-template/{template.id}",
            "Name": template.name,
            "Description": template.description,
            "Status": template.status,
            "LastModifiedTime": template.updated_at,
            "CreatedTime": template.created_at,
        }
    )


def flow_content_sha256(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def flow_render(flow) -> dict:
    """The `ContactFlow` shape; Content is the flow-language string exactly as saved."""
    return _drop_none(
        {
            "Arn": f"{flow.instance.arn}/contact-flow/{flow.id}",
            "Id": flow.id,
            "Name": flow.name,
            "Type": flow.type,
            "State": "ACTIVE",
            "Status": flow.status,
            "Description": flow.description,
            "Content": flow.content,
            "FlowContentSha256": flow_content_sha256(flow.content),
            "LastModifiedTime": flow.updated_at,
        }
    )
