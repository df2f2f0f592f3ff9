"""The worker firing a contact's timer and a service acting on that contact take their locks in the same order
(contact, then timer), so they wait for each other instead of deadlocking. Found by bench/chaos_kill.py on
PostgreSQL: an agent accepting an offer in the moment its offer timeout fired got a deadlock error."""

import threading

import pytest
from django.db import connection

from ccp.models import ContactState, Timer, TimerKind
from ccp.services import offers
from ccp.services.offers import contact_accept
from ccp.worker.timers import timer_fire

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_an_accept_and_its_offer_timeout_firing_at_once_do_not_deadlock(cast, monkeypatch):
    agent = cast.agent()
    task = cast.task()
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTING and task.agent_id == agent.id
    timer = Timer.objects.get(contact=task, kind=TimerKind.OFFER_TIMEOUT, fired_at__isnull=True)

    holding_contact, firing = threading.Event(), threading.Event()
    real_cancel = offers.timer_cancel

    def cancel_after_the_worker_started(**kwargs):
        # The accept holds the contact's lock here; let the worker's firing start and reach its locks.
        holding_contact.set()
        assert firing.wait(10)
        threading.Event().wait(1.5)  # longer than PostgreSQL's deadlock_timeout (1 s)
        return real_cancel(**kwargs)

    monkeypatch.setattr(offers, "timer_cancel", cancel_after_the_worker_started)
    outcome = {}

    def accept():
        try:
            outcome["accept"] = contact_accept(contact_id=task.id, agent=agent).state
        except Exception as error:
            outcome["accept"] = error
        finally:
            connection.close()

    def fire():
        assert holding_contact.wait(10)
        firing.set()
        try:
            outcome["fire"] = timer_fire(timer_id=timer.id)
        except Exception as error:
            outcome["fire"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=accept), threading.Thread(target=fire)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcome == {"accept": ContactState.CONNECTED, "fire": False}, outcome
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTED and task.agent_id == agent.id
