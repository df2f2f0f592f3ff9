import datetime as dt

import pytest
from django.utils import timezone

from ccp.flows.runner import flow_resume
from ccp.models import ContactState, DisconnectReason, Timer, TimerKind
from ccp.services.configuration.flows import flow_save_content
from tests.factories import ContactFactory, QueueFactory
from tests.flows.conftest import action, branches, document

pytestmark = pytest.mark.django_db


def to_queue(queue, nxt="queue it"):
    return action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action=nxt)


def test_transfer_to_queue_queues_the_task_in_its_working_queue(publish, start, queue):
    contact = start(publish([to_queue(queue)]))
    assert contact.state == ContactState.QUEUED
    assert contact.queue == queue
    assert branches(contact)[-1] == ("queue it", "Queued")


def test_transfer_to_a_full_queue_takes_the_queue_at_capacity_branch(publish, start, instance):
    small = QueueFactory(instance=instance, max_contacts=1)
    ContactFactory(instance=instance, queue=small, state=ContactState.QUEUED)
    contact = start(publish([to_queue(small)]))
    assert contact.state == ContactState.ENDED
    assert ("queue it", "QueueAtCapacity") in branches(contact)
    assert branches(contact)[-1][0] == "full"


def test_transfer_to_queue_with_room_left_queues(publish, start, instance):
    small = QueueFactory(instance=instance, max_contacts=2)
    ContactFactory(instance=instance, queue=small, state=ContactState.QUEUED)
    assert start(publish([to_queue(small)])).state == ContactState.QUEUED


def test_transfer_to_queue_without_a_working_queue_takes_the_error_branch(publish, start):
    contact = start(publish([action("go", "UpdateContactAttributes", {"Attributes": {"a": "b"}},
                                    next_action="queue it")]))
    assert contact.state == ContactState.ENDED
    assert ("queue it", "NoMatchingError") in branches(contact)


def test_disconnect_ends_the_task_as_a_flow_disconnect(publish, start):
    contact = start(publish([action("bye", "DisconnectParticipant")], with_ends=False))
    assert contact.state == ContactState.ENDED
    assert contact.disconnect_reason == DisconnectReason.CONTACT_FLOW_DISCONNECT


def test_end_flow_before_queueing_ends_the_task(publish, start):
    contact = start(publish([action("end", "EndFlowExecution")], with_ends=False))
    assert contact.state == ContactState.ENDED
    assert contact.disconnect_reason == DisconnectReason.CONTACT_FLOW_DISCONNECT
    assert branches(contact) == [("end", "End")]


def test_transfer_to_flow_continues_in_the_other_flow(publish, start, queue):
    routing = publish([to_queue(queue)], name="Routing")
    entry = publish([action("hop", "TransferToFlow", {"ContactFlowId": routing.arn},
                            errors={"NoMatchingError": "hang up"})])
    contact = start(entry)
    assert contact.state == ContactState.QUEUED
    assert contact.flow == routing
    assert [step["flow_id"] for step in contact.flow_trace] == [entry.id, routing.id, routing.id]


def test_transfer_to_an_unpublished_flow_takes_the_error_branch(publish, start, instance, queue):
    draft = publish([to_queue(queue)], name="Draft")
    draft.published_content = ""
    draft.status = "SAVED"
    draft.save()
    contact = start(publish([action("hop", "TransferToFlow", {"ContactFlowId": draft.id},
                                    errors={"NoMatchingError": "hang up"})]))
    assert contact.state == ContactState.ENDED
    assert ("hop", "NoMatchingError") in branches(contact)


def test_transfer_to_a_placeholder_flow_takes_the_error_branch(publish, start):
    contact = start(publish([action("hop", "TransferToFlow", {"ContactFlowId": "CONTACT FLOW ID FOR X"},
                                    errors={"NoMatchingError": "hang up"})]))
    assert ("hop", "NoMatchingError") in branches(contact)


def wait_flow(publish, queue, params):
    return publish([
        action("wait", "Wait", params, next_action="hang up",
               conditions=[("Equals", "WaitCompleted", "target")], errors={"NoMatchingError": "hang up"}),
        to_queue(queue),
    ])


@pytest.mark.parametrize("name", ["TimeLimitSeconds", "TimeoutSeconds"])
def test_wait_leaves_the_task_in_its_flow_with_a_durable_timer(publish, start, queue, name):
    before = timezone.now()
    contact = start(wait_flow(publish, queue, {name: "600"}))
    assert contact.state == ContactState.IN_FLOW
    timer = Timer.objects.get(contact=contact, kind=TimerKind.FLOW_WAIT)
    assert timer.payload == {"flow_id": contact.flow_id, "action": "wait"}
    assert before + dt.timedelta(seconds=599) <= timer.due_at <= timezone.now() + dt.timedelta(seconds=601)


def test_when_the_wait_timer_fires_the_flow_takes_the_wait_completed_branch(publish, start, queue):
    contact = start(wait_flow(publish, queue, {"TimeLimitSeconds": "60"}))
    flow_resume(contact=contact, timer=Timer.objects.get(contact=contact, kind=TimerKind.FLOW_WAIT))
    contact.refresh_from_db()
    assert contact.state == ContactState.QUEUED
    assert ("wait", "WaitCompleted") in branches(contact)


def test_wait_resumes_at_next_action_when_there_is_no_wait_completed_condition(publish, start, queue):
    flow = publish([action("wait", "Wait", {"TimeLimitSeconds": "60"}, next_action="target"), to_queue(queue)])
    contact = start(flow)
    flow_resume(contact=contact, timer=Timer.objects.get(contact=contact, kind=TimerKind.FLOW_WAIT))
    contact.refresh_from_db()
    assert contact.state == ContactState.QUEUED


def test_a_stale_wait_timer_does_nothing(publish, start, queue):
    contact = start(wait_flow(publish, queue, {"TimeLimitSeconds": "60"}))
    timer = Timer.objects.get(contact=contact, kind=TimerKind.FLOW_WAIT)
    flow_resume(contact=contact, timer=timer)
    contact.refresh_from_db()
    flow_resume(contact=contact, timer=timer)
    contact.refresh_from_db()
    assert contact.state == ContactState.QUEUED
    assert [a for a, _ in branches(contact)].count("target") == 1


def test_the_wait_resumes_in_the_latest_published_version(publish, start, queue, instance):
    flow = wait_flow(publish, queue, {"TimeLimitSeconds": "60"})
    contact = start(flow)
    other = QueueFactory(instance=instance, name="Other")
    flow_save_content(flow=flow, publish=True, content=document([
        action("wait", "Wait", {"TimeLimitSeconds": "60"}, conditions=[("Equals", "WaitCompleted", "target")]),
        action("target", "UpdateContactTargetQueue", {"QueueId": other.id}, next_action="queue it"),
        action("queue it", "TransferContactToQueue"),
    ]))
    flow_resume(contact=contact, timer=Timer.objects.get(contact=contact, kind=TimerKind.FLOW_WAIT))
    contact.refresh_from_db()
    assert contact.queue == other


def test_wait_time_from_an_attribute_that_is_not_a_number_takes_the_error_branch(publish, start, queue):
    contact = start(wait_flow(publish, queue, {"TimeLimitSeconds": "$.Attributes.delay"}),
                    attributes={"delay": "soon"})
    assert contact.state == ContactState.ENDED
    assert ("wait", "NoMatchingError") in branches(contact)
    assert not Timer.objects.filter(contact=contact, kind=TimerKind.FLOW_WAIT).exists()
