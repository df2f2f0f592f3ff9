"""The free agents a routing pass offers to, taken in SQL (the best k, not every Available agent): the same
agents in the same order as `decide.order_agents` — idle longest first, never idle before everyone, ties by
id as Python compares strings — with many agents, ties, full agents, agents of other queues and paging.
Runs on SQLite and PostgreSQL."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from ccp.models import AgentStatus, Contact, ContactState, Queue, RoutingProfile, RoutingProfileQueue, User
from ccp.models.contacts import AGENT_SLOT_STATES
from ccp.routing.decide import FreeAgent, order_agents
from ccp.routing.engine import free_agents, routing_dispatch

pytestmark = pytest.mark.django_db(transaction=True)

AGENTS = 300
# Ids that sort differently by code point than by a natural-language collation: upper case before "_" before
# lower case, digits before letters, "-" before digits.
ID_STEMS = ["Agent", "agent", "_agent", "AGENT-", "b", "B", "0a", "a-0", "a0", "Z"]


def contact(cast, name: str, *, state=ContactState.QUEUED, agent=None, channel="TASK", queue=None, now=None):
    now = now or timezone.now()
    return Contact(
        instance=cast.instance,
        initiation_method="API",
        state=state,
        channel=channel,
        name=name,
        queue=queue or cast.queue,
        agent=agent,
        initiation_timestamp=now,
        last_update_timestamp=now,
        enqueue_timestamp=now,
        routing_order_at=now,
        disconnect_reason="AGENT_DISCONNECT" if state == ContactState.ENDED else "",
    )


@pytest.fixture
def crowd(cast):
    """AGENTS agents in the cast's instance, made Available without routing: a quarter never idle yet, many
    sharing one idle_since (ties go by id), some with every task slot taken, some with a chat slot free only,
    some serving another queue, some on a break."""
    rng = random.Random(12)
    now = timezone.now()
    profile_chat = RoutingProfile.objects.create(
        instance=cast.instance, name="Chat too", default_outbound_queue=cast.queue, task_concurrency=2,
        chat_concurrency=2,
    )  # fmt: skip
    RoutingProfileQueue.objects.create(routing_profile=profile_chat, queue=cast.queue, channel="TASK", priority=1)
    RoutingProfileQueue.objects.create(routing_profile=profile_chat, queue=cast.queue, channel="CHAT", priority=1)
    profiles = [cast.profile] * 6 + [profile_chat] * 3 + [cast.other_profile]
    shared = [now - dt.timedelta(seconds=s) for s in (5, 60, 3600)]
    users = []
    for i in range(AGENTS):
        roll = rng.random()
        idle = (
            None
            if roll < 0.25
            else rng.choice(shared)
            if roll < 0.6
            else now - dt.timedelta(seconds=rng.randint(1, 9999))
        )
        status = cast.break_status if rng.random() < 0.08 else cast.statuses[AgentStatus.Type.ROUTABLE]
        users.append(
            User(
                id=f"{rng.choice(ID_STEMS)}{rng.randint(0, 10**6)}-{i}",
                instance=cast.instance,
                username=f"crowd-{i}",
                routing_profile=rng.choice(profiles),
                status=status,
                idle_since=idle,
            )
        )
    User.objects.bulk_create(users)
    held = []
    for user in users:
        roll = rng.random()
        if roll < 0.15:  # every task slot taken
            held += [contact(cast, "held", state=ContactState.CONNECTED, agent=user) for _ in range(10)]
        elif roll < 0.3:
            held += [contact(cast, "held", state=rng.choice(AGENT_SLOT_STATES), agent=user)]
        elif roll < 0.35:  # an ended contact holds no slot
            held += [contact(cast, "old", state=ContactState.ENDED, agent=user) for _ in range(10)]
    Contact.objects.bulk_create(held)
    return cast


def expected_order(cast, *, queue_ids, channels) -> list[str]:
    """What the pass used to compute in Python: every Available agent of the queues, their open contacts
    counted per channel, then `decide.order_agents`."""
    agents = []
    for user in User.objects.filter(
        instance=cast.instance, status__type=AgentStatus.Type.ROUTABLE, routing_profile__isnull=False
    ).select_related("routing_profile"):
        profile = user.routing_profile
        serves = set(profile.queue_configs.values_list("queue_id", flat=True)) | set(
            Queue.objects.filter(agent_id=user.id).values_list("id", flat=True)
        )
        if not serves & set(queue_ids):
            continue
        busy = {
            ch: Contact.objects.filter(agent=user, state__in=AGENT_SLOT_STATES, channel=ch).count()
            for ch in ("TASK", "CHAT", "VOICE")
        }
        others = any(
            busy[ch] < getattr(profile, f"{ch.lower()}_concurrency") for ch in ("CHAT", "VOICE") if ch in channels
        )
        task = profile.task_concurrency if "TASK" in channels else 0
        agents.append(FreeAgent(user.id, user.idle_since, busy["TASK"], task, other_channel_free=others))
    return [a.user_id for a in order_agents(agents)]


@pytest.mark.parametrize("channels", [("TASK",), ("VOICE", "CHAT", "TASK")])
def test_the_free_agents_query_keeps_the_python_order_with_many_agents(crowd, channels):
    expected = expected_order(crowd, queue_ids=[crowd.queue.id], channels=channels)
    got = [agent_id for agent_id, _idle in free_agents(
        instance_id=crowd.instance.id, queue_ids=[crowd.queue.id], channels=channels
    )]  # fmt: skip

    assert len(expected) > 100  # the crowd is big enough to mean something
    assert got == expected
    # Ties and ids the collations disagree on are in the crowd, so the order above is pinned, not lucky.
    idles = [u.idle_since for u in User.objects.filter(id__in=expected)]
    assert len(idles) - len(set(idles)) > 50
    assert any(a[0] < "_" < b[0] for a in expected for b in expected if a[0].isupper() and b[0].islower())


def test_the_best_k_are_the_first_k_and_pages_continue_where_the_last_ended(crowd):
    everyone = free_agents(instance_id=crowd.instance.id, queue_ids=[crowd.queue.id], channels=("TASK",))
    for k in (1, 2, 7, 50):
        assert (
            free_agents(instance_id=crowd.instance.id, queue_ids=[crowd.queue.id], channels=("TASK",), limit=k)
            == everyone[:k]
        )

    pages, after = [], None
    while True:
        page = free_agents(
            instance_id=crowd.instance.id, queue_ids=[crowd.queue.id], channels=("TASK",), limit=13, after=after
        )
        pages += page
        if len(page) < 13:
            break
        after = page[-1]
    assert pages == everyone


def test_a_pass_goes_past_the_best_k_when_they_cannot_take_what_waits(crowd):
    """Three tasks wait; the five agents idle longest serve the queue with an hour's delay, so they take none:
    the pass reads further and offers the tasks to the next three, oldest task to the agent idle longest."""
    order = [a for a, _ in free_agents(instance_id=crowd.instance.id, queue_ids=[crowd.queue.id], channels=("TASK",))]
    delayed = RoutingProfile.objects.create(
        instance=crowd.instance, name="Delayed", default_outbound_queue=crowd.queue, task_concurrency=10
    )
    RoutingProfileQueue.objects.create(routing_profile=delayed, queue=crowd.queue, priority=1, delay_seconds=3600)
    User.objects.filter(id__in=order[:5]).update(routing_profile=delayed)
    now = timezone.now()
    tasks = [contact(crowd, f"task {i}", now=now - dt.timedelta(seconds=30 - i)) for i in range(3)]
    Contact.objects.bulk_create(tasks)

    assert routing_dispatch(instance_id=crowd.instance.id, queue_ids=[crowd.queue.id]) == 3

    offered = dict(Contact.objects.filter(name__startswith="task ").values_list("name", "agent_id"))
    assert offered == {"task 0": order[5], "task 1": order[6], "task 2": order[7]}
