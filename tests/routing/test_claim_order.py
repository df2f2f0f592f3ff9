"""Who is offered what when an agent has one free slot: oldest first, a returned task keeps its place at the
front, the reject cool-off, and the concurrency limit at the claim itself. Runs on SQLite (the claim in
Python) and on PostgreSQL (the claim in `ccp_route_offer`)."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import AgentStatus, Contact, ContactState
from ccp.routing.engine import routing_offer_next
from ccp.services.agents import agent_set_status
from ccp.services.offers import contact_accept, contact_close, contact_complete, contact_reject
from ccp.worker.timers import timers_run_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def one_slot(center):
    """The center with a task concurrency of one: each agent takes one task at a time."""
    center.profile.task_concurrency = 1
    center.profile.save()
    return center


def offered_to(agent) -> list[str]:
    """Names of the tasks offered to or held by `agent`."""
    return list(
        Contact.objects.filter(agent=agent, state__in=[ContactState.CONNECTING, ContactState.CONNECTED])
        .order_by("offered_at")
        .values_list("name", flat=True)
    )


def finish(agent, name: str) -> None:
    """Accept, end and close the agent's task `name`, freeing the slot."""
    task = Contact.objects.get(agent=agent, name=name)
    contact_accept(contact_id=task.id, agent=agent)
    contact_complete(contact_id=task.id, agent=agent)
    contact_close(contact_id=task.id, agent=agent)


def test_an_agent_with_one_slot_is_offered_the_oldest_waiting_task_and_then_the_next_oldest(one_slot):
    agent = one_slot.agent(available=False)
    for name in ("first", "second", "third"):
        one_slot.task(name)
    agent_set_status(user=agent, status=one_slot.statuses["ROUTABLE"])
    assert offered_to(agent) == ["first"]
    finish(agent, "first")
    assert offered_to(agent) == ["second"]
    finish(agent, "second")
    assert offered_to(agent) == ["third"]


def test_a_rejected_task_keeps_its_place_at_the_front_of_the_queue(one_slot):
    rejecter = one_slot.agent()
    first = one_slot.task("first")
    one_slot.task("second")
    one_slot.task("third")
    assert offered_to(rejecter) == ["first"]
    contact_reject(contact_id=first.id, agent=rejecter)
    # The rejecter cools off from "first" and takes the next one; "first" waits at the front.
    assert offered_to(rejecter) == ["second"]
    colleague = one_slot.agent()
    assert offered_to(colleague) == ["first"], "the rejected task is offered before the younger third"


def test_a_missed_task_keeps_its_place_at_the_front_of_the_queue(one_slot):
    misser = one_slot.agent()
    first = one_slot.task("first")
    one_slot.task("second")
    one_slot.task("third")
    assert offered_to(misser) == ["first"]
    timers_run_once(now=timezone.now() + dt.timedelta(seconds=31))
    first.refresh_from_db()
    misser.refresh_from_db()
    assert first.state == ContactState.QUEUED and misser.status.type == AgentStatus.Type.MISSED
    colleague = one_slot.agent()
    assert offered_to(colleague) == ["first"], "the missed task is offered before the younger ones"


def test_an_agent_with_exactly_one_slot_left_is_offered_one_of_two_tasks_that_arrive_together(center):
    center.profile.task_concurrency = 2
    center.profile.save()
    agent = center.agent()
    center.task("already working")
    # Both wait while the agent is offline, so the one routing pass when they return sees both.
    agent_set_status(user=agent, status=center.statuses["OFFLINE"])
    center.task("a")
    center.task("b")
    agent_set_status(user=agent, status=center.statuses["ROUTABLE"])
    assert Contact.objects.filter(agent=agent).count() == 2
    assert Contact.objects.filter(state=ContactState.QUEUED).count() == 1


def test_the_claim_offers_nothing_to_an_agent_whose_slots_are_all_taken(one_slot):
    agent = one_slot.agent()
    one_slot.task("working")
    waiting = one_slot.task("waiting")
    assert waiting.state == ContactState.QUEUED
    assert routing_offer_next(agent_id=agent.id) is None
    waiting.refresh_from_db()
    assert waiting.state == ContactState.QUEUED and waiting.agent_id is None


def test_the_rejecter_is_not_offered_the_task_again_until_the_cool_off_has_passed(one_slot):
    agent = one_slot.agent()
    task = one_slot.task()
    before = timezone.now()
    contact_reject(contact_id=task.id, agent=agent)
    after = timezone.now()
    cool_off = dt.timedelta(seconds=60)  # the spec's number, not the code's constant
    just_before_end = before + cool_off - dt.timedelta(milliseconds=1)
    assert routing_offer_next(agent_id=agent.id, now=just_before_end) is None
    task.refresh_from_db()
    assert task.state == ContactState.QUEUED
    offered = routing_offer_next(agent_id=agent.id, now=after + cool_off + dt.timedelta(milliseconds=1))
    assert offered is not None and offered.id == task.id
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTING and task.agent_id == agent.id


def test_the_cool_off_keeps_only_the_rejecter_away_from_the_task(one_slot):
    rejecter = one_slot.agent()
    task = one_slot.task()
    contact_reject(contact_id=task.id, agent=rejecter)
    colleague = one_slot.agent()
    task.refresh_from_db()
    assert task.agent_id == colleague.id and task.state == ContactState.CONNECTING
