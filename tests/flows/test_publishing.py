import json
from pathlib import Path

import pytest

from ccp.errors import InvalidFlow
from ccp.flows.publish import flow_validate
from ccp.models import ContactFlow, FlowStatus, FlowType
from ccp.services.configuration.flows import flow_create, flow_save_content
from tests.flows.conftest import action, document

pytestmark = pytest.mark.django_db

TASK_HANDLER = Path(__file__).resolve().parent / "exports" / "task-handler.json"


def problems_of(actions, start=None):
    return flow_validate(document(actions, start))[0]


def test_bad_json_is_one_problem():
    problems, unsupported = flow_validate("{not json")
    assert len(problems) == 1 and "JSON" in problems[0]["message"]
    assert unsupported == []


def test_a_transition_to_a_missing_action_is_refused_naming_the_action():
    problems = problems_of([action("first", "UpdateContactAttributes", {"Attributes": {"a": "b"}},
                                   next_action="nowhere")])
    assert problems == [{"action": "first", "message": "NextAction goes to 'nowhere', which is not in this flow."}]


def test_a_missing_error_branch_target_is_refused():
    problems = problems_of([action("q", "TransferContactToQueue", errors={"QueueAtCapacity": "gone"})])
    assert problems[0]["action"] == "q" and "QueueAtCapacity" in problems[0]["message"]


def test_a_start_action_that_does_not_exist_is_refused():
    problems = problems_of([action("a", "DisconnectParticipant")], start="b")
    assert "StartAction" in problems[0]["message"]


def test_duplicate_identifiers_are_refused():
    problems = problems_of([action("a", "DisconnectParticipant"), action("a", "DisconnectParticipant")])
    assert problems[0]["action"] == "a"


def test_an_unknown_condition_operator_is_refused():
    problems = problems_of([
        action("c", "Compare", {"ComparisonValue": "$.Channel"}, conditions=[("Matches", "T", "end")]),
        action("end", "DisconnectParticipant"),
    ])
    assert problems[0] == {"action": "c", "message": "Unknown condition operator 'Matches'."}


@pytest.mark.parametrize(
    "type_, params, words",
    [
        ("Loop", {"LoopCount": "three"}, "LoopCount"),
        ("Loop", {"LoopCount": "101"}, "LoopCount"),
        ("UpdateContactRoutingBehavior", {"QueuePriority": "0"}, "QueuePriority"),
        ("UpdateContactRoutingBehavior", {"QueuePriority": "$.Attributes.p"}, "statically"),
        ("UpdateContactRoutingBehavior", {}, "exactly one"),
        ("Wait", {"TimeLimitSeconds": "604801"}, "TimeLimitSeconds"),
        ("Wait", {}, "TimeLimitSeconds"),
        ("CheckMetricData", {"MetricType": "QueueLength"}, "MetricType"),
        ("UpdateContactTargetQueue", {}, "QueueId"),
        ("UpdateContactEventHooks", {"EventHooks": {"Lunch": "x"}}, "EventHooks"),
        ("UpdateFlowLoggingBehavior", {"FlowLoggingBehavior": "On"}, "FlowLoggingBehavior"),
        ("UpdateContactAttributes", {"Attributes": {"n": 5}}, "Attributes.n"),
        ("Compare", {"ComparisonValue": "TASK"}, "ComparisonValue"),
        ("CreateTask", {"Name": "x"}, "ContactFlowId"),
        ("CreateTask", {"Name": "x", "ContactFlowId": "f", "DelaySeconds": "600000"}, "DelaySeconds"),
        ("TransferToFlow", {}, "ContactFlowId"),
        ("InvokeLambdaFunction", {"LambdaFunctionARN": "arn", "InvocationTimeLimitSeconds": "0"}, "Invocation"),
    ],
)
def test_a_bad_parameter_of_a_supported_block_is_refused_naming_the_action(type_, params, words):
    problems = problems_of([action("the block", type_, params)])
    assert problems and problems[0]["action"] == "the block"
    assert words in problems[0]["message"]


def test_placeholders_for_resources_are_accepted_at_publish():
    problems = problems_of([
        action("q", "UpdateContactTargetQueue", {"QueueId": "**Enter a valid queue ARN in your Connect Instance**"}),
        action("a", "UpdateContactTargetQueue", {"AgentId": "SELECT AGENT TO RECEIVE THE TASK"}),
    ])
    assert problems == []


def test_blocks_this_server_does_not_run_are_listed_not_refused():
    problems, unsupported = flow_validate(document([
        action("v", "ShowView", {"ViewResource": {"Id": "detail"}}, next_action="l"),
        action("l", "GetParticipantInput", {}, next_action="end"),
        action("end", "DisconnectParticipant"),
    ]))
    assert problems == []
    assert unsupported == ["ShowView", "GetParticipantInput"]


def test_publishing_a_flow_with_problems_saves_nothing(instance):
    with pytest.raises(InvalidFlow) as refused:
        flow_create(instance=instance, name="Broken", type=FlowType.CONTACT_FLOW,
                    content=document([action("a", "Loop", {"LoopCount": "x"})]))
    assert "Action a" in refused.value.message
    assert refused.value.problems[0]["action"] == "a"
    assert not ContactFlow.objects.filter(name="Broken").exists()


def test_a_flow_can_be_saved_unpublished_and_does_not_become_runnable(instance):
    flow = flow_create(instance=instance, name="Draft", type=FlowType.CONTACT_FLOW,
                       content=document([action("a", "Loop", {"LoopCount": "x"})]), publish=False)
    assert flow.status == FlowStatus.SAVED
    assert flow.published_content == ""


def test_saving_a_draft_keeps_the_published_version_running(instance):
    first = document([action("a", "DisconnectParticipant")])
    flow = flow_create(instance=instance, name="Live", type=FlowType.CONTACT_FLOW, content=first)
    draft = document([action("b", "EndFlowExecution")])
    flow_save_content(flow=flow, content=draft, publish=False)
    flow.refresh_from_db()
    assert flow.status == FlowStatus.SAVED
    assert flow.content == draft
    assert flow.published_content == first


def test_publishing_new_content_replaces_the_running_version(instance):
    flow = flow_create(instance=instance, name="Live", type=FlowType.CONTACT_FLOW,
                       content=document([action("a", "DisconnectParticipant")]))
    newer = document([action("v", "ShowView", next_action="b"), action("b", "DisconnectParticipant")])
    flow_save_content(flow=flow, content=newer, publish=True)
    flow.refresh_from_db()
    assert (flow.status, flow.published_content, flow.unsupported_blocks) == (FlowStatus.PUBLISHED, newer, ["ShowView"])


def test_a_refused_publish_leaves_the_flow_as_it_was(instance):
    good = document([action("a", "DisconnectParticipant")])
    flow = flow_create(instance=instance, name="Live", type=FlowType.CONTACT_FLOW, content=good)
    with pytest.raises(InvalidFlow):
        flow_save_content(flow=flow, content=document([action("a", "Loop", {})]), publish=True)
    flow.refresh_from_db()
    assert flow.content == good and flow.status == FlowStatus.PUBLISHED


def test_content_is_kept_byte_for_byte_so_export_then_import_gives_it_back(instance):
    content = TASK_HANDLER.read_text()
    flow = flow_create(instance=instance, name="Handler", type=FlowType.CONTACT_FLOW, content=content)
    exported = ContactFlow.objects.get(pk=flow.pk).content
    again = flow_create(instance=instance, name="Handler again", type=FlowType.CONTACT_FLOW, content=exported)
    assert again.content == content
    assert json.loads(again.content)["Metadata"] == json.loads(content)["Metadata"]


def test_the_flow_type_is_the_flows_not_the_metadatas(instance):
    content = TASK_HANDLER.read_text()
    flow = flow_create(instance=instance, name="Queue flow", type=FlowType.CUSTOMER_QUEUE, content=content)
    assert flow.type == FlowType.CUSTOMER_QUEUE
