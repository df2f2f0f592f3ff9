"""The 7-day life of a task, to the moment: open just before seven days after initiation, ended with
reason EXPIRED at seven days; a transferred task keeps the original's seven days."""

import datetime as dt

import pytest

from ccp.models import Contact, ContactState, QuickConnect
from ccp.services.offers import contact_accept
from ccp.services.transfers import contact_transfer_by_agent
from ccp.worker.timers import timers_run_once

pytestmark = pytest.mark.django_db(transaction=True)

SEVEN_DAYS = dt.timedelta(days=7)  # the spec's number, not the code's constant
JUST = dt.timedelta(milliseconds=1)


def state_of(task) -> tuple[str, str | None]:
    task.refresh_from_db()
    return task.state, task.disconnect_reason


def test_a_task_is_open_just_before_seven_days_and_expired_at_seven_days(cast):
    task = cast.task()
    assert task.state == ContactState.QUEUED
    timers_run_once(now=task.initiation_timestamp + SEVEN_DAYS - JUST)
    assert state_of(task) == (ContactState.QUEUED, "")
    timers_run_once(now=task.initiation_timestamp + SEVEN_DAYS)
    assert state_of(task) == (ContactState.ENDED, "EXPIRED")


def test_a_connected_task_expires_at_seven_days_too(cast):
    agent = cast.agent()
    task = cast.task()
    contact_accept(contact_id=task.id, agent=agent)
    timers_run_once(now=task.initiation_timestamp + SEVEN_DAYS - JUST)
    assert state_of(task) == (ContactState.CONNECTED, "")
    timers_run_once(now=task.initiation_timestamp + SEVEN_DAYS)
    assert state_of(task) == (ContactState.ENDED, "EXPIRED")


def started_days_ago(task, days: int) -> dt.datetime:
    """Move the task's initiation back, as if it had been created `days` ago; returns the new time."""
    started = task.initiation_timestamp - dt.timedelta(days=days)
    Contact.objects.filter(pk=task.pk).update(initiation_timestamp=started)
    return started


def transfer(cast, task, *, by, to):
    qc = QuickConnect.objects.create(instance=cast.instance, name=f"To {to.username}", type="USER", user=to)
    new = contact_transfer_by_agent(contact_id=task.id, quick_connect_id=qc.id, agent=by)
    new.refresh_from_db()
    assert new.agent_id == to.id
    return new


def test_a_transferred_task_expires_seven_days_after_the_original_started_not_after_the_transfer(cast):
    alice = cast.available(cast.alice)
    original = cast.task()
    contact_accept(contact_id=original.id, agent=alice)
    started = started_days_ago(original, 3)
    bob = cast.available(cast.bob)
    new = transfer(cast, original, by=alice, to=bob)
    timers_run_once(now=started + SEVEN_DAYS - JUST)
    assert state_of(new)[0] != ContactState.ENDED  # still open (its offer has timed out by then)
    timers_run_once(now=started + SEVEN_DAYS)
    assert state_of(new) == (ContactState.ENDED, "EXPIRED")


def test_a_task_transferred_twice_still_expires_seven_days_after_the_original_started(cast):
    alice = cast.available(cast.alice)
    original = cast.task()
    contact_accept(contact_id=original.id, agent=alice)
    started = started_days_ago(original, 3)
    bob = cast.available(cast.bob)
    second = transfer(cast, original, by=alice, to=bob)
    contact_accept(contact_id=second.id, agent=bob)
    carol = cast.available(cast.carol)
    third = transfer(cast, second, by=bob, to=carol)
    timers_run_once(now=started + SEVEN_DAYS - JUST)
    assert state_of(third)[0] != ContactState.ENDED
    timers_run_once(now=started + SEVEN_DAYS)
    assert state_of(third) == (ContactState.ENDED, "EXPIRED")
