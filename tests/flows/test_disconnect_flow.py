"""Set disconnect flow: the flow runs once the task disconnects — when its agent ends it, when StopContact or
the 7-day expiry ends it, or when its own flow hangs up — and never re-opens or re-queues it."""

import pytest
from django.db import transaction

from ccp.models import Contact, ContactEvent, ContactState, DisconnectReason
from ccp.services.contact_events import contact_locked
from ccp.services.contacts import contact_expire, contact_stop
from ccp.services.offers import contact_accept, contact_close, contact_complete
from ccp.services.transfers import contact_transfer_by_agent
from tests.factories import QuickConnectFactory
from tests.flows.conftest import action

pytestmark = pytest.mark.django_db(transaction=True)


def goodbye_flow(publish, *extra):
    """A disconnect flow that records it ran, then whatever else the test adds."""
    first = extra[0]["Identifier"] if extra else "hang up"
    return publish([action("mark", "UpdateContactAttributes", {"Attributes": {"wrapped": "yes"}}, next_action=first),
                    *extra], name="Goodbye")


def inbound(publish, cast, goodbye):
    """The task's own flow: set the disconnect flow, then queue into the cast's queue."""
    return publish([
        action("dc", "UpdateContactEventHooks", {"EventHooks": {"CustomerRemaining": goodbye.id}},
               next_action="target"),
        action("target", "UpdateContactTargetQueue", {"QueueId": cast.queue.id}, next_action="queue it"),
    ])


def events(contact) -> list[str]:
    return list(ContactEvent.objects.filter(contact=contact).values_list("event", flat=True))


def stop(task) -> None:
    """StopContact as the API runs it: in its own transaction, with the contact's row locked."""
    with contact_locked(instance=task.instance, contact_id=task.id) as contact:
        contact_stop(contact=contact)


def test_the_disconnect_flow_runs_when_the_agent_ends_the_task(publish, cast):
    agent = cast.agent()
    task = cast.task(contact_flow=inbound(publish, cast, goodbye_flow(publish)))
    contact_accept(contact_id=task.id, agent=agent)
    assert "DISCONNECT_FLOW" not in events(task)
    contact_complete(contact_id=task.id, agent=agent)
    task.refresh_from_db()
    assert task.attributes["wrapped"] == "yes"
    # Its Disconnect block does not cut the agent's after-contact work short.
    assert task.state == ContactState.AFTER_CONTACT_WORK
    contact_close(contact_id=task.id, agent=agent)
    assert events(task).count("DISCONNECT_FLOW") == 1


def test_the_disconnect_flow_runs_when_stop_contact_ends_a_queued_task(publish, cast):
    task = cast.task(contact_flow=inbound(publish, cast, goodbye_flow(publish)))
    assert task.state == ContactState.QUEUED
    stop(task)
    task.refresh_from_db()
    assert task.state == ContactState.ENDED and task.disconnect_reason == DisconnectReason.API
    assert task.attributes["wrapped"] == "yes"


def test_the_disconnect_flow_runs_when_the_task_expires(publish, cast):
    task = cast.task(contact_flow=inbound(publish, cast, goodbye_flow(publish)))
    with transaction.atomic():  # the worker's timer firing owns the transaction
        contact_expire(contact=task)
    task.refresh_from_db()
    assert task.disconnect_reason == DisconnectReason.EXPIRED and task.attributes["wrapped"] == "yes"


def test_the_disconnect_flow_runs_when_the_tasks_own_flow_hangs_up(publish, start):
    goodbye = goodbye_flow(publish)
    flow = publish([
        action("dc", "UpdateContactEventHooks", {"EventHooks": {"CustomerRemaining": goodbye.id}},
               next_action="hang up"),
    ])
    task = start(flow)
    assert task.state == ContactState.ENDED
    assert task.disconnect_reason == DisconnectReason.CONTACT_FLOW_DISCONNECT
    assert task.attributes["wrapped"] == "yes"


def test_a_disconnect_flow_can_create_a_follow_up_task(publish, cast):
    follow_up = cast.flow
    goodbye = goodbye_flow(publish, action("follow", "CreateTask", {"Name": "Check in", "ContactFlowId": follow_up.id},
                                           next_action="hang up"))
    task = cast.task(contact_flow=inbound(publish, cast, goodbye))
    stop(task)
    child = Contact.objects.get(name="Check in")
    assert child.state == ContactState.QUEUED
    assert child.previous_contact_id == task.id


def test_a_disconnect_flow_cannot_queue_or_wait_and_records_why(publish, cast):
    goodbye = goodbye_flow(publish, action("requeue", "TransferContactToQueue", next_action="wait",
                                           errors={"NoMatchingError": "wait"}),
                           action("wait", "Wait", {"TimeLimitSeconds": "60"}))
    task = cast.task(contact_flow=inbound(publish, cast, goodbye))
    stop(task)
    task.refresh_from_db()
    assert task.state == ContactState.ENDED and task.queue_id == cast.queue.id
    assert task.timers.filter(kind="FLOW_WAIT").count() == 0
    error = ContactEvent.objects.get(contact=task, event="FLOW_ERROR")
    assert "disconnect flow cannot wait" in error.reason
    assert events(task)[-1] == "FLOW_ERROR"  # nothing after: not re-queued, not re-ended


def test_a_transferred_task_does_not_run_its_disconnect_flow(publish, cast):
    agent = cast.agent()
    task = cast.task(contact_flow=inbound(publish, cast, goodbye_flow(publish)))
    contact_accept(contact_id=task.id, agent=agent)
    quick_connect = QuickConnectFactory(instance=cast.instance, queue=cast.queue)
    contact_transfer_by_agent(contact_id=task.id, quick_connect_id=quick_connect.id, agent=agent)
    task.refresh_from_db()
    assert task.disconnect_reason == DisconnectReason.TRANSFERRED
    assert "wrapped" not in task.attributes and "DISCONNECT_FLOW" not in events(task)
