"""Configuration as code: make an instance match a document of the shape `instance_export` writes
(ccp/selectors/instance_config.py), through the same services the console and the API call (validated,
audited), all in one transaction.

The plan is the difference between the instance's own export and the document: `+` what the document adds,
`~` what it changes (field by field), `-` what the instance has and the document does not. A section missing
from the document is left alone; a section present lists everything of its kind (an empty one deletes all).
Objects are created and changed in dependency order (hours before queues, queues before routing profiles …) and
deleted in the reverse order, after the changes that stop using them; a refusal (something still in use, an
invalid value) rolls everything back and names the object and the field."""

import json
import secrets
from dataclasses import dataclass, field

from ccp.errors import ServiceError
from ccp.models import (
    AgentStatus,
    ContactFlow,
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
from ccp.selectors.instance_config import FORMAT_VERSION, KINDS, PLACEHOLDER_RE, SECTIONS, instance_export
from ccp.services import applications, integrations, rules, task_templates
from ccp.services.audit import audit_updated
from ccp.services.configuration import (
    agent_statuses,
    flows,
    hours,
    queues,
    quick_connects,
    routing_profiles,
    security_profiles,
    users,
)
from ccp.services.configuration.tags import resource_tag, resource_untag
from ccp.services.instances import instance_create_bare
from ccp.services.transactions import batch_transaction

# Each section's object kind, as the plan names it.
KIND = {
    "hours_of_operations": "hours_of_operation",
    "agent_statuses": "agent_status",
    "security_profiles": "security_profile",
    "queues": "queue",
    "routing_profiles": "routing_profile",
    "users": "user",
    "flows": "flow",
    "quick_connects": "quick_connect",
    "task_templates": "task_template",
    "lambda_functions": "lambda_function",
    "integrations": "integration",
    "rules": "rule",
}

# What an object's entry may hold, with the value a missing field takes. None as a default: required.
REQUIRED = object()
FIELDS: dict[str, dict] = {
    "hours_of_operations": {"description": "", "timezone": "UTC", "config": [], "tags": {}},
    "agent_statuses": {"type": "CUSTOM", "description": "", "state": "ENABLED", "display_order": 0, "tags": {}},
    "security_profiles": {"description": "", "permissions": [], "tags": {}},
    "queues": {
        "description": "",
        "hours": None,
        "max_contacts": None,
        "status": "ENABLED",
        "outbound_caller_config": {},
        "quick_connects": [],
        "tags": {},
    },
    "routing_profiles": {
        "description": "",
        "default_outbound_queue": REQUIRED,
        "concurrency": {"TASK": 1, "CHAT": 0, "VOICE": 1},
        "task_offer_timeout_seconds": 30,
        "task_auto_accept": False,
        "queues": [],
        "tags": {},
    },
    "users": {
        "first_name": "",
        "last_name": "",
        "email": "",
        "phone_number": "",
        "timezone": "",
        "is_active": True,
        "routing_profile": None,
        "security_profiles": REQUIRED,
        "phone_type": "SOFT_PHONE",
        "auto_accept": False,
        "after_contact_work_time_limit": 0,
        "personal_queue_quick_connects": [],
        "tags": {},
    },
    "flows": {"type": "CONTACT_FLOW", "description": "", "status": "PUBLISHED", "content": REQUIRED},
    "quick_connects": {
        "type": REQUIRED,
        "description": "",
        "user": None,
        "queue": None,
        "phone_number": "",
        "flow": None,
        "tags": {},
    },
    "task_templates": {
        "description": "",
        "flow": None,
        "status": "ACTIVE",
        "fields": [],
        "constraints": {},
        "defaults": {},
    },
    "lambda_functions": {"url": "", "description": "", "timeout_seconds": 8},
    "integrations": {"application": REQUIRED},
    "rules": {
        "event_source": REQUIRED,
        "integration": None,
        "function": REQUIRED,
        "actions": [],
        "publish_status": "DRAFT",
        "tags": {},
    },
}
CHANNELS = ("TASK", "CHAT", "VOICE")
DETAIL_MAX = 60


class ConfigError(ServiceError):
    """The document can't be applied; nothing was changed. The message names the object and the field."""

    code = "InvalidParameterException"


def _error(kind: str, name: str, field: str, message: str) -> ConfigError:
    where = f'{kind} "{name}"' + (f": {field}" if field else "")
    return ConfigError(f"{where}: {message}", field=field)


@dataclass
class Change:
    action: str  # "+", "~" or "-"
    section: str
    name: str
    details: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return KIND[self.section]

    def line(self) -> str:
        head = f'{self.action} {self.kind} "{self.name}"'
        return f"{head}: {'; '.join(self.details)}" if self.details else head


@dataclass
class ApplyResult:
    instance_alias: str
    changes: list[Change]
    instance_created: bool = False
    applied: bool = False
    # Shown once: the signing secrets of integrations and Lambda endpoints that apply created.
    notes: list[str] = field(default_factory=list)

    def plan_text(self) -> str:
        lines = []
        if self.instance_created:
            lines.append(f'+ instance "{self.instance_alias}" (with the defaults create_instance makes)')
        lines += [change.line() for change in self.changes]
        if not lines:
            return "No changes."
        counts = {a: sum(c.action == a for c in self.changes) for a in "+~-"}
        lines.append(f"Plan: {counts['+']} to add, {counts['~']} to change, {counts['-']} to delete.")
        return "\n".join(lines)


# The document ------------------------------------------------------------------------------------------------


def _normalized(section: str, name: str, entry) -> dict:
    """An entry with every field (defaults filled in) and its lists in the export's order."""
    kind = KIND[section]
    if not isinstance(entry, dict):
        raise _error(kind, name, "", "is not an object of fields.")
    fields = FIELDS[section]
    unknown = sorted(set(entry) - set(fields))
    if unknown:
        raise _error(kind, name, unknown[0], f"is not a field of a {kind} (they are: {', '.join(sorted(fields))}).")
    out = {}
    for key, default in fields.items():
        if key in entry:
            out[key] = entry[key]
        elif default is REQUIRED:
            raise _error(kind, name, key, "is required.")
        else:
            out[key] = json.loads(json.dumps(default))
    if section == "routing_profiles":
        concurrency = out["concurrency"]
        if not isinstance(concurrency, dict) or set(concurrency) - set(CHANNELS):
            raise _error(kind, name, "concurrency", "gives a number for TASK, CHAT and VOICE.")
        out["concurrency"] = {**FIELDS[section]["concurrency"], **concurrency}
        try:
            out["queues"] = sorted(
                (
                    {"channel": "TASK", "priority": 1, "delay_seconds": 0, **q}
                    for q in out["queues"]
                ),
                key=lambda q: (q["queue"], q["channel"]),
            )
        except (TypeError, KeyError):
            raise _error(kind, name, "queues", "is a list of {queue, channel, priority, delay_seconds}.") from None
    for key in ("quick_connects", "security_profiles", "personal_queue_quick_connects"):
        if key in out:
            if not isinstance(out[key], list) or not all(isinstance(x, str) for x in out[key]):
                raise _error(kind, name, key, "is a list of names.")
            out[key] = sorted(out[key])
    return out


def document_check(document) -> dict:
    """The document with every entry complete; refused (naming the field) when it is not one."""
    if not isinstance(document, dict):
        raise ConfigError("The file is not a JSON object.")
    if document.get("format_version") != FORMAT_VERSION:
        raise ConfigError(f"format_version must be {FORMAT_VERSION}.", field="format_version")
    unknown = sorted(set(document) - {"format_version", "instance", *SECTIONS})
    if unknown:
        raise ConfigError(f"{unknown[0]!r} is not a section of the file.", field=unknown[0])
    out = {"format_version": FORMAT_VERSION, "instance": dict(document.get("instance") or {})}
    for section in SECTIONS:
        if section not in document:
            continue
        entries = document[section]
        if not isinstance(entries, dict):
            raise ConfigError(f"{section} is an object keyed by name.", field=section)
        out[section] = {name: _normalized(section, name, entry) for name, entry in entries.items()}
    return out


def _show(value) -> str:
    if isinstance(value, dict) and {"queue", "channel"} <= set(value):  # a routing profile's queue
        priority, delay = value.get("priority"), value.get("delay_seconds")
        return f"{value['queue']} ({value['channel']}, priority {priority}, delay {delay} s)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _line(path: str, text: str) -> str:
    """One difference, or "<path> changed" when the values are too long to show."""
    return f"{path} {text}" if len(text) <= DETAIL_MAX else f"{path} changed"


def _differences(old, new, path: str) -> list[str]:
    """What changed between two values, field by field ("concurrency.TASK 3 -> 5", "quick_connects + X")."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new)):
            sub = f"{path}.{key}" if path else key
            if key not in old:
                found.append(_line(sub, f"+ {_show(new[key])}"))
            elif key not in new:
                found.append(_line(sub, f"- {_show(old[key])}"))
            else:
                found += _differences(old[key], new[key], sub)
        return found
    if isinstance(old, list) and isinstance(new, list):
        texts = [f"- {_show(item)}" for item in old if item not in new]
        texts += [f"+ {_show(item)}" for item in new if item not in old]
        if texts and all(len(text) <= DETAIL_MAX for text in texts):
            return [f"{path} {text}" for text in texts]
        return [f"{path} changed"]
    return [_line(path, f"{_show(old)} -> {_show(new)}")]


def plan(current: dict, wanted: dict) -> list[Change]:
    """What makes `current` (an export) into `wanted` (a checked document): additions and changes in the
    order they are applied, then deletions in the reverse order."""
    changes, deletions = [], []
    for section in SECTIONS:
        if section not in wanted:
            continue
        have, want = current.get(section, {}), wanted[section]
        for name in sorted(want):
            if name not in have:
                changes.append(Change("+", section, name))
            elif have[name] != want[name]:
                changes.append(Change("~", section, name, _differences(have[name], want[name], "")))
        deletions.append([Change("-", section, name) for name in sorted(set(have) - set(want))])
    return changes + [change for group in reversed(deletions) for change in group]


# Applying -----------------------------------------------------------------------------------------------------


class _Context:
    def __init__(self, instance: Instance, passwords: dict[str, str]):
        self.instance = instance
        self.passwords = passwords
        self.notes: list[str] = []
        # Set while one object is applied: the refusals name it.
        self.kind, self.name = "", ""

    def fail(self, field: str, message: str) -> ConfigError:
        return _error(self.kind, self.name, field, message)

    def row(self, kind: str, name, *, field: str):
        """The instance's `kind` named `name` (None for None); refused, naming the field, when there is none."""
        if name is None:
            return None
        model, name_field, _ = KINDS[kind]
        rows = model.objects.filter(instance=self.instance, **{name_field: name})
        if kind == "queue":
            rows = rows.filter(queue_type=Queue.Type.STANDARD)
        found = rows.first()
        if found is None:
            what = kind.replace("_", " ")
            raise self.fail(field, f'names {what} "{name}", which is neither in the file nor in the instance.')
        return found

    def resolve_text(self, text: str, *, field: str) -> str:
        """Placeholders ({{queue:Billing}} …) replaced by the ids and ARNs they name in this instance."""

        def one(match) -> str:
            kind, name = match.group(1), match.group(2)
            if kind == "instance_id":
                return self.instance.id
            if kind == "instance_arn":
                return self.instance.arn
            arn = kind.endswith("_arn")
            base = kind[: -len("_arn")] if arn else kind
            if base not in KINDS or name is None:
                raise self.fail(field, f"{{{{{kind}}}}} is not a placeholder this file format knows.")
            try:
                name = json.loads(f'"{name}"')  # as written inside a JSON string
            except ValueError:
                pass
            row = self.row(base, name, field=field)
            value = f"{self.instance.arn}/{KINDS[base][2]}/{row.pk}" if arn else row.pk
            return json.dumps(value)[1:-1]

        return PLACEHOLDER_RE.sub(one, text)

    def resolve_data(self, data, *, field: str):
        return json.loads(self.resolve_text(json.dumps(data, ensure_ascii=False), field=field))


def _tags_set(ctx: _Context, row, tags: dict, resource_type: str) -> None:
    if row.tags == tags:
        return
    removed = [key for key in row.tags if key not in tags]
    if removed:
        resource_untag(row=row, keys=removed, resource_type=resource_type, actor_label="instance_apply")
    if tags:
        resource_tag(row=row, tags=tags, resource_type=resource_type, actor_label="instance_apply")


LABEL = {"actor_label": "instance_apply"}


def _hours(ctx, action, name, want, row):
    args = {k: (want or {}).get(k) for k in ("description", "timezone", "config")}
    if action == "+":
        hours.hours_create(instance=ctx.instance, name=name, tags=want["tags"], **args, **LABEL)
    elif action == "~":
        hours.hours_update(hours=row, name=name, **args, **LABEL)
        _tags_set(ctx, row, want["tags"], "hours_of_operation")
    else:
        hours.hours_delete(hours=row, **LABEL)


def _agent_status(ctx, action, name, want, row):
    args = {k: (want or {}).get(k) for k in ("type", "description", "state", "display_order")}
    if action == "+":
        agent_statuses.agent_status_create(instance=ctx.instance, name=name, tags=want["tags"], **args, **LABEL)
    elif action == "~":
        agent_statuses.agent_status_update(status=row, name=name, **args, **LABEL)
        _tags_set(ctx, row, want["tags"], "agent_status")
    else:
        agent_statuses.agent_status_delete(status=row, **LABEL)


def _security_profile(ctx, action, name, want, row):
    args = {k: (want or {}).get(k) for k in ("description", "permissions", "tags")}
    if action == "+":
        security_profiles.security_profile_create(instance=ctx.instance, name=name, **args, **LABEL)
    elif action == "~":
        security_profiles.security_profile_update(profile=row, name=name, **args, **LABEL)
    else:
        security_profiles.security_profile_delete(profile=row, **LABEL)


def _queue_args(ctx, want) -> dict:
    return {
        "description": want["description"],
        "hours": ctx.row("hours", want["hours"], field="hours"),
        "max_contacts": want["max_contacts"],
        "status": want["status"],
        "outbound_caller_config": ctx.resolve_data(want["outbound_caller_config"], field="outbound_caller_config"),
    }


def _queue(ctx, action, name, want, row):
    # Quick connects are set after they exist (`_queue_quick_connects`): a quick connect may transfer to the queue.
    if action == "+":
        queues.queue_create(instance=ctx.instance, name=name, tags=want["tags"], **_queue_args(ctx, want), **LABEL)
    elif action == "~":
        current = list(row.quick_connects.all())
        queues.queue_update(queue=row, name=name, quick_connects=current, **_queue_args(ctx, want), **LABEL)
        _tags_set(ctx, row, want["tags"], "queue")
    else:
        queues.queue_delete(queue=row, **LABEL)


def _queue_quick_connects(ctx, name, want):
    queue = ctx.row("queue", name, field="quick_connects")
    wanted = [ctx.row("quick_connect", qc, field="quick_connects") for qc in want["quick_connects"]]
    if {q.pk for q in queue.quick_connects.all()} == {q.pk for q in wanted}:
        return
    settings = queues.queue_settings(queue)
    settings["quick_connects"] = wanted
    queues.queue_update(queue=queue, **settings, **LABEL)


def _routing_profile_args(ctx, want) -> dict:
    entries = []
    for entry in want["queues"]:
        try:
            entries.append(
                routing_profiles.ProfileQueue(
                    queue=ctx.row("queue", entry["queue"], field="queues"),
                    channel=entry["channel"],
                    priority=entry["priority"],
                    delay_seconds=entry["delay_seconds"],
                )
            )
        except TypeError:
            raise ctx.fail("queues", "is a list of {queue, channel, priority, delay_seconds}.") from None
    concurrency = want["concurrency"]
    return {
        "description": want["description"],
        "default_outbound_queue": ctx.row("queue", want["default_outbound_queue"], field="default_outbound_queue"),
        "task_concurrency": concurrency["TASK"],
        "chat_concurrency": concurrency["CHAT"],
        "voice_concurrency": concurrency["VOICE"],
        "task_offer_timeout_seconds": want["task_offer_timeout_seconds"],
        "task_auto_accept": want["task_auto_accept"],
        "queues": entries,
    }


def _routing_profile(ctx, action, name, want, row):
    if action == "+":
        routing_profiles.routing_profile_create(
            instance=ctx.instance, name=name, tags=want["tags"], **_routing_profile_args(ctx, want), **LABEL
        )
    elif action == "~":
        routing_profiles.routing_profile_update(
            routing_profile=row, name=name, **_routing_profile_args(ctx, want), **LABEL
        )
        _tags_set(ctx, row, want["tags"], "routing_profile")
    else:
        routing_profiles.routing_profile_delete(routing_profile=row, **LABEL)


USER_FIELDS = ("first_name", "last_name", "email", "phone_number", "timezone", "is_active")
USER_PHONE = ("phone_type", "auto_accept", "after_contact_work_time_limit", "tags")


def _user_args(ctx, want) -> dict:
    return {
        **{k: want[k] for k in USER_FIELDS},
        "routing_profile": ctx.row("routing_profile", want["routing_profile"], field="routing_profile"),
        "security_profiles": [
            ctx.row("security_profile", p, field="security_profiles") for p in want["security_profiles"]
        ],
    }


def _user(ctx, action, name, want, row):
    if action == "+":
        # The file holds no passwords: a new user gets the one given for them (the demo's) or a random one an
        # admin replaces in the console.
        password = ctx.passwords.get(name)
        if password is None:
            password = secrets.token_urlsafe(24)
            ctx.notes.append(f'user "{name}": created with a random password; set one in the console (Users).')
        users.user_create(
            instance=ctx.instance,
            username=name,
            password=password,
            **_user_args(ctx, want),
            **{k: want[k] for k in USER_PHONE},
            **LABEL,
        )
    elif action == "~":
        users.user_update(user=row, username=name, **_user_args(ctx, want), **{k: want[k] for k in USER_PHONE}, **LABEL)
    else:
        users.user_delete(user=row, **LABEL)


def _personal_queue_quick_connects(ctx, name, want):
    """A user's personal queue shows these quick connects (its agent's transfer choices)."""
    user = ctx.row("user", name, field="personal_queue_quick_connects")
    queue = Queue.objects.filter(agent=user).first()
    wanted = [ctx.row("quick_connect", qc, field="personal_queue_quick_connects") for qc in want[
        "personal_queue_quick_connects"
    ]]
    before = sorted(queue.quick_connects.values_list("name", flat=True))
    if before == sorted(q.name for q in wanted):
        return
    queue.quick_connects.set(wanted)
    audit_updated(
        queue,
        {"quick_connects": before},
        resource_type="queue",
        after={"quick_connects": sorted(q.name for q in wanted)},
        **LABEL,
    )


def _flow(ctx, action, name, want, row):
    if action == "-":
        flows.flow_delete(flow=row)
        return
    if want["status"] not in ("PUBLISHED", "SAVED"):
        raise ctx.fail("status", "is PUBLISHED or SAVED.")
    content = _content_text(want["content"])
    if not isinstance(content, str):
        raise ctx.fail("content", "is the flow document (a JSON object, or its text).")
    content = ctx.resolve_text(content, field="content")
    publish = want["status"] == "PUBLISHED"
    if action == "+":
        flows.flow_create(
            instance=ctx.instance,
            name=name,
            type=want["type"],
            content=content,
            description=want["description"],
            publish=publish,
        )
    else:
        flows.flow_edit(
            flow=row, name=name, description=want["description"], type=want["type"], content=content, publish=publish
        )


def _content_text(content):
    """A flow document given as a JSON object, as text; text as is."""
    return json.dumps(content, indent=2, ensure_ascii=False) if isinstance(content, dict) else content


def _flow_order(names: list[str], wanted: dict) -> list[str]:
    """Flows naming other flows of the file ({{flow:…}}) after those."""
    ordered, placed = [], set()
    pending = list(names)
    while pending:
        progressed = False
        for name in list(pending):
            content = _content_text(wanted[name]["content"])
            content = content if isinstance(content, str) else ""
            needs = {m.group(2) for m in PLACEHOLDER_RE.finditer(content) if m.group(1) in ("flow", "flow_arn")}
            if not (needs & set(pending)) - {name}:
                ordered.append(name)
                placed.add(name)
                pending.remove(name)
                progressed = True
        if not progressed:  # a cycle: the order given, and the missing flow is named when it is resolved
            ordered += pending
            break
    return ordered


def _quick_connect(ctx, action, name, want, row):
    if action == "-":
        quick_connects.quick_connect_delete(quick_connect=row, **LABEL)
        return
    args = {
        "type": want["type"],
        "description": want["description"],
        "user": ctx.row("user", want["user"], field="user"),
        "queue": ctx.row("queue", want["queue"], field="queue"),
        "phone_number": want["phone_number"],
        "flow": ctx.row("flow", want["flow"], field="flow"),
    }
    if action == "+":
        quick_connects.quick_connect_create(instance=ctx.instance, name=name, tags=want["tags"], **args, **LABEL)
    else:
        quick_connects.quick_connect_update(quick_connect=row, name=name, **args, **LABEL)
        _tags_set(ctx, row, want["tags"], "quick_connect")


def _task_template(ctx, action, name, want, row):
    if action == "-":
        task_templates.task_template_delete(template=row, **LABEL)
        return
    flow = ctx.row("flow", want["flow"], field="flow")
    args = {
        "description": want["description"],
        "status": want["status"],
        **{k: ctx.resolve_data(want[k], field=k) for k in ("fields", "constraints", "defaults")},
    }
    if action == "+":
        task_templates.task_template_create(
            instance=ctx.instance, name=name, flow_id=flow.pk if flow else None, **args, **LABEL
        )
    else:
        if flow is None and row.flow_id:
            TaskTemplate.objects.filter(pk=row.pk).update(flow=None)  # the service's None keeps the flow
        task_templates.task_template_update(
            template=row, name=name, flow_id=flow.pk if flow else None, **args, **LABEL
        )


def _lambda_function(ctx, action, arn, want, row):
    if action == "-":
        integrations.lambda_function_delete(function=row)
        return
    args = {"url": want["url"], "timeout_seconds": want["timeout_seconds"], "description": want["description"]}
    if action == "+":
        if not want["url"]:
            integrations.lambda_function_associate(instance=ctx.instance, arn=arn)
            return
        _, secret = integrations.lambda_function_create(instance=ctx.instance, arn=arn, **args)
        ctx.notes.append(f'lambda_function "{arn}": new signing secret {secret} (shown once).')
    else:
        _, secret = integrations.lambda_function_update(function=row, arn=arn, **args)
        if secret:
            ctx.notes.append(f'lambda_function "{arn}": new signing secret {secret} (shown once).')


def _integration(ctx, action, name, want, row):
    if action in ("-", "~"):  # an application can't be changed: the integration is made again
        applications.integration_delete(integration=row)
    if action in ("+", "~"):
        _, secret = applications.integration_create(instance=ctx.instance, name=name, application=want["application"])
        ctx.notes.append(f'integration "{name}": new webhook signing secret {secret} (shown once).')


def _rule_input(ctx, name, want) -> rules.RuleInput:
    integration = ctx.row("integration", want["integration"], field="integration")
    return rules.RuleInput(
        name=name,
        event_source=want["event_source"],
        function=ctx.resolve_text(want["function"], field="function"),
        actions=ctx.resolve_data(want["actions"], field="actions"),
        publish_status=want["publish_status"],
        integration_id=integration.pk if integration else "",
        tags=want["tags"],
    )


def _rule(ctx, action, name, want, row):
    if action == "~" and (
        row.event_source != want["event_source"]
        or (row.integration.name if row.integration_id else None) != want["integration"]
        or row.tags != want["tags"]
    ):
        # UpdateRule keeps the event source, integration and tags: the rule is made again.
        rules.rule_delete(rule=row, **LABEL)
        action = "+"
    if action == "+":
        rules.rule_create(instance=ctx.instance, data=_rule_input(ctx, name, want), **LABEL)
    elif action == "~":
        rules.rule_update(rule=row, data=_rule_input(ctx, name, want), **LABEL)
    else:
        rules.rule_delete(rule=row, **LABEL)


HANDLERS = {
    "hours_of_operations": (_hours, HoursOfOperation, "name"),
    "agent_statuses": (_agent_status, AgentStatus, "name"),
    "security_profiles": (_security_profile, SecurityProfile, "name"),
    "queues": (_queue, Queue, "name"),
    "routing_profiles": (_routing_profile, RoutingProfile, "name"),
    "users": (_user, User, "username"),
    "flows": (_flow, ContactFlow, "name"),
    "quick_connects": (_quick_connect, QuickConnect, "name"),
    "task_templates": (_task_template, TaskTemplate, "name"),
    "lambda_functions": (_lambda_function, LambdaFunction, "arn"),
    "integrations": (_integration, Integration, "name"),
    "rules": (_rule, Rule, "name"),
}


def _one(ctx: _Context, change: Change, want: dict | None) -> None:
    handler, model, name_field = HANDLERS[change.section]
    ctx.kind, ctx.name = change.kind, change.name
    row = None
    if change.action != "+":
        rows = model.objects.filter(instance=ctx.instance, **{name_field: change.name})
        if model is Queue:
            rows = rows.filter(queue_type=Queue.Type.STANDARD)
        row = rows.get()
    try:
        handler(ctx, change.action, change.name, want, row)
    except ConfigError:
        raise
    except ServiceError as error:
        message = error.message
        if change.action == "-":
            message = f"can't be deleted: {message}"
        raise ctx.fail(error.field, message) from None


def _execute(ctx: _Context, changes: list[Change], wanted: dict, *, create_only: bool) -> None:
    ups = [c for c in changes if c.action != "-"]
    added = {(c.section, c.name) for c in ups if c.action == "+"}
    flow_changes = {c.name: c for c in ups if c.section == "flows"}
    for section in SECTIONS:
        mine = [c for c in ups if c.section == section]
        if section == "flows":
            mine = [flow_changes[n] for n in _flow_order(sorted(flow_changes), wanted.get("flows", {}))]
        for change in mine:
            _one(ctx, change, wanted[section][change.name])
        if section == "quick_connects":
            # Quick connects exist now: the queues and personal queues that show them.
            for name, want in sorted(wanted.get("queues", {}).items()):
                if create_only and ("queues", name) not in added:
                    continue
                ctx.kind, ctx.name = "queue", name
                _guard(ctx, _queue_quick_connects, name, want)
            for name, want in sorted(wanted.get("users", {}).items()):
                if create_only and ("users", name) not in added:
                    continue
                ctx.kind, ctx.name = "user", name
                _guard(ctx, _personal_queue_quick_connects, name, want)
    for change in [c for c in changes if c.action == "-"]:
        _one(ctx, change, None)


def _guard(ctx: _Context, step, name: str, want: dict) -> None:
    try:
        step(ctx, name, want)
    except ConfigError:
        raise
    except ServiceError as error:
        raise ctx.fail(error.field, error.message) from None


class _PlanOnly(Exception):
    """Raised to roll back a plan's rehearsal."""


def instance_apply(
    document: dict,
    *,
    alias: str | None = None,
    plan_only: bool = False,
    create_only: bool = False,
    passwords: dict[str, str] | None = None,
) -> ApplyResult:
    """Make the instance `alias` (or the document's) match `document`, in one transaction; create it first, with
    create_instance's defaults, when there is none. `plan_only` rehearses the whole apply and rolls it back (so a
    plan that shows also applies); `create_only` adds what is missing and changes nothing that exists (the
    demo's reruns). `passwords` gives new users theirs (the file has none)."""
    wanted = document_check(document)
    alias = alias or wanted["instance"].get("alias")
    if not alias:
        raise ConfigError("Name the instance: --instance, or instance.alias in the file.", field="instance.alias")
    result = ApplyResult(instance_alias=alias, changes=[])
    try:
        with batch_transaction():
            instance = Instance.objects.filter(alias=alias).first()
            if instance is None:
                try:
                    instance = instance_create_bare(alias=alias, timezone=wanted["instance"].get("timezone") or "UTC")
                except ServiceError as error:
                    raise _error("instance", alias, error.field, error.message) from None
                result.instance_created = True
            changes = plan(instance_export(instance), wanted)
            if create_only:
                changes = [c for c in changes if c.action == "+"]
            result.changes = changes
            ctx = _Context(instance, passwords or {})
            _execute(ctx, changes, wanted, create_only=create_only)
            result.notes = ctx.notes
            if plan_only:
                raise _PlanOnly
            result.applied = True
    except _PlanOnly:
        result.notes = []
    return result
