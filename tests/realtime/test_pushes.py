"""What an agent's open tabs are told, and when: each committed change that alters what an agent sees pushes
one refresh to that agent's group (and to no one else's); a change that rolls back pushes nothing; nothing
leaves before the commit."""

import pytest

from ccp.models import AgentStatus, Contact, ContactState, QuickConnect
from ccp.services import agents, offers, tasks
from ccp.services.agents import agent_set_status
from ccp.services.offers import contact_accept, contact_close, contact_complete, contact_reject
from ccp.services.transfers import contact_transfer_by_agent

pytestmark = pytest.mark.django_db(transaction=True)


class Undo(Exception):
    """Raised inside a transaction to roll it back."""


@pytest.fixture
def fail_after(monkeypatch):
    """Make `module.name` do its work and then raise Undo, so the service calling it (which owns its
    transaction) rolls back everything it wrote."""

    def install(module, name: str) -> None:
        real = getattr(module, name)

        def then_fail(*args, **kwargs):
            real(*args, **kwargs)
            raise Undo

        monkeypatch.setattr(module, name, then_fail)

    return install


def refresh(reason: str, contact_id: str = "", offer: bool = False) -> dict:
    return {"type": "panel.refresh", "reason": reason, "contact_id": contact_id, "offer": offer}


def test_going_available_pushes_one_refresh_to_that_agent_only(center, pushes):
    alice = center.agent(available=False)
    bob = center.agent(available=False)
    agent_set_status(user=alice, status=center.statuses["ROUTABLE"])
    assert pushes.to(alice) == [refresh("status")]
    assert pushes.to(bob) == [] and len(pushes) == 1


def test_a_status_change_that_rolls_back_pushes_nothing(center, pushes, fail_after):
    alice = center.agent(available=False)
    fail_after(agents, "routing_trigger")
    with pytest.raises(Undo):
        agent_set_status(user=alice, status=center.statuses["ROUTABLE"])
    assert pushes == []
    alice.refresh_from_db()
    assert alice.status.type == AgentStatus.Type.OFFLINE


def test_an_offer_pushes_once_to_the_agent_it_went_to_and_to_nobody_else(center, pushes):
    alice = center.agent()
    bob = center.agent()
    pushes.clear()
    task = center.task()
    assert task.agent_id == alice.id
    assert pushes.to(alice) == [refresh("offer", task.id, offer=True)]
    assert pushes.to(bob) == [] and len(pushes) == 1


def test_a_task_start_that_rolls_back_offers_and_pushes_nothing(center, pushes, fail_after):
    center.agent()
    pushes.clear()
    fail_after(tasks, "contact_run_flow")
    with pytest.raises(Undo):
        center.task()
    assert pushes == []
    assert not Contact.objects.exists()


def test_accepting_pushes_once_to_the_agent(center, pushes):
    alice = center.agent()
    task = center.task()
    pushes.clear()
    contact_accept(contact_id=task.id, agent=alice)
    assert list(pushes) == [(f"agent.{alice.id}", refresh("accepted", task.id))]


def test_an_accept_that_rolls_back_pushes_nothing_and_the_offer_stands(center, pushes, fail_after):
    alice = center.agent()
    task = center.task()
    pushes.clear()
    fail_after(offers, "agent_refresh")
    with pytest.raises(Undo):
        contact_accept(contact_id=task.id, agent=alice)
    assert pushes == []
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTING


def test_a_rejected_offer_pushes_to_the_rejecter_and_the_offer_to_the_next_agent(center, pushes):
    alice = center.agent()
    task = center.task()
    bob = center.agent()
    pushes.clear()
    contact_reject(contact_id=task.id, agent=alice)
    assert pushes.to(alice) == [refresh("rejected", task.id)]
    assert pushes.to(bob) == [refresh("offer", task.id, offer=True)]
    assert len(pushes) == 2


def test_a_transfer_pushes_the_end_to_the_sender_and_the_offer_to_the_receiver(center, pushes):
    alice = center.agent()
    task = center.task()
    contact_accept(contact_id=task.id, agent=alice)
    bob = center.agent()
    qc = QuickConnect.objects.create(instance=center.instance, name="Bob", type="USER", user=bob)
    pushes.clear()
    new = contact_transfer_by_agent(contact_id=task.id, quick_connect_id=qc.id, agent=alice)
    assert pushes.to(alice) == [refresh("ended", task.id)]
    assert pushes.to(bob) == [refresh("offer", new.id, offer=True)]
    assert len(pushes) == 2


def test_ending_and_closing_a_task_push_once_each_to_its_agent(center, pushes):
    alice = center.agent()
    task = center.task()
    contact_accept(contact_id=task.id, agent=alice)
    pushes.clear()
    contact_complete(contact_id=task.id, agent=alice)
    assert list(pushes) == [(f"agent.{alice.id}", refresh("acw", task.id))]
    pushes.clear()
    contact_close(contact_id=task.id, agent=alice)
    assert list(pushes) == [(f"agent.{alice.id}", refresh("ended", task.id))]


@pytest.mark.django_db
def test_nothing_is_pushed_before_the_commit(center, pushes, django_capture_on_commit_callbacks):
    alice = center.agent(available=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        agent_set_status(user=alice, status=center.statuses["ROUTABLE"])
    assert pushes == [], "still inside the test's transaction: nothing may leave"
    for callback in callbacks:
        callback()
    assert pushes.to(alice) == [refresh("status")]
