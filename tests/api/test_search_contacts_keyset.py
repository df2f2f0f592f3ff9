"""SearchContacts through boto3, with the keyset paging behind NextToken: every sort field, ties, contacts
created while paging, and the summary fields a client links by (PreviousContactId, InitialContactId,
ScheduledTimestamp)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.api.wire import expect_error
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now().replace(microsecond=0)
HOUR = dt.timedelta(hours=1)
SORTABLE = [
    "INITIATION_TIMESTAMP",
    "SCHEDULED_TIMESTAMP",
    "CONNECTED_TO_AGENT_TIMESTAMP",
    "DISCONNECT_TIMESTAMP",
    "INITIATION_METHOD",
    "CHANNEL",
]


@pytest.fixture
def search(connect, instance):
    def call(criteria=None, **extra):
        params = {
            "InstanceId": instance.id,
            "TimeRange": {"Type": "INITIATION_TIMESTAMP", "StartTime": NOW - 48 * HOUR, "EndTime": NOW + HOUR},
            "SearchCriteria": criteria or {},
            **extra,
        }
        return connect.search_contacts(**params)

    return call


def all_pages(search, **extra) -> list[list[str]]:
    pages, token = [], None
    while True:
        result = search(MaxResults=4, **({"NextToken": token} if token else {}), **extra)
        pages.append([c["Id"] for c in result["Contacts"]])
        token = result.get("NextToken")
        if not token:
            return pages


@pytest.mark.parametrize("field", SORTABLE)
def test_next_token_pages_each_sort_order_without_gaps_or_repeats(search, instance, field):
    made = []
    for n in range(10):
        made.append(
            ContactFactory(
                instance=instance,
                channel=["TASK", "VOICE"][n % 2],
                initiation_method=["API", "TRANSFER"][n % 2],
                initiation_timestamp=NOW - (n // 3) * HOUR,
                scheduled_timestamp=NOW + n * HOUR if n % 2 else None,
                connected_to_agent_timestamp=NOW - (n % 3) * HOUR,
                disconnect_timestamp=NOW - (n % 2) * HOUR,
            ).id
        )
    for order in ("ASCENDING", "DESCENDING"):
        pages = all_pages(search, Sort={"FieldName": field, "Order": order})
        seen = [pk for page in pages for pk in page]
        assert sorted(seen) == sorted(made), order
        assert [len(p) for p in pages] == [4, 4, 2]


def test_a_task_started_between_pages_does_not_shift_the_next_page(search, instance):
    for n in range(6):
        ContactFactory(instance=instance, initiation_timestamp=NOW - n * HOUR)
    first = search(MaxResults=3)
    before = [c["Id"] for c in search(MaxResults=3, NextToken=first["NextToken"])["Contacts"]]
    ContactFactory(instance=instance, initiation_timestamp=NOW)
    after = [c["Id"] for c in search(MaxResults=3, NextToken=first["NextToken"])["Contacts"]]
    assert after == before


def test_a_token_from_another_sort_is_refused(search, instance):
    ContactFactory.create_batch(3, instance=instance, initiation_timestamp=NOW - HOUR)
    token = search(MaxResults=1)["NextToken"]
    expect_error(
        lambda: search(MaxResults=1, NextToken=token, Sort={"FieldName": "CHANNEL", "Order": "ASCENDING"}),
        "InvalidParameterException",
        400,
    )


def test_summaries_carry_the_links_and_the_scheduled_time(search, instance):
    first = ContactFactory(instance=instance, initiation_timestamp=NOW - 2 * HOUR)
    follow_up = ContactFactory(
        instance=instance,
        initiation_timestamp=NOW - HOUR,
        previous_contact=first,
        initial_contact=first,
        scheduled_timestamp=NOW + 5 * HOUR,
        state="SCHEDULED",
    )
    summary = search()["Contacts"][0]
    assert summary["Id"] == follow_up.id
    assert summary["PreviousContactId"] == first.id
    assert summary["InitialContactId"] == first.id
    assert summary["ScheduledTimestamp"] == NOW + 5 * HOUR


def test_name_match_exact_compares_the_whole_name(search, instance):
    exact = ContactFactory(instance=instance, name="Refund", initiation_timestamp=NOW - HOUR)
    ContactFactory(instance=instance, name="Refund order 7", initiation_timestamp=NOW - HOUR)
    result = search({"Name": {"SearchText": ["Refund"], "MatchType": "MATCH_EXACT"}})
    assert [c["Id"] for c in result["Contacts"]] == [exact.id]
    assert result["TotalCount"] == 1


def test_enqueue_time_range_and_attribute_values(search, instance):
    inside = ContactFactory(
        instance=instance,
        initiation_timestamp=NOW - 100 * HOUR,
        enqueue_timestamp=NOW - HOUR,
        attributes={"tier": "gold"},
    )
    ContactFactory(instance=instance, initiation_timestamp=NOW - 100 * HOUR, enqueue_timestamp=NOW - 60 * HOUR)
    result = search(
        {"SearchableContactAttributes": {"Criteria": [{"Key": "tier", "Values": ["gold", "silver"]}]}},
        TimeRange={"Type": "ENQUEUE_TIMESTAMP", "StartTime": NOW - 2 * HOUR, "EndTime": NOW},
    )
    assert [c["Id"] for c in result["Contacts"]] == [inside.id]
