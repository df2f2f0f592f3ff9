"""Set customer queue flow: the flow runs when the task enters a queue and only while it waits there."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import ContactEvent, ContactState, DisconnectReason, RoutingProfileQueue
from ccp.services.offers import contact_accept
from ccp.worker.timers import timers_run_once
from tests.factories import QueueFactory
from tests.flows.conftest import action

pytestmark = pytest.mark.django_db(transaction=True)


def inbound(publish, cast, queue_flow):
    return publish([
        action("cq", "UpdateContactEventHooks", {"EventHooks": {"CustomerQueue": queue_flow.id}},
               next_action="target"),
        action("target", "UpdateContactTargetQueue", {"QueueId": cast.queue.id}, next_action="queue it"),
    ], name="Inbound")


def escalate_after_a_minute(publish, escalations):
    """Wait 60 s in queue, then move to Escalations with top priority."""
    return publish([
        action("wait", "Wait", {"TimeLimitSeconds": "60"}, next_action="priority"),
        action("priority", "UpdateContactRoutingBehavior", {"QueuePriority": "1"}, next_action="move"),
        action("move", "UpdateContactTargetQueue", {"QueueId": escalations.id}, next_action="queue it"),
    ], name="Escalate")


def fire_timers(after_seconds: float) -> int:
    return timers_run_once(now=timezone.now() + dt.timedelta(seconds=after_seconds))


def test_the_queue_flow_runs_when_the_task_is_queued_before_routing_sees_it(publish, cast):
    queue_flow = publish([action("vip", "UpdateContactRoutingBehavior", {"QueuePriority": "1"},
                                 next_action="done"), action("done", "EndFlowExecution")], with_ends=False)
    flow = inbound(publish, cast, queue_flow)
    task = cast.task(contact_flow=flow)
    assert task.state == ContactState.QUEUED and task.routing_priority == 1
    assert task.flow_id == flow.id  # the task's own flow is still the inbound flow
    assert ContactEvent.objects.filter(contact=task, event="CUSTOMER_QUEUE_FLOW").count() == 1


def test_a_queue_flow_can_move_a_waiting_task_to_another_queue(publish, cast, instance):
    escalations = QueueFactory(instance=instance, name="Escalations")
    task = cast.task(contact_flow=inbound(publish, cast, escalate_after_a_minute(publish, escalations)))
    assert task.queue_id == cast.queue.id and task.state == ContactState.QUEUED
    fire_timers(after_seconds=61)
    task.refresh_from_db()
    assert task.state == ContactState.QUEUED
    assert task.queue_id == escalations.id and task.routing_priority == 1
    # Moving it did not start the queue flow again.
    assert ContactEvent.objects.filter(contact=task, event="CUSTOMER_QUEUE_FLOW").count() == 1


def test_the_moved_task_is_offered_to_an_agent_of_the_new_queue(publish, cast, instance, statuses):
    escalations = QueueFactory(instance=instance, name="Escalations")
    task = cast.task(contact_flow=inbound(publish, cast, escalate_after_a_minute(publish, escalations)))
    from tests.factories import RoutingProfileFactory

    profile = RoutingProfileFactory(instance=instance, default_outbound_queue=escalations, task_concurrency=10)
    RoutingProfileQueue.objects.create(routing_profile=profile, queue=escalations)
    specialist = cast.agent(profile=profile)
    task.refresh_from_db()
    assert task.state == ContactState.QUEUED  # not theirs yet: the task waits in Tasks
    fire_timers(after_seconds=61)
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTING and task.agent_id == specialist.id


def test_a_task_that_reached_an_agent_is_not_moved_when_the_wait_ends(publish, cast, instance):
    escalations = QueueFactory(instance=instance, name="Escalations")
    task = cast.task(contact_flow=inbound(publish, cast, escalate_after_a_minute(publish, escalations)))
    agent = cast.agent()
    contact_accept(contact_id=task.id, agent=agent)
    fire_timers(after_seconds=61)
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTED and task.agent_id == agent.id
    assert task.queue_id == cast.queue.id and task.routing_priority == 5


def test_a_queue_flow_that_fails_leaves_the_task_queued_and_says_why(publish, cast):
    queue_flow = publish([action("lambda", "InvokeLambdaFunction", {"LambdaFunctionARN": "arn:aws:lambda:nowhere",
                                                                   "InvocationTimeLimitSeconds": "3"})],
                         with_ends=False)
    task = cast.task(contact_flow=inbound(publish, cast, queue_flow))
    assert task.state == ContactState.QUEUED
    assert ContactEvent.objects.filter(contact=task, event="FLOW_ERROR").exists()


def test_a_queue_flow_can_hang_up(publish, cast):
    queue_flow = publish([action("bye", "DisconnectParticipant")], with_ends=False)
    task = cast.task(contact_flow=inbound(publish, cast, queue_flow))
    assert task.state == ContactState.ENDED
    assert task.disconnect_reason == DisconnectReason.CONTACT_FLOW_DISCONNECT
