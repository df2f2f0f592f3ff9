"""The worker loop and the sweep on whatever database the tests run on (SQLite without DATABASE_URL): one
turn of the loop fires what is due, and one sweep offers a stranded task, logs off a vanished agent and
forgets old ClientTokens."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import AgentStatus, ContactState, IdempotencyToken, Timer, TimerKind, User
from ccp.worker.loop import worker_loop
from ccp.worker.sweep import sweep_run
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)


class StopAfter:
    """A stop signal that lets the loop take `turns` turns (the loop only asks `is_set`)."""

    def __init__(self, turns: int = 1):
        self.turns = turns

    def is_set(self) -> bool:
        self.turns -= 1
        return self.turns < 0


def test_one_turn_of_the_worker_loop_fires_the_timers_that_are_due_and_only_those(cast):
    due = cast.task("due")
    later = cast.task("later")
    Timer.objects.filter(contact=due, kind=TimerKind.EXPIRY).update(due_at=timezone.now() - dt.timedelta(seconds=1))
    worker_loop(StopAfter(1), max_sleep=0.01)
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.state == ContactState.ENDED and due.disconnect_reason == "EXPIRED"
    assert later.state == ContactState.QUEUED


def test_one_turn_of_the_worker_loop_times_out_a_stale_offer(cast):
    agent = cast.agent()
    task = cast.task()
    Timer.objects.filter(contact=task, kind=TimerKind.OFFER_TIMEOUT).update(due_at=timezone.now())
    worker_loop(StopAfter(1), max_sleep=0.01)
    task.refresh_from_db()
    agent.refresh_from_db()
    assert task.state == ContactState.QUEUED and task.agent_id is None
    assert agent.status.type == AgentStatus.Type.MISSED


def test_a_sweep_offers_a_stranded_task_logs_off_a_vanished_agent_and_forgets_week_old_client_tokens(cast):
    agent = cast.agent()
    vanished = cast.agent()  # their web process died an hour ago, leaving them Available
    User.objects.filter(pk=vanished.pk).update(last_seen_at=timezone.now() - dt.timedelta(hours=1))
    # Written straight to the database: as if the process died between the commit and its routing.
    stranded = ContactFactory(instance=cast.instance, queue=cast.queue, state=ContactState.QUEUED)
    old = IdempotencyToken.objects.create(
        instance=cast.instance, operation="StartTaskContact", token="old", request_hash="h", contact=stranded,
        created_at=timezone.now() - dt.timedelta(days=7, seconds=1),
    )
    fresh = IdempotencyToken.objects.create(
        instance=cast.instance, operation="StartTaskContact", token="fresh", request_hash="h", contact=stranded,
        created_at=timezone.now() - dt.timedelta(days=6),
    )
    sweep_run()
    stranded.refresh_from_db()
    assert stranded.state == ContactState.CONNECTING and stranded.agent_id == agent.id
    assert list(IdempotencyToken.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not IdempotencyToken.objects.filter(pk=old.pk).exists()
    vanished.refresh_from_db()
    assert vanished.status.type == AgentStatus.Type.OFFLINE
