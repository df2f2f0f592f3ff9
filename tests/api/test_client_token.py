"""ClientToken idempotency of StartTaskContact: same token, same contact, nothing new; a different
request under the same token is refused naming the mismatch; tokens are forgotten after 7 days;
50 identical requests at once create one contact (against PostgreSQL)."""

import datetime as dt

import pytest

from ccp.models import Contact, ContactEvent, IdempotencyToken
from tests.api.wire import client_for, expect_error, postgres_or_skip, race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def start(connect, instance, task_flow):
    def call(client=connect, **changes):
        params = {"InstanceId": instance.id, "ContactFlowId": task_flow.id, "Name": "Once only", **changes}
        return client.start_task_contact(**params)["ContactId"]

    return call


def test_the_same_token_returns_the_same_contact_and_creates_nothing(start):
    first = start(ClientToken="order-42")
    contacts, events, tokens = Contact.objects.count(), ContactEvent.objects.count(), IdempotencyToken.objects.count()
    assert start(ClientToken="order-42") == first
    assert (Contact.objects.count(), ContactEvent.objects.count(), IdempotencyToken.objects.count()) == (
        contacts,
        events,
        tokens,
    )


def test_the_same_token_with_a_different_request_names_the_mismatch(start, nothing_written_after):
    start(ClientToken="order-42")
    check = nothing_written_after()
    message = expect_error(lambda: start(ClientToken="order-42", Name="Something else"), "InvalidRequestException", 400)
    assert "ClientToken" in message and "different request" in message
    check()


def test_tokens_are_forgotten_after_seven_days(start):
    first = start(ClientToken="order-42")
    IdempotencyToken.objects.update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=7, minutes=1))
    assert start(ClientToken="order-42") != first


def test_a_token_is_kept_per_instance(start, outsider, live_server, task_flow):
    ours = start(ClientToken="shared")
    theirs = client_for(live_server.url, outsider["key"].access_key_id, outsider["secret"]).start_task_contact(
        InstanceId=outsider["instance"].id, ContactFlowId=outsider["flow"].id, Name="Once only", ClientToken="shared"
    )["ContactId"]
    assert ours != theirs


@pytest.mark.services
def test_fifty_identical_requests_at_once_create_one_contact(wide_server, key, instance, task_flow):
    postgres_or_skip()
    api_key, secret = key
    clients = [client_for(wide_server, api_key.access_key_id, secret) for _ in range(50)]
    results, errors = race(
        clients,
        lambda client: client.start_task_contact(
            InstanceId=instance.id, ContactFlowId=task_flow.id, Name="Once", ClientToken="stampede"
        )["ContactId"],
    )
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 50
    assert Contact.objects.count() == 1
    assert IdempotencyToken.objects.count() == 1
