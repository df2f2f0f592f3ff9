"""Transfers, scheduled starts, the 7-day expiry, StopContact and the active-task quota."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.errors import InvalidRequest, QuotaExceeded
from ccp.models import Contact, ContactEvent, ContactState, QuickConnect
from ccp.services.contact_events import contact_locked
from ccp.services.contacts import contact_reschedule, contact_stop, contact_update_routing
from ccp.services.offers import contact_accept
from ccp.services.transfers import contact_transfer_by_agent, outbound_call_hangup, outbound_call_start
from ccp.worker.timers import timers_run_once

pytestmark = pytest.mark.django_db(transaction=True)


def fire_timers(after_seconds: float) -> int:
    return timers_run_once(now=timezone.now() + dt.timedelta(seconds=after_seconds))


def locked_call(service, task, **params) -> None:
    """Call a contact service the way the API does: in its own transaction, with the contact's row locked."""
    with contact_locked(instance=task.instance, contact_id=task.id) as contact:
        service(contact=contact, **params)


def connected_task(cast, agent, name="Work"):
    task = cast.task(name)
    contact_accept(contact_id=task.id, agent=agent)
    task.refresh_from_db()
    return task


def test_a_transfer_to_an_agent_creates_a_new_contact_for_them_and_ends_the_original(cast):
    alice = cast.available(cast.alice)
    task = connected_task(cast, alice)
    bob = cast.available(cast.bob)
    qc = QuickConnect.objects.create(instance=cast.instance, name="Bob", type="USER", user=bob)
    new = contact_transfer_by_agent(contact_id=task.id, quick_connect_id=qc.id, agent=alice)
    new.refresh_from_db()
    task.refresh_from_db()
    assert task.state == ContactState.ENDED and task.disconnect_reason == "TRANSFERRED"
    assert new.initiation_method == "TRANSFER" and new.previous_contact_id == task.id
    assert new.agent_id == bob.id and new.state == ContactState.CONNECTING
    assert new.initial_contact_id == task.initial_contact_id == task.id


def test_a_transfer_to_a_queue_reaches_an_agent_serving_that_queue(cast):
    alice = cast.available(cast.alice)
    task = connected_task(cast, alice)
    cast.available(cast.carol)  # the one agent serving Billing
    qc = QuickConnect.objects.create(instance=cast.instance, name="Billing", type="QUEUE", queue=cast.other_queue)
    new = contact_transfer_by_agent(contact_id=task.id, quick_connect_id=qc.id, agent=alice)
    new.refresh_from_db()
    assert new.initiation_method == "QUEUE_TRANSFER" and new.queue_id == cast.other_queue.id
    assert new.agent_id == cast.carol.id


def test_a_task_can_be_transferred_at_most_eleven_times(cast):
    alice = cast.available(cast.alice)
    task = connected_task(cast, alice)
    Contact.objects.filter(pk=task.pk).update(transfer_count=11)
    qc = QuickConnect.objects.create(instance=cast.instance, name="Q", type="QUEUE", queue=cast.queue)
    with pytest.raises(QuotaExceeded):
        contact_transfer_by_agent(contact_id=task.id, quick_connect_id=qc.id, agent=alice)
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTED
    assert Contact.objects.count() == 1


def test_a_scheduled_task_waits_then_runs_its_flow_when_due(cast):
    agent = cast.agent()
    task = cast.task(scheduled_time=timezone.now() + dt.timedelta(minutes=5))
    assert task.state == ContactState.SCHEDULED and task.agent_id is None
    fire_timers(after_seconds=10)
    task.refresh_from_db()
    assert task.state == ContactState.SCHEDULED
    fire_timers(after_seconds=301)
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTING and task.agent_id == agent.id


def test_a_scheduled_timer_fires_exactly_once_however_often_the_worker_runs(cast):
    cast.agent()
    task = cast.task(scheduled_time=timezone.now() + dt.timedelta(seconds=30))
    fire_timers(after_seconds=31)
    fire_timers(after_seconds=32)
    assert ContactEvent.objects.filter(contact=task, event="SCHEDULE_REACHED").count() == 1


def test_rescheduling_moves_the_start(cast):
    cast.agent()
    task = cast.task(scheduled_time=timezone.now() + dt.timedelta(minutes=1))
    locked_call(contact_reschedule, task, scheduled_time=timezone.now() + dt.timedelta(hours=2))
    fire_timers(after_seconds=120)
    task.refresh_from_db()
    assert task.state == ContactState.SCHEDULED
    fire_timers(after_seconds=2 * 3600 + 5)
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTING


def test_stopping_a_scheduled_task_cancels_it(cast):
    task = cast.task(scheduled_time=timezone.now() + dt.timedelta(minutes=1))
    locked_call(contact_stop, task)
    fire_timers(after_seconds=120)
    task.refresh_from_db()
    assert task.state == ContactState.ENDED and task.disconnect_reason == "API"


def test_a_task_expires_seven_days_after_initiation_and_frees_the_agent(cast):
    cast.profile.task_concurrency = 1
    cast.profile.save()
    agent = cast.agent()
    old = connected_task(cast, agent, "old")
    waiting = cast.task("waiting")
    assert waiting.state == ContactState.QUEUED
    fire_timers(after_seconds=7 * 86400 + 1)
    old.refresh_from_db()
    waiting.refresh_from_db()
    assert old.state == ContactState.ENDED and old.disconnect_reason == "EXPIRED"
    # The waiting task was created at the same moment, so it expired too — nothing stays open past 7 days.
    assert waiting.state == ContactState.ENDED and waiting.disconnect_reason == "EXPIRED"


def test_stop_contact_on_a_connected_task_puts_it_in_after_contact_work(cast):
    agent = cast.agent()
    task = connected_task(cast, agent)
    locked_call(contact_stop, task)
    task.refresh_from_db()
    assert task.state == ContactState.AFTER_CONTACT_WORK and task.disconnect_reason == "API"
    with pytest.raises(InvalidRequest):
        locked_call(contact_stop, task)


def test_the_active_task_quota_refuses_one_more_open_task(cast):
    cast.instance.active_task_quota = 2
    cast.instance.save()
    cast.task("a")
    cast.task("b")
    with pytest.raises(QuotaExceeded):
        cast.task("c")
    assert Contact.objects.count() == 2


def test_ended_tasks_do_not_count_against_the_quota(cast):
    cast.instance.active_task_quota = 1
    cast.instance.save()
    first = cast.task("a")
    locked_call(contact_stop, first)
    cast.task("b")
    assert Contact.objects.filter(state=ContactState.QUEUED).count() == 1


def test_raising_routing_priority_moves_a_task_ahead(cast):
    cast.profile.task_concurrency = 1
    cast.profile.save()
    agent = cast.agent(available=False)
    cast.task("old")
    newer = cast.task("newer")
    locked_call(contact_update_routing, newer, priority=1)
    from ccp.services.agents import agent_set_status

    agent_set_status(user=agent, status=cast.statuses["ROUTABLE"])
    newer.refresh_from_db()
    assert newer.agent_id == agent.id


def test_the_number_pad_call_is_linked_to_the_task_and_can_be_hung_up(cast):
    agent = cast.agent()
    task = connected_task(cast, agent)
    call = outbound_call_start(task_id=task.id, agent=agent, phone_number="+1 (555) 010-9999")
    assert call.channel == "VOICE" and call.related_contact_id == task.id and call.state == ContactState.CONNECTED
    assert call.phone_number == "+15550109999"
    assert ContactEvent.objects.filter(contact=task, event="LINKED_CALL", detail__call_contact_id=call.id).exists()
    outbound_call_hangup(call_id=call.id, agent=agent)
    call.refresh_from_db()
    assert call.state == ContactState.ENDED


def _events(contact) -> list[str]:
    return list(ContactEvent.objects.filter(contact=contact).order_by("id").values_list("event", flat=True))


def test_the_number_pad_call_runs_the_agents_flow_queues_and_reaches_the_dialler(cast):
    """As StartOutboundVoiceContact: the call runs a flow (the agent's own quick connect's), queues in the
    agent's queue and is connected to the agent who dialled it, who is not offered anyone else's call."""
    alice = cast.available(cast.alice)
    task = connected_task(cast, alice)
    call = outbound_call_start(task_id=task.id, agent=alice, phone_number="555 0100")
    call.refresh_from_db()
    personal = cast.alice.personal_queue
    assert call.flow_id == cast.qc_flow.id and call.flow_trace
    assert call.queue_id == personal.id and call.enqueue_timestamp is not None
    assert call.state == ContactState.CONNECTED and call.agent_id == alice.id
    assert call.attributes == task.attributes and call.related_contact_id == task.id
    events = _events(call)
    assert events.index("CREATED") < events.index("QUEUED") < events.index("CONNECTED")
    assert "OUTBOUND_CALL" in events


def test_the_number_pad_call_of_an_agent_without_a_quick_connect_still_queues_and_connects(cast):
    agent = cast.agent()
    task = connected_task(cast, agent)
    call = outbound_call_start(task_id=task.id, agent=agent, phone_number="5550100")
    call.refresh_from_db()
    assert call.queue.agent_id == agent.id and call.state == ContactState.CONNECTED
    assert ["QUEUED", "CONNECTED"] == [e for e in _events(call) if e in ("QUEUED", "CONNECTED")]


def test_the_number_pad_refuses_a_number_that_is_not_one(cast):
    agent = cast.agent()
    task = connected_task(cast, agent)
    with pytest.raises(InvalidRequest):
        outbound_call_start(task_id=task.id, agent=agent, phone_number="abc")
    assert Contact.objects.filter(channel="VOICE").count() == 0


def test_a_huge_routing_age_change_is_refused_and_changes_nothing(cast):
    from ccp.errors import InvalidParameter

    task = cast.task()
    with pytest.raises(InvalidParameter):
        locked_call(contact_update_routing, task, age_seconds=2**40)
    locked_call(contact_update_routing, task, age_seconds=300_000_000)
    with pytest.raises(InvalidParameter):
        locked_call(contact_update_routing, task, age_seconds=100_000_000)
    task.refresh_from_db()
    assert task.routing_age_seconds == 300_000_000


def test_an_attribute_key_with_a_trailing_newline_is_refused(cast):
    from ccp.errors import InvalidParameter

    with pytest.raises(InvalidParameter):
        cast.task(attributes={"tier\n": "gold"})
    assert Contact.objects.count() == 0
