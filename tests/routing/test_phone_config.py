"""A user's phone config (UpdateUserPhoneConfig, the console's user page) changes what happens to them: with
AutoAccept a task offered to them is connected at once; with an AfterContactWorkTimeLimit their after-contact
work ends by itself when it runs out (a durable timer the worker fires)."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import Contact, ContactEvent, ContactState, Timer, TimerKind
from ccp.selectors.panel import panel_state
from ccp.services.offers import contact_close, contact_complete
from ccp.worker.timers import timers_run_once

pytestmark = pytest.mark.django_db(transaction=True)


def fire_timers(*, after_seconds: int) -> int:
    return timers_run_once(now=timezone.now() + dt.timedelta(seconds=after_seconds))


def test_an_agent_who_auto_accepts_gets_the_task_connected_without_an_offer(cast):
    assert not cast.profile.task_auto_accept
    agent = cast.agent(auto_accept=True)
    task = cast.task()
    assert task.state == ContactState.CONNECTED and task.agent_id == agent.id
    assert task.connected_to_agent_timestamp == task.offered_at
    assert ContactEvent.objects.filter(contact=task).latest("at", "id").reason == "auto-accept"
    assert not Timer.objects.filter(contact=task, kind=TimerKind.OFFER_TIMEOUT).exists()


def test_an_agent_who_does_not_auto_accept_is_offered_the_task(cast):
    cast.agent(auto_accept=False)
    assert cast.task().state == ContactState.CONNECTING


def test_after_contact_work_ends_by_itself_when_the_agents_limit_runs_out(cast):
    agent = cast.agent(auto_accept=True, after_contact_work_time_limit=30)
    task = cast.task()
    contact_complete(contact_id=task.id, agent=agent)
    timer = Timer.objects.get(contact=task, kind=TimerKind.ACW_TIMEOUT)
    assert timer.user_id == agent.id
    assert timer.due_at == Contact.objects.get(pk=task.pk).after_contact_work_start_timestamp + dt.timedelta(seconds=30)

    fire_timers(after_seconds=29)
    assert Contact.objects.get(pk=task.pk).state == ContactState.AFTER_CONTACT_WORK

    fire_timers(after_seconds=31)
    task = Contact.objects.get(pk=task.pk)
    assert task.state == ContactState.ENDED
    assert task.after_contact_work_end_timestamp is not None
    ended = ContactEvent.objects.get(contact=task, event="ENDED")
    assert ended.actor_type == "worker" and ended.detail == {"after_contact_work_time_limit": True}
    # The slot is free again: the panel shows no task.
    assert panel_state(user_id=agent.id).tiles == []


def test_closing_before_the_limit_cancels_the_timer(cast):
    agent = cast.agent(auto_accept=True, after_contact_work_time_limit=30)
    task = cast.task()
    contact_complete(contact_id=task.id, agent=agent)
    contact_close(contact_id=task.id, agent=agent)
    assert not Timer.objects.filter(contact=task, kind=TimerKind.ACW_TIMEOUT, cancelled=False).exists()
    assert fire_timers(after_seconds=31) == 0
    assert ContactEvent.objects.filter(contact=task, event="ENDED").count() == 1


def test_without_a_limit_after_contact_work_lasts_until_the_agent_closes(cast):
    agent = cast.agent(auto_accept=True)
    task = cast.task()
    contact_complete(contact_id=task.id, agent=agent)
    assert not Timer.objects.filter(contact=task, kind=TimerKind.ACW_TIMEOUT).exists()
    fire_timers(after_seconds=3600)
    assert Contact.objects.get(pk=task.pk).state == ContactState.AFTER_CONTACT_WORK
