"""Rows of one instance never appear through another instance's queries or services."""

import pytest

from ccp.errors import Conflict, ResourceNotFound
from ccp.models import Contact, Queue
from ccp.services.offers import contact_accept
from ccp.services.tasks import task_start
from tests.factories import AgentFactory, ContactFactory, InstanceFactory, QueueFactory

pytestmark = pytest.mark.django_db


def test_instance_scoped_queries_see_only_their_own_rows():
    acme, globex = InstanceFactory(), InstanceFactory()
    QueueFactory(instance=acme, name="Shared name")
    QueueFactory(instance=globex, name="Shared name")
    ContactFactory(instance=acme)
    assert Queue.objects.filter(instance=acme).count() == 1
    assert Contact.objects.filter(instance=globex).count() == 0


def test_a_task_cannot_use_another_instances_flow(queue_flow):
    acme, globex = InstanceFactory(), InstanceFactory()
    foreign_flow = queue_flow(QueueFactory(instance=globex))
    with pytest.raises(ResourceNotFound):
        task_start(instance=acme, name="sneaky", contact_flow=foreign_flow)
    assert Contact.objects.count() == 0


def test_a_task_cannot_link_to_another_instances_contact(queue_flow):
    acme, globex = InstanceFactory(), InstanceFactory()
    flow = queue_flow(QueueFactory(instance=acme))
    foreign = ContactFactory(instance=globex)
    with pytest.raises(ResourceNotFound):
        task_start(instance=acme, name="sneaky", contact_flow=flow, related_contact=foreign)
    assert Contact.objects.filter(instance=acme).count() == 0


def test_an_agent_cannot_act_on_another_instances_contact():
    acme, globex = InstanceFactory(), InstanceFactory()
    outsider = AgentFactory(instance=acme)
    foreign = ContactFactory(instance=globex, state="CONNECTING", agent=AgentFactory(instance=globex))
    with pytest.raises(Conflict):
        contact_accept(contact_id=foreign.id, agent=outsider)
    foreign.refresh_from_db()
    assert foreign.state == "CONNECTING"
