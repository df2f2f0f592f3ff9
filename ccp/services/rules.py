"""Rule writes (CreateRule, UpdateRule, DeleteRule and the console's editor): each checks the Function and the
actions, writes the rule, bumps the instance's RuleSetVersion (so every process recompiles) and records an
audit entry, in one transaction. Also the console's Test: a rule run against a pasted transcript or payload,
saying what it would do without writing anything."""

import json
from dataclasses import dataclass

from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone

from ccp import validation
from ccp.errors import InvalidRequest, ResourceConflict, ResourceNotFound
from ccp.models import ContactFlow, Integration, Rule, RuleSetVersion, User
from ccp.rules.dynamic import CONTACT_URL, dynamic_apply, payload_values
from ccp.rules.function import (
    CONTACT_LENS_SOURCES,
    THIRD_PARTY_SOURCES,
    function_parse,
)
from ccp.rules.ruleset import CompiledRule, Facts, RuleSet, Segment
from ccp.services.audit import audit_created, audit_deleted, audit_updated
from ccp.services.idempotency import request_hash
from ccp.services.transactions import entry_transaction, transaction_required

NAME_MAX = 200
TASK_NAME_MAX = 512
TASK_DESCRIPTION_MAX = 4096
# The default reference ([ContactUrl]) plus up to 25 more: a rule's task holds up to 26 (ccp/validation.py).
TASK_EXTRA_REFERENCES_MAX = validation.RULE_TASK_EXTRA_REFERENCES_MAX
NOTIFICATION_CONTENT_MAX = 1024
NOTIFICATION_SUBJECT_MAX = 200
NOTIFICATION_RECIPIENTS_MAX = 50
SUPPORTED_ACTIONS = ("ASSIGN_CONTACT_CATEGORY", "CREATE_TASK", "SEND_NOTIFICATION")


@dataclass(frozen=True)
class RuleInput:
    """What CreateRule/UpdateRule and the console's editor give."""

    name: str
    event_source: str
    function: str
    actions: list
    publish_status: str
    integration_id: str = ""
    tags: dict | None = None


def _text(value, label: str, limit: int, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidRequest(f"{label} must be a string.")
    if required and not value.strip():
        raise InvalidRequest(f"{label} is required.")
    if len(value) > limit:
        raise InvalidRequest(f"{label} must be at most {limit:,} characters; it has {len(value):,}.")
    return value


def _task_action(action: dict, *, instance, third_party: bool, index: int) -> dict:
    task = action.get("TaskAction")
    where = f"Actions[{index}].TaskAction"
    if not isinstance(task, dict):
        raise InvalidRequest(f"{where} is required for CREATE_TASK.")
    name = _text(task.get("Name"), f"{where}.Name", TASK_NAME_MAX)
    description = _text(task.get("Description"), f"{where}.Description", TASK_DESCRIPTION_MAX, required=False)
    flow_id = task.get("ContactFlowId")
    flow = ContactFlow.objects.filter(instance=instance, pk=flow_id).first() if isinstance(flow_id, str) else None
    if flow is None:
        raise ResourceNotFound(f"{where}.ContactFlowId {str(flow_id)[:256]!r} was not found in this instance.")
    if not flow.is_published:
        raise InvalidRequest(
            f"Flow {flow.name!r} is saved but not published; a rule's task flow must be saved and published."
        )
    references = task.get("References") or {}
    if not isinstance(references, dict):
        raise InvalidRequest(f"{where}.References must be a map of names to {{Type, Value}}.")
    # Counted before anything else is checked: the default reference is the one whose Value is [ContactUrl].
    extra = sum(1 for ref in references.values() if not (isinstance(ref, dict) and ref.get("Value") == CONTACT_URL))
    if extra > TASK_EXTRA_REFERENCES_MAX:
        raise InvalidRequest(
            f"{where}.References: the default reference ({CONTACT_URL}) and at most {TASK_EXTRA_REFERENCES_MAX} "
            f"more; it has {extra} more."
        )
    defaults = 0
    clean_refs = {}
    for ref_name, ref in references.items():
        if not isinstance(ref, dict) or not isinstance(ref.get("Value", ""), str):
            raise InvalidRequest(f"{where}.References[{str(ref_name)[:50]!r}] must have a Type and a Value.")
        value = ref.get("Value", "")
        if len(value) > validation.REFERENCE_VALUE_MAX:
            raise InvalidRequest(
                f"{where}.References[{str(ref_name)[:50]!r}].Value must be at most "
                f"{validation.REFERENCE_VALUE_MAX:,} characters."
            )
        if value == CONTACT_URL:
            defaults += 1
            if third_party:
                raise InvalidRequest(
                    f"{where}.References[{str(ref_name)[:50]!r}]: {CONTACT_URL} names the source contact's page, "
                    "and a third-party event has no contact."
                )
            if ref.get("Type") != "URL":
                raise InvalidRequest(f"{where}: the default reference ({CONTACT_URL}) must be of Type URL.")
        # A value with dynamic values is checked once they are replaced, when the task is made.
        probe = value if "[" not in value else None
        validation.validate_references({ref_name: {"Type": ref.get("Type"), "Value": probe or _probe(ref)}})
        clean_refs[ref_name] = {"Type": ref.get("Type"), "Value": value}
    if defaults > 1:
        raise InvalidRequest(f"{where}: only one default reference ({CONTACT_URL}) per task.")
    clean = {"Name": name, "ContactFlowId": flow.id, "References": clean_refs}
    if description:
        clean["Description"] = description
    return clean


def _probe(ref: dict) -> str:
    """A stand-in value of the reference's type, to check its name and type before its dynamic values exist."""
    return {"URL": "https://example.com/", "NUMBER": "1", "EMAIL": "a@example.com", "DATE": "2026-01-01"}.get(
        ref.get("Type"), "x"
    )


def _notification_action(action: dict, *, instance, index: int) -> dict:
    note = action.get("SendNotificationAction")
    where = f"Actions[{index}].SendNotificationAction"
    if not isinstance(note, dict):
        raise InvalidRequest(f"{where} is required for SEND_NOTIFICATION.")
    content = _text(note.get("Content"), f"{where}.Content", NOTIFICATION_CONTENT_MAX)
    subject = _text(note.get("Subject"), f"{where}.Subject", NOTIFICATION_SUBJECT_MAX, required=False)
    recipient = note.get("Recipient") or {}
    if not isinstance(recipient, dict):
        raise InvalidRequest(f"{where}.Recipient must name UserIds.")
    if recipient.get("UserTags"):
        raise InvalidRequest(f"{where}.Recipient.UserTags is not supported by this server; name the users in UserIds.")
    if note.get("Exclusion"):
        raise InvalidRequest(f"{where}.Exclusion is not supported by this server; name the users in UserIds.")
    user_ids = recipient.get("UserIds") or []
    if not isinstance(user_ids, list) or not user_ids or not all(isinstance(u, str) for u in user_ids):
        raise InvalidRequest(f"{where}.Recipient.UserIds must list at least one user.")
    if len(user_ids) > NOTIFICATION_RECIPIENTS_MAX:
        raise InvalidRequest(f"{where}.Recipient.UserIds: at most {NOTIFICATION_RECIPIENTS_MAX} users.")
    found = set(User.objects.filter(instance=instance, pk__in=user_ids).values_list("pk", flat=True))
    missing = [u for u in user_ids if u not in found]
    if missing:
        raise ResourceNotFound(f"{where}.Recipient.UserIds: user {missing[0][:256]!r} was not found in this instance.")
    clean = {
        "DeliveryMethod": note.get("DeliveryMethod") or "EMAIL",
        "ContentType": note.get("ContentType") or "PLAIN_TEXT",
        "Content": content,
        "Recipient": {"UserIds": list(dict.fromkeys(user_ids))},
    }
    if subject:
        clean["Subject"] = subject
    return clean


def actions_check(actions, *, instance, event_source: str) -> list[dict]:
    """The actions as stored; InvalidRequest (or ResourceNotFound for a flow or user) names what is wrong."""
    if not isinstance(actions, list) or not actions:
        raise InvalidRequest("Actions must list at least one action.")
    third_party = event_source in THIRD_PARTY_SOURCES
    clean, seen = [], set()
    for index, action in enumerate(actions):
        kind = action.get("ActionType") if isinstance(action, dict) else None
        if kind not in SUPPORTED_ACTIONS:
            raise InvalidRequest(
                f"Actions[{index}]: ActionType {str(kind)[:60]!r} is not supported by this server; use "
                + ", ".join(SUPPORTED_ACTIONS)
                + "."
            )
        if kind in seen:
            raise InvalidRequest(f"Actions[{index}]: a rule has at most one {kind} action.")
        seen.add(kind)
        if kind == "ASSIGN_CONTACT_CATEGORY":
            if third_party:
                raise InvalidRequest(
                    f"Actions[{index}]: ASSIGN_CONTACT_CATEGORY needs a contact; {event_source} events have none."
                )
            clean.append({"ActionType": kind, "AssignContactCategoryAction": {}})
        elif kind == "CREATE_TASK":
            task = _task_action(action, instance=instance, third_party=third_party, index=index)
            clean.append({"ActionType": kind, "TaskAction": task})
        else:
            note = _notification_action(action, instance=instance, index=index)
            clean.append({"ActionType": kind, "SendNotificationAction": note})
    return clean


def _integration(instance, *, event_source: str, integration_id: str):
    if event_source not in THIRD_PARTY_SOURCES:
        if integration_id:
            raise InvalidRequest("IntegrationAssociationId applies to third-party event sources only.")
        return None
    if not integration_id:
        raise InvalidRequest(
            f"{event_source} needs TriggerEventSource.IntegrationAssociationId: the id of an integration "
            "(console: Settings → Integrations)."
        )
    integration = Integration.objects.filter(instance=instance, pk=integration_id).first()
    if integration is None:
        raise ResourceNotFound(f"Integration {integration_id[:200]!r} was not found in this instance.")
    wanted = {"OnZendeskTicketCreate": "ZENDESK", "OnZendeskTicketStatusUpdate": "ZENDESK"}.get(
        event_source, "SALESFORCE"
    )
    if integration.application not in (wanted, Integration.Application.GENERIC):
        raise InvalidRequest(
            f"Integration {integration.name!r} is a {integration.get_application_display()} integration; "
            f"{event_source} needs a {wanted.title()} or generic JSON one."
        )
    return integration


def _check(instance, data: RuleInput) -> tuple:
    name = _text(data.name, "Name", NAME_MAX)
    if data.publish_status not in Rule.PublishStatus.values:
        raise InvalidRequest("PublishStatus must be DRAFT or PUBLISHED.")
    function_parse(data.function, event_source=data.event_source)
    actions = actions_check(data.actions, instance=instance, event_source=data.event_source)
    integration = _integration(instance, event_source=data.event_source, integration_id=data.integration_id or "")
    return name, actions, integration


def _version_bump(instance) -> None:
    """Tell every process its compiled rules of this instance are stale (checked per evaluation)."""
    transaction_required("A rule set version bump")
    if not RuleSetVersion.objects.filter(instance=instance).update(version=F("version") + 1):
        RuleSetVersion.objects.create(instance=instance, version=1)


def rule_snapshot(rule: Rule) -> dict:
    return {
        "name": rule.name,
        "event_source": rule.event_source,
        "publish_status": rule.publish_status,
        "function": rule.function,
        "actions": rule.actions,
    }


def _create_fingerprint(data: RuleInput) -> str:
    """What a CreateRule ClientToken is compared on: every field of the request."""
    return request_hash(
        {
            "name": data.name,
            "event_source": data.event_source,
            "integration_id": data.integration_id or "",
            "function": data.function,
            "actions": data.actions,
            "publish_status": data.publish_status,
            "tags": data.tags or {},
        }
    )


def _rule_for_token(instance, *, token: str, fingerprint: str) -> Rule | None:
    """The rule a ClientToken made, if any; the same token with another request is refused."""
    rule = Rule.objects.filter(instance=instance, client_token=token).first()
    if rule is not None and rule.request_hash != fingerprint:
        raise InvalidRequest(
            "ClientToken was already used with a different request (name, trigger, function, actions, "
            "publish status or tags differ)."
        )
    return rule


def rule_create(*, instance, data: RuleInput, actor=None, actor_label: str = "", client_token: str = "") -> Rule:
    """CreateRule / the console's Add rule. Idempotent on `client_token` (CreateRule's ClientToken): the same
    token with the same request answers the rule it made (nothing written); with another request it is
    InvalidRequestException, the error botocore lists for CreateRule (it has no IdempotencyException)."""
    if client_token is None:
        client_token = ""
    if not isinstance(client_token, str) or len(client_token) > validation.CLIENT_TOKEN_MAX:
        raise InvalidRequest(f"ClientToken must be a string of at most {validation.CLIENT_TOKEN_MAX} characters.")
    fingerprint = _create_fingerprint(data) if client_token else ""
    if client_token:
        existing = _rule_for_token(instance, token=client_token, fingerprint=fingerprint)
        if existing is not None:
            return existing
    name, actions, integration = _check(instance, data)
    now = timezone.now()
    by = actor.username if actor is not None else (actor_label or "API")
    try:
        with entry_transaction():
            rule = Rule.objects.create(
                instance=instance,
                name=name,
                event_source=data.event_source,
                integration=integration,
                function=data.function,
                actions=actions,
                publish_status=data.publish_status,
                published_at=now if data.publish_status == Rule.PublishStatus.PUBLISHED else None,
                tags=data.tags or {},
                created_at=now,
                updated_at=now,
                created_by=by,
                updated_by=by,
                client_token=client_token,
                request_hash=fingerprint,
            )
            _version_bump(instance)
            audit_created(rule, resource_type="Rule", after=rule_snapshot(rule), actor=actor, actor_label=actor_label)
    except IntegrityError:
        # A concurrent request with the same token committed first (it blocked us on the unique token): answer
        # its rule, as a retry would get it.
        if client_token:
            existing = _rule_for_token(instance, token=client_token, fingerprint=fingerprint)
            if existing is not None:
                return existing
        raise ResourceConflict(f"A rule named {name!r} already exists in this instance.")
    return rule


def rule_update(*, rule: Rule, data: RuleInput, actor=None, actor_label: str = "") -> Rule:
    """UpdateRule / the console's editor: the event source stays (Amazon Connect's UpdateRule has none)."""
    instance = rule.instance
    data = RuleInput(
        name=data.name,
        event_source=rule.event_source,
        function=data.function,
        actions=data.actions,
        publish_status=data.publish_status,
        integration_id=rule.integration_id or "",
        tags=rule.tags,
    )
    name, actions, _ = _check(instance, data)
    now = timezone.now()
    try:
        with entry_transaction():
            locked = Rule.objects.select_for_update().filter(pk=rule.pk, instance=instance).first()
            if locked is None:
                raise ResourceNotFound(f"Rule {rule.pk!r} was not found in this instance.")
            before = rule_snapshot(locked)
            # Publishing starts the rule's life: it applies to contacts initiated from now on. Re-saving a
            # published rule keeps its publication time.
            if data.publish_status == Rule.PublishStatus.PUBLISHED and locked.publish_status != data.publish_status:
                locked.published_at = now
            elif data.publish_status == Rule.PublishStatus.DRAFT:
                locked.published_at = None
            locked.name, locked.function, locked.actions = name, data.function, actions
            locked.publish_status = data.publish_status
            locked.updated_at = now
            locked.updated_by = actor.username if actor is not None else (actor_label or "API")
            locked.save()
            _version_bump(instance)
            audit_updated(
                locked, before, resource_type="Rule", after=rule_snapshot(locked), actor=actor, actor_label=actor_label
            )
    except IntegrityError:
        raise ResourceConflict(f"A rule named {name!r} already exists in this instance.")
    return locked


def rule_delete(*, rule: Rule, actor=None, actor_label: str = "") -> None:
    """DeleteRule: the rule and its history of firings go; tasks it made stay."""
    with entry_transaction():
        snapshot = rule_snapshot(rule)
        deleted, _ = Rule.objects.filter(pk=rule.pk, instance_id=rule.instance_id).delete()
        if not deleted:
            raise ResourceNotFound(f"Rule {rule.pk!r} was not found in this instance.")
        _version_bump(rule.instance)
        audit_deleted(rule, snapshot, resource_type="Rule", resource_id=rule.id, actor=actor, actor_label=actor_label)


def rule_set_published(*, rule: Rule, published: bool, actor=None) -> Rule:
    """The console's Publish / Unpublish."""
    data = RuleInput(
        name=rule.name,
        event_source=rule.event_source,
        function=rule.function,
        actions=rule.actions,
        publish_status=Rule.PublishStatus.PUBLISHED if published else Rule.PublishStatus.DRAFT,
    )
    return rule_update(rule=rule, data=data, actor=actor)


# The console's Test ---------------------------------------------------------------------------------------


def transcript_parse(text: str) -> list[Segment]:
    """A pasted transcript: one utterance per line, `CUSTOMER: …` or `AGENT: …` (a line without a speaker is the
    customer's); offsets are made up, 5 seconds an utterance."""
    segments = []
    for number, line in enumerate(line for line in text.splitlines() if line.strip()):
        role, sep, content = line.partition(":")
        role = role.strip().upper()
        if not sep or role not in ("CUSTOMER", "AGENT"):
            role, content = "CUSTOMER", line
        segments.append(
            Segment(
                id=f"line-{number + 1}",
                role=role,
                content=content.strip(),
                begin=number * 5000,
                end=number * 5000 + 4000,
            )
        )
    return segments


def rule_test(*, rule: Rule, transcript: str = "", payload_text: str = "", facts: Facts | None = None) -> dict:
    """What the rule would do with this transcript (conversation rules) or payload (third-party rules), without
    writing anything: whether it matches, where, and its actions with their dynamic values replaced."""
    compiled = CompiledRule(
        id=rule.id,
        name=rule.name,
        event_source=rule.event_source,
        root=function_parse(rule.function, event_source=rule.event_source),
        actions=rule.actions,
        integration_id=rule.integration_id or "",
    )
    ruleset = RuleSet([compiled])
    facts = facts or Facts(contact_id="(source contact)", queue_id="", agent_id="")
    payload = None
    if rule.event_source in CONTACT_LENS_SOURCES:
        matches = ruleset.match_transcript(
            event_source=rule.event_source, segments=transcript_parse(transcript), facts=facts
        )
    else:
        try:
            payload = json.loads(payload_text or "{}")
        except ValueError:
            raise InvalidRequest("The payload is not valid JSON.")
        if not isinstance(payload, dict):
            raise InvalidRequest("The payload must be a JSON object.")
        matches = ruleset.match_event(
            event_source=rule.event_source, integration_id=compiled.integration_id, payload=payload
        )
    if not matches:
        return {"matched": False, "actions": []}
    match = matches[0]
    # Engine and Test share the wording of actions (ccp/services/rule_engine.py builds values the same way).
    values = {
        "ContactId": facts.contact_id,
        "AgentId": facts.agent_id,
        "QueueId": facts.queue_id,
        "RuleName": rule.name,
    }
    if payload is not None:
        values = {**payload_values(payload), "RuleName": rule.name}
    described = []
    for action in rule.actions:
        kind = action["ActionType"]
        if kind == "ASSIGN_CONTACT_CATEGORY":
            described.append(
                {"type": kind, "summary": f"Category {rule.name!r} on the contact", "points": match.points}
            )
        elif kind == "CREATE_TASK":
            task = action["TaskAction"]
            described.append(
                {
                    "type": kind,
                    "summary": "Create a task",
                    "name": dynamic_apply(task["Name"], values)[:TASK_NAME_MAX],
                    "description": dynamic_apply(task.get("Description", ""), values)[:TASK_DESCRIPTION_MAX],
                    "references": {
                        k: (v["Value"] if v["Value"] == CONTACT_URL else dynamic_apply(v["Value"], values))
                        for k, v in task.get("References", {}).items()
                    },
                    "flow_id": task["ContactFlowId"],
                }
            )
        else:
            note = action["SendNotificationAction"]
            described.append(
                {
                    "type": kind,
                    "summary": "Notify " + ", ".join(note["Recipient"]["UserIds"]),
                    "content": dynamic_apply(note["Content"], values),
                    "user_ids": note["Recipient"]["UserIds"],
                }
            )
    return {"matched": True, "phrases": match.phrases, "points": match.points, "actions": described}
