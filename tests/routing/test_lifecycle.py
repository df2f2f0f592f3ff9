"""A task's life through the services: queued, offered, accepted, ended, closed — and every event written."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.errors import Conflict
from ccp.models import AgentStatus, Contact, ContactEvent, ContactState, RoutingProfileQueue, Timer
from ccp.services.agents import agent_set_status
from ccp.services.offers import contact_accept, contact_close, contact_complete, contact_reject
from ccp.worker.timers import timers_run_once
from tests.factories import QueueFactory, RoutingProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def fire_timers(after_seconds: float) -> int:
    return timers_run_once(now=timezone.now() + dt.timedelta(seconds=after_seconds))


def test_a_task_for_an_available_agent_is_offered_at_once(cast):
    agent = cast.agent()
    task = cast.task()
    assert task.state == ContactState.CONNECTING
    assert task.agent_id == agent.id
    assert task.enqueue_timestamp is not None and task.offered_at is not None


def test_the_whole_lifecycle_fills_every_timestamp_and_writes_an_event_per_change(cast):
    agent = cast.agent()
    task = cast.task()
    contact_accept(contact_id=task.id, agent=agent)
    contact_complete(contact_id=task.id, agent=agent)
    contact_close(contact_id=task.id, agent=agent)
    task.refresh_from_db()
    assert task.state == ContactState.ENDED and task.disconnect_reason == "AGENT_DISCONNECT"
    for stamp in (
        "initiation_timestamp",
        "enqueue_timestamp",
        "connected_to_agent_timestamp",
        "after_contact_work_start_timestamp",
        "after_contact_work_end_timestamp",
        "disconnect_timestamp",
    ):
        assert getattr(task, stamp) is not None, stamp
    events = list(ContactEvent.objects.filter(contact=task).values_list("event", flat=True))
    assert events == ["CREATED", "QUEUED", "OFFERED", "CONNECTED", "AFTER_CONTACT_WORK", "ENDED"]


def test_nobody_available_leaves_the_task_queued(cast):
    cast.agent(available=False)
    task = cast.task()
    assert task.state == ContactState.QUEUED and task.agent_id is None


def test_going_available_pulls_the_oldest_queued_task(cast):
    agent = cast.agent(available=False)
    first = cast.task("first")
    cast.task("second")
    agent_set_status(user=agent, status=cast.statuses["ROUTABLE"])
    first.refresh_from_db()
    assert first.state == ContactState.CONNECTING and first.agent_id == agent.id


def test_an_agent_never_gets_more_tasks_than_the_profile_allows(cast):
    cast.profile.task_concurrency = 3
    cast.profile.save()
    agent = cast.agent()
    for i in range(5):
        cast.task(f"t{i}")
    assert Contact.objects.filter(agent=agent, state=ContactState.CONNECTING).count() == 3
    assert Contact.objects.filter(state=ContactState.QUEUED).count() == 2


def test_ending_a_task_frees_the_slot_for_the_next_one_at_once(cast):
    cast.profile.task_concurrency = 1
    cast.profile.save()
    agent = cast.agent()
    first, second = cast.task("first"), cast.task("second")
    assert second.state == ContactState.QUEUED
    contact_accept(contact_id=first.id, agent=agent)
    contact_complete(contact_id=first.id, agent=agent)
    second.refresh_from_db()
    assert second.state == ContactState.QUEUED, "after-contact work still holds the slot"
    contact_close(contact_id=first.id, agent=agent)
    second.refresh_from_db()
    assert second.state == ContactState.CONNECTING and second.agent_id == agent.id


def test_the_agent_idle_longest_gets_the_task(cast):
    early = cast.agent()
    late = cast.agent()
    task = cast.task()
    assert task.agent_id == early.id
    late.refresh_from_db()
    assert not Contact.objects.filter(agent=late).exists()


def test_tasks_spread_across_free_agents_instead_of_piling_on_one(cast):
    a, b = cast.agent(), cast.agent()
    tasks = [cast.task(f"t{i}") for i in range(4)]
    owners = [t.agent_id for t in tasks]
    assert owners.count(a.id) == 2 and owners.count(b.id) == 2


def test_a_rejected_task_goes_to_another_agent_and_not_back_to_the_rejecter(cast):
    first = cast.agent()
    task = cast.task()
    assert task.agent_id == first.id
    second = cast.agent()
    contact_reject(contact_id=task.id, agent=first)
    task.refresh_from_db()
    assert task.agent_id == second.id and task.state == ContactState.CONNECTING


def test_a_rejected_task_does_not_ping_pong_back_to_the_only_agent(cast):
    agent = cast.agent()
    task = cast.task()
    contact_reject(contact_id=task.id, agent=agent)
    task.refresh_from_db()
    assert task.state == ContactState.QUEUED and task.agent_id is None


def test_a_missed_offer_returns_the_task_and_puts_the_agent_in_missed(cast):
    agent = cast.agent()
    task = cast.task()
    assert fire_timers(after_seconds=31) >= 1
    task.refresh_from_db()
    agent.refresh_from_db()
    assert task.state == ContactState.QUEUED
    assert agent.status.type == AgentStatus.Type.MISSED
    assert ContactEvent.objects.filter(contact=task, event="MISSED").exists()


def test_an_accepted_offer_does_not_time_out(cast):
    agent = cast.agent()
    task = cast.task()
    contact_accept(contact_id=task.id, agent=agent)
    fire_timers(after_seconds=31)
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTED


def test_auto_accept_connects_the_task_without_an_offer(cast):
    cast.profile.task_auto_accept = True
    cast.profile.save()
    cast.agent()
    task = cast.task()
    assert task.state == ContactState.CONNECTED and task.connected_to_agent_timestamp is not None


def test_an_offer_records_its_expiry_its_timer_and_the_agents_new_idle_time(cast):
    # On PostgreSQL the claim runs in the ccp_route_offer function, elsewhere from Python: both must write this.
    agent = cast.agent()
    task = cast.task()
    event = ContactEvent.objects.get(contact=task, event="OFFERED")
    timer = Timer.objects.get(contact=task, kind="OFFER_TIMEOUT", fired_at__isnull=True)
    assert (event.from_state, event.to_state, event.actor_type) == ("QUEUED", "CONNECTING", "routing")
    assert event.agent_id == agent.id and event.queue_id == task.queue_id
    assert dt.datetime.fromisoformat(event.detail["expires_at"]) == timer.due_at
    assert timer.due_at == task.offered_at + dt.timedelta(seconds=cast.profile.task_offer_timeout_seconds)
    assert timer.user_id == agent.id
    agent.refresh_from_db()
    assert agent.idle_since == task.offered_at
    assert task.last_update_timestamp >= task.offered_at


def test_an_auto_accepted_task_records_one_connected_event_and_no_offer_timer(cast):
    cast.profile.task_auto_accept = True
    cast.profile.save()
    agent = cast.agent()
    task = cast.task()
    assert task.connected_to_agent_timestamp == task.offered_at
    events = list(ContactEvent.objects.filter(contact=task).values_list("event", "reason", "agent_id"))
    assert events[-1] == ("CONNECTED", "auto-accept", agent.id)
    assert not Timer.objects.filter(contact=task, kind="OFFER_TIMEOUT").exists()


def test_accepting_someone_elses_offer_is_refused_and_changes_nothing(cast):
    owner, other = cast.agent(), cast.agent(available=False)
    task = cast.task()
    with pytest.raises(Conflict):
        contact_accept(contact_id=task.id, agent=other)
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTING and task.agent_id == owner.id


def test_a_queue_delay_holds_the_task_back_until_the_delay_runs_out(cast, statuses):
    RoutingProfileQueue.objects.filter(routing_profile=cast.profile).update(delay_seconds=20)
    agent = cast.agent()
    task = cast.task()
    assert task.state == ContactState.QUEUED
    assert Timer.objects.filter(contact=task, kind="QUEUE_DELAY").exists()
    # The worker fires the delay timer; routing then sees the task as old enough.
    Contact.objects.filter(pk=task.pk).update(enqueue_timestamp=timezone.now() - dt.timedelta(seconds=21))
    fire_timers(after_seconds=21)
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTING and task.agent_id == agent.id


def test_queue_priority_in_the_profile_decides_across_queues(cast, queue_flow):
    urgent_queue = QueueFactory(instance=cast.instance, name="Urgent")
    RoutingProfileQueue.objects.filter(routing_profile=cast.profile).update(priority=2)
    RoutingProfileQueue.objects.create(routing_profile=cast.profile, queue=urgent_queue, priority=1)
    cast.profile.task_concurrency = 1
    cast.profile.save()
    agent = cast.agent(available=False)
    older = cast.task("normal, older")
    urgent = cast.task("urgent", contact_flow=queue_flow(urgent_queue))
    agent_set_status(user=agent, status=cast.statuses["ROUTABLE"])
    urgent.refresh_from_db()
    older.refresh_from_db()
    assert urgent.agent_id == agent.id and older.state == ContactState.QUEUED


def test_an_agent_outside_the_queues_profile_is_never_offered_the_task(cast):
    other_queue = QueueFactory(instance=cast.instance, name="Elsewhere")
    other_profile = RoutingProfileFactory(instance=cast.instance, default_outbound_queue=other_queue)
    RoutingProfileQueue.objects.create(routing_profile=other_profile, queue=other_queue)
    cast.agent(profile=other_profile)
    task = cast.task()
    assert task.state == ContactState.QUEUED


def test_an_agent_on_break_gets_no_offers(cast):
    agent = cast.agent()
    agent_set_status(user=agent, status=cast.break_status, actor=agent)
    task = cast.task()
    assert task.state == ContactState.QUEUED
