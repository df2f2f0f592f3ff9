"""The console's Parked timers page: timers whose work failed on every attempt, with their contact, kind,
attempts and last error; Retry now re-arms one, Dismiss gives it up. Admins of the instance only."""

import datetime as dt

import pytest

from ccp.models import ContactState
from ccp.services.timer_failures import MAX_ATTEMPTS
from ccp.worker.timers import timers_run_once
from tests.factories import UserFactory
from tests.worker.parking import expiring_task, expiry_broken, fail_until_parked

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broken_expiry(monkeypatch):
    return expiry_broken(monkeypatch)


@pytest.fixture
def expiring(cast):
    return expiring_task(cast)


def test_the_console_lists_a_parked_timer_with_its_contact_kind_attempts_and_error(
    expiring, broken_expiry, admin_client
):
    task, timer = expiring
    fail_until_parked(timer)
    page = admin_client.get("/console/parked-timers/").content.decode()
    assert f'href="/console/contacts/{task.pk}/"' in page and "Call back Ana" in page
    assert "the disk is full" in page and f"<td>{MAX_ATTEMPTS}</td>" in page
    assert "ended anyway (Expired), without its disconnect flow" in page


def test_the_console_lists_no_timer_of_another_instance(expiring, broken_expiry, client, other_instance):
    fail_until_parked(expiring[1])
    client.force_login(UserFactory(instance=other_instance, security_profile="Admin"))
    page = client.get("/console/parked-timers/").content.decode()
    assert "the disk is full" not in page and "No parked timers" in page
    assert client.post(f"/console/parked-timers/{expiring[1].pk}/retry/").status_code == 302
    expiring[1].refresh_from_db()
    assert expiring[1].parked_at is not None, "another instance's admin can't re-arm it"


def test_retry_now_re_arms_a_parked_timer_and_the_worker_fires_it(expiring, broken_expiry, admin_client):
    task, timer = expiring
    parked_at = fail_until_parked(timer)
    broken_expiry["fixed"] = True
    response = admin_client.post(f"/console/parked-timers/{timer.pk}/retry/", follow=True)
    assert "due again now" in response.content.decode()
    timer.refresh_from_db()
    assert timer.parked_at is None and timer.attempts == 0
    assert timers_run_once(now=max(timer.due_at, parked_at)) == 1
    task.refresh_from_db()
    assert task.state == ContactState.ENDED and task.disconnect_reason == "EXPIRED"
    assert "No parked timers" in admin_client.get("/console/parked-timers/").content.decode()


def test_dismiss_takes_a_parked_timer_off_the_list_for_good(expiring, broken_expiry, admin_client):
    task, timer = expiring
    parked_at = fail_until_parked(timer)
    admin_client.post(f"/console/parked-timers/{timer.pk}/dismiss/")
    timer.refresh_from_db()
    assert timer.cancelled and "No parked timers" in admin_client.get("/console/parked-timers/").content.decode()
    assert timers_run_once(now=parked_at + dt.timedelta(days=1)) == 0


def test_a_supervisor_can_not_see_or_retry_parked_timers(expiring, broken_expiry, client, instance):
    fail_until_parked(expiring[1])
    client.force_login(UserFactory(instance=instance, security_profile="CallCenterManager"))
    assert client.get("/console/parked-timers/").status_code in (302, 403)
    client.post(f"/console/parked-timers/{expiring[1].pk}/retry/")
    expiring[1].refresh_from_db()
    assert expiring[1].parked_at is not None
