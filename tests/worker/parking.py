"""A timer whose work keeps failing, for the worker's and the console's tests of parking."""

import datetime as dt

from ccp.models import Timer, TimerKind
from ccp.services import contacts as contact_services
from ccp.services.timer_failures import MAX_ATTEMPTS
from ccp.worker.timers import timers_run_once


def expiry_broken(monkeypatch) -> dict:
    """The expiry service raises until `fixed` is set; counts its calls."""
    real = contact_services.contact_expire
    state = {"calls": 0, "fixed": False}

    def expire(*, contact):
        state["calls"] += 1
        if not state["fixed"]:
            raise RuntimeError("the disk is full")
        real(contact=contact)

    monkeypatch.setattr(contact_services, "contact_expire", expire)
    return state


def expiring_task(cast, name="Call back Ana"):
    task = cast.task(name=name)
    return task, Timer.objects.get(contact=task, kind=TimerKind.EXPIRY)


def fail_until_parked(timer: Timer) -> dt.datetime:
    """Run the worker at each due time until the timer parks; returns the time it parked."""
    now = timer.due_at
    for _ in range(MAX_ATTEMPTS):
        timers_run_once(now=now)
        timer.refresh_from_db()
        if timer.parked_at:
            return now
        now = timer.due_at
    raise AssertionError("never parked")
