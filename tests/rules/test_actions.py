"""What a rule does when it fires: the category, the task (dynamic values, references, the previous-contact link,
inherited attributes, routed and offered), the notification, and a failing action recorded."""

import pytest
from django.conf import settings

from ccp import models as m
from ccp.errors import InvalidRequest, ResourceNotFound, ServiceError
from ccp.services.rules import RuleInput, rule_create
from tests.rules.conftest import CATEGORY, function, task_action, words

pytestmark = pytest.mark.django_db


def notify(*users, content="[RuleName] on [ContactId]") -> dict:
    return {"ActionType": "SEND_NOTIFICATION", "SendNotificationAction": {
        "DeliveryMethod": "EMAIL", "ContentType": "PLAIN_TEXT", "Subject": "Heads up", "Content": content,
        "Recipient": {"UserIds": [u.id for u in users]}}}


def test_the_task_replaces_dynamic_values_links_the_call_and_inherits_its_attributes(talk, cast):
    action = task_action(
        cast.flow,
        name="[RuleName]: call [ContactId]",
        description="Agent [AgentId] in queue [QueueId]; [Unknown] stays",
        references={"Call": {"Type": "URL", "Value": "[ContactUrl]"},
                    "Note": {"Type": "STRING", "Value": "from [RuleName]"}},
    )
    rule = talk.rule("Refund", words("refund"), actions=[action])
    call = talk.contact("VOICE", attributes={"Tier": "VIP", "Order": "42"})
    talk.say(call, ("CUSTOMER", "refund"))
    task = m.Contact.objects.get(previous_contact=call)
    assert task.channel == "TASK"
    assert task.name == f"Refund: call {call.id}"
    assert task.description == f"Agent {cast.alice.id} in queue {cast.queue.id}; [Unknown] stays"
    assert task.references["Call"] == {
        "Type": "URL", "Value": f"{settings.PUBLIC_URL}/console/contacts/{call.id}/"}
    assert task.references["Note"] == {"Type": "STRING", "Value": "from Refund"}
    assert task.attributes == {"Tier": "VIP", "Order": "42"}
    assert task.initiation_method == "API"
    firing = m.RuleFiring.objects.get(rule=rule, contact=call)
    assert firing.task_id == task.id and firing.status == "DONE"


def test_the_task_is_routed_and_offered_to_an_available_agent(talk, cast, django_capture_on_commit_callbacks):
    talk.rule("Refund", words("refund"), actions=[task_action(cast.flow)])
    call = talk.contact("VOICE", agent=cast.bob)
    cast.available(cast.alice)
    with django_capture_on_commit_callbacks(execute=True):
        talk.say(call, ("CUSTOMER", "refund"))
    task = m.Contact.objects.get(previous_contact=call)
    assert task.state == "CONNECTING" and task.agent_id == cast.alice.id


def test_replaced_values_longer_than_the_limit_are_cut_at_it(talk, cast):
    talk.rule("Long", words("refund"), actions=[task_action(cast.flow, name="x" * 500 + "[ContactId]")])
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "refund"))
    assert len(m.Contact.objects.get(previous_contact=call).name) == 512


def test_the_notification_reaches_the_chosen_users_panels(talk, cast, pushes, django_capture_on_commit_callbacks):
    talk.rule("Refund", words("refund"), actions=[notify(cast.supervisor, cast.bob)])
    call = talk.contact("VOICE")
    with django_capture_on_commit_callbacks(execute=True):
        talk.say(call, ("CUSTOMER", "refund"))
    notes = m.Notification.objects.filter(contact_id=call.id)
    assert sorted(n.user_id for n in notes) == sorted([cast.supervisor.id, cast.bob.id])
    assert notes[0].content == f"Refund on {call.id}"
    assert "notification" in pushes.reasons(cast.bob)
    assert pushes.reasons(cast.alice) == []


def test_a_failing_action_is_recorded_and_nothing_half_done(talk, cast):
    rule = talk.rule("Refund", words("refund"), actions=[CATEGORY, task_action(cast.flow)])
    m.ContactFlow.objects.filter(pk=cast.flow.pk).update(published_content="", status="SAVED")  # unpublished later
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "refund"))
    firing = m.RuleFiring.objects.get(rule=rule, contact=call)
    assert firing.status == "FAILED" and "not published" in firing.error
    assert not m.ContactCategory.objects.filter(contact=call).exists()
    assert not m.Contact.objects.filter(previous_contact=call).exists()
    talk.say(call, ("CUSTOMER", "refund again"))
    assert m.RuleFiring.objects.filter(rule=rule, contact=call).count() == 1


def _create(cast, actions, source="OnRealTimeCallAnalysisAvailable"):
    return rule_create(instance=cast.instance, data=RuleInput(
        name="R", event_source=source, function=function(words("x")), actions=actions, publish_status="DRAFT"),
        actor=cast.admin)


@pytest.mark.parametrize(
    "make, named",
    [
        (lambda c: [task_action(c.flow, name="n" * 513)], "at most 512"),
        (lambda c: [task_action(c.flow, description="d" * 4097)], "at most 4,096"),
        (lambda c: [task_action(c.flow, references={f"r{i}": {"Type": "STRING", "Value": "v"} for i in range(26)})],
         "at most 25 more; it has 26 more"),
        (lambda c: [task_action(c.flow, references={"r": {"Type": "STRING", "Value": "v" * 4097}})], "4,096"),
        (lambda c: [task_action(c.flow, references={"r": {"Type": "URL", "Value": "javascript:alert(1)"}})], "URL"),
        (lambda c: [{"ActionType": "GENERATE_EVENTBRIDGE_EVENT", "EventBridgeAction": {"Name": "x"}}],
         "GENERATE_EVENTBRIDGE_EVENT"),
        (lambda c: [], "at least one"),
        (lambda c: [CATEGORY, CATEGORY], "at most one"),
        (lambda c: [notify(c.alice, content="")], "Content is required"),
        (lambda c: [notify(c.alice, content="c" * 1025)], "1,024"),
    ],
)
def test_actions_over_their_limits_are_refused_and_nothing_is_written(cast, make, named):
    with pytest.raises(ServiceError) as refused:
        _create(cast, make(cast))
    assert named in refused.value.message
    assert not m.Rule.objects.exists() and not m.AuditEntry.objects.filter(resource_type="Rule").exists()


def _references(extra: int) -> dict:
    refs = {f"r{i}": {"Type": "STRING", "Value": "v" * 4096} for i in range(extra)}
    refs["Call"] = {"Type": "URL", "Value": "[ContactUrl]"}
    return refs


def test_the_default_reference_and_25_more_are_accepted_and_all_26_reach_the_task(talk, cast):
    talk.rule("Refund", words("refund"), actions=[
        task_action(cast.flow, name="n" * 512, description="d" * 4096, references=_references(25))])
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "refund"))
    task = m.Contact.objects.get(previous_contact=call)
    assert len(task.references) == 26
    assert task.references["Call"]["Value"].endswith(f"/console/contacts/{call.id}/")


def test_the_default_reference_and_26_more_are_refused_and_nothing_is_written(cast):
    with pytest.raises(InvalidRequest) as refused:
        _create(cast, [task_action(cast.flow, references=_references(26))])
    assert refused.value.message.endswith(
        "References: the default reference ([ContactUrl]) and at most 25 more; it has 26 more.")
    assert not m.Rule.objects.exists() and not m.AuditEntry.objects.filter(resource_type="Rule").exists()


def test_a_rules_task_with_26_references_can_still_update_them_but_not_add_one(talk, cast):
    from ccp import validation
    from ccp.errors import InvalidParameter

    talk.rule("Refund", words("refund"), actions=[task_action(cast.flow, references=_references(25))])
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "refund"))
    task = m.Contact.objects.get(previous_contact=call)
    merged = validation.references_merge(task.references, {"r0": {"Type": "STRING", "Value": "new"}})
    assert len(merged) == 26 and merged["r0"]["Value"] == "new"
    with pytest.raises(InvalidParameter):
        validation.references_merge(task.references, {"r99": {"Type": "STRING", "Value": "new"}})


def test_a_task_flow_must_be_saved_and_published(cast):
    draft = m.ContactFlow.objects.create(instance=cast.instance, name="Draft", content=cast.flow.content)
    with pytest.raises(InvalidRequest) as refused:
        _create(cast, [task_action(draft)])
    assert "not published" in refused.value.message
    with pytest.raises(ResourceNotFound):
        _create(cast, [task_action(cast.elsewhere["flow"])])


def test_notifications_name_users_of_this_instance(cast):
    with pytest.raises(ResourceNotFound):
        _create(cast, [notify(cast.outsider)])


def test_a_category_needs_a_contact_so_third_party_rules_refuse_it(cast):
    with pytest.raises(InvalidRequest) as refused:
        rule_create(instance=cast.instance, data=RuleInput(
            name="Z", event_source="OnZendeskTicketCreate", function=function(
                {"Operator": "EQUALS", "Operands": ["urgent"],
                 "ComparisonValue": "$.ThirdParty.Zendesk.TicketCreate.Priority"}),
            actions=[CATEGORY], publish_status="DRAFT", integration_id="nope"), actor=cast.admin)
    assert "ASSIGN_CONTACT_CATEGORY" in refused.value.message


def test_rule_changes_are_audited(talk, cast):
    from ccp.services.rules import rule_delete, rule_set_published

    rule = talk.rule("Refund", words("refund"), status="DRAFT")
    rule_set_published(rule=rule, published=True, actor=cast.admin)
    rule_delete(rule=rule, actor=cast.admin)
    entries = list(m.AuditEntry.objects.filter(resource_type="Rule").order_by("id").values_list("action", "actor_id"))
    assert entries == [("CREATE", cast.admin.id), ("UPDATE", cast.admin.id), ("DELETE", cast.admin.id)]


def test_a_second_firing_that_slips_past_the_check_rolls_its_task_back(talk, cast):
    """Two deliveries evaluated at once both see the rule unfired: the second's firing row fails on the unique
    (rule, contact) and everything its actions wrote goes with it; one task, one DONE firing."""
    from ccp.rules.ruleset import Facts
    from ccp.services.rule_engine import _fire, _segments, ruleset_for

    rule = talk.rule("Refund", words("refund"), actions=[CATEGORY, task_action(cast.flow)])
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "refund"))
    [match] = ruleset_for(cast.instance.id).match_transcript(
        event_source="OnRealTimeCallAnalysisAvailable", segments=_segments(call), facts=Facts(contact_id=call.id)
    )
    assert _fire(instance_id=cast.instance.id, match=match, event_key=f"contact:{call.id}", contact=call) is None
    assert m.Contact.objects.filter(previous_contact=call).count() == 1
    assert list(m.RuleFiring.objects.filter(rule=rule).values_list("status", flat=True)) == ["DONE"]
    assert m.ContactCategory.objects.filter(contact=call).count() == 1
