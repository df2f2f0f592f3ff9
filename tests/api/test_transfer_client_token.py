"""ClientToken idempotency of TransferContact: the same token returns the same new contact and writes
nothing; the same token with another request is IdempotencyException (409, as botocore models it for
TransferContact) and writes nothing; 20 identical transfers at once make one (against PostgreSQL)."""

import pytest

from ccp.models import Contact, FlowType
from ccp.services.configuration.flows import flow_create
from tests.api.conftest import flow_document
from tests.api.wire import client_for, counts, expect_error, postgres_or_skip, race
from tests.factories import QueueFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def escalations(instance):
    return QueueFactory(instance=instance, name="Escalations")


@pytest.fixture
def transfer(connect, instance, task_flow, escalations):
    def call(contact_id, client=connect, **changes):
        params = {
            "InstanceId": instance.id,
            "ContactId": contact_id,
            "QueueId": escalations.id,
            "ContactFlowId": task_flow.id,
            **changes,
        }
        return client.transfer_contact(**params)

    return call


def test_the_same_token_returns_the_same_contact_and_writes_nothing(task, transfer):
    original = task()
    first = transfer(original, ClientToken="move-1")
    before = counts()
    again = transfer(original, ClientToken="move-1")
    assert (again["ContactId"], again["ContactArn"]) == (first["ContactId"], first["ContactArn"])
    assert counts() == before
    assert Contact.objects.filter(previous_contact_id=original).count() == 1


def test_the_same_token_for_another_destination_is_an_idempotency_error(task, transfer, instance):
    original = task()
    transfer(original, ClientToken="move-1")
    other_queue = QueueFactory(instance=instance, name="Billing")
    before = counts()
    message = expect_error(
        lambda: transfer(original, ClientToken="move-1", QueueId=other_queue.id), "IdempotencyException", 409
    )
    assert "ClientToken" in message and "different request" in message
    assert counts() == before


def test_the_same_token_for_another_contact_is_refused_and_leaves_that_contact_alone(task, transfer):
    transfer(task(), ClientToken="move-1")
    second = task()
    state_before = Contact.objects.get(pk=second).state
    before = counts()
    expect_error(lambda: transfer(second, ClientToken="move-1"), "IdempotencyException", 409)
    assert counts() == before
    assert Contact.objects.get(pk=second).state == state_before == "QUEUED"


def test_a_token_over_500_characters_is_refused(task, raw_connect, transfer):
    original = task()
    before = counts()
    too_long = "t" * 501
    expect_error(lambda: transfer(original, client=raw_connect, ClientToken=too_long), "InvalidParameterException", 400)
    assert counts() == before
    assert Contact.objects.get(pk=original).state == "QUEUED"


def test_a_repeat_under_the_token_returns_the_first_transfer_and_a_changed_repeat_is_refused(
    task, transfer, instance, escalations
):
    original = task()
    first = transfer(original, ClientToken="move-1")
    before = counts()
    again = transfer(original, ClientToken="move-1")
    assert (again["ContactId"], again["ContactArn"]) == (first["ContactId"], first["ContactArn"])
    assert counts() == before
    other_flow = flow_create(
        instance=instance, name="Another flow", type=FlowType.CONTACT_FLOW, content=flow_document(escalations.id)
    )
    message = expect_error(
        lambda: transfer(original, ClientToken="move-1", ContactFlowId=other_flow.id), "IdempotencyException", 409
    )
    assert "different request" in message
    assert counts() == before
    assert [c.id for c in Contact.objects.filter(previous_contact_id=original)] == [first["ContactId"]]


def test_a_repeat_without_a_token_is_a_new_request_that_the_transferred_task_refuses(task, transfer):
    # boto3 fills in a fresh ClientToken on every call: the second call is not a replay of the first.
    original = task()
    first = transfer(original)
    before = counts()
    expect_error(lambda: transfer(original), "InvalidRequestException", 400)
    assert counts() == before
    assert Contact.objects.get(pk=original).state == "ENDED"
    assert [c.id for c in Contact.objects.filter(previous_contact_id=original)] == [first["ContactId"]]


@pytest.mark.services
def test_twenty_identical_transfers_at_once_make_one(wide_server, key, instance, task, task_flow, escalations):
    postgres_or_skip()
    original = task()
    api_key, secret = key
    clients = [client_for(wide_server, api_key.access_key_id, secret) for _ in range(20)]

    def transfer(client):
        result = client.transfer_contact(
            InstanceId=instance.id,
            ContactId=original,
            QueueId=escalations.id,
            ContactFlowId=task_flow.id,
            ClientToken="stampede",
        )
        return result["ContactId"], result["ContactArn"]

    results, errors = race(clients, transfer)
    assert errors == []
    assert len(results) == 20 and len(set(results)) == 1
    assert Contact.objects.filter(previous_contact_id=original).count() == 1
