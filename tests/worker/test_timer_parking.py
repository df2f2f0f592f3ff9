"""A timer whose work keeps failing is tried again at growing intervals (5 s, 30 s, 2 min, 10 min), then parked
with its last error — never dropped: the worker claims it no more and /metrics counts it. (The console's page:
tests/console/test_parked_timers.py.)"""

import datetime as dt

import pytest

from ccp.models import ContactState
from ccp.services.timer_failures import BACKOFF, MAX_ATTEMPTS
from ccp.worker.timers import timers_run_once
from tests.worker.parking import expiring_task, expiry_broken, fail_until_parked

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broken_expiry(monkeypatch):
    return expiry_broken(monkeypatch)


@pytest.fixture
def expiring(cast):
    return expiring_task(cast)


def test_a_failing_timer_is_tried_again_at_each_backoff_and_not_before(expiring, broken_expiry):
    task, timer = expiring
    now = timer.due_at
    for attempt, wait in enumerate(BACKOFF, start=1):
        assert timers_run_once(now=now) == 0
        timer.refresh_from_db()
        assert timer.attempts == attempt and timer.due_at == now + wait and timer.parked_at is None
        assert timers_run_once(now=now + wait - dt.timedelta(milliseconds=1)) == 0
        assert broken_expiry["calls"] == attempt, "nothing tried before the backoff ends"
        now += wait
    assert [b.total_seconds() for b in BACKOFF] == [5, 30, 120, 600]


def test_after_its_last_attempt_a_failing_timer_is_parked_with_its_error_and_never_claimed_again(
    expiring, broken_expiry
):
    task, timer = expiring
    parked_at = fail_until_parked(timer)
    assert timer.parked_at == parked_at and timer.attempts == MAX_ATTEMPTS
    assert timer.fired_at is None and not timer.cancelled
    assert timer.last_error == "RuntimeError: the disk is full"
    assert timers_run_once(now=parked_at + dt.timedelta(days=30)) == 0
    assert broken_expiry["calls"] == MAX_ATTEMPTS
    task.refresh_from_db()
    # Parked, yet the task did not outlive its 7 days: it was ended anyway (see test_races).
    assert task.state == ContactState.ENDED and task.disconnect_reason == "EXPIRED"


def test_metrics_count_parked_timers_and_leave_them_out_of_the_overdue_ones(expiring, broken_expiry, client):
    fail_until_parked(expiring[1])
    body = client.get("/metrics").content.decode()
    assert "taskcenter_timers_parked 1.0" in body
    assert "taskcenter_timers_overdue 0.0" in body
