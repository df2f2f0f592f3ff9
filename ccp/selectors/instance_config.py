"""An instance's whole configuration as one document (`instance_export`), keyed by names, never database ids.

References between objects are names. Ids inside free-form content (a flow's document, a rule's actions, a
queue's outbound flow) become placeholders — {{queue:Billing}}, {{queue_arn:Billing}}, {{flow:Name}},
{{user:agent1}}, {{instance_id}} … — the same ones the flow library (ccp/flows/library/) uses, so the document
means the same thing in any instance; `instance_apply` (ccp/services/instance_config.py) puts the ids back.
No secret is exported: no passwords, no signing secrets, no API keys."""

import json
import re

from ccp.models import (
    AgentStatus,
    ContactFlow,
    FlowStatus,
    HoursOfOperation,
    Instance,
    Integration,
    LambdaFunction,
    Queue,
    QuickConnect,
    RoutingProfile,
    Rule,
    SecurityProfile,
    TaskTemplate,
    User,
)

FORMAT_VERSION = 1

# kind → (model, the field naming it, the ARN's resource segment or "" when it has no ARN here).
KINDS: dict[str, tuple] = {
    "queue": (Queue, "name", "queue"),
    "flow": (ContactFlow, "name", "contact-flow"),
    "user": (User, "username", "agent"),
    "template": (TaskTemplate, "name", "task-template"),
    "quick_connect": (QuickConnect, "name", "transfer-destination"),
    "routing_profile": (RoutingProfile, "name", "routing-profile"),
    "hours": (HoursOfOperation, "name", "operating-hours"),
    "security_profile": (SecurityProfile, "name", "security-profile"),
    "agent_status": (AgentStatus, "name", "agent-state"),
    "integration": (Integration, "name", ""),
}
PLACEHOLDER_RE = re.compile(r"\{\{([a-z_]+)(?::(.*?))?\}\}")

# The sections of the document, in the order they are applied (deletions go in the reverse order).
SECTIONS = (
    "hours_of_operations",
    "agent_statuses",
    "security_profiles",
    "queues",
    "routing_profiles",
    "users",
    "flows",
    "quick_connects",
    "task_templates",
    "lambda_functions",
    "integrations",
    "rules",
)


def _rows(kind: str, instance: Instance):
    model, _, _ = KINDS[kind]
    rows = model.objects.filter(instance=instance)
    if kind == "queue":
        rows = rows.filter(queue_type=Queue.Type.STANDARD)
    return rows


def placeholder(kind: str, name: str | None = None) -> str:
    return "{{" + kind + ("" if name is None else ":" + name) + "}}"


def names_for_ids(instance: Instance) -> list[tuple[str, str]]:
    """(id or ARN, placeholder) for every object of the instance, longest first: an ARN is replaced before the
    id or instance ARN it contains."""
    pairs = [(instance.arn, placeholder("instance_arn")), (instance.id, placeholder("instance_id"))]
    for kind, (_, name_field, segment) in KINDS.items():
        for pk, name in _rows(kind, instance).values_list("pk", name_field):
            pairs.append((pk, placeholder(kind, name)))
            if segment:
                pairs.append((f"{instance.arn}/{segment}/{pk}", placeholder(f"{kind}_arn", name)))
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def _escaped(text: str) -> str:
    """`text` as it appears inside a JSON string."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def text_to_names(text: str, pairs: list[tuple[str, str]]) -> str:
    """Ids and ARNs in a JSON text replaced by placeholders."""
    for value, name in pairs:
        if value in text:
            text = text.replace(value, _escaped(name))
    return text


def data_to_names(data, pairs: list[tuple[str, str]]):
    """Ids and ARNs in the strings of a JSON value replaced by placeholders."""
    return json.loads(text_to_names(json.dumps(data, ensure_ascii=False), pairs))


def _tags(row) -> dict:
    return dict(row.tags or {})


def _hours(instance: Instance) -> dict:
    return {
        h.name: {"description": h.description, "timezone": h.timezone, "config": h.config, "tags": _tags(h)}
        for h in HoursOfOperation.objects.filter(instance=instance)
    }


def _agent_statuses(instance: Instance) -> dict:
    return {
        s.name: {
            "type": s.type,
            "description": s.description,
            "state": s.state,
            "display_order": s.display_order,
            "tags": _tags(s),
        }
        for s in AgentStatus.objects.filter(instance=instance)
    }


def _security_profiles(instance: Instance) -> dict:
    return {
        p.name: {"description": p.description, "permissions": list(p.permissions), "tags": _tags(p)}
        for p in SecurityProfile.objects.filter(instance=instance)
    }


def _queues(instance: Instance, pairs) -> dict:
    rows = Queue.objects.filter(instance=instance, queue_type=Queue.Type.STANDARD).select_related("hours")
    return {
        q.name: {
            "description": q.description,
            "hours": q.hours.name if q.hours_id else None,
            "max_contacts": q.max_contacts,
            "status": q.status,
            "outbound_caller_config": data_to_names(q.outbound_caller_config or {}, pairs),
            "quick_connects": sorted(q.quick_connects.values_list("name", flat=True)),
            "tags": _tags(q),
        }
        for q in rows.prefetch_related("quick_connects")
    }


def _routing_profiles(instance: Instance) -> dict:
    rows = RoutingProfile.objects.filter(instance=instance).select_related("default_outbound_queue")
    return {
        p.name: {
            "description": p.description,
            "default_outbound_queue": p.default_outbound_queue.name,
            "concurrency": {"TASK": p.task_concurrency, "CHAT": p.chat_concurrency, "VOICE": p.voice_concurrency},
            "task_offer_timeout_seconds": p.task_offer_timeout_seconds,
            "task_auto_accept": p.task_auto_accept,
            "queues": sorted(
                (
                    {
                        "queue": c.queue.name,
                        "channel": c.channel,
                        "priority": c.priority,
                        "delay_seconds": c.delay_seconds,
                    }
                    for c in p.queue_configs.select_related("queue")
                ),
                key=lambda c: (c["queue"], c["channel"]),
            ),
            "tags": _tags(p),
        }
        for p in rows
    }


def _users(instance: Instance) -> dict:
    rows = (
        User.objects.filter(instance=instance)
        .select_related("routing_profile")
        .prefetch_related("security_profiles")
    )
    personal = {
        q.agent_id: sorted(x.name for x in q.quick_connects.all())
        for q in Queue.objects.filter(instance=instance, queue_type=Queue.Type.AGENT).prefetch_related("quick_connects")
    }
    return {
        u.username: {
            "first_name": u.first_name,
            "last_name": u.last_name,
            "email": u.email,
            "phone_number": u.phone_number,
            "timezone": u.timezone,
            "is_active": u.is_active,
            "routing_profile": u.routing_profile.name if u.routing_profile_id else None,
            "security_profiles": sorted(p.name for p in u.security_profiles.all()),
            "phone_type": u.phone_type,
            "auto_accept": u.auto_accept,
            "after_contact_work_time_limit": u.after_contact_work_time_limit,
            "personal_queue_quick_connects": personal.get(u.pk, []),
            "tags": _tags(u),
        }
        for u in rows
    }


def _document(text: str):
    """A flow's JSON document as a JSON value (it diffs line by line in the file); text that is not JSON as is."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _flows(instance: Instance, pairs) -> dict:
    return {
        f.name: {
            "type": f.type,
            "description": f.description,
            "status": FlowStatus.PUBLISHED if f.published_content else FlowStatus.SAVED,
            # The running version of a published flow; a draft saved beside it is not exported.
            "content": _document(text_to_names(f.published_content or f.content, pairs)),
        }
        for f in ContactFlow.objects.filter(instance=instance)
    }


def _quick_connects(instance: Instance) -> dict:
    rows = QuickConnect.objects.filter(instance=instance).select_related("user", "queue", "flow")
    return {
        q.name: {
            "type": q.type,
            "description": q.description,
            "user": q.user.username if q.user_id else None,
            "queue": q.queue.name if q.queue_id else None,
            "phone_number": q.phone_number,
            "flow": q.flow.name if q.flow_id else None,
            "tags": _tags(q),
        }
        for q in rows
    }


def _task_templates(instance: Instance, pairs) -> dict:
    return {
        t.name: {
            "description": t.description,
            "flow": t.flow.name if t.flow_id else None,
            "status": t.status,
            "fields": data_to_names(t.fields, pairs),
            "constraints": data_to_names(t.constraints, pairs),
            "defaults": data_to_names(t.defaults, pairs),
        }
        for t in TaskTemplate.objects.filter(instance=instance).select_related("flow")
    }


def _lambda_functions(instance: Instance) -> dict:
    # The signing secret stays behind: a function created by apply gets a new one.
    return {
        f.arn: {"url": f.url, "description": f.description, "timeout_seconds": f.timeout_seconds}
        for f in LambdaFunction.objects.filter(instance=instance)
    }


def _integrations(instance: Instance) -> dict:
    # The webhook signing secret stays behind: an integration created by apply gets a new one.
    return {i.name: {"application": i.application} for i in Integration.objects.filter(instance=instance)}


def _rules(instance: Instance, pairs) -> dict:
    return {
        r.name: {
            "event_source": r.event_source,
            "integration": r.integration.name if r.integration_id else None,
            "function": text_to_names(r.function, pairs),
            "actions": data_to_names(r.actions, pairs),
            "publish_status": r.publish_status,
            "tags": _tags(r),
        }
        for r in Rule.objects.filter(instance=instance).select_related("integration")
    }


def instance_export(instance: Instance) -> dict:
    """Every configuration object of the instance, keyed by name, referring to one another by name."""
    pairs = names_for_ids(instance)
    return {
        "format_version": FORMAT_VERSION,
        "instance": {"alias": instance.alias, "timezone": instance.timezone},
        "hours_of_operations": _hours(instance),
        "agent_statuses": _agent_statuses(instance),
        "security_profiles": _security_profiles(instance),
        "queues": _queues(instance, pairs),
        "routing_profiles": _routing_profiles(instance),
        "users": _users(instance),
        "flows": _flows(instance, pairs),
        "quick_connects": _quick_connects(instance),
        "task_templates": _task_templates(instance, pairs),
        "lambda_functions": _lambda_functions(instance),
        "integrations": _integrations(instance),
        "rules": _rules(instance, pairs),
    }


def export_text(document: dict) -> str:
    """The document as a file: sorted keys, two-space indent, so two exports diff line by line."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
