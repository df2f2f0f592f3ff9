"""A worker killed with SIGKILL mid-work: after restart, every due timer fires exactly once (PostgreSQL)."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from ccp.models import ContactEvent, Timer
from tests.factories import ContactFactory, QueueFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
TIMERS = 300


def worker(env):
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--max-sleep", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_timers_claimed_by_a_killed_worker_fire_exactly_once_after_restart(instance, queue_flow):
    assert connection.vendor == "postgresql", "this proof needs PostgreSQL (DATABASE_URL)"
    flow = queue_flow(QueueFactory(instance=instance))
    now = timezone.now()
    contacts = [
        ContactFactory(instance=instance, state="SCHEDULED", flow=flow, scheduled_timestamp=now) for _ in range(TIMERS)
    ]
    Timer.objects.bulk_create(
        Timer(instance=instance, kind="SCHEDULED_START", contact=c, due_at=now - dt.timedelta(seconds=1))
        for c in contacts
    )
    s = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        WORKER_LEASE_SECONDS="2",
    )

    first = worker(env)
    deadline = time.monotonic() + 60
    while Timer.objects.filter(fired_at__isnull=False).count() < 20:
        assert time.monotonic() < deadline, "the first worker never got going"
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    fired_at_kill = Timer.objects.filter(fired_at__isnull=False).count()
    leased_unfired = Timer.objects.filter(fired_at__isnull=True, lease_until__isnull=False).count()
    assert fired_at_kill < TIMERS and leased_unfired > 0, "kill the worker while it holds claimed work"

    restarted = [worker(env), worker(env)]
    try:
        deadline = time.monotonic() + 120
        while Timer.objects.filter(fired_at__isnull=True).exists():
            assert time.monotonic() < deadline, "timers left unfired after restart"
            time.sleep(0.2)
    finally:
        for proc in restarted:
            proc.send_signal(signal.SIGTERM)
        for proc in restarted:
            proc.wait(20)
    reached = ContactEvent.objects.filter(instance=instance, event="SCHEDULE_REACHED")
    assert reached.count() == TIMERS
    assert reached.values("contact_id").distinct().count() == TIMERS
    # The killed worker's claim was real work in progress that another worker finished.
    print(f"fired before kill: {fired_at_kill}, leased but unfired at kill: {leased_unfired}")
