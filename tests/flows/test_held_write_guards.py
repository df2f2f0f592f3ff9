"""Held writes fail loudly when misused: a write around the hold raises, and a failed step's in-place changes
are undone too."""

import pytest

from ccp.flows.blocks import BLOCKS, Block
from ccp.held_writes import contact_save, contact_writes_held
from ccp.models import Contact, ContactEvent, ContactState, Timer
from ccp.models.held import HeldWritesError
from ccp.services.tasks import task_start
from tests.factories import ContactFactory
from tests.flows.conftest import action, branches

pytestmark = pytest.mark.django_db


def _saves_its_contact(ctx, action):
    """A block wrongly declared holds=True: it saves its contact itself."""
    ctx.contact.name = "saved behind the hold"
    ctx.contact.save()


def _updates_its_contact_row(ctx, action):
    Contact.objects.filter(pk=ctx.contact.pk).update(name="updated behind the hold")


def _changes_attributes_in_place_then_fails(ctx, action):
    ctx.contact.attributes["x"] = "changed in place"
    ctx.contact.references["Doc"] = {"Type": "URL", "Value": "https://example.com/half"}
    raise RuntimeError("the step broke after changing attributes in place")


def _register(monkeypatch, type_, run):
    monkeypatch.setitem(BLOCKS, type_, Block(type_, run, lambda params: [], holds=lambda ctx: True))


def test_a_held_block_that_saves_its_contact_fails_the_task_and_writes_nothing(monkeypatch, publish, instance):
    _register(monkeypatch, "TestSavesHeld", _saves_its_contact)
    flow = publish([action("wrong", "TestSavesHeld", next_action="hang up", errors={"NoMatchingError": "hang up"})])
    with pytest.raises(HeldWritesError, match="cannot be saved"):
        task_start(instance=instance, contact_flow=flow, name="Call back Mrs Jones")
    assert not Contact.objects.exists()
    assert not ContactEvent.objects.exists()
    assert not Timer.objects.exists()


def test_a_held_block_that_updates_its_contact_row_fails_the_task(monkeypatch, publish, start, instance, queue):
    _register(monkeypatch, "TestUpdatesHeld", _updates_its_contact_row)
    flow = publish([
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="wrong"),
        action("wrong", "TestUpdatesHeld", next_action="queue it", errors={"NoMatchingError": "queue it"}),
    ])
    existing = ContactFactory(instance=instance, name="Not held")
    with pytest.raises(HeldWritesError, match="QuerySet.update"):
        start(flow)
    assert list(Contact.objects.values_list("name", flat=True)) == ["Not held"]
    Contact.objects.filter(pk=existing.pk).update(name="Updated once the hold is gone")
    assert Contact.objects.get(pk=existing.pk).name == "Updated once the hold is gone"


def test_a_held_contact_cannot_be_read_back_or_saved_until_its_hold_ends(instance):
    contact = ContactFactory(instance=instance, name="Before")
    with contact_writes_held(contact):
        contact.name = "During"
        with pytest.raises(HeldWritesError, match=contact.pk):
            contact.refresh_from_db()
        with pytest.raises(HeldWritesError, match=contact.pk):
            contact.save(update_fields=["name"])
        with pytest.raises(HeldWritesError, match=contact.pk):
            Contact.objects.filter(instance=instance).update(name="Around the hold")
        contact_save(contact, ["name"])
    assert Contact.objects.get(pk=contact.pk).name == "During"
    contact.refresh_from_db()  # the hold is over: the model behaves as usual
    contact.save()


def test_a_failed_step_that_changed_attributes_in_place_leaves_them_as_they_were(monkeypatch, publish, start, queue):
    _register(monkeypatch, "TestInPlace", _changes_attributes_in_place_then_fails)
    flow = publish([
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="broken"),
        action("broken", "TestInPlace", next_action="queue it", errors={"NoMatchingError": "queue it"}),
    ])
    contact = start(flow, attributes={"x": "original"}, references={"Doc": {"Type": "URL", "Value": "https://a.example"}})
    assert branches(contact)[1] == ("broken", "NoMatchingError")
    assert contact.state == ContactState.QUEUED
    assert contact.attributes == {"x": "original"}
    assert contact.references == {"Doc": {"Type": "URL", "Value": "https://a.example"}}
