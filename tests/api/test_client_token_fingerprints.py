"""Every field of the request is part of a ClientToken's fingerprint.

A second StartTaskContact or TransferContact with the same ClientToken that differs from the first in
any one field is refused as a different request and writes nothing; the identical request gets the
first request's contact back. One case per field of botocore's input shape (InstanceId picks the
tenant and ClientToken is the key itself; SegmentAttributes and Attachments are ignored by this
server, as members it does not implement, so they are not part of the request it remembers)."""

import datetime as dt

import pytest

from ccp.models import Contact, FlowType
from ccp.services.configuration.flows import flow_create
from tests.api.conftest import flow_document
from tests.api.wire import counts, expect_error
from tests.factories import AgentFactory, QueueFactory, QuickConnectFactory, TaskTemplateFactory

pytestmark = pytest.mark.django_db(transaction=True)

IN_AN_HOUR = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)


@pytest.fixture
def world(instance, queue, task_flow, task):
    """Two of everything a request can name, all in our instance."""
    other_flow = flow_create(
        instance=instance, name="Another flow", type=FlowType.CONTACT_FLOW, content=flow_document(queue.id)
    )
    return {
        "flow": (task_flow.id, other_flow.id),
        "quick connect": tuple(QuickConnectFactory(instance=instance, flow=task_flow).id for _ in range(2)),
        # Templates without a flow of their own, so they come with the request's ContactFlowId.
        "template": tuple(TaskTemplateFactory(instance=instance).id for _ in range(2)),
        "contact": (task(), task()),
        "queue": (queue.id, QueueFactory(instance=instance, name="Escalations").id),
        "user": tuple(AgentFactory(instance=instance).id for _ in range(2)),
    }


# (field, the first request's fields, the one field's other value). A value ("flow", i) is the i-th
# of world's pair; the first request always uses the 0th.
START_CASES = {
    "ContactFlowId": ({"ContactFlowId": ("flow", 0)}, ("flow", 1)),
    "Name": ({"ContactFlowId": ("flow", 0), "Name": "Call back"}, "Call back later"),
    "Description": ({"ContactFlowId": ("flow", 0), "Description": "About order 42"}, "About order 43"),
    "References": (
        {"ContactFlowId": ("flow", 0), "References": {"Order": {"Type": "URL", "Value": "https://x.test/42"}}},
        {"Order": {"Type": "URL", "Value": "https://x.test/43"}},
    ),
    "Attributes": ({"ContactFlowId": ("flow", 0), "Attributes": {"order": "42"}}, {"order": "43"}),
    "PreviousContactId": ({"ContactFlowId": ("flow", 0), "PreviousContactId": ("contact", 0)}, ("contact", 1)),
    "RelatedContactId": ({"ContactFlowId": ("flow", 0), "RelatedContactId": ("contact", 0)}, ("contact", 1)),
    "ScheduledTime": (
        {"ContactFlowId": ("flow", 0), "ScheduledTime": IN_AN_HOUR},
        IN_AN_HOUR + dt.timedelta(minutes=30),
    ),
    "TaskTemplateId": ({"ContactFlowId": ("flow", 0), "TaskTemplateId": ("template", 0)}, ("template", 1)),
    "QuickConnectId": ({"QuickConnectId": ("quick connect", 0)}, ("quick connect", 1)),
}


def _resolve(value, world):
    if isinstance(value, tuple):
        kind, index = value
        return world[kind][index]
    return value


@pytest.fixture
def start(connect, instance, world):
    def call(fields: dict, **changes):
        params = {"InstanceId": instance.id, "Name": "Call back", "ClientToken": "order-42"}
        params.update({key: _resolve(value, world) for key, value in fields.items()})
        params.update({key: _resolve(value, world) for key, value in changes.items()})
        return connect.start_task_contact(**params)["ContactId"]

    return call


@pytest.mark.parametrize("field", START_CASES)
def test_start_task_contact_with_the_same_token_and_the_same_request_returns_the_same_contact(start, field):
    fields, _other = START_CASES[field]
    first = start(fields)
    before = counts()
    assert start(fields) == first
    assert counts() == before


@pytest.mark.parametrize("field", START_CASES)
def test_start_task_contact_with_the_same_token_and_one_field_changed_is_a_mismatch(start, field):
    fields, other = START_CASES[field]
    start(fields)
    before = counts()
    message = expect_error(lambda: start(fields, **{field: other}), "InvalidRequestException", 400)
    assert "ClientToken" in message and "different request" in message
    assert counts() == before


def test_every_start_task_contact_field_has_a_fingerprint_case():
    from ccp.api.shapes import service_model

    members = set(service_model().operation_model("StartTaskContact").input_shape.members)
    unremembered = {"InstanceId", "ClientToken", "SegmentAttributes", "Attachments"}
    assert members - unremembered == set(START_CASES)


# TransferContact: (field, the first request's fields, the one field's other value).
TRANSFER_CASES = {
    "ContactId": ({"QueueId": ("queue", 1)}, ("contact", 1)),
    "QueueId": ({"QueueId": ("queue", 0)}, ("queue", 1)),
    "UserId": ({"UserId": ("user", 0)}, ("user", 1)),
    "ContactFlowId": ({"QueueId": ("queue", 1)}, ("flow", 1)),
}


@pytest.fixture
def transfer(connect, instance, world):
    def call(fields: dict, **changes):
        params = {
            "InstanceId": instance.id,
            "ContactId": world["contact"][0],
            "ContactFlowId": world["flow"][0],
            "ClientToken": "move-1",
        }
        params.update({key: _resolve(value, world) for key, value in fields.items()})
        params.update({key: _resolve(value, world) for key, value in changes.items()})
        return connect.transfer_contact(**params)

    return call


@pytest.mark.parametrize("field", TRANSFER_CASES)
def test_transfer_contact_with_the_same_token_and_the_same_request_returns_the_same_contact(transfer, field, world):
    fields, _other = TRANSFER_CASES[field]
    first = transfer(fields)
    before = counts()
    again = transfer(fields)
    assert (again["ContactId"], again["ContactArn"]) == (first["ContactId"], first["ContactArn"])
    assert counts() == before
    assert Contact.objects.filter(previous_contact_id=world["contact"][0]).count() == 1


@pytest.mark.parametrize("field", TRANSFER_CASES)
def test_transfer_contact_with_the_same_token_and_one_field_changed_is_a_mismatch(transfer, field, world):
    fields, other = TRANSFER_CASES[field]
    transfer(fields)
    states = dict(Contact.objects.values_list("id", "state"))
    before = counts()
    message = expect_error(lambda: transfer(fields, **{field: other}), "IdempotencyException", 409)
    assert "ClientToken" in message and "different request" in message
    assert counts() == before
    assert dict(Contact.objects.values_list("id", "state")) == states


def test_every_transfer_contact_field_has_a_fingerprint_case():
    from ccp.api.shapes import service_model

    members = set(service_model().operation_model("TransferContact").input_shape.members)
    assert members - {"InstanceId", "ClientToken"} == set(TRANSFER_CASES)
