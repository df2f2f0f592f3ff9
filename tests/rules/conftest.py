"""Helpers of the rules tests: conversations made directly (the conversation API lives on another branch), rules
made through the service, and segments delivered through rule_triggers as the conversation side calls it."""

import itertools
import json

import pytest
from django.utils import timezone

from ccp import models as m
from ccp.services import rule_triggers
from ccp.services.rules import RuleInput, rule_create

_ids = itertools.count(1)

RT_CALL = "$.ContactLens.RealTimeCall.ExactMatch.Transcript"


def words(*phrases, role="ANY", source="RealTimeCall", negate=False, kind="ExactMatch") -> dict:
    return {
        "Operator": "CONTAINS_ANY",
        "Operands": list(phrases),
        "ComparisonValue": f"$.ContactLens.{source}.{kind}.Transcript",
        "FilterClause": {"LogicOperator": "AND", "Filters": [{"Type": "ParticipantRole", "Data": role}]},
        "Negate": negate,
    }


def function(*conditions, operator="AND") -> str:
    return json.dumps({"Version": "2022-11-25", "RuleFunction": {"Operator": operator, "Operands": list(conditions)}})


def task_action(flow, name="Review [ContactId]", description="", references=None) -> dict:
    task = {"Name": name, "ContactFlowId": flow.id, "References": references or {}}
    if description:
        task["Description"] = description
    return {"ActionType": "CREATE_TASK", "TaskAction": task}


CATEGORY = {"ActionType": "ASSIGN_CONTACT_CATEGORY", "AssignContactCategoryAction": {}}


class Conversations:
    """Makes VOICE/CHAT contacts, rules and segments for one cast."""

    def __init__(self, cast):
        self.cast = cast

    def rule(
        self,
        name="Refund",
        *conditions,
        source="OnRealTimeCallAnalysisAvailable",
        actions=None,
        status="PUBLISHED",
        operator="AND",
        integration_id="",
    ):
        conditions = conditions or (words("refund"),)
        return rule_create(
            instance=self.cast.instance,
            data=RuleInput(
                name=name,
                event_source=source,
                function=function(*conditions, operator=operator),
                actions=actions if actions is not None else [CATEGORY],
                publish_status=status,
                integration_id=integration_id,
            ),
            actor=self.cast.admin,
        )

    def contact(self, channel="VOICE", *, agent=None, attributes=None, state="CONNECTED") -> m.Contact:
        now = timezone.now()
        agent = agent if agent is not None else self.cast.alice
        return m.Contact.objects.create(
            instance=self.cast.instance,
            channel=channel,
            initiation_method="INBOUND",
            state=state,
            name="",
            queue=self.cast.queue,
            agent=agent if state in ("CONNECTING", "CONNECTED", "AFTER_CONTACT_WORK") else None,
            attributes=attributes or {},
            initiation_timestamp=now,
            last_update_timestamp=now,
            disconnect_reason="CUSTOMER_DISCONNECT" if state == "ENDED" else "",
        )

    def say(self, contact, *lines, segment_ids=None) -> list[m.TranscriptSegment]:
        """Store segments (role, text) as the conversation side would and call the trigger after commit."""
        made = []
        start = contact.transcript_segments.count() * 5000
        for index, (role, text) in enumerate(lines):
            segment_id = segment_ids[index] if segment_ids else f"seg-{next(_ids)}"
            segment, created = m.TranscriptSegment.objects.get_or_create(
                contact=contact,
                segment_id=segment_id,
                defaults=dict(
                    instance=contact.instance,
                    participant_id=role.lower(),
                    participant_role=role,
                    content=text,
                    begin_offset_millis=start + index * 5000,
                    end_offset_millis=start + index * 5000 + 4000,
                    received_at=timezone.now(),
                ),
            )
            if created:
                made.append(segment)
        rule_triggers.on_segments_added(contact, made)
        return made

    def end(self, contact) -> None:
        m.Contact.objects.filter(pk=contact.pk).update(
            state="ENDED",
            disconnect_reason="CUSTOMER_DISCONNECT",
            agent=contact.agent,
            disconnect_timestamp=timezone.now(),
        )
        contact.refresh_from_db()
        rule_triggers.on_contact_ended(contact)


@pytest.fixture
def talk(cast):
    return Conversations(cast)
