"""`$.` values, resolved from a contact the way Amazon Connect resolves them.

Only a parameter that is exactly one JSONPath (`$.Attributes.customer`) is dynamic; anything else
is a literal. Values a flow produced ($.External from a Lambda, $.Metrics from Get queue metrics,
$.Task.ContactId from Create task) live in Contact.flow_state so they survive a Wait.
"""

import json
import re

# $.Attributes.x, $.Attributes['x y'], $.External.a.b
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]")


def is_dynamic(value) -> bool:
    """Whether a parameter value is a JSONPath reference rather than a literal."""
    return isinstance(value, str) and value.strip().startswith("$.")


def path_segments(path: str) -> list[str] | None:
    """Split `$.A.B['c d']` into ["A", "B", "c d"]; None when it is not a path we understand."""
    path = path.strip()
    if not path.startswith("$"):
        return None
    rest = path[1:]
    segments: list[str] = []
    position = 0
    while position < len(rest):
        match = _SEGMENT.match(rest, position)
        if not match:
            return None
        segments.append(next(g for g in match.groups() if g is not None))
        position = match.end()
    return segments or None


def _dig(value, segments: list[str]):
    for segment in segments:
        if isinstance(value, dict):
            value = value.get(segment)
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            return None
        if value is None:
            return None
    return value


def _queue_data(queue) -> dict | None:
    if queue is None:
        return None
    return {"Name": queue.name, "ARN": queue.arn, "Id": queue.id}


def contact_flow_data(contact) -> dict:
    """The flow run data of a contact, shaped like Amazon Connect's (what `$.` paths read)."""
    state = contact.flow_state or {}
    references = {
        name: {"Type": ref.get("Type", "URL"), "Value": ref.get("Value", "")} if isinstance(ref, dict)
        else {"Type": "URL", "Value": str(ref)}
        for name, ref in (contact.references or {}).items()
    }
    return {
        "ContactId": contact.id,
        "InitialContactId": contact.initial_contact_id or contact.id,
        "PreviousContactId": contact.previous_contact_id or "",
        "RelatedContactId": contact.related_contact_id or "",
        "Channel": contact.channel,
        "InitiationMethod": contact.initiation_method,
        "InstanceARN": contact.instance.arn,
        "Name": contact.name,
        "Description": contact.description,
        "Attributes": dict(contact.attributes or {}),
        "References": references,
        "Queue": _queue_data(contact.queue),
        "External": state.get("external") or {},
        "Metrics": state.get("metrics") or {},
        "Task": {"ContactId": state["task_contact_id"]} if state.get("task_contact_id") else {},
        "CustomerEndpoint": None,
        "SystemEndpoint": None,
        "Agent": _agent_data(contact.agent),
    }


def _agent_data(agent) -> dict | None:
    if agent is None:
        return None
    return {"UserName": agent.username, "FirstName": agent.first_name, "LastName": agent.last_name}


def path_resolve(contact, path: str):
    """The value a `$.` path names for this contact, or None when there is none."""
    segments = path_segments(path)
    if segments is None:
        return None
    return _dig(contact_flow_data(contact), segments)


def value_resolve(contact, value):
    """A parameter's value: a path resolved against the contact, a literal returned as is."""
    if is_dynamic(value):
        return path_resolve(contact, value)
    return value


def text_resolve(contact, value) -> str:
    """A parameter's value as text (unresolved paths become empty text)."""
    resolved = value_resolve(contact, value)
    if resolved is None:
        return ""
    if isinstance(resolved, bool):
        return "true" if resolved else "false"
    if isinstance(resolved, dict | list):
        return json.dumps(resolved)
    return str(resolved)
