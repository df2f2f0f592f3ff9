"""One owner per transaction: entry points open their own (durable), the steps inside refuse to run without one."""

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from ccp.models import Contact
from ccp.services.tasks import task_create, task_start
from tests.factories import ContactFlowFactory


@pytest.mark.django_db
def test_starting_a_task_inside_someone_elses_transaction_is_refused(instance):
    flow = ContactFlowFactory(instance=instance)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        task_start(instance=instance, contact_flow=flow, name="Call back Mrs Jones")
    assert not Contact.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_flows_create_task_step_outside_any_transaction_is_refused(instance):
    flow = ContactFlowFactory(instance=instance)
    with pytest.raises(TransactionManagementError, match="Creating a task"):
        task_create(instance=instance, initiation_method="FLOW", actor_type="flow", name="Follow up", contact_flow=flow)
    assert not Contact.objects.exists()
