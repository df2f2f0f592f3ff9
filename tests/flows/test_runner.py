import datetime as dt

import pytest
from django.utils import timezone

from ccp.errors import InvalidRequest
from ccp.flows.runner import STEP_BUDGET, flow_run
from ccp.models import Contact, ContactFlow, ContactState, DisconnectReason
from ccp.services.tasks import task_scheduled_start
from tests.factories import ContactFlowFactory
from tests.flows.conftest import action, branches

pytestmark = pytest.mark.django_db


def test_an_error_without_error_branch_ends_the_task_and_names_the_action(publish, start):
    flow = publish([action("set queue", "UpdateContactTargetQueue", {"QueueId": "missing"}, next_action="queue it")])
    contact = start(flow)
    assert contact.state == ContactState.ENDED
    assert contact.disconnect_reason == DisconnectReason.CONTACT_FLOW_DISCONNECT
    event = contact.events.get(event="FLOW_ERROR")
    assert event.detail["action"] == "set queue"
    assert "missing" in event.reason


def test_an_unsupported_block_takes_its_error_branch(publish, start, queue):
    flow = publish([
        action("screen", "ShowView", {"ViewResource": {"Id": "detail"}}, next_action="hang up",
               errors={"NoMatchingError": "target"}),
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="queue it"),
    ])
    assert flow.unsupported_blocks == ["ShowView"]
    contact = start(flow)
    assert contact.state == ContactState.QUEUED
    assert branches(contact)[0] == ("screen", "NoMatchingError")


def test_an_unsupported_block_without_error_branch_ends_the_task_saying_so(publish, start):
    contact = start(publish([action("screen", "ShowView", next_action="hang up")]))
    assert contact.state == ContactState.ENDED
    assert "ShowView does not run" in contact.events.get(event="FLOW_ERROR").reason


def test_a_flow_that_loops_forever_is_stopped_by_the_step_budget(publish, start):
    flow = publish([
        action("ping", "UpdateContactAttributes", {"Attributes": {"a": "1"}}, next_action="pong"),
        action("pong", "UpdateContactAttributes", {"Attributes": {"b": "2"}}, next_action="ping"),
    ])
    contact = start(flow)
    assert contact.state == ContactState.ENDED
    assert contact.disconnect_reason == DisconnectReason.CONTACT_FLOW_DISCONNECT
    assert len(contact.flow_trace) == STEP_BUDGET
    assert "1,000 actions" in contact.events.get(event="FLOW_ERROR").reason


def test_a_flow_that_ends_without_queueing_ends_the_task(publish, start):
    contact = start(publish([action("set", "UpdateContactAttributes", {"Attributes": {"a": "1"}})]))
    assert contact.state == ContactState.ENDED
    assert contact.disconnect_reason == DisconnectReason.CONTACT_FLOW_DISCONNECT


def test_a_task_is_not_started_on_a_flow_that_was_never_published(start, instance):
    draft = ContactFlowFactory(instance=instance, name="Draft")
    with pytest.raises(InvalidRequest, match="saved but not published"):
        start(draft)
    assert not Contact.objects.exists()


def test_a_scheduled_task_whose_flow_lost_its_published_content_ends_saying_why(publish, start, queue):
    flow = publish([action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="queue it")])
    contact = start(flow, scheduled_time=timezone.now() + dt.timedelta(minutes=5))
    ContactFlow.objects.filter(pk=flow.pk).update(published_content="", status="SAVED")
    task_scheduled_start(contact=contact)
    contact.refresh_from_db()
    assert contact.state == ContactState.ENDED
    assert "not published" in contact.events.get(event="FLOW_ERROR").reason


def test_every_step_is_kept_in_the_flow_trace(publish, start, queue):
    flow = publish([action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="queue it")])
    contact = start(flow)
    assert [(s["action"], s["type"], s["branch"], s["flow_id"]) for s in contact.flow_trace] == [
        ("target", "UpdateContactTargetQueue", "Success", flow.id),
        ("queue it", "TransferContactToQueue", "Queued", flow.id),
    ]
    assert all(s["at"] for s in contact.flow_trace)


def test_running_a_flow_for_an_ended_contact_does_nothing(publish, start, queue):
    flow = publish([action("bye", "DisconnectParticipant")], with_ends=False)
    contact = start(flow)
    flow_run(contact=contact, flow=flow)
    contact.refresh_from_db()
    assert len(contact.flow_trace) == 1
    assert contact.state == ContactState.ENDED
