"""A flow run holds its contact's writes and writes them once; a failed step leaves nothing behind, held or not."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.flows.blocks import BLOCKS, Block, Outcome
from ccp.held_writes import contact_flush
from ccp.models import Contact, ContactEvent, ContactState, Queue, Timer, TimerKind
from ccp.services.contact_events import contact_record_event
from ccp.services.tasks import task_start
from ccp.services.timers import timer_schedule
from tests.factories import QueueFactory
from tests.flows.conftest import action, branches

pytestmark = pytest.mark.django_db


def _changes_the_contact_then_fails(ctx, action):
    """A step that changes its contact every way a held block can, then fails."""
    contact = ctx.contact
    contact.name = "half-written"
    contact.attributes = {**contact.attributes, "half": "written"}
    contact.flow_state["half"] = "written"
    contact_record_event(contact=contact, event="HALF_WRITTEN", actor_type="flow")
    timer_schedule(instance_id=contact.instance_id, kind=TimerKind.FLOW_WAIT, due_at=timezone.now(), contact=contact)
    raise RuntimeError("the step broke half-way")


def _writes_another_row_then_fails(ctx, action):
    Queue.objects.create(instance_id=ctx.contact.instance_id, name="Written by a failed step")
    return Outcome.error("the step failed after writing")


def _writes_the_contact_then_fails(ctx, action):
    """A held step that writes its contact to the database half-way: memory can no longer undo it."""
    ctx.contact.name = "half-written"
    contact_flush(ctx.contact)
    raise RuntimeError("the step broke after writing")


@pytest.fixture
def test_blocks(monkeypatch):
    monkeypatch.setitem(BLOCKS, "TestHeldFailure", Block("TestHeldFailure", _changes_the_contact_then_fails,
                                                          lambda params: [], holds=lambda ctx: True))
    monkeypatch.setitem(BLOCKS, "TestSavepointFailure", Block("TestSavepointFailure", _writes_another_row_then_fails,
                                                               lambda params: [], holds=lambda ctx: False))
    monkeypatch.setitem(BLOCKS, "TestWrittenFailure", Block("TestWrittenFailure", _writes_the_contact_then_fails,
                                                             lambda params: [], holds=lambda ctx: True))


def test_a_task_on_a_two_block_flow_is_written_in_a_handful_of_statements(
    publish, instance, queue, django_assert_max_num_queries
):
    flow = publish([action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="queue it")])
    # Quota count, queue, queue delays, the contact row, its events, its timer (+ the savepoint of the test's
    # transaction): each change used to be a statement of its own, 19 in all.
    with django_assert_max_num_queries(8):
        contact = task_start(instance=instance, contact_flow=flow, name="Call back Mrs Jones")
    contact = Contact.objects.get(pk=contact.pk)
    assert contact.state == ContactState.QUEUED and contact.queue_id == queue.id
    assert list(contact.events.values_list("event", flat=True)) == ["CREATED", "QUEUED"]
    assert list(Timer.objects.filter(contact=contact).values_list("kind", flat=True)) == [TimerKind.EXPIRY]
    assert [s["action"] for s in contact.flow_trace] == ["target", "queue it"]


def test_a_held_step_that_fails_half_way_leaves_nothing_of_itself(test_blocks, publish, start, queue):
    flow = publish([
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="broken"),
        action("broken", "TestHeldFailure", next_action="queue it", errors={"NoMatchingError": "queue it"}),
    ])
    contact = start(flow, attributes={"kept": "yes"})
    assert branches(contact)[1] == ("broken", "NoMatchingError")
    assert contact.state == ContactState.QUEUED and contact.queue_id == queue.id  # the step before it stayed
    assert contact.name == "Call back Mrs Jones"
    assert contact.attributes == {"kept": "yes"}
    assert "half" not in contact.flow_state
    assert not ContactEvent.objects.filter(event="HALF_WRITTEN").exists()
    assert not Timer.objects.filter(contact=contact, kind=TimerKind.FLOW_WAIT).exists()


def test_a_held_step_that_fails_after_writing_fails_the_whole_task_and_writes_nothing(
    test_blocks, publish, instance, queue
):
    flow = publish([
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="broken"),
        action("broken", "TestWrittenFailure", next_action="queue it", errors={"NoMatchingError": "queue it"}),
    ])
    with pytest.raises(RuntimeError, match="failed after writing"):
        task_start(instance=instance, contact_flow=flow, name="Call back Mrs Jones")
    assert not Contact.objects.exists()
    assert not ContactEvent.objects.exists()
    assert not Timer.objects.exists()


def test_a_step_that_writes_other_rows_runs_in_a_savepoint_and_is_rolled_back(test_blocks, publish, start, queue):
    flow = publish([
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="broken"),
        action("broken", "TestSavepointFailure", next_action="queue it", errors={"NoMatchingError": "queue it"}),
    ])
    contact = start(flow)
    assert branches(contact)[1] == ("broken", "NoMatchingError")
    assert contact.state == ContactState.QUEUED
    assert not Queue.objects.filter(name="Written by a failed step").exists()


def test_a_task_whose_flow_hangs_up_at_once_keeps_no_live_timer(publish, start):
    flow = publish([action("bye", "DisconnectParticipant")], with_ends=False)
    contact = start(flow)
    assert contact.state == ContactState.ENDED
    assert list(contact.events.values_list("event", flat=True)) == ["CREATED", "ENDED"]
    # The 7-day expiry was held with the new task and cancelled before it was ever written live.
    expiry = Timer.objects.get(contact=contact, kind=TimerKind.EXPIRY)
    assert expiry.cancelled and expiry.fired_at is not None


def test_create_task_in_a_flow_sees_its_parent_written_and_chains_to_it(publish, start, queue, instance):
    child_flow = publish([action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="queue it")])
    flow = publish([
        action("attrs", "UpdateContactAttributes", {"Attributes": {"case": "42"}}, next_action="follow up"),
        action("follow up", "CreateTask", {"Name": "Follow up", "ContactFlowId": child_flow.id},
               next_action="target", errors={"NoMatchingError": "hang up"}),
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="queue it"),
    ])
    parent = start(flow)
    child = Contact.objects.get(previous_contact=parent)
    assert parent.state == ContactState.QUEUED and child.state == ContactState.QUEUED
    assert child.attributes == {"case": "42"}  # copied from the parent, written before the child was made
    assert parent.chain_id == parent.id == child.chain_id


def test_a_scheduled_task_is_written_whole_with_its_start_timer(publish, start, queue):
    flow = publish([action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="queue it")])
    contact = start(flow, scheduled_time=timezone.now() + dt.timedelta(hours=2))
    assert contact.state == ContactState.SCHEDULED
    assert sorted(Timer.objects.filter(contact=contact).values_list("kind", flat=True)) == [
        TimerKind.EXPIRY, TimerKind.SCHEDULED_START
    ]


def test_a_customer_queue_flow_counts_its_own_contact_in_the_queue(publish, start, instance):
    queue = QueueFactory(instance=instance, name="Counted")
    queue_flow = publish([
        action("count", "GetMetricData", {"QueueId": queue.id}, next_action="keep"),
        action("keep", "UpdateContactAttributes",
               {"Attributes": {"waiting": "$.Metrics.Queue.Size"}}),
    ], with_ends=False, type_="CUSTOMER_QUEUE")
    flow = publish([
        action("hook", "UpdateContactEventHooks", {"EventHooks": {"CustomerQueue": queue_flow.id}},
               next_action="target"),
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="queue it"),
    ])
    contact = start(flow)
    assert contact.state == ContactState.QUEUED
    assert contact.attributes["waiting"] == "1"
