"""Timers whose work fails: tried again later and later, then parked where an admin sees them — never dropped.

A failed firing rolls back (ccp/worker/timers.py), so the timer is still unfired. Each failure pushes it
BACKOFF further (5 s, 30 s, 2 min, 10 min); the fifth failure parks it: it keeps its row, unfired, with the
time and the last error, the worker stops claiming it, the console lists it (Parked timers: Retry now,
Dismiss) and /metrics counts it (taskcenter_timers_parked). A task outlives its 7 days for no fault: when its
expiry parks, the task is ended anyway (EXPIRED, without its disconnect flow, the failure named in its ENDED
event), and the parked timer stays listed so an admin sees what failed.
"""

import datetime as dt

from django.utils import timezone

from ccp.errors import InvalidRequest
from ccp.models import Timer, TimerKind
from ccp.services.contacts import contact_expire_forced
from ccp.services.transactions import entry_transaction
from ccp.worker.wakeup import worker_wake

BACKOFF = (
    dt.timedelta(seconds=5),
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
)
# The first try and one after each backoff; the failure after the last parks the timer.
MAX_ATTEMPTS = len(BACKOFF) + 1
ERROR_CHARS = 2000


def timer_failed(*, timer_id: int, error: str, now: dt.datetime | None = None) -> Timer | None:
    """Record a failed firing: try again after the next backoff, or park the timer after its last attempt.
    Returns the timer, or None when it was fired or cancelled meanwhile."""
    now = now or timezone.now()
    with entry_transaction():
        timer = Timer.objects.select_for_update().filter(pk=timer_id, fired_at__isnull=True, cancelled=False).first()
        if timer is None:
            return None
        timer.attempts += 1
        timer.last_error = error[:ERROR_CHARS]
        # The failed worker is done with it: the backoff, not the lease, says when it is tried again.
        timer.lease_until, timer.leased_by = None, ""
        if timer.attempts >= MAX_ATTEMPTS:
            timer.parked_at = now
        else:
            timer.due_at = now + BACKOFF[timer.attempts - 1]
        timer.save(update_fields=["attempts", "last_error", "lease_until", "leased_by", "parked_at", "due_at"])
    if timer.parked_at is not None and timer.kind == TimerKind.EXPIRY and timer.contact_id:
        contact_expire_forced(contact_id=timer.contact_id, error=timer.last_error)
    return timer


def _parked(*, instance_id: str, timer_id: int) -> Timer:
    timer = (
        Timer.objects.select_for_update()
        .filter(pk=timer_id, instance_id=instance_id, parked_at__isnull=False, fired_at__isnull=True, cancelled=False)
        .first()
    )
    if timer is None:
        raise InvalidRequest("That timer is no longer parked.")
    return timer


def timer_retry(*, instance_id: str, timer_id: int) -> Timer:
    """Re-arm a parked timer: due now, with a fresh set of attempts."""
    now = timezone.now()
    with entry_transaction():
        timer = _parked(instance_id=instance_id, timer_id=timer_id)
        timer.parked_at, timer.attempts, timer.due_at = None, 0, now
        timer.lease_until, timer.leased_by = None, ""
        timer.save(update_fields=["parked_at", "attempts", "due_at", "lease_until", "leased_by"])
        worker_wake()
    return timer


def timer_dismiss(*, instance_id: str, timer_id: int) -> None:
    """Give up on a parked timer for good: it is cancelled and leaves the list."""
    with entry_transaction():
        timer = _parked(instance_id=instance_id, timer_id=timer_id)
        timer.cancelled, timer.fired_at = True, timezone.now()
        timer.save(update_fields=["cancelled", "fired_at"])
