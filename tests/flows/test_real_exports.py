"""The flows exported from Amazon Connect (tests/flows/exports, MIT-0) import, publish and run."""

from pathlib import Path

import pytest

from ccp.flows.runner import flow_run
from ccp.models import Channel, ContactState, DisconnectReason, FlowType
from ccp.services.configuration.flows import flow_create, flow_save_content
from tests.factories import ContactFactory
from tests.flows.conftest import branches

pytestmark = pytest.mark.django_db

EXPORTS = Path(__file__).resolve().parent / "exports"
QUEUE_PLACEHOLDER = "**Enter a valid queue ARN in your Connect Instance**"


def read(name: str) -> str:
    return (EXPORTS / name).read_text()


def test_task_handler_sets_attributes_and_queues_the_task_in_the_queue_named_by_arn(instance, queue, start):
    content = read("task-handler.json").replace(QUEUE_PLACEHOLDER, queue.arn)
    flow = flow_create(instance=instance, name="SampleHandlerFlow", type=FlowType.CONTACT_FLOW, content=content)
    assert flow.unsupported_blocks == []
    contact = start(flow)
    assert contact.state == ContactState.QUEUED
    assert contact.queue == queue
    assert contact.attributes["WorkingQueue"] == queue.arn
    assert contact.attributes["DefaultFlowForAgentUI"] == "**Enter a Views contact flow ID**"
    assert contact.attributes["CustomerPhoneNumber"] == ""
    assert [s["type"] for s in contact.flow_trace] == [
        "UpdateContactAttributes", "UpdateContactTargetQueue", "TransferContactToQueue"
    ]


def test_task_handler_with_its_placeholder_left_in_disconnects_through_its_error_branch(instance, start):
    flow = flow_create(instance=instance, name="Raw", type=FlowType.CONTACT_FLOW, content=read("task-handler.json"))
    contact = start(flow)
    assert contact.state == ContactState.ENDED
    assert contact.disconnect_reason == DisconnectReason.CONTACT_FLOW_DISCONNECT
    assert branches(contact)[1] == ("b0dd877c-7fbb-4dcf-a12f-b8af02921c90", "NoMatchingError")
    assert not contact.events.filter(event="FLOW_ERROR").exists()


@pytest.fixture
def task_create_module(instance, agent):
    raw = read("task-create-module.json")
    flow = flow_create(instance=instance, name="SBSGuides_Module_Task_Create", type=FlowType.CONTACT_FLOW,
                       content=raw, publish=False)
    content = (
        raw.replace("SELECT AGENT TO RECEIVE THE TASK", f"{instance.arn}/agent/{agent.id}")
        .replace("CONTACT FLOW ID FOR SBSGUIDES_MODULES_TASK_CREATE", flow.id)
    )
    return flow_save_content(flow=flow, content=content, publish=True)


def test_task_create_module_lists_show_view_as_a_block_that_will_not_run(task_create_module):
    assert task_create_module.unsupported_blocks == ["ShowView"]


def test_task_create_module_puts_a_task_in_the_chosen_agents_queue(task_create_module, start, agent):
    contact = start(task_create_module)
    assert contact.state == ContactState.QUEUED
    assert contact.queue == agent.personal_queue
    assert contact.flow_logging is True
    assert [s["type"] for s in contact.flow_trace] == [
        "UpdateFlowLoggingBehavior", "Compare", "UpdateContactTargetQueue", "TransferContactToQueue"
    ]


def test_task_create_module_on_a_voice_contact_reaches_show_view_and_takes_its_error_branch(
    task_create_module, instance
):
    call = ContactFactory(instance=instance, channel=Channel.VOICE, state=ContactState.IN_FLOW,
                          initiation_method="INBOUND")
    flow_run(contact=call, flow=task_create_module)
    call.refresh_from_db()
    assert call.state == ContactState.ENDED
    assert ("1224f589-5078-4f36-9ddc-7ff42d80f6d9", "NoMatchingError") in branches(call)


def test_task_create_module_metadata_survives_publishing(task_create_module):
    import json

    original = json.loads(read("task-create-module.json"))["Metadata"]
    assert json.loads(task_create_module.published_content)["Metadata"] == original
