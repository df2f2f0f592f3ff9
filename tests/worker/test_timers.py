"""Durable timers fire exactly once: repeated runs, lapsed leases, cancelled timers."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import Timer
from ccp.worker.timers import timer_fire, timers_claim, timers_run_once
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)


def expiry_timer(instance, *, due_in=-1, **kwargs):
    contact = ContactFactory(instance=instance, state="QUEUED")
    return Timer.objects.create(
        instance=instance,
        kind="EXPIRY",
        contact=contact,
        due_at=timezone.now() + dt.timedelta(seconds=due_in),
        **kwargs,
    )


def test_a_due_timer_fires_once_and_does_its_work(instance):
    timer = expiry_timer(instance)
    assert timers_run_once() == 1
    assert timers_run_once() == 0
    timer.refresh_from_db()
    timer.contact.refresh_from_db()
    assert timer.fired_at is not None
    assert timer.contact.state == "ENDED" and timer.contact.disconnect_reason == "EXPIRED"


def test_a_timer_not_yet_due_waits(instance):
    expiry_timer(instance, due_in=60)
    assert timers_run_once() == 0


def test_a_claimed_timer_is_not_claimed_again_until_its_lease_lapses(instance):
    expiry_timer(instance)
    assert len(timers_claim(name="worker-a")) == 1
    assert timers_claim(name="worker-b") == []
    later = timezone.now() + dt.timedelta(minutes=5)
    assert len(timers_claim(now=later, name="worker-b")) == 1


def test_firing_the_same_timer_twice_does_the_work_once(instance):
    timer = expiry_timer(instance)
    assert timer_fire(timer_id=timer.id) is True
    assert timer_fire(timer_id=timer.id) is False
    assert timer.contact.events.filter(event="ENDED").count() == 1


def test_a_cancelled_timer_never_fires(instance):
    timer = expiry_timer(instance, cancelled=True)
    assert timers_run_once() == 0
    timer.contact.refresh_from_db()
    assert timer.contact.state == "QUEUED"
