"""The timer worker: claims due timer rows and fires each exactly once.

Claim: a conditional UPDATE over due, unleased rows picked with FOR UPDATE SKIP LOCKED sets a lease.
Fire: in one transaction, the timer row is locked, re-checked unfired, the service runs, and fired_at is
set — so a worker killed after claiming leaves a lease that lapses, and the next worker fires it once.
Chosen over django-tasks-db, which polls once a second and leaves a task RUNNING forever when its
worker dies (django-tasks issue 46); this is healthchecks' `sendalerts` pattern over our own rows.
"""

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ccp.flows.runner import flow_invocation_resume, flow_resume
from ccp.models import Contact, Timer, TimerKind, User
from ccp.services import agents, contacts, offers, tasks
from ccp.services.hooks import routing_trigger
from ccp.services.timer_failures import MAX_ATTEMPTS as MAX_ATTEMPTS  # re-exported: how many tries before parking
from ccp.services.timer_failures import timer_failed

log = logging.getLogger(__name__)

# How long a claim holds; a killed worker's timers are picked up by another worker after this.
LEASE = dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS)
BATCH = 50


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def timers_claim(*, now: dt.datetime | None = None, limit: int = BATCH, name: str | None = None) -> list[int]:
    """Lease up to `limit` due timers to this worker; returns their ids."""
    now = now or timezone.now()
    name = name or worker_name()
    with transaction.atomic(durable=True):
        due = (
            Timer.objects.filter(fired_at__isnull=True, cancelled=False, parked_at__isnull=True, due_at__lte=now)
            .exclude(lease_until__gt=now)
            .order_by("due_at")
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            Timer.objects.filter(id__in=ids).update(lease_until=now + LEASE, leased_by=name)
    return ids


def timer_fire(*, timer_id: int) -> bool:
    """Fire one claimed timer exactly once; returns True if it fired now. The firing owns the transaction
    (durable): the service it runs is a step inside it."""
    with transaction.atomic(durable=True):
        # Lock in the order every service locks: the contact, then the agent, then the timer. A service that
        # holds the contact (an agent accepting the offer) and then cancels this timer must never meet a
        # firing that holds the timer and waits for the contact: that is a deadlock on PostgreSQL.
        owners = Timer.objects.filter(pk=timer_id).values_list("contact_id", "user_id").first()
        if owners is None:
            return False
        contact_id, user_id = owners
        if contact_id:
            Contact.objects.select_for_update().filter(pk=contact_id).values_list("pk").first()
        if user_id:
            User.objects.select_for_update().filter(pk=user_id).values_list("pk").first()
        timer = Timer.objects.select_for_update().filter(pk=timer_id).first()
        if timer is None or timer.fired_at is not None or timer.cancelled:
            return False
        timer.fired_at = timezone.now()
        timer.attempts += 1
        timer.save(update_fields=["fired_at", "attempts"])
        _dispatch(timer)
    return True


def _dispatch(timer: Timer) -> None:
    kind = timer.kind
    if kind == TimerKind.SCHEDULED_START:
        tasks.task_scheduled_start(contact=timer.contact)
    elif kind == TimerKind.OFFER_TIMEOUT:
        offers.contact_offer_expire(contact_id=timer.contact_id, agent_id=timer.user_id)
    elif kind == TimerKind.QUEUE_DELAY:
        contact = Contact.objects.filter(pk=timer.contact_id).only("instance_id", "queue_id").first()
        if contact and contact.queue_id:
            routing_trigger(instance_id=contact.instance_id, queue_ids=[contact.queue_id])
    elif kind == TimerKind.FLOW_WAIT:
        # flow_resume checks the contact is still where the wait left it (in its flow, or queued for a
        # customer queue flow) and ignores a stale timer.
        contact = Contact.objects.select_for_update().get(pk=timer.contact_id)
        flow_resume(contact=contact, timer=timer)
    elif kind == TimerKind.LAMBDA_INVOKE:
        # Whoever was making the flow's external call died (its lease lapsed): continue on the error branch.
        contact = Contact.objects.select_for_update().get(pk=timer.contact_id)
        flow_invocation_resume(contact=contact, timer=timer, outcome=None)
    elif kind == TimerKind.EXPIRY:
        contacts.contact_expire(contact=timer.contact)
    elif kind == TimerKind.ACW_TIMEOUT:
        contacts.contact_after_contact_work_expire(contact_id=timer.contact_id, agent_id=timer.user_id)
    elif kind == TimerKind.AGENT_AWAY:
        agents.agent_away_expired(user_id=timer.user_id, since=timer.due_at - agents.AWAY_GRACE)


def timers_run_once(*, now: dt.datetime | None = None) -> int:
    """One step of the worker: claim due timers and fire them. Returns how many fired."""
    fired = 0
    for timer_id in timers_claim(now=now):
        try:
            fired += timer_fire(timer_id=timer_id)
        except Exception as error:
            # The firing rolled back: the timer is tried again after a backoff, and parked after MAX_ATTEMPTS.
            log.exception("timer %s failed", timer_id)
            timer_failed(timer_id=timer_id, error=f"{type(error).__name__}: {error}", now=now)
    return fired


def seconds_until_next(*, cap: float = 1.0) -> float:
    """How long the loop may sleep: until the next due timer, at most `cap` seconds."""
    nxt = (
        Timer.objects.filter(fired_at__isnull=True, cancelled=False, parked_at__isnull=True)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    if nxt is None:
        return cap
    return max(0.0, min(cap, (nxt - timezone.now()).total_seconds()))
