"""SearchContacts through boto3: time ranges, channels, methods, queues, agents, attributes, text, sort
and NextToken paging (at most 100 a page)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.api.wire import expect_error
from tests.factories import AgentFactory, ContactFactory, QueueFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now()
DAY = dt.timedelta(days=1)


@pytest.fixture
def search(connect, instance):
    def call(criteria=None, *, time_type="INITIATION_TIMESTAMP", start=NOW - 10 * DAY, end=NOW + DAY, **extra):
        params = {
            "InstanceId": instance.id,
            "TimeRange": {"Type": time_type, "StartTime": start, "EndTime": end},
            "SearchCriteria": criteria or {},
            **extra,
        }
        return connect.search_contacts(**params)

    return call


def ids(result) -> list[str]:
    return [c["Id"] for c in result["Contacts"]]


def test_search_filters_by_initiation_time_range(search, instance):
    old = ContactFactory(instance=instance, initiation_timestamp=NOW - 20 * DAY)
    new = ContactFactory(instance=instance, initiation_timestamp=NOW - DAY)
    assert ids(search()) == [new.id]
    assert ids(search(start=NOW - 30 * DAY, end=NOW - 15 * DAY)) == [old.id]


def test_search_by_scheduled_connected_and_disconnect_time(search, instance):
    scheduled = ContactFactory(instance=instance, scheduled_timestamp=NOW + DAY / 2)
    connected = ContactFactory(instance=instance, connected_to_agent_timestamp=NOW - DAY)
    ended = ContactFactory(instance=instance, disconnect_timestamp=NOW - 2 * DAY)
    assert ids(search(time_type="SCHEDULED_TIMESTAMP")) == [scheduled.id]
    assert ids(search(time_type="CONNECTED_TO_AGENT_TIMESTAMP")) == [connected.id]
    assert ids(search(time_type="DISCONNECT_TIMESTAMP")) == [ended.id]


def test_search_by_channel_method_queue_and_agent(search, instance):
    queue = QueueFactory(instance=instance)
    agent = AgentFactory(instance=instance)
    in_queue = ContactFactory(instance=instance, queue=queue, initiation_method="TRANSFER")
    with_agent = ContactFactory(instance=instance, agent=agent, state="CONNECTED")
    voice = ContactFactory(instance=instance, channel="VOICE")
    assert ids(search({"QueueIds": [queue.id]})) == [in_queue.id]
    assert ids(search({"AgentIds": [agent.id]})) == [with_agent.id]
    assert ids(search({"Channels": ["VOICE"]})) == [voice.id]
    assert ids(search({"InitiationMethods": ["TRANSFER"]})) == [in_queue.id]


def test_search_by_searchable_attributes_all_or_any(search, instance):
    gold = ContactFactory(instance=instance, attributes={"tier": "gold", "region": "eu"})
    silver = ContactFactory(instance=instance, attributes={"tier": "silver", "region": "eu"})
    ContactFactory(instance=instance, attributes={"tier": "bronze"})
    both = {"Criteria": [{"Key": "tier", "Values": ["gold"]}, {"Key": "region", "Values": ["eu"]}]}
    assert ids(search({"SearchableContactAttributes": {**both, "MatchType": "MATCH_ALL"}})) == [gold.id]
    assert set(ids(search({"SearchableContactAttributes": {**both, "MatchType": "MATCH_ANY"}}))) == {gold.id, silver.id}


def test_search_by_text_in_name_and_description(search, instance):
    by_name = ContactFactory(instance=instance, name="Refund for Mrs Jones")
    by_description = ContactFactory(instance=instance, name="Other", description="refund requested")
    ContactFactory(instance=instance, name="Unrelated")
    found = search({"Name": {"SearchText": ["refund"], "MatchType": "MATCH_ANY"}})
    assert set(ids(found)) == {by_name.id, by_description.id}


def test_search_sorts_in_the_asked_order(search, instance):
    first = ContactFactory(instance=instance, initiation_timestamp=NOW - 3 * DAY)
    second = ContactFactory(instance=instance, initiation_timestamp=NOW - 2 * DAY)
    ascending = search(Sort={"FieldName": "INITIATION_TIMESTAMP", "Order": "ASCENDING"})
    assert ids(ascending) == [first.id, second.id]
    assert ids(search()) == [second.id, first.id]


def test_search_pages_with_next_token(search, instance):
    made = {
        ContactFactory(instance=instance, initiation_timestamp=NOW - DAY + dt.timedelta(seconds=i)).id for i in range(7)
    }
    seen, token, pages = [], None, 0
    while True:
        extra = {"NextToken": token} if token else {}
        result = search(MaxResults=3, **extra)
        assert result["TotalCount"] == 7 and len(result["Contacts"]) <= 3
        seen += ids(result)
        pages += 1
        token = result.get("NextToken")
        if not token:
            break
    assert pages == 3 and set(seen) == made and len(seen) == 7


def test_search_refuses_more_than_100_a_page_and_foreign_tokens(search, connect, instance):
    from botocore.config import Config  # noqa: F401  (raw client below skips botocore's own checks)

    expect_error(lambda: search(MaxResults=101), "InvalidParameterException", 400)
    expect_error(lambda: search(NextToken="garbage!"), "InvalidParameterException", 400)


def test_search_never_shows_another_instances_contacts(search, outsider):
    ContactFactory(instance=outsider["instance"])
    assert ids(search()) == []
