"""The floor read as groups of agents (agent_state_groups, one SQL GROUP BY) folds to the same real-time
figures as the agents read one by one (agent_states): whole floor, each queue, each routing profile, each
channel. The twin readers of the same definitions; GetCurrentMetricData folds the groups, the real-time page
the agents.

The floor: two routing profiles (Support for tasks with 3 slots; Sales for tasks and chats, 1 task slot),
two agents in each kind of status (and with none), holding contacts in each agent state and channel; an
agent who left (inactive), a user with no routing profile, and an agent of another instance.
"""

import itertools

import pytest

from ccp.models import AgentStatus, Channel, ContactState, Queue, RoutingProfileQueue
from ccp.selectors import metrics
from tests.factories import (
    AgentFactory,
    AgentStatusFactory,
    ContactFactory,
    InstanceFactory,
    QueueFactory,
    RoutingProfileFactory,
    RoutingProfileQueueFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

KINDS = [AgentStatus.Type.ROUTABLE, AgentStatus.Type.CUSTOM, AgentStatus.Type.MISSED, AgentStatus.Type.OFFLINE, None]
HOLDINGS = [
    [],
    [(ContactState.CONNECTED, Channel.TASK)],
    [(ContactState.CONNECTING, Channel.TASK), (ContactState.CONNECTED, Channel.TASK)],
    [(ContactState.AFTER_CONTACT_WORK, Channel.TASK), (ContactState.CONNECTED, Channel.CHAT)],
    [(ContactState.CONNECTED, Channel.TASK)] * 3,
]


@pytest.fixture
def floor(instance):
    support, sales = QueueFactory(instance=instance, name="Support"), QueueFactory(instance=instance, name="Sales")
    profiles = {
        "support": RoutingProfileFactory(instance=instance, task_concurrency=3),
        "sales": RoutingProfileFactory(instance=instance, task_concurrency=1, chat_concurrency=2),
    }
    RoutingProfileQueueFactory(routing_profile=profiles["support"], queue=support)
    RoutingProfileQueueFactory(routing_profile=profiles["sales"], queue=sales)
    RoutingProfileQueueFactory(routing_profile=profiles["sales"], queue=support, channel=Channel.CHAT)
    statuses = {
        kind: AgentStatusFactory(instance=instance, name=kind.title(), type=kind) for kind in KINDS if kind is not None
    }
    # Two agents in each combination, so that groups have more than one agent.
    combinations = itertools.product(profiles.values(), KINDS, HOLDINGS, range(2))
    for i, (profile, kind, held, _) in enumerate(combinations):
        status = statuses.get(kind)
        agent = AgentFactory(instance=instance, username=f"agent{i}", routing_profile=profile, status=status)
        for state, channel in held:
            ContactFactory(instance=instance, queue=support, agent=agent, state=state, channel=channel)
    AgentFactory(
        instance=instance,
        username="left",
        routing_profile=profiles["support"],
        status=statuses[AgentStatus.Type.ROUTABLE],
        is_active=False,
    )
    UserFactory(instance=instance, username="admin", status=statuses[AgentStatus.Type.ROUTABLE])
    elsewhere = InstanceFactory(alias="elsewhere")
    AgentFactory(instance=elsewhere, username="stranger")
    return {"support": support, "sales": sales, "profiles": profiles}


@pytest.mark.parametrize("channel", [Channel.TASK, Channel.CHAT, Channel.VOICE])
def test_the_groups_fold_to_the_figures_of_the_agents_one_by_one(instance, floor, channel):
    one_by_one = metrics.agent_states(instance=instance, channel=channel)
    groups = metrics.agent_state_groups(instance=instance, channel=channel)
    assert len(one_by_one) == 2 * 2 * len(KINDS) * len(HOLDINGS)
    assert sum(group.count for group in groups) == len(one_by_one)
    assert len(groups) <= len(one_by_one) / 2  # agents in the same state share a group

    at = metrics.timezone.now()
    assert metrics.metrics_of(states=groups, at=at) == metrics.metrics_of(states=one_by_one, at=at)
    for queue in Queue.objects.filter(instance=instance, queue_type=Queue.Type.STANDARD):
        serving = [s for s in one_by_one if queue.pk in s.queue_ids]
        assert metrics.metrics_of(states=[g for g in groups if queue.pk in g.queue_ids], at=at) == metrics.metrics_of(
            states=serving, at=at
        )
    for profile in floor["profiles"].values():
        mine = [s for s in one_by_one if s.agent.routing_profile_id == profile.pk]
        assert mine
        assert metrics.metrics_of(
            states=[g for g in groups if g.routing_profile_id == profile.pk], at=at
        ) == metrics.metrics_of(states=mine, at=at)


def test_the_folded_floor_counts_what_its_agents_show(instance, floor):
    totals = metrics.metrics_of(states=metrics.agent_state_groups(instance=instance), at=metrics.timezone.now())
    # Online: every status but Offline and none — 3 kinds × 5 holdings × 2 profiles × 2 agents.
    assert totals.agents_online == totals.agents_staffed == 60
    # Available with a free task slot: on Support (3 slots) all but the agent holding three tasks; on Sales
    # (1 slot) only the one holding nothing (a ringing offer and a task in ACW hold a slot too).
    assert totals.agents_available == 2 * (4 + 1)
    assert totals.agents_error == totals.agents_non_productive == 20
    # Connected to a task: three of the holdings, in every status of both profiles (the chat is another
    # channel); in ACW: one holding.
    assert totals.agents_on_contact == 3 * len(KINDS) * 2 * 2
    assert totals.agents_after_contact_work == len(KINDS) * 2 * 2


def test_a_profile_without_queues_still_counts_its_agents(instance, floor):
    RoutingProfileQueue.objects.filter(routing_profile=floor["profiles"]["sales"]).delete()
    groups = metrics.agent_state_groups(instance=instance)
    sales = [g for g in groups if g.routing_profile_id == floor["profiles"]["sales"].pk]
    assert sum(g.count for g in sales) == 2 * len(KINDS) * len(HOLDINGS)
    assert all(g.queue_ids == frozenset() for g in sales)
