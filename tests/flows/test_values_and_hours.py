import datetime as dt

import pytest

from ccp.flows.paths import path_resolve
from ccp.flows.resources import ResourceMissing, queue_find, resource_id
from ccp.selectors.hours import hours_is_open
from tests.factories import ContactFactory, HoursOfOperationFactory, QueueFactory

pytestmark = pytest.mark.django_db


def test_dynamic_values_resolve_like_amazon_connect(instance, queue):
    previous = ContactFactory(instance=instance)
    contact = ContactFactory(
        instance=instance, name="Refund", description="Two items", queue=queue, previous_contact=previous,
        attributes={"tier": "gold", "two words": "yes"},
        references={"Ticket": {"Type": "URL", "Value": "https://crm.example.com/1"}},
        flow_state={"external": {"score": "9"}, "metrics": {"Queue": {"Size": "4"}}},
    )
    expected = {
        "$.Attributes.tier": "gold",
        "$.Attributes['two words']": "yes",
        "$.Name": "Refund",
        "$.Description": "Two items",
        "$.References.Ticket.Value": "https://crm.example.com/1",
        "$.Channel": "TASK",
        "$.ContactId": contact.id,
        "$.PreviousContactId": previous.id,
        "$.InitiationMethod": "API",
        "$.Queue.Name": "Support",
        "$.Queue.ARN": queue.arn,
        "$.External.score": "9",
        "$.Metrics.Queue.Size": "4",
        "$.Attributes.missing": None,
        "$.CustomerEndpoint.Address": None,
    }
    assert {path: path_resolve(contact, path) for path in expected} == expected


def test_queue_ids_and_arns_name_the_same_queue(instance, queue):
    assert queue_find(instance, queue.id) == queue
    assert queue_find(instance, queue.arn) == queue


def test_an_arn_of_another_kind_or_instance_names_nothing(instance, queue):
    other = QueueFactory()
    assert resource_id(queue.arn.replace("/queue/", "/contact-flow/"), kind="queue", instance_id=instance.id) == ""
    with pytest.raises(ResourceMissing):
        queue_find(instance, other.arn)


@pytest.mark.parametrize(
    "when, open_",
    [("2026-11-23T21:00", True), ("2026-11-24T01:59", True), ("2026-11-24T02:00", False), ("2026-11-23T19:59", False)],
)
def test_hours_that_end_before_they_start_run_past_midnight(instance, when, open_):
    night = HoursOfOperationFactory(instance=instance, config=[
        {"Day": "MONDAY", "StartTime": {"Hours": 20, "Minutes": 0}, "EndTime": {"Hours": 2, "Minutes": 0}}
    ])
    assert hours_is_open(hours=night, at=dt.datetime.fromisoformat(when + "+00:00")) is open_


def test_hours_from_midnight_to_midnight_are_the_whole_day(instance):
    day = HoursOfOperationFactory(instance=instance, config=[
        {"Day": "MONDAY", "StartTime": {"Hours": 0, "Minutes": 0}, "EndTime": {"Hours": 0, "Minutes": 0}}
    ])
    assert hours_is_open(hours=day, at=dt.datetime.fromisoformat("2026-11-23T23:59:30+00:00"))
    assert not hours_is_open(hours=day, at=dt.datetime.fromisoformat("2026-11-24T00:00:30+00:00"))
