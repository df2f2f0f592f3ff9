"""Each real-time metric's definition, pinned with one small cast serving the Support queue.

olga is Offline; ava is Available with a free slot; fay is Available with every slot full; bea is on
Break; mia missed an offer (the system's Missed status); ace is Available with a task in after-contact
work. Their routing profile takes two tasks at once.
"""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import AgentStatus, ContactState
from ccp.selectors import metrics
from tests.factories import (
    AgentFactory,
    AgentStatusFactory,
    ContactFactory,
    InstanceFactory,
    QueueFactory,
    RoutingProfileFactory,
    RoutingProfileQueueFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def support(instance):
    return QueueFactory(instance=instance, name="Support")


@pytest.fixture
def cast(instance, support):
    profile = RoutingProfileFactory(instance=instance, task_concurrency=2)
    RoutingProfileQueueFactory(routing_profile=profile, queue=support)
    status = {
        kind: AgentStatusFactory(instance=instance, name=name, type=kind)
        for name, kind in (
            ("Offline", AgentStatus.Type.OFFLINE),
            ("Available", AgentStatus.Type.ROUTABLE),
            ("Break", AgentStatus.Type.CUSTOM),
            ("Missed", AgentStatus.Type.MISSED),
        )
    }
    people = {}
    for name, kind, held in (
        ("olga", AgentStatus.Type.OFFLINE, []),
        ("ava", AgentStatus.Type.ROUTABLE, [ContactState.CONNECTED]),
        ("fay", AgentStatus.Type.ROUTABLE, [ContactState.CONNECTED, ContactState.CONNECTING]),
        ("bea", AgentStatus.Type.CUSTOM, []),
        ("mia", AgentStatus.Type.MISSED, []),
        ("ace", AgentStatus.Type.ROUTABLE, [ContactState.AFTER_CONTACT_WORK]),
    ):
        people[name] = AgentFactory(instance=instance, username=name, status=status[kind], routing_profile=profile)
        for state in held:
            ContactFactory(instance=instance, queue=support, agent=people[name], state=state)
    ContactFactory(instance=instance, queue=support, enqueue_timestamp=NOW - dt.timedelta(seconds=90))
    ContactFactory(instance=instance, queue=support, enqueue_timestamp=NOW - dt.timedelta(seconds=30))
    ContactFactory(instance=instance, queue=support, state=ContactState.SCHEDULED, enqueue_timestamp=None)
    return people


@pytest.mark.parametrize(
    "metric, expected",
    [
        # Everyone but olga: Available, Break and Missed are all statuses other than Offline.
        ("agents_online", 5),
        # ava and ace have a free slot; fay's are full; bea and mia are not in a routable status.
        ("agents_available", 2),
        # ava and fay are connected to a contact; ace's is in after-contact work.
        ("agents_on_contact", 2),
        ("agents_after_contact_work", 1),
        ("agents_error", 1),
        ("agents_non_productive", 1),
        # Online agents, whatever they are doing; olga, Offline, never.
        ("agents_staffed", 5),
        # ava 1, fay 1 (her other one still rings, which holds a slot but is not active), ace 1.
        ("slots_active", 3),
        # Free slots of Available agents: ava 1, fay 0, ace 1.
        ("slots_available", 2),
    ],
)
def test_each_agent_metric_counts_the_cast_by_its_definition(instance, support, cast, metric, expected):
    assert getattr(metrics, metric)(instance=instance, queue=support) == expected
    assert getattr(metrics, metric)(instance=instance) == expected


def test_contacts_in_queue_counts_only_contacts_waiting_for_an_agent(instance, support, cast):
    assert metrics.contacts_in_queue(instance=instance, queue=support) == 2


def test_oldest_contact_age_is_the_longest_wait_in_seconds(instance, support, cast):
    assert metrics.oldest_contact_age_seconds(instance=instance, queue=support, at=NOW) == 90


def test_an_empty_queue_has_no_oldest_contact(instance):
    assert metrics.oldest_contact_age_seconds(instance=instance, queue=QueueFactory(instance=instance)) == 0


def test_contacts_scheduled_counts_tasks_waiting_for_their_time(instance, support, cast):
    assert metrics.contacts_scheduled(instance=instance, queue=support) == 1


def test_contacts_with_agents_counts_those_offered_connected_or_in_after_contact_work(instance, support, cast):
    assert metrics.contacts_with_agents(instance=instance, queue=support) == 4


def test_contacts_waiting_in_personal_queues_are_counted_apart(instance, support, cast):
    ContactFactory(instance=instance, queue=cast["ava"].personal_queue)
    page = metrics.instance_metrics(instance=instance, at=NOW)
    assert page.personal_queued == 1
    assert page.totals.contacts_in_queue == 3


def test_queue_metrics_agree_with_each_metric(instance, support, cast):
    m = metrics.queue_metrics(queue=support, at=NOW)
    assert (m.contacts_in_queue, m.oldest_contact_age_seconds, m.contacts_scheduled, m.contacts_with_agents) == (
        2, 90, 1, 4,
    )
    assert (m.agents_online, m.agents_available, m.agents_on_contact, m.agents_after_contact_work) == (5, 2, 2, 1)
    assert (m.agents_error, m.agents_non_productive, m.agents_staffed) == (1, 1, 5)
    assert (m.slots_active, m.slots_available) == (3, 2)


def test_the_real_time_page_numbers_are_the_queue_metrics(instance, support, cast):
    page = metrics.instance_metrics(instance=instance, at=NOW)
    [(queue, row)] = [(q, r) for q, r in page.queues if q == support]
    assert row == metrics.queue_metrics(queue=support, at=NOW)
    assert page.totals.agents_available == 2
    assert page.totals.agents_staffed == 5


def test_agents_count_only_for_the_queues_their_profile_serves(instance, support, cast):
    elsewhere = QueueFactory(instance=instance, name="Billing")
    AgentFactory(instance=instance, status=cast["ava"].status)
    RoutingProfileQueueFactory(routing_profile=AgentFactory(instance=instance).routing_profile, queue=elsewhere)
    assert metrics.agents_online(instance=instance, queue=support) == 5
    assert metrics.agents_online(instance=instance, queue=elsewhere) == 0


def test_a_profile_serving_the_queue_for_another_channel_does_not_count(instance, support):
    available = AgentStatusFactory(instance=instance, name="Available", type=AgentStatus.Type.ROUTABLE)
    chat = AgentFactory(instance=instance, status=available)
    RoutingProfileQueueFactory(routing_profile=chat.routing_profile, queue=support, channel="CHAT")
    assert metrics.agents_available(instance=instance, queue=support) == 0


def test_a_personal_queue_counts_its_own_agent(instance, cast):
    ava = cast["ava"]
    assert metrics.agents_available(instance=instance, queue=ava.personal_queue) == 1
    assert metrics.agents_on_contact(instance=instance, queue=cast["olga"].personal_queue) == 0


def test_another_instances_agents_and_contacts_never_count(instance, support, cast):
    outsider = InstanceFactory()
    available = AgentStatusFactory(instance=outsider, name="Available", type=AgentStatus.Type.ROUTABLE)
    AgentFactory(instance=outsider, status=available)
    ContactFactory(instance=outsider)
    assert metrics.agents_available(instance=instance) == 2
    assert metrics.contacts_in_queue(instance=instance) == 2
