import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import AgentStatus, ContactState
from tests.factories import AgentFactory, AgentStatusFactory, ContactFactory, RoutingProfileQueueFactory
from tests.flows.conftest import action, branches

pytestmark = pytest.mark.django_db


def note(name, value):
    return action(name, "UpdateContactAttributes", {"Attributes": {"route": value}}, next_action="hang up")


def check_flow(publish, queue, metric, operator, operand):
    return publish([
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="check"),
        action("check", "CheckMetricData", {"MetricType": metric}, next_action="no",
               conditions=[(operator, operand, "yes")],
               errors={"NoMatchingCondition": "no", "NoMatchingError": "broken"}),
        note("yes", "yes"),
        note("no", "no"),
        note("broken", "broken"),
    ])


@pytest.fixture
def staff(instance, queue):
    """Three agents serving the queue: one Available, one on Break, one Offline."""
    available = AgentStatusFactory(instance=instance, name="Available", type=AgentStatus.Type.ROUTABLE)
    brk = AgentStatusFactory(instance=instance, name="Break", type=AgentStatus.Type.CUSTOM)
    offline = AgentStatusFactory(instance=instance, name="Offline", type=AgentStatus.Type.OFFLINE)
    people = {}
    for name, status in (("ann", available), ("bob", brk), ("cid", offline)):
        agent = AgentFactory(instance=instance, username=name, status=status)
        RoutingProfileQueueFactory(routing_profile=agent.routing_profile, queue=queue)
        people[name] = agent
    return people


@pytest.mark.parametrize(
    "metric, expected",
    # Staffed is every Online agent (Available and Break), never the Offline one.
    [("NumberOfAgentsAvailable", 1), ("NumberOfAgentsStaffed", 2), ("NumberOfAgentsOnline", 2)],
)
def test_check_staffing_counts_the_queues_agents(publish, start, queue, staff, metric, expected):
    contact = start(check_flow(publish, queue, metric, "Equals", str(expected)))
    assert contact.attributes["route"] == "yes"


def test_check_staffing_with_nobody_available_takes_the_no_match_branch(publish, start, queue):
    contact = start(check_flow(publish, queue, "NumberOfAgentsAvailable", "NumberGreaterThan", "0"))
    assert contact.attributes["route"] == "no"
    assert ("check", "NoMatchingCondition") in branches(contact)


def test_an_agent_with_every_slot_taken_is_not_available(publish, start, instance, queue, staff):
    ann = staff["ann"]
    ann.routing_profile.task_concurrency = 1
    ann.routing_profile.save()
    ContactFactory(instance=instance, agent=ann, queue=queue, state=ContactState.CONNECTED)
    contact = start(check_flow(publish, queue, "NumberOfAgentsAvailable", "NumberGreaterThan", "0"))
    assert contact.attributes["route"] == "no"


def test_check_queue_status_counts_contacts_in_queue(publish, start, instance, queue):
    for _ in range(3):
        ContactFactory(instance=instance, queue=queue, state=ContactState.QUEUED)
    contact = start(check_flow(publish, queue, "NumberOfContactsInQueue", "NumberGreaterOrEqualTo", "3"))
    assert contact.attributes["route"] == "yes"


def test_check_queue_status_reads_the_oldest_contacts_age(publish, start, instance, queue):
    ContactFactory(instance=instance, queue=queue, state=ContactState.QUEUED,
                   enqueue_timestamp=timezone.now() - dt.timedelta(minutes=10))
    contact = start(check_flow(publish, queue, "OldestContactInQueueAgeSeconds", "NumberGreaterThan", "590"))
    assert contact.attributes["route"] == "yes"


def test_check_queue_status_of_an_empty_queue_takes_no_match(publish, start, queue):
    contact = start(check_flow(publish, queue, "NumberOfContactsInQueue", "NumberGreaterThan", "0"))
    assert contact.attributes["route"] == "no"


def test_check_queue_status_without_a_working_queue_takes_the_error_branch(publish, start):
    flow = publish([
        action("check", "CheckMetricData", {"MetricType": "NumberOfContactsInQueue"}, next_action="hang up",
               conditions=[("NumberGreaterThan", "0", "hang up")], errors={"NoMatchingError": "broken"}),
        note("broken", "broken"),
    ])
    assert start(flow).attributes["route"] == "broken"


def test_check_queue_status_of_a_named_agent_reads_their_personal_queue(publish, start, instance, agent):
    ContactFactory(instance=instance, queue=agent.personal_queue, state=ContactState.QUEUED)
    flow = publish([
        action("check", "CheckMetricData", {"MetricType": "NumberOfContactsInQueue", "AgentId": agent.id},
               next_action="no", conditions=[("Equals", "1", "yes")]),
        note("yes", "yes"),
        note("no", "no"),
    ])
    assert start(flow).attributes["route"] == "yes"


def test_get_queue_metrics_fills_metrics_that_later_blocks_read(publish, start, instance, queue, staff):
    ContactFactory(instance=instance, queue=queue, state=ContactState.QUEUED)
    ContactFactory(instance=instance, queue=queue, state=ContactState.QUEUED)
    flow = publish([
        action("metrics", "GetMetricData", {"QueueId": queue.arn}, next_action="copy",
               errors={"NoMatchingError": "hang up"}),
        action("copy", "UpdateContactAttributes", {"Attributes": {
            "size": "$.Metrics.Queue.Size",
            "name": "$.Metrics.Queue.Name",
            "available": "$.Metrics.Agents.Available.Count",
            "online": "$.Metrics.Agents.Online.Count",
            "staffed": "$.Metrics.Agents.Staffed.Count",
        }}, next_action="hang up"),
    ])
    contact = start(flow)
    assert contact.attributes == {"size": "2", "name": "Support", "available": "1", "online": "2", "staffed": "2"}


def test_get_queue_metrics_of_a_missing_queue_takes_the_error_branch(publish, start):
    flow = publish([
        action("metrics", "GetMetricData", {"QueueId": "nope"}, next_action="hang up",
               errors={"NoMatchingError": "broken"}),
        note("broken", "broken"),
    ])
    assert start(flow).attributes["route"] == "broken"
