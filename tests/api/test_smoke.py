import pytest

from ccp.models import Contact

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_task_started_with_boto3_is_queued_by_its_flow(connect, instance, task_flow, queue):
    response = connect.start_task_contact(InstanceId=instance.id, ContactFlowId=task_flow.id, Name="Call back")
    contact = Contact.objects.get(pk=response["ContactId"])
    assert contact.queue_id == queue.id
    assert contact.state == "QUEUED"
    described = connect.describe_contact(InstanceId=instance.id, ContactId=contact.id)["Contact"]
    assert described["Name"] == "Call back"
    assert described["QueueInfo"]["Id"] == queue.id
    assert described["InitiationTimestamp"].year >= 2025
