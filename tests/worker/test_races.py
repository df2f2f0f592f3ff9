"""Races the guards handle: a timer that arrives after what it was for has already happened does nothing;
a timer whose work fails is tried again after a backoff and parked after its last attempt."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from ccp.models import AgentStatus, Contact, ContactEvent, ContactState, MetricRollup, Timer, TimerKind
from ccp.services import contacts as contact_services
from ccp.services.contacts import contact_reschedule, contact_stop
from ccp.services.offers import contact_accept, contact_offer_expire, contact_reject
from ccp.services.tasks import task_scheduled_start
from ccp.services.timer_failures import BACKOFF
from ccp.worker.timers import MAX_ATTEMPTS, timer_fire, timers_claim, timers_run_once

pytestmark = pytest.mark.django_db(transaction=True)


def events(task) -> list[str]:
    return list(ContactEvent.objects.filter(contact=task).order_by("id").values_list("event", flat=True))


# The offer timer's guard: the offer is no longer standing.


def test_an_offer_timeout_arriving_after_the_agent_accepted_changes_nothing(cast):
    agent = cast.agent()
    task = cast.task()
    contact_accept(contact_id=task.id, agent=agent)
    with transaction.atomic():  # the worker's timer firing owns the transaction
        contact_offer_expire(contact_id=task.id, agent_id=agent.id)
    task.refresh_from_db()
    agent.refresh_from_db()
    assert task.state == ContactState.CONNECTED and task.agent_id == agent.id
    assert agent.status.type == AgentStatus.Type.ROUTABLE
    assert "MISSED" not in events(task)


def test_an_offer_timeout_for_the_agent_who_rejected_does_not_touch_the_next_agents_offer(cast):
    rejecter = cast.agent()
    task = cast.task()
    colleague = cast.agent()
    contact_reject(contact_id=task.id, agent=rejecter)
    task.refresh_from_db()
    assert task.agent_id == colleague.id
    with transaction.atomic():  # the worker's timer firing owns the transaction
        contact_offer_expire(contact_id=task.id, agent_id=rejecter.id)
    task.refresh_from_db()
    rejecter.refresh_from_db()
    assert task.state == ContactState.CONNECTING and task.agent_id == colleague.id
    assert rejecter.status.type == AgentStatus.Type.ROUTABLE


def test_an_offer_timer_claimed_by_the_worker_before_the_agent_accepted_does_not_fire(cast):
    agent = cast.agent()
    task = cast.task()
    claimed = timers_claim(now=timezone.now() + dt.timedelta(seconds=31))
    offer_timer = Timer.objects.get(contact=task, kind=TimerKind.OFFER_TIMEOUT)
    assert offer_timer.id in claimed
    contact_accept(contact_id=task.id, agent=agent)
    assert timer_fire(timer_id=offer_timer.id) is False
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTED


# The scheduled-start guard: the task is no longer waiting for that start.


@pytest.fixture
def scheduled(cast):
    cast.agent()
    task = cast.task(scheduled_time=timezone.now() + dt.timedelta(minutes=5))
    assert task.state == ContactState.SCHEDULED
    return task


def test_a_scheduled_start_for_a_cancelled_task_does_nothing(scheduled):
    with transaction.atomic():
        contact_stop(contact=Contact.objects.select_for_update().get(pk=scheduled.pk))
    with transaction.atomic():  # the worker's timer firing owns the transaction
        task_scheduled_start(contact=scheduled)
    scheduled.refresh_from_db()
    assert scheduled.state == ContactState.ENDED and scheduled.agent_id is None
    assert "SCHEDULE_REACHED" not in events(scheduled)


def test_a_scheduled_start_for_a_task_that_already_started_does_nothing(scheduled):
    assert timers_run_once(now=timezone.now() + dt.timedelta(minutes=6)) >= 1
    scheduled.refresh_from_db()
    assert scheduled.state == ContactState.CONNECTING
    before = events(scheduled)
    with transaction.atomic():  # the worker's timer firing owns the transaction
        task_scheduled_start(contact=scheduled)
    scheduled.refresh_from_db()
    assert scheduled.state == ContactState.CONNECTING
    assert events(scheduled) == before and before.count("SCHEDULE_REACHED") == 1


def test_the_old_start_of_a_rescheduled_task_does_not_fire_even_when_already_claimed(scheduled):
    old_start = timezone.now() + dt.timedelta(minutes=6)
    old_timer = Timer.objects.get(contact=scheduled, kind=TimerKind.SCHEDULED_START)
    assert old_timer.id in timers_claim(now=old_start)
    with transaction.atomic():
        contact_reschedule(
            contact=Contact.objects.select_for_update().get(pk=scheduled.pk),
            scheduled_time=timezone.now() + dt.timedelta(hours=2),
        )
    assert timer_fire(timer_id=old_timer.id) is False
    assert timers_run_once(now=old_start) == 0
    scheduled.refresh_from_db()
    assert scheduled.state == ContactState.SCHEDULED
    timers_run_once(now=timezone.now() + dt.timedelta(hours=2, seconds=1))
    scheduled.refresh_from_db()
    assert scheduled.state == ContactState.CONNECTING


# Retry and give-up: a timer whose service raises.


@pytest.fixture
def failing_expiry(monkeypatch):
    """Make the expiry service raise its first `failures` calls, then do its work; counts the calls."""
    real = contact_services.contact_expire
    calls = {"n": 0, "failures": 0}

    def flaky(*, contact):
        calls["n"] += 1
        if calls["n"] <= calls["failures"]:
            raise RuntimeError("the database blinked")
        real(contact=contact)

    monkeypatch.setattr(contact_services, "contact_expire", flaky)
    return calls


def expiring_task(cast) -> tuple[Contact, Timer, dt.datetime]:
    task = cast.task()
    timer = Timer.objects.get(contact=task, kind=TimerKind.EXPIRY)
    return task, timer, timer.due_at


def test_a_timer_whose_work_fails_is_tried_again_after_its_first_backoff(cast, failing_expiry):
    failing_expiry["failures"] = 1
    task, timer, due = expiring_task(cast)
    assert timers_run_once(now=due) == 0
    timer.refresh_from_db()
    task.refresh_from_db()
    assert timer.fired_at is None and not timer.cancelled and timer.attempts == 1
    assert task.state == ContactState.QUEUED, "the failed attempt rolled back"
    assert timers_run_once(now=due + BACKOFF[0] - dt.timedelta(milliseconds=1)) == 0, "backing off"
    assert failing_expiry["n"] == 1
    assert timers_run_once(now=due + BACKOFF[0]) == 1
    task.refresh_from_db()
    assert task.state == ContactState.ENDED and task.disconnect_reason == "EXPIRED"


def test_a_timer_that_keeps_failing_is_parked_after_its_last_attempt(cast, failing_expiry):
    failing_expiry["failures"] = 1000
    task, timer, due = expiring_task(cast)
    now = due
    for attempt in range(1, MAX_ATTEMPTS + 1):
        timers_run_once(now=now)
        timer.refresh_from_db()
        assert timer.attempts == attempt
        assert (timer.parked_at is not None) == (attempt == MAX_ATTEMPTS), attempt
        now = timer.due_at
    assert timer.fired_at is None and not timer.cancelled, "parked, not dropped"
    assert timers_run_once(now=now + dt.timedelta(days=1)) == 0
    assert failing_expiry["n"] == MAX_ATTEMPTS, "no attempt after the last"


def test_an_expiry_that_keeps_failing_still_ends_its_task_when_it_parks(cast, failing_expiry):
    """Nothing outlives its 7 days: the parked expiry ends the task anyway, EXPIRED, frees the agent's slot,
    names the failure in the ENDED event, and stays listed as parked for the admin."""
    failing_expiry["failures"] = 1000
    agent = cast.agent()
    task, timer, due = expiring_task(cast)
    contact_accept(contact_id=task.id, agent=agent)
    now = due
    for _ in range(MAX_ATTEMPTS - 1):
        timers_run_once(now=now)
        timer.refresh_from_db()
        now = timer.due_at
        task.refresh_from_db()
        assert task.state == ContactState.CONNECTED, "still retrying: not ended yet"
    timers_run_once(now=now)
    timer.refresh_from_db()
    task.refresh_from_db()
    assert timer.parked_at is not None and not timer.cancelled
    assert task.state == ContactState.ENDED and task.disconnect_reason == "EXPIRED"
    ended = ContactEvent.objects.get(contact=task, event="ENDED")
    assert ended.detail["forced"] is True and "the database blinked" in ended.detail["error"]
    assert not Contact.objects.filter(agent=agent).exclude(state=ContactState.ENDED).exists()
    # An end like any other for the reports: the ended task is in the metric rollups.
    assert MetricRollup.objects.filter(instance=cast.instance).exists()
