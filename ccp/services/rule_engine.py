"""The rules engine: evaluates an instance's compiled published rules when a conversation or a third-party event
gives it something to look at, and runs the actions of each rule that matches.

- Compiled once per change: `ruleset_for` keeps each instance's RuleSet in this process with the RuleSetVersion
  it was built at, and rebuilds it when the counter moved (one indexed read per evaluation), so a publish, update
  or delete in any process reaches every process at its next evaluation.
- Once: a firing is a RuleFiring row, unique per (rule, event key) — the contact's id for conversations, the
  event's id for webhooks — inserted in the same transaction as the rule's actions. A rule that already acted on
  a contact is skipped, and a redelivered segment or webhook finds the row and does nothing.
- After the triggering commit, in a transaction of its own: the callers (rule_triggers, the webhook service)
  run after their own commit. A failing action rolls its transaction back and a FAILED firing records the error
  (the console's history shows it), so a failure is never silently lost."""

import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from ccp import validation
from ccp.compiled import CompiledQuery, fetch_together
from ccp.errors import ServiceError
from ccp.models import (
    Channel,
    Contact,
    ContactCategory,
    ContactFlow,
    ContactState,
    InitiationMethod,
    Instance,
    Notification,
    Rule,
    RuleFiring,
    RuleSetVersion,
    TranscriptSegment,
    User,
)
from ccp.realtime.publish import agent_refresh
from ccp.rules.dynamic import CONTACT_URL, dynamic_apply, payload_values
from ccp.rules.function import function_parse
from ccp.rules.ruleset import CompiledRule, Facts, Match, RuleSet, Segment
from ccp.services.contact_events import contact_record_event
from ccp.services.tasks import task_create
from ccp.services.transactions import entry_transaction

log = logging.getLogger(__name__)

REAL_TIME = {Channel.VOICE: "OnRealTimeCallAnalysisAvailable", Channel.CHAT: "OnRealTimeChatAnalysisAvailable"}
POST_CONTACT = {Channel.VOICE: "OnPostCallAnalysisAvailable", Channel.CHAT: "OnPostChatAnalysisAvailable"}
TASK_NAME_MAX = 512
TASK_DESCRIPTION_MAX = 4096

_cache: dict[str, tuple[int, RuleSet]] = {}
_cache_lock = threading.Lock()


# The evaluation's reads, compiled once (ccp/compiled.py): they run for every segment of every call.
_VERSION = CompiledQuery(
    lambda instance_id: RuleSetVersion.objects.filter(instance_id=instance_id).order_by().values_list("version")[:1]
)
_CONTACT = CompiledQuery(lambda pk: Contact.objects.filter(pk=pk)[:1])
_FIRED = CompiledQuery(lambda contact_id: RuleFiring.objects.filter(contact_id=contact_id).values_list("rule_id"))
_SEGMENTS = CompiledQuery(
    lambda contact_id: TranscriptSegment.objects.filter(contact_id=contact_id).values_list(
        "segment_id", "participant_role", "content", "begin_offset_millis", "end_offset_millis"
    )
)
_FLOW = CompiledQuery(lambda instance_id, pk: ContactFlow.objects.filter(instance_id=instance_id, pk=pk).order_by()[:1])
_INSTANCE = CompiledQuery(lambda pk: Instance.objects.filter(pk=pk)[:1])


def ruleset_version(instance_id: str) -> int:
    row = _VERSION.first(instance_id)
    return (row[0] if row else 0) or 0


def ruleset_build(instance_id: str) -> RuleSet:
    """Compile the instance's published rules (its Function documents were checked when saved)."""
    compiled = []
    for rule in Rule.objects.filter(instance_id=instance_id, publish_status=Rule.PublishStatus.PUBLISHED):
        try:
            root = function_parse(rule.function, event_source=rule.event_source)
        except ServiceError:
            log.warning("rule %s of instance %s no longer compiles; it is skipped", rule.id, instance_id)
            continue
        compiled.append(
            CompiledRule(
                id=rule.id,
                name=rule.name,
                event_source=rule.event_source,
                root=root,
                actions=rule.actions,
                published_at=rule.published_at,
                integration_id=rule.integration_id or "",
            )
        )
    return RuleSet(compiled)


def ruleset_for(instance_id: str, version: int | None = None) -> RuleSet:
    """The instance's compiled rules, rebuilt only when its RuleSetVersion moved (`version`, when the caller
    read it already)."""
    # The version is read before the rules: a write landing in between leaves a newer set under an older
    # version, which the next evaluation rebuilds, never the reverse.
    if version is None:
        version = ruleset_version(instance_id)
    cached = _cache.get(instance_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    ruleset = ruleset_build(instance_id)
    with _cache_lock:
        _cache[instance_id] = (version, ruleset)
    return ruleset


def _segments(contact: Contact) -> list[Segment]:
    return _as_segments(_SEGMENTS.rows(contact.id))


def _as_segments(rows) -> list[Segment]:
    return [Segment(id=r[0], role=r[1], content=r[2], begin=r[3], end=r[4]) for r in rows]


def _facts(contact: Contact) -> Facts:
    return Facts(
        contact_id=contact.id,
        queue_id=contact.queue_id or "",
        agent_id=contact.agent_id or "",
        attributes=contact.attributes or {},
    )


@dataclass(frozen=True)
class TranscriptSeen:
    """What a real-time evaluation reads, read already by the caller (`transcript_reads`, in the transaction that
    added segments, under the contact's lock): the rule-set version, the rules fired on the contact, and its whole
    transcript with the segments just added."""

    version: int
    fired: frozenset
    segments: list[Segment]


def transcript_reads(*, contact_id: str, instance_id: str) -> tuple:
    """The reads of `TranscriptSeen`, as fetch_together calls: a caller that holds the contact's lock adds them
    to its own round trip, and `transcript_seen` shapes their results."""
    return (
        (_VERSION, "first", (instance_id,)),
        (_FIRED, "rows", (contact_id,)),
        (_SEGMENTS, "rows", (contact_id,)),
    )


def transcript_seen(version, fired, transcript, *, added=()) -> TranscriptSeen:
    """The results of `transcript_reads`, with the segments the caller then added (in any order: the rule set
    orders a match's segments itself)."""
    segments = _as_segments(transcript) + [
        Segment(
            id=s.segment_id,
            role=s.participant_role,
            content=s.content,
            begin=s.begin_offset_millis,
            end=s.end_offset_millis,
        )
        for s in added
    ]
    return TranscriptSeen(
        version=(version[0] if version else 0) or 0, fired=frozenset(row[0] for row in fired), segments=segments
    )


def rules_on_transcript(*, contact: Contact, real_time: bool, seen: TranscriptSeen | None = None) -> list[RuleFiring]:
    """Evaluate the conversation so far (real time: the contact is still active) or the whole of it (post-call /
    post-chat, once it ended) against the published rules of its event source; fire those that match. `seen`:
    the contact is as read under its lock by the caller, with what the evaluation reads (`transcript_reads`)."""
    if seen is None:
        instance = contact.instance if Contact.instance.is_cached(contact) else None
        # One round trip: the contact as it is now, the rule-set version, the rules fired on it, its transcript.
        contact, *reads = fetch_together(
            (_CONTACT, "first", (contact.pk,)),
            *transcript_reads(contact_id=contact.pk, instance_id=contact.instance_id),
        )
        if contact is None:
            return []
        if instance is not None:
            contact.instance = instance
        seen = transcript_seen(*reads)
    if contact.channel not in REAL_TIME:
        return []
    if real_time and contact.state == ContactState.ENDED:
        return []
    if not real_time and contact.state != ContactState.ENDED:
        return []
    event_source = (REAL_TIME if real_time else POST_CONTACT)[contact.channel]
    ruleset = ruleset_for(contact.instance_id, version=seen.version)
    if not ruleset.by_source.get(event_source):
        return []
    matches = ruleset.match_transcript(
        event_source=event_source,
        segments=seen.segments,
        facts=_facts(contact),
        initiated_at=contact.initiation_timestamp,
        exclude=seen.fired,
    )
    firings = []
    for match in matches:
        firing = _fire(instance_id=contact.instance_id, match=match, event_key=f"contact:{contact.id}", contact=contact)
        if firing is not None:
            firings.append(firing)
    return firings


def rules_on_event(*, integration, event_source: str, event_id: str, payload: dict) -> list[RuleFiring]:
    """A third-party event (a verified webhook): fire the published rules of its source and integration that its
    payload satisfies, each once per event id."""
    ruleset = ruleset_for(integration.instance_id)
    matches = ruleset.match_event(event_source=event_source, integration_id=integration.id, payload=payload)
    firings = []
    for match in matches:
        firing = _fire(
            instance_id=integration.instance_id,
            match=match,
            event_key=f"event:{integration.id}:{event_id}"[:512],
            payload=payload,
        )
        if firing is not None:
            firings.append(firing)
    return firings


class _FiredAlready(Exception):
    """The rule already fired for this event key: the transaction that ran its actions again rolls back."""


def _fire(*, instance_id: str, match: Match, event_key: str, contact: Contact | None = None, payload=None):
    """Run the rule's actions and record the firing in one transaction; a duplicate does nothing, a failure is
    recorded as a FAILED firing."""
    rule = match.rule
    now = timezone.now()
    detail = {"phrases": match.phrases, "segment_ids": match.segment_ids, "points": match.points}
    if payload is not None:
        detail["payload"] = payload
    try:
        with entry_transaction():
            task = _actions_run(
                instance_id=instance_id, rule=rule, match=match, contact=contact, payload=payload, now=now
            )
            # The firing row goes in last, with its task: a second firing of this rule for this key (a later
            # segment, the same delivery again, another process) fails on the unique (rule, event key) and rolls
            # back everything its actions wrote. No savepoint and no second write of the row: two round trips
            # fewer than claiming first, and a duplicate is rare (the rules already fired were read just before).
            try:
                return RuleFiring.objects.create(
                    instance_id=instance_id,
                    rule_id=rule.id,
                    rule_name=rule.name,
                    event_key=event_key,
                    contact=contact,
                    fired_at=now,
                    status=RuleFiring.Status.DONE,
                    detail=detail,
                    task=task,
                )
            except IntegrityError as exc:
                raise _FiredAlready from exc
    except _FiredAlready:
        return None  # fired already: its actions are undone with this transaction
    except Exception as exc:  # noqa: BLE001 - any failure of an action is recorded, never lost
        log.exception("rule %s failed on %s", rule.id, event_key)
        message = exc.message if isinstance(exc, ServiceError) else f"{type(exc).__name__}: {exc}"
        try:
            with entry_transaction():
                return RuleFiring.objects.create(
                    instance_id=instance_id,
                    rule_id=rule.id,
                    rule_name=rule.name,
                    event_key=event_key,
                    contact=contact,
                    fired_at=now,
                    status=RuleFiring.Status.FAILED,
                    detail=detail,
                    error=message[:2000],
                )
        except IntegrityError:
            return None  # the rule was deleted meanwhile, or another process recorded this firing


def contact_console_url(contact: Contact) -> str:
    """The source contact's page in the console (its summary, which shows it live while it is active)."""
    return settings.PUBLIC_URL + reverse("admin_console:contact_detail", args=[contact.id])


def action_values(*, rule_name: str, contact: Contact | None, payload) -> dict[str, str]:
    """The dynamic values an action's text may name."""
    values = payload_values(payload) if payload is not None else {}
    if contact is not None:
        values.update({"ContactId": contact.id, "AgentId": contact.agent_id or "", "QueueId": contact.queue_id or ""})
    values["RuleName"] = rule_name
    return values


def _actions_run(*, instance_id: str, rule: CompiledRule, match: Match, contact: Contact | None, payload, now):
    values = action_values(rule_name=rule.name, contact=contact, payload=payload)
    task = None
    for action in rule.actions:
        kind = action["ActionType"]
        if kind == "ASSIGN_CONTACT_CATEGORY" and contact is not None:
            _category_assign(rule=rule, match=match, contact=contact, now=now)
        elif kind == "CREATE_TASK":
            task = _task_make(
                instance_id=instance_id, rule=rule, action=action["TaskAction"], contact=contact, values=values
            )
        elif kind == "SEND_NOTIFICATION":
            _notify(
                instance_id=instance_id,
                rule=rule,
                action=action["SendNotificationAction"],
                contact=contact,
                values=values,
                now=now,
            )
    return task


def _category_assign(*, rule: CompiledRule, match: Match, contact: Contact, now) -> None:
    _, created = ContactCategory.objects.get_or_create(
        contact=contact,
        name=rule.name,
        defaults={
            "instance_id": contact.instance_id,
            "contact_initiated_at": contact.initiation_timestamp,
            "rule_id": rule.id,
            "matched_at": now,
            "details": {"PointsOfInterest": match.points},
        },
    )
    if created:
        contact_record_event(
            contact=contact,
            event="CATEGORIZED",
            actor_type="rule",
            detail={"category": rule.name, "rule_id": rule.id},
        )


def _task_make(*, instance_id: str, rule: CompiledRule, action: dict, contact: Contact | None, values: dict) -> Contact:
    flow = _FLOW.first(instance_id, action["ContactFlowId"])
    if flow is None:
        raise ServiceError(f"The rule's task flow {action['ContactFlowId']!r} no longer exists.")
    references = {}
    for name, ref in (action.get("References") or {}).items():
        if ref["Value"] == CONTACT_URL:
            if contact is not None:
                references[name] = {"Type": "URL", "Value": contact_console_url(contact)}
        else:
            references[name] = {"Type": ref["Type"], "Value": dynamic_apply(ref["Value"], values)}
    # Replaced values can make a text longer than its limit: it is cut at the limit rather than losing the task.
    cached = contact is not None and Contact.instance.is_cached(contact)
    return task_create(
        instance=contact.instance if cached else _INSTANCE.first(instance_id),
        # botocore's InitiationMethod has no RULE: a rule's task is made through the API as Amazon Connect's
        # rules make it; RuleFiring.task records which rule made it.
        initiation_method=InitiationMethod.API,
        actor_type="rule",
        name=dynamic_apply(action["Name"], values)[:TASK_NAME_MAX],
        description=dynamic_apply(action.get("Description", ""), values)[:TASK_DESCRIPTION_MAX],
        references=references,
        # The default reference and up to 25 more (checked at CreateRule).
        references_max=validation.RULE_TASK_REFERENCES_MAX,
        contact_flow=flow,
        previous_contact=contact,
    )


def _notify(*, instance_id: str, rule: CompiledRule, action: dict, contact: Contact | None, values: dict, now) -> None:
    content = dynamic_apply(action["Content"], values)[:1024]
    subject = dynamic_apply(action.get("Subject", ""), values)[:200]
    users = User.objects.filter(instance_id=instance_id, pk__in=action["Recipient"]["UserIds"], is_active=True)
    for user_id in users.values_list("pk", flat=True):
        Notification.objects.create(
            instance_id=instance_id,
            user_id=user_id,
            subject=subject,
            content=content,
            rule_name=rule.name,
            contact_id=contact.id if contact is not None else "",
            created_at=now,
        )
        agent_refresh(user_id=user_id, reason="notification", contact_id=contact.id if contact is not None else "")
