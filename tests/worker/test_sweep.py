"""The worker's safety net: a queued task with an Available agent is offered even if no trigger ran."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import IdempotencyToken, RoutingProfileQueue
from ccp.worker.sweep import routing_sweep, tokens_purge
from tests.factories import AgentFactory, ContactFactory, QueueFactory, RoutingProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_task_left_queued_by_a_lost_trigger_is_offered_by_the_sweep(instance, statuses):
    queue = QueueFactory(instance=instance)
    profile = RoutingProfileFactory(instance=instance, default_outbound_queue=queue)
    RoutingProfileQueue.objects.create(routing_profile=profile, queue=queue)
    agent = AgentFactory(instance=instance, routing_profile=profile, status=statuses["ROUTABLE"])
    # Written straight to the database: as if the process died right after committing the task.
    task = ContactFactory(instance=instance, queue=queue, state="QUEUED")
    assert routing_sweep() == 1
    task.refresh_from_db()
    assert task.state == "CONNECTING" and task.agent_id == agent.id


def test_client_tokens_are_forgotten_after_seven_days(instance):
    contact = ContactFactory(instance=instance)
    old = IdempotencyToken.objects.create(
        instance=instance,
        operation="StartTaskContact",
        token="old",
        request_hash="h",
        contact=contact,
        created_at=timezone.now() - dt.timedelta(days=7, seconds=1),
    )
    fresh = IdempotencyToken.objects.create(
        instance=instance,
        operation="StartTaskContact",
        token="fresh",
        request_hash="h",
        contact=contact,
        created_at=timezone.now() - dt.timedelta(days=6),
    )
    assert tokens_purge() == 1
    assert list(IdempotencyToken.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not IdempotencyToken.objects.filter(pk=old.pk).exists()


def test_an_agent_whose_web_process_died_goes_offline(instance, statuses):
    from ccp.services.agents import agents_away_sweep

    gone = AgentFactory(
        instance=instance, status=statuses["ROUTABLE"], last_seen_at=timezone.now() - dt.timedelta(minutes=5)
    )
    here = AgentFactory(instance=instance, status=statuses["ROUTABLE"], last_seen_at=timezone.now())
    never_connected = AgentFactory(instance=instance, status=statuses["ROUTABLE"])
    assert agents_away_sweep() == 1
    for user in (gone, here, never_connected):
        user.refresh_from_db()
    assert gone.status.type == "OFFLINE"
    assert here.status.type == "ROUTABLE" and never_connected.status.type == "ROUTABLE"


def test_closing_the_last_tab_sets_offline_after_the_grace_period_unless_a_tab_came_back(instance, statuses):
    from ccp.services.agents import agent_heartbeat, agent_seen
    from ccp.worker.timers import timers_run_once

    agent = AgentFactory(instance=instance, status=statuses["ROUTABLE"])
    agent_seen(user=agent, connected=False)
    assert timers_run_once(now=timezone.now() + dt.timedelta(seconds=30)) == 0
    agent_heartbeat(user=agent)  # a tab reconnected within the grace period
    timers_run_once(now=timezone.now() + dt.timedelta(seconds=61))
    agent.refresh_from_db()
    assert agent.status.type == "ROUTABLE"
    agent_seen(user=agent, connected=False)
    timers_run_once(now=timezone.now() + dt.timedelta(seconds=61))
    agent.refresh_from_db()
    assert agent.status.type == "OFFLINE"
