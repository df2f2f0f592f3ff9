"""The operations around StartTaskContact, through boto3: stop, describe, update, attributes,
references, schedule, transfer and routing data."""

import datetime as dt
import time

import pytest

from ccp.models import Contact, ContactEvent
from tests.api.wire import expect_error
from tests.factories import AgentFactory, ContactFactory, ContactFlowFactory, QueueFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_stop_contact_ends_a_queued_task_with_reason_api(connect, instance, task):
    contact_id = task()
    connect.stop_contact(InstanceId=instance.id, ContactId=contact_id)
    contact = Contact.objects.get(pk=contact_id)
    assert (contact.state, contact.disconnect_reason) == ("ENDED", "API")


def test_stopping_an_ended_task_is_an_invalid_request(connect, instance, task, nothing_written_after):
    contact_id = task()
    connect.stop_contact(InstanceId=instance.id, ContactId=contact_id)
    check = nothing_written_after()
    expect_error(
        lambda: connect.stop_contact(InstanceId=instance.id, ContactId=contact_id), "InvalidRequestException", 400
    )
    check()


def test_operations_on_an_unknown_contact_are_not_found(connect, instance):
    for call in (
        lambda: connect.stop_contact(InstanceId=instance.id, ContactId="nope"),
        lambda: connect.describe_contact(InstanceId=instance.id, ContactId="nope"),
        lambda: connect.update_contact(InstanceId=instance.id, ContactId="nope", Name="x"),
        lambda: connect.get_contact_attributes(InstanceId=instance.id, InitialContactId="nope"),
        lambda: connect.update_contact_attributes(InstanceId=instance.id, InitialContactId="nope", Attributes={}),
    ):
        expect_error(call, "ResourceNotFoundException", 404)


def test_describe_contact_returns_the_whole_record(connect, instance, task, queue, task_flow):
    first = task(Attributes={"a": "1"})
    scheduled_at = int(time.time()) + 3600
    second = task(PreviousContactId=first, ScheduledTime=scheduled_at, Description="Later")
    connect.stop_contact(InstanceId=instance.id, ContactId=first)
    one = connect.describe_contact(InstanceId=instance.id, ContactId=first)["Contact"]
    assert one["Id"] == one["InitialContactId"] == first
    assert one["Channel"] == "TASK" and one["InitiationMethod"] == "API"
    assert one["QueueInfo"]["Id"] == queue.id and one["QueueInfo"]["EnqueueTimestamp"]
    assert one["DisconnectReason"] == "API" and one["DisconnectTimestamp"] >= one["InitiationTimestamp"]
    assert one["LastUpdateTimestamp"] and one["Arn"].endswith(f"/contact/{first}")
    two = connect.describe_contact(InstanceId=instance.id, ContactId=second)["Contact"]
    assert two["PreviousContactId"] == first
    assert int(two["ScheduledTimestamp"].timestamp()) == scheduled_at
    assert two["Description"] == "Later" and two["Name"] == "Call back"


def test_update_contact_changes_name_description_and_references(connect, instance, task):
    contact_id = task()
    connect.update_contact(
        InstanceId=instance.id,
        ContactId=contact_id,
        Name="Renamed",
        Description="New text",
        References={"ticket": {"Type": "URL", "Value": "https://t.example.com/1"}},
    )
    contact = Contact.objects.get(pk=contact_id)
    assert (contact.name, contact.description) == ("Renamed", "New text")
    refs = connect.list_contact_references(InstanceId=instance.id, ContactId=contact_id, ReferenceTypes=["URL"])
    assert refs["ReferenceSummaryList"] == [{"Url": {"Name": "ticket", "Value": "https://t.example.com/1"}}]


def test_update_contact_refuses_a_name_over_512_characters(connect, instance, task, nothing_written_after):
    contact_id = task()
    check = nothing_written_after()
    expect_error(
        lambda: connect.update_contact(InstanceId=instance.id, ContactId=contact_id, Name="n" * 513),
        "InvalidParameterException",
        400,
    )
    check()


def test_list_contact_references_filters_by_type(connect, instance, task):
    contact_id = task(
        References={"n": {"Type": "NUMBER", "Value": "7"}, "s": {"Type": "STRING", "Value": "x"}},
    )
    refs = connect.list_contact_references(InstanceId=instance.id, ContactId=contact_id, ReferenceTypes=["NUMBER"])
    assert refs["ReferenceSummaryList"] == [{"Number": {"Name": "n", "Value": "7"}}]


def test_update_contact_attributes_refuses_bad_keys_and_writes_nothing(
    connect, raw_connect, instance, task, nothing_written_after
):
    contact_id = task()
    check = nothing_written_after()
    expect_error(
        lambda: raw_connect.update_contact_attributes(
            InstanceId=instance.id, InitialContactId=contact_id, Attributes={"no spaces": "x"}
        ),
        "InvalidParameterException",
        400,
    )
    check()


def test_update_contact_schedule_moves_a_scheduled_task(connect, instance, task):
    contact_id = task(ScheduledTime=int(time.time()) + 3600)
    later = int(time.time()) + 2 * 86400
    connect.update_contact_schedule(InstanceId=instance.id, ContactId=contact_id, ScheduledTime=later)
    assert int(Contact.objects.get(pk=contact_id).scheduled_timestamp.timestamp()) == later


def test_update_contact_schedule_refuses_more_than_six_days(connect, instance, task, nothing_written_after):
    contact_id = task(ScheduledTime=int(time.time()) + 3600)
    check = nothing_written_after()
    expect_error(
        lambda: connect.update_contact_schedule(
            InstanceId=instance.id, ContactId=contact_id, ScheduledTime=int(time.time()) + 7 * 86400
        ),
        "InvalidParameterException",
        400,
    )
    check()


def test_transfer_contact_to_a_queue_makes_a_new_contact(connect, instance, task, task_flow):
    contact_id = task()
    other_queue = QueueFactory(instance=instance, name="Escalations")
    transfer_flow = ContactFlowFactory(
        instance=instance, type="QUEUE_TRANSFER", status="PUBLISHED", published_content=ContactFlowFactory.content
    )
    result = connect.transfer_contact(
        InstanceId=instance.id, ContactId=contact_id, QueueId=other_queue.id, ContactFlowId=transfer_flow.id
    )
    new = Contact.objects.get(pk=result["ContactId"])
    assert new.previous_contact_id == contact_id and new.initiation_method == "QUEUE_TRANSFER"
    assert Contact.objects.get(pk=contact_id).disconnect_reason == "TRANSFERRED"
    assert result["ContactArn"].endswith(new.id)


def test_transfer_contact_to_an_unknown_queue_is_not_found(connect, instance, task, task_flow, nothing_written_after):
    contact_id = task()
    check = nothing_written_after()
    expect_error(
        lambda: connect.transfer_contact(
            InstanceId=instance.id, ContactId=contact_id, QueueId="nope", ContactFlowId=task_flow.id
        ),
        "ResourceNotFoundException",
        404,
    )
    check()


def test_transfer_contact_to_an_agent_uses_their_queue(connect, instance, task, task_flow):
    agent = AgentFactory(instance=instance)
    contact_id = task()
    result = connect.transfer_contact(
        InstanceId=instance.id, ContactId=contact_id, UserId=agent.id, ContactFlowId=task_flow.id
    )
    assert Contact.objects.get(pk=result["ContactId"]).initiation_method == "TRANSFER"


def test_update_contact_routing_data_sets_priority_and_age(connect, instance, task):
    contact_id = task()
    connect.update_contact_routing_data(
        InstanceId=instance.id, ContactId=contact_id, QueuePriority=1, QueueTimeAdjustmentSeconds=120
    )
    contact = Contact.objects.get(pk=contact_id)
    assert (contact.routing_priority, contact.routing_age_seconds) == (1, 120)
    described = connect.describe_contact(InstanceId=instance.id, ContactId=contact_id)["Contact"]
    assert (described["QueuePriority"], described["QueueTimeAdjustmentSeconds"]) == (1, 120)
    assert ContactEvent.objects.filter(contact_id=contact_id, event="ROUTING_UPDATED").exists()


def test_update_contact_routing_data_refuses_priority_zero(raw_connect, instance, task, nothing_written_after):
    contact_id = task()
    check = nothing_written_after()
    expect_error(
        lambda: raw_connect.update_contact_routing_data(InstanceId=instance.id, ContactId=contact_id, QueuePriority=0),
        "InvalidParameterException",
        400,
    )
    check()


def test_describe_contact_returns_the_agent_work_and_a_dialled_number(connect, instance, task):
    agent = AgentFactory(instance=instance)
    connected = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    task_id = task()
    Contact.objects.filter(pk=task_id).update(
        agent=agent,
        connected_to_agent_timestamp=connected,
        after_contact_work_start_timestamp=connected + dt.timedelta(minutes=10),
        after_contact_work_end_timestamp=connected + dt.timedelta(minutes=10, seconds=45),
    )
    info = connect.describe_contact(InstanceId=instance.id, ContactId=task_id)["Contact"]["AgentInfo"]
    assert info["Id"] == agent.id
    assert info["AcceptedByAgentTimestamp"] == info["ConnectedToAgentTimestamp"] == connected
    assert info["AfterContactWorkDuration"] == 45
    call = ContactFactory(instance=instance, channel="VOICE", initiation_method="OUTBOUND", phone_number="+15550100")
    described = connect.describe_contact(InstanceId=instance.id, ContactId=call.id)["Contact"]
    assert described["CustomerEndpoint"] == {"Type": "TELEPHONE_NUMBER", "Address": "+15550100"}
