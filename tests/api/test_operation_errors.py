"""The operations around StartTaskContact refuse bad input with their AWS error name and HTTP status,
and write nothing: no contact, no event, no token, and the contact they name is left as it was."""

import time

import pytest

from ccp.models import Contact, ContactFlow, TaskTemplate
from tests.api.wire import counts, expect_error
from tests.factories import (
    AgentFactory,
    ContactFactory,
    ContactFlowFactory,
    QueueFactory,
    TaskTemplateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def refused():
    """Run a call that must fail with (code, status); assert nothing was written and the contact kept its state."""

    def check(call, code, status, *, contact_id=None):
        state = Contact.objects.get(pk=contact_id).state if contact_id else None
        before = counts()
        message = expect_error(call, code, status)
        assert counts() == before
        if contact_id:
            assert Contact.objects.get(pk=contact_id).state == state
        return message

    return check


@pytest.fixture
def transfer(raw_connect, instance, task_flow, queue):
    def call(contact_id, **changes):
        params = {"InstanceId": instance.id, "ContactId": contact_id, "ContactFlowId": task_flow.id, **changes}
        if "UserId" not in changes:
            params.setdefault("QueueId", queue.id)
        return raw_connect.transfer_contact(**{k: v for k, v in params.items() if v is not None})

    return call


def test_transfer_needs_exactly_one_of_queue_and_user(task, transfer, instance, refused):
    contact_id = task()
    agent = AgentFactory(instance=instance)
    message = refused(
        lambda: transfer(contact_id, UserId=agent.id, QueueId=QueueFactory(instance=instance).id),
        "InvalidRequestException",
        400,
        contact_id=contact_id,
    )
    assert "QueueId" in message and "UserId" in message
    refused(lambda: transfer(contact_id, QueueId=None), "InvalidRequestException", 400, contact_id=contact_id)


def test_transfer_of_an_ended_task_is_an_invalid_request(connect, instance, task, transfer, refused):
    contact_id = task()
    connect.stop_contact(InstanceId=instance.id, ContactId=contact_id)
    refused(lambda: transfer(contact_id), "InvalidRequestException", 400, contact_id=contact_id)


@pytest.mark.parametrize("missing", ["ContactId", "ContactFlowId", "UserId"])
def test_transfer_to_unknown_resources_is_not_found(task, transfer, refused, missing):
    contact_id = task()
    changes = {"ContactId": "nope"} if missing == "ContactId" else {missing: "nope"}
    if missing == "UserId":
        changes["QueueId"] = None
    target = changes.pop("ContactId", contact_id)
    refused(lambda: transfer(target, **changes), "ResourceNotFoundException", 404, contact_id=contact_id)


def test_transfer_to_a_user_without_a_queue_is_an_invalid_request(task, transfer, instance, refused):
    contact_id = task()
    admin = UserFactory(instance=instance)
    refused(
        lambda: transfer(contact_id, UserId=admin.id, QueueId=None),
        "InvalidRequestException",
        400,
        contact_id=contact_id,
    )


def test_transfer_through_a_customer_queue_flow_is_an_invalid_request(task, transfer, instance, refused):
    contact_id = task()
    hold_music = ContactFlowFactory(instance=instance, type="CUSTOMER_QUEUE")
    message = refused(
        lambda: transfer(contact_id, ContactFlowId=hold_music.id), "InvalidRequestException", 400, contact_id=contact_id
    )
    assert "CUSTOMER_QUEUE" in message


def test_the_twelfth_transfer_exceeds_the_quota(task, transfer, refused):
    contact_id = task()
    for _ in range(11):
        contact_id = transfer(contact_id)["ContactId"]
    refused(lambda: transfer(contact_id), "ServiceQuotaExceededException", 402, contact_id=contact_id)


def test_rescheduling_a_task_that_is_not_scheduled_is_an_invalid_request(raw_connect, instance, task, refused):
    contact_id = task()
    later = int(time.time()) + 3600
    refused(
        lambda: raw_connect.update_contact_schedule(InstanceId=instance.id, ContactId=contact_id, ScheduledTime=later),
        "InvalidRequestException",
        400,
        contact_id=contact_id,
    )


def test_rescheduling_into_the_past_is_refused(raw_connect, instance, task, refused):
    contact_id = task(ScheduledTime=int(time.time()) + 3600)
    scheduled = Contact.objects.get(pk=contact_id).scheduled_timestamp
    past = int(time.time()) - 3600
    refused(
        lambda: raw_connect.update_contact_schedule(InstanceId=instance.id, ContactId=contact_id, ScheduledTime=past),
        "InvalidParameterException",
        400,
        contact_id=contact_id,
    )
    assert Contact.objects.get(pk=contact_id).scheduled_timestamp == scheduled


def test_rescheduling_or_rerouting_an_unknown_contact_is_not_found(raw_connect, instance, refused):
    later = int(time.time()) + 3600
    refused(
        lambda: raw_connect.update_contact_schedule(InstanceId=instance.id, ContactId="nope", ScheduledTime=later),
        "ResourceNotFoundException",
        404,
    )
    refused(
        lambda: raw_connect.update_contact_routing_data(InstanceId=instance.id, ContactId="nope", QueuePriority=2),
        "ResourceNotFoundException",
        404,
    )


@pytest.mark.parametrize(
    "reference", [{"Type": "ATTACHMENT", "Value": "https://f.example.com/a.pdf"}, {"Type": "URL", "Value": "ftp:x"}]
)
def test_update_contact_refuses_bad_references(raw_connect, instance, task, refused, reference):
    contact_id = task()
    refused(
        lambda: raw_connect.update_contact(InstanceId=instance.id, ContactId=contact_id, References={"r": reference}),
        "InvalidParameterException",
        400,
    )
    assert Contact.objects.get(pk=contact_id).references == {}


def test_update_contact_attributes_refuses_a_merge_over_32768_bytes(raw_connect, instance, task, refused):
    contact_id = task(Attributes={"first": "x" * 20000})
    refused(
        lambda: raw_connect.update_contact_attributes(
            InstanceId=instance.id, InitialContactId=contact_id, Attributes={"second": "y" * 20000}
        ),
        "InvalidParameterException",
        400,
    )
    assert Contact.objects.get(pk=contact_id).attributes == {"first": "x" * 20000}


def test_update_contact_routing_data_refuses_an_age_beyond_its_limit(raw_connect, instance, task, refused):
    contact_id = task()
    refused(
        lambda: raw_connect.update_contact_routing_data(
            InstanceId=instance.id, ContactId=contact_id, QueueTimeAdjustmentSeconds=10**9
        ),
        "InvalidParameterException",
        400,
    )
    assert Contact.objects.get(pk=contact_id).routing_age_seconds == 0


def test_another_instances_contact_is_not_found_with_our_key(connect, instance, outsider, refused):
    theirs = ContactFactory(instance=outsider["instance"], attributes={"secret": "1"})
    for call in (
        lambda: connect.describe_contact(InstanceId=instance.id, ContactId=theirs.id),
        lambda: connect.get_contact_attributes(InstanceId=instance.id, InitialContactId=theirs.id),
        lambda: connect.list_contact_references(InstanceId=instance.id, ContactId=theirs.id, ReferenceTypes=["URL"]),
        lambda: connect.stop_contact(InstanceId=instance.id, ContactId=theirs.id),
        lambda: connect.update_contact_attributes(
            InstanceId=instance.id, InitialContactId=theirs.id, Attributes={"secret": "2"}
        ),
    ):
        refused(call, "ResourceNotFoundException", 404, contact_id=theirs.id)
    assert Contact.objects.get(pk=theirs.id).attributes == {"secret": "1"}


def test_a_second_flow_with_the_same_name_is_a_duplicate_resource(connect, instance, task_flow):
    flows = ContactFlow.objects.count()
    expect_error(
        lambda: connect.create_contact_flow(
            InstanceId=instance.id, Name=task_flow.name, Type="CONTACT_FLOW", Content=task_flow.content
        ),
        "DuplicateResourceException",
        409,
    )
    assert ContactFlow.objects.count() == flows


def test_updating_or_deleting_an_unknown_template_is_not_found(connect, instance):
    template = TaskTemplateFactory(instance=instance, name="Kept")
    for call in (
        lambda: connect.update_task_template(InstanceId=instance.id, TaskTemplateId="nope", Name="x"),
        lambda: connect.delete_task_template(InstanceId=instance.id, TaskTemplateId="nope"),
    ):
        expect_error(call, "ResourceNotFoundException", 404)
    assert list(TaskTemplate.objects.values_list("pk", "name")) == [(template.pk, "Kept")]


def test_an_inactive_template_starts_no_task(raw_connect, instance, task_flow, refused):
    template = TaskTemplateFactory(instance=instance, flow=task_flow, status="INACTIVE")
    refused(
        lambda: raw_connect.start_task_contact(InstanceId=instance.id, TaskTemplateId=template.id, Name="x"),
        "InvalidRequestException",
        400,
    )


def test_update_contact_routing_data_on_an_ended_contact_is_a_conflict(raw_connect, connect, instance, task, refused):
    contact_id = task()
    connect.stop_contact(InstanceId=instance.id, ContactId=contact_id)
    refused(
        lambda: raw_connect.update_contact_routing_data(InstanceId=instance.id, ContactId=contact_id, QueuePriority=1),
        "ResourceConflictException",
        409,
        contact_id=contact_id,
    )
    assert Contact.objects.get(pk=contact_id).routing_priority == 5


def test_start_task_contact_on_a_flow_that_was_never_published_is_refused(raw_connect, instance, refused):
    draft = ContactFlowFactory(instance=instance, name="Draft")
    message = refused(
        lambda: raw_connect.start_task_contact(InstanceId=instance.id, ContactFlowId=draft.id, Name="Call back"),
        "InvalidRequestException",
        400,
    )
    assert "not published" in message
