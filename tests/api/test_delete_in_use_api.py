"""DeleteContactFlow, DeleteQueue and DeleteUser through boto3: refused with ResourceInUseException (409), the
message naming the open contacts that still use the row; deleted once nothing open does."""

import pytest

from ccp.models import ContactFlow, ContactState, Queue, User
from tests.api.wire import expect_error
from tests.factories import AgentFactory, ContactFactory, ContactFlowFactory, QueueFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_delete_contact_flow_is_refused_while_an_open_contact_runs_it(connect, instance):
    flow = ContactFlowFactory(instance=instance, name="Triage")
    contact = ContactFactory(instance=instance, flow=flow, name="Ana's task")
    message = expect_error(
        lambda: connect.delete_contact_flow(InstanceId=instance.id, ContactFlowId=flow.id),
        "ResourceInUseException",
        409,
    )
    assert "Open contact “Ana's task”" in message
    assert ContactFlow.objects.filter(pk=flow.pk).exists()
    ContactFactory._meta.model.objects.filter(pk=contact.pk).update(
        state=ContactState.ENDED, disconnect_reason="EXPIRED"
    )
    connect.delete_contact_flow(InstanceId=instance.id, ContactFlowId=flow.id)
    assert not ContactFlow.objects.filter(pk=flow.pk).exists()


def test_delete_queue_is_refused_while_an_open_contact_waits_in_it(connect, instance):
    queue = QueueFactory(instance=instance, name="Refunds")
    ContactFactory(instance=instance, queue=queue, name="Refund for Ana")
    message = expect_error(
        lambda: connect.delete_queue(InstanceId=instance.id, QueueId=queue.id), "ResourceInUseException", 409
    )
    assert "Open contact “Refund for Ana”" in message and Queue.objects.filter(pk=queue.pk).exists()


def test_delete_queue_deletes_a_queue_nothing_uses(connect, instance):
    queue = QueueFactory(instance=instance, name="Unused")
    connect.delete_queue(InstanceId=instance.id, QueueId=queue.id)
    assert not Queue.objects.filter(pk=queue.pk).exists()


def test_delete_user_is_refused_while_an_open_contact_is_assigned_to_them(connect, instance):
    agent = AgentFactory(instance=instance, username="alex")
    ContactFactory(instance=instance, agent=agent, state=ContactState.CONNECTED, name="Call back Ana")
    message = expect_error(
        lambda: connect.delete_user(InstanceId=instance.id, UserId=agent.id), "ResourceInUseException", 409
    )
    assert "Open contact “Call back Ana”" in message and User.objects.filter(pk=agent.pk).exists()


def test_delete_user_deletes_a_user_with_no_open_contacts(connect, instance):
    agent = AgentFactory(instance=instance, username="alex")
    connect.delete_user(InstanceId=instance.id, UserId=agent.id)
    assert not User.objects.filter(pk=agent.pk).exists()
