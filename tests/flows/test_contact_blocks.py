import pytest

from ccp.models import ContactState, DisconnectReason
from tests.factories import AgentFactory, ContactFlowFactory, QueueFactory
from tests.flows.conftest import action, branches

pytestmark = pytest.mark.django_db


def test_set_contact_attributes_copies_static_and_dynamic_values(publish, start, queue):
    flow = publish([
        action("set", "UpdateContactAttributes",
               {"Attributes": {"tier": "gold", "who": "$.Name", "ref": "$.References.ticket.Value",
                               "nothing": "$.CustomerEndpoint.Address"}},
               next_action="hang up", errors={"NoMatchingError": "hang up"}),
    ])
    contact = start(flow, references={"ticket": {"Type": "URL", "Value": "https://crm.example.com/42"}})
    assert contact.attributes == {
        "tier": "gold", "who": "Call back Mrs Jones", "ref": "https://crm.example.com/42", "nothing": ""
    }
    assert branches(contact)[0] == ("set", "Success")


def test_set_contact_attributes_over_the_size_limit_takes_the_error_branch(publish, start, queue):
    flow = publish([
        action("set", "UpdateContactAttributes", {"Attributes": {"big": "$.Description"}},
               next_action="hang up", errors={"NoMatchingError": "err"}),
        action("err", "UpdateContactAttributes", {"Attributes": {"failed": "yes"}}, next_action="hang up"),
    ])
    contact = start(flow, description="x" * 4000, attributes={f"k{i}": "y" * 4000 for i in range(8)})
    assert contact.attributes["failed"] == "yes"
    assert "big" not in contact.attributes
    assert ("set", "NoMatchingError") in branches(contact)


def test_change_routing_priority_sets_the_priority_before_queueing(publish, start, queue):
    flow = publish([
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="prio",
               errors={"NoMatchingError": "hang up"}),
        action("prio", "UpdateContactRoutingBehavior", {"QueuePriority": "1"}, next_action="queue it"),
    ])
    contact = start(flow)
    assert contact.routing_priority == 1
    assert contact.state == ContactState.QUEUED


def test_change_routing_age_makes_the_contact_older_in_queue(publish, start, queue):
    flow = publish([
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.arn}, next_action="age"),
        action("age", "UpdateContactRoutingBehavior", {"QueueTimeAdjustmentSeconds": "600"}, next_action="queue it"),
    ])
    contact = start(flow)
    assert contact.routing_age_seconds == 600
    assert (contact.enqueue_timestamp - contact.routing_order_at).total_seconds() == pytest.approx(600, abs=1)


def test_set_working_queue_by_arn_puts_the_task_in_that_queue(publish, start, queue):
    flow = publish([action("target", "UpdateContactTargetQueue", {"QueueId": queue.arn}, next_action="queue it",
                           errors={"NoMatchingError": "hang up"})])
    contact = start(flow)
    assert contact.state == ContactState.QUEUED
    assert contact.queue == queue


def test_set_working_queue_from_an_attribute_holding_an_id(publish, start, queue):
    flow = publish([action("target", "UpdateContactTargetQueue", {"QueueId": "$.Attributes.queue"},
                           next_action="queue it", errors={"NoMatchingError": "hang up"})])
    contact = start(flow, attributes={"queue": queue.id})
    assert contact.queue == queue


def test_set_working_queue_to_an_agent_uses_the_agents_personal_queue(publish, start, agent):
    flow = publish([action("target", "UpdateContactTargetQueue", {"AgentId": agent.id},
                           next_action="queue it", errors={"NoMatchingError": "hang up"})])
    contact = start(flow)
    assert contact.state == ContactState.QUEUED
    assert contact.queue.agent == agent


def test_set_working_queue_to_a_placeholder_takes_the_error_branch(publish, start):
    flow = publish([action("target", "UpdateContactTargetQueue",
                           {"QueueId": "**Enter a valid queue ARN in your Connect Instance**"},
                           next_action="queue it", errors={"NoMatchingError": "hang up"})])
    contact = start(flow)
    assert contact.state == ContactState.ENDED
    assert contact.disconnect_reason == DisconnectReason.CONTACT_FLOW_DISCONNECT
    assert branches(contact)[0] == ("target", "NoMatchingError")


def test_set_working_queue_refuses_a_queue_of_another_instance(publish, start):
    elsewhere = QueueFactory()
    flow = publish([action("target", "UpdateContactTargetQueue", {"QueueId": elsewhere.arn},
                           next_action="queue it", errors={"NoMatchingError": "hang up"})])
    contact = start(flow)
    assert contact.state == ContactState.ENDED
    assert contact.queue is None


def test_agent_without_personal_queue_takes_the_error_branch(publish, start, instance):
    agent = AgentFactory(instance=instance)
    agent.personal_queue.delete()
    flow = publish([action("target", "UpdateContactTargetQueue", {"AgentId": agent.id},
                           next_action="queue it", errors={"NoMatchingError": "hang up"})])
    assert start(flow).state == ContactState.ENDED


def test_set_customer_queue_flow_and_disconnect_flow(publish, start, instance, queue):
    waiting = ContactFlowFactory(instance=instance)
    goodbye = ContactFlowFactory(instance=instance)
    flow = publish([
        action("cq", "UpdateContactEventHooks", {"EventHooks": {"CustomerQueue": waiting.arn}}, next_action="dc"),
        action("dc", "UpdateContactEventHooks", {"EventHooks": {"CustomerRemaining": goodbye.id}},
               next_action="target"),
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="queue it"),
    ])
    contact = start(flow)
    assert contact.customer_queue_flow == waiting
    assert contact.disconnect_flow == goodbye
    assert contact.state == ContactState.QUEUED


def test_set_customer_queue_flow_to_a_missing_flow_takes_the_error_branch(publish, start):
    flow = publish([action("cq", "UpdateContactEventHooks", {"EventHooks": {"CustomerQueue": "nope"}},
                           next_action="queue it", errors={"NoMatchingError": "hang up"})])
    contact = start(flow)
    assert contact.customer_queue_flow is None
    assert branches(contact)[0] == ("cq", "NoMatchingError")


def test_logging_disabled_stops_the_trace_and_enabled_restarts_it(publish, start):
    flow = publish([
        action("off", "UpdateFlowLoggingBehavior", {"FlowLoggingBehavior": "Disabled"}, next_action="quiet"),
        action("quiet", "UpdateContactAttributes", {"Attributes": {"a": "1"}}, next_action="on"),
        action("on", "UpdateFlowLoggingBehavior", {"FlowLoggingBehavior": "Enabled"}, next_action="hang up"),
    ])
    contact = start(flow)
    assert contact.flow_logging is True
    assert [a for a, _ in branches(contact)] == ["on", "hang up"]
