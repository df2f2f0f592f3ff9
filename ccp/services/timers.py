"""Durable timers: rows with a due time that a worker claims and fires exactly once."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from ccp.held_writes import contact_timer_save, contact_timers_cancel_held, contact_written_through
from ccp.models import Timer
from ccp.services.transactions import transaction_required
from ccp.worker.wakeup import worker_wake


def timer_schedule(
    *,
    instance=None,
    instance_id=None,
    kind: str,
    due_at: dt.datetime,
    contact=None,
    user=None,
    user_id=None,
    payload=None,
) -> Timer:
    """Create a timer; the worker fires it at `due_at` (the embedded worker wakes for it at once)."""
    timer = Timer(
        instance_id=instance_id or instance.pk,
        kind=kind,
        due_at=due_at,
        contact=contact,
        user=user,
        payload=payload or {},
    )
    if user_id is not None:
        timer.user_id = user_id
    contact_timer_save(contact, timer)
    worker_wake()
    return timer


def timer_cancel(*, contact=None, user=None, kinds: list[str]) -> int:
    """Cancel pending timers of the given kinds for a contact or a user."""
    now = timezone.now()
    cancelled = 0
    qs = Timer.objects.filter(fired_at__isnull=True, cancelled=False, kind__in=kinds)
    if contact is not None:
        cancelled, in_database = contact_timers_cancel_held(contact, kinds=kinds, now=now)
        if not in_database:
            return cancelled
        qs = qs.filter(contact=contact)
    if user is not None:
        qs = qs.filter(user=user)
    in_database = qs.update(cancelled=True, fired_at=now)
    if in_database and contact is not None:
        contact_written_through(contact)
    return cancelled + in_database


def timer_lease(*, timer_id: int, until: dt.datetime, holder: str) -> bool:
    """Lease a pending timer to a caller that will act on it before `until` (a flow making its external
    call); False when it fired, was cancelled, or someone else's lease still runs. A conditional update,
    as the worker claims, so two claimants never both win."""
    now = timezone.now()
    return bool(
        Timer.objects.filter(pk=timer_id, fired_at__isnull=True, cancelled=False)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(lease_until=until, leased_by=holder)
    )


def timer_fire_leased(*, timer_id: int) -> Timer | None:
    """Inside the caller's transaction: lock a pending timer and mark it fired, so whatever it stood for
    happens once; None when it already fired (a worker took it over) or was cancelled."""
    transaction_required("Firing a timer")
    timer = Timer.objects.select_for_update().filter(pk=timer_id, fired_at__isnull=True, cancelled=False).first()
    if timer is not None:
        timer.fired_at = timezone.now()
        timer.attempts += 1
        timer.save(update_fields=["fired_at", "attempts"])
    return timer
