"""Compiled queries answer exactly what their querysets answer, for every set of values, and keep tenants apart."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.compiled import CompiledQuery, insert_rows, row_in_instance
from ccp.models import Contact, ContactEvent, Queue
from tests.factories import ContactFactory, InstanceFactory, QueueFactory

pytestmark = pytest.mark.django_db

QUEUES_NAMED = CompiledQuery(lambda instance_id, name: Queue.objects.filter(instance_id=instance_id, name=name))
QUEUE_NAMES = CompiledQuery(
    lambda instance_id: Queue.objects.filter(instance_id=instance_id).order_by("name").values_list("name")
)

QUEUE_NAMES_COUNTED = CompiledQuery(lambda instance_id: Queue.objects.filter(instance_id=instance_id).values("pk"))


def test_a_compiled_query_gives_the_querysets_rows_for_each_set_of_values():
    north, south = InstanceFactory(), InstanceFactory()
    QueueFactory(instance=north, name="Billing")
    QueueFactory(instance=north, name="Sales")
    QueueFactory(instance=south, name="Billing")
    for instance in (north, south):
        for name in ("Billing", "Sales", "Nobody"):
            expected = list(Queue.objects.filter(instance=instance, name=name))
            got = QUEUES_NAMED.rows(instance.id, name)
            assert [(q.pk, q.name, q.instance_id) for q in got] == [(q.pk, q.name, q.instance_id) for q in expected]
    assert QUEUE_NAMES.rows(north.id) == [("Billing",), ("Sales",)]
    assert QUEUE_NAMES.rows(south.id) == [("Billing",)]


def test_count_and_exists_follow_the_values():
    north, south = InstanceFactory(), InstanceFactory()
    QueueFactory(instance=north, name="Billing")
    QueueFactory(instance=north, name="Sales")
    assert QUEUE_NAMES_COUNTED.count(north.id) == 2
    assert QUEUE_NAMES_COUNTED.count(south.id) == 0
    assert QUEUES_NAMED.count(north.id, "Billing") == 1
    exists = CompiledQuery(lambda instance_id: Queue.objects.filter(instance_id=instance_id).values("pk")[:1])
    assert exists.exists(north.id) is True
    assert exists.exists(south.id) is False


def test_a_row_in_an_instance_is_never_found_from_another_instance():
    north, south = InstanceFactory(), InstanceFactory()
    queue = QueueFactory(instance=north, name="Billing")
    assert row_in_instance(Queue, instance_id=north.id, pk=queue.id) == queue
    assert row_in_instance(Queue, instance_id=south.id, pk=queue.id) is None
    assert row_in_instance(Queue, instance_id=north.id, pk="no-such-queue") is None
    assert row_in_instance(Queue, instance_id=north.id, pk=["not", "a", "string"]) is None


def test_rows_come_back_converted_as_the_orm_converts_them():
    contact = ContactFactory(
        attributes={"case": "42", "ünï": "cödé"},
        references={"Ticket": {"Type": "URL", "Value": "https://example.com/t/1"}},
        scheduled_timestamp=timezone.now() + dt.timedelta(days=1),
    )
    orm = Contact.objects.get(pk=contact.pk)
    compiled = row_in_instance(Contact, instance_id=contact.instance_id, pk=contact.pk)
    for field in Contact._meta.concrete_fields:
        assert getattr(compiled, field.attname) == getattr(orm, field.attname), field.name
    assert compiled.scheduled_timestamp.tzinfo is not None
    assert not compiled._state.adding


def test_only_exact_string_matches_can_be_parameters():
    contains = CompiledQuery(lambda name: Queue.objects.filter(name__icontains=name))
    with pytest.raises(ValueError, match="exact matches"):
        contains.rows("bill")


def test_inserted_rows_read_back_as_they_were_given():
    contact = ContactFactory()
    at = timezone.now()
    events = [
        ContactEvent(instance_id=contact.instance_id, contact=contact, at=at + dt.timedelta(seconds=i),
                     actor_type="api", event=f"E{i}", to_state="QUEUED", detail={"n": i, "text": "<b>é</b>"})
        for i in range(3)
    ]
    insert_rows(events)
    stored = list(ContactEvent.objects.filter(contact=contact).order_by("at"))
    assert [(e.event, e.detail, e.at, e.to_state) for e in stored] == [
        (f"E{i}", {"n": i, "text": "<b>é</b>"}, at + dt.timedelta(seconds=i), "QUEUED") for i in range(3)
    ]
