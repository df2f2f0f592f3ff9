"""The two claims agree: on random contact centers, `ccp_route_offer` (PostgreSQL) and the Python path
(SQLite's) offer the same task to the same agent and write the same rows.

Each generated case is built once, then claimed twice on the same data: the Python path inside a savepoint
that is rolled back after its writes are captured, then the function. What both changed — the contact, its
event, the offer timer, the agent's idle time — must be equal, except the moments each path stamps with its
own clock (the contact's last update, the event's time) and the event and timer ids.
"""

import datetime as dt
import os
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from ccp.models import (
    AgentStatus,
    Contact,
    ContactEvent,
    Instance,
    OfferCooldown,
    Queue,
    RoutingProfile,
    RoutingProfileQueue,
    Timer,
    User,
)
from ccp.routing.engine import _offer_next_portable, _offer_next_postgres

pytestmark = [pytest.mark.services, pytest.mark.django_db]

# A fixed moment, on a whole second; cases move it by a few microseconds or none (see `Case.micros`).
NOW = dt.datetime(2026, 11, 27, 12, 0, 0, tzinfo=dt.UTC)
# Ages and delays meet on their boundaries: a contact 30 s old behind a 30 s delay, and so on.
AGES = [0, 1, 29, 30, 31, 59, 60, 61, 300, 3600]
DELAYS = [0, 30, 60, 300]
# How each path stamps rows with its own clock, and the ids a sequence hands out.
OWN_CLOCK = {"ccp_contact": {"last_update_timestamp"}, "ccp_contactevent": {"id", "at"}, "ccp_timer": {"id"}}


@dataclass(frozen=True)
class Task:
    queue: int  # index into the case's queues; len(queues) is the agent's personal queue, +1 a colleague's
    state: str = "QUEUED"
    channel: str = "TASK"
    routing_priority: int = 5
    age: int = 60
    routing_age_seconds: int = 0
    cooldown: str = ""  # "", "past", "now", "future" (for our agent), "colleague" (for someone else)


@dataclass(frozen=True)
class Case:
    # Per queue: None (not in the routing profile) or (priority, delay seconds[, channels it is listed for]).
    queues: tuple = ((1, 0),)
    tasks: tuple = ()
    # The agent's own open contacts: (state, channel).
    open_contacts: tuple = ()
    status: str = "ROUTABLE"
    has_profile: bool = True
    concurrency: int = 3
    chat_concurrency: int = 0
    voice_concurrency: int = 1
    auto_accept: bool = False
    agent_auto_accept: bool = False  # the agent's PhoneConfig.AutoAccept (tasks and calls)
    offer_timeout: int = 30
    idle_for: int | None = None
    colleague_open: int = 0  # the colleague's open tasks, which must not count against our agent
    micros: int = 0  # the claim runs at NOW plus this many microseconds

    @property
    def now(self) -> dt.datetime:
        return NOW + dt.timedelta(microseconds=self.micros)


@st.composite
def cases(draw):
    n = draw(st.integers(1, 4))
    # Weighted by repetition, so that most cases end in an offer worth comparing.
    channels = st.sampled_from([("TASK",), ("TASK",), ("CHAT",), ("VOICE",), ("TASK", "CHAT", "VOICE")])
    config = st.tuples(st.integers(1, 3), st.sampled_from(DELAYS), channels)
    queues = tuple(draw(config | config | config | st.none(), label=f"queue {i}") for i in range(n))
    task = st.builds(
        Task,
        queue=st.integers(0, n + 1),
        state=st.sampled_from(["QUEUED"] * 6 + ["IN_FLOW", "ENDED", "CONNECTED"]),
        channel=st.sampled_from(["TASK"] * 5 + ["CHAT", "CHAT", "VOICE"]),
        routing_priority=st.integers(1, 3),
        age=st.sampled_from(AGES),
        routing_age_seconds=st.sampled_from([0, 0, 60, 600]),
        cooldown=st.sampled_from(["", "", "", "past", "now", "future", "colleague"]),
    )
    return Case(
        queues=queues,
        tasks=tuple(draw(st.lists(task, min_size=1, max_size=8))),
        open_contacts=tuple(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["CONNECTING", "CONNECTED", "AFTER_CONTACT_WORK"]),
                        st.sampled_from(["TASK", "TASK", "CHAT", "VOICE"]),
                    ),
                    max_size=3,
                )
            )
        ),
        status=draw(st.sampled_from(["ROUTABLE"] * 8 + ["OFFLINE", "CUSTOM"])),
        has_profile=draw(st.sampled_from([True] * 9 + [False])),
        concurrency=draw(st.integers(1, 4)),
        chat_concurrency=draw(st.integers(0, 2)),
        voice_concurrency=draw(st.integers(0, 1)),
        auto_accept=draw(st.booleans()),
        agent_auto_accept=draw(st.booleans()),
        offer_timeout=draw(st.sampled_from([5, 30, 120])),
        idle_for=draw(st.none() | st.sampled_from([0, 10, 600])),
        colleague_open=draw(st.integers(0, 3)),
        micros=draw(st.sampled_from([0, 1, 250_000])),
    )


def _contact(
    instance, now, *, state, channel="TASK", queue=None, agent=None, age=60, routing_age_seconds=0, priority=5
):
    enqueued = now - dt.timedelta(seconds=age)
    return Contact.objects.create(
        instance=instance,
        channel=channel,
        initiation_method="API",
        state=state,
        name="Follow up",
        queue=queue,
        agent=agent,
        routing_priority=priority,
        routing_age_seconds=routing_age_seconds,
        routing_order_at=enqueued - dt.timedelta(seconds=routing_age_seconds),
        initiation_timestamp=enqueued,
        enqueue_timestamp=enqueued,
        offered_at=now if agent else None,
        last_update_timestamp=enqueued,
        disconnect_reason="API" if state == "ENDED" else "",
    )


def build(case: Case) -> str:
    """Make the case's contact center, its ages and cool-offs counted back from `case.now`; returns the agent's id."""
    now = case.now
    instance = Instance.objects.create(alias=f"route-{Instance.objects.count()}-{id(case)}")
    statuses = {
        t: AgentStatus.objects.create(instance=instance, name=t.title(), type=t)
        for t in ("ROUTABLE", "OFFLINE", "CUSTOM")
    }
    queues = [Queue.objects.create(instance=instance, name=f"Queue {i}") for i in range(len(case.queues))]
    profile = RoutingProfile.objects.create(
        instance=instance,
        name="Tasks",
        default_outbound_queue=queues[0],
        task_concurrency=case.concurrency,
        chat_concurrency=case.chat_concurrency,
        voice_concurrency=case.voice_concurrency,
        task_auto_accept=case.auto_accept,
        task_offer_timeout_seconds=case.offer_timeout,
    )
    for queue, config in zip(queues, case.queues, strict=True):
        if config is not None:
            for channel in config[2] if len(config) > 2 else ("TASK",):
                RoutingProfileQueue.objects.create(
                    routing_profile=profile, queue=queue, channel=channel, priority=config[0], delay_seconds=config[1]
                )
    people = []
    for name in ("agent", "colleague"):
        user = User.objects.create(
            instance=instance,
            username=f"{name}-{instance.id}",
            password="!",
            routing_profile=profile if (case.has_profile or name == "colleague") else None,
            status=statuses[case.status if name == "agent" else "ROUTABLE"],
            idle_since=None if case.idle_for is None else now - dt.timedelta(seconds=case.idle_for),
            auto_accept=case.agent_auto_accept and name == "agent",
        )
        queues_of_people = Queue.objects.create(instance=instance, name=f"{name} queue", queue_type="AGENT", agent=user)
        people.append((user, queues_of_people))
    (agent, personal), (colleague, colleague_queue) = people
    all_queues = [*queues, personal, colleague_queue]

    for state, channel in case.open_contacts:
        _contact(instance, now, state=state, channel=channel, queue=queues[0], agent=agent)
    for _ in range(case.colleague_open):
        _contact(instance, now, state="CONNECTED", queue=queues[0], agent=colleague)
    for task in case.tasks:
        contact = _contact(
            instance,
            now,
            state=task.state,
            channel=task.channel,
            queue=all_queues[task.queue],
            agent=colleague if task.state == "CONNECTED" else None,
            age=task.age,
            routing_age_seconds=task.routing_age_seconds,
            priority=task.routing_priority,
        )
        until = {"past": now - dt.timedelta(seconds=1), "now": now, "future": now + dt.timedelta(seconds=30)}
        if task.cooldown in until:
            OfferCooldown.objects.create(contact=contact, agent=agent, until=until[task.cooldown])
        elif task.cooldown == "colleague":
            OfferCooldown.objects.create(contact=contact, agent=colleague, until=now + dt.timedelta(seconds=30))
    return agent.id


def snapshot(instance_id: str) -> dict:
    """Every row the claim may touch, by table and primary key."""
    rows = {
        "ccp_contact": Contact.objects.filter(instance_id=instance_id),
        "ccp_contactevent": ContactEvent.objects.filter(instance_id=instance_id),
        "ccp_timer": Timer.objects.filter(instance_id=instance_id),
        "ccp_user": User.objects.filter(instance_id=instance_id),
        "ccp_offercooldown": OfferCooldown.objects.filter(contact__instance_id=instance_id),
    }
    return {table: {row["id"]: row for row in qs.values()} for table, qs in rows.items()}


def changes(before: dict, after: dict) -> dict:
    """What a claim wrote: new and changed rows (without their own-clock fields), and removed keys."""
    out = {}
    for table, rows in after.items():
        skip = OWN_CLOCK.get(table, set())
        written = [
            {k: v for k, v in row.items() if k not in skip}
            for key, row in rows.items()
            if before[table].get(key) != row
        ]
        out[table] = (sorted(written, key=repr), sorted(set(before[table]) - set(rows)))
    return out


def claim_both_ways(case: Case):
    """Build the case, claim with Python (undone after capture) and with the function; returns both results."""
    agent_id = build(case)
    instance_id = User.objects.get(pk=agent_id).instance_id
    before = snapshot(instance_id)

    savepoint = transaction.savepoint_create()
    python = _offer_next_portable(agent_id, case.now)
    python_wrote = changes(before, snapshot(instance_id))
    transaction.savepoint_rollback(savepoint)
    assert snapshot(instance_id) == before

    function = _offer_next_postgres(agent_id, case.now)
    function_wrote = changes(before, snapshot(instance_id))
    return (python, python_wrote), (function, function_wrote)


# 75 cases take ~10 s; ROUTE_PROPERTY_EXAMPLES=2000 for a longer hunt. Each case rolls its rows back itself.
PROPERTY = settings(
    max_examples=int(os.environ.get("ROUTE_PROPERTY_EXAMPLES", "75")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(case=cases())
# An offer from the better of two queues, with a 30 s offer timeout.
@example(case=Case(queues=((2, 0), (1, 0)), tasks=(Task(queue=0, age=600), Task(queue=1, age=10))))
# Auto-accept: CONNECTED at once, no timer.
@example(case=Case(auto_accept=True, tasks=(Task(queue=0),)))
# The agent's own auto-accept (PhoneConfig): a call is accepted at once, and so is a task.
@example(case=Case(queues=((1, 0, ("VOICE",)),), agent_auto_accept=True, tasks=(Task(0, channel="VOICE"),)))
@example(case=Case(agent_auto_accept=True, tasks=(Task(queue=0),)))
# Cooling off from the only task: nothing offered.
@example(case=Case(tasks=(Task(queue=0, cooldown="future"),)))
# A call while the agent is on a call: nothing; a chat beside a full set of tasks: offered.
@example(
    case=Case(queues=((1, 0, ("VOICE",)),), open_contacts=(("CONNECTED", "VOICE"),), tasks=(Task(0, channel="VOICE"),))
)
@example(
    case=Case(
        queues=((1, 0, ("TASK", "CHAT")),),
        concurrency=1,
        chat_concurrency=1,
        open_contacts=(("CONNECTED", "TASK"),),
        tasks=(Task(0), Task(0, channel="CHAT")),
        auto_accept=True,
    )
)
# A full agent: nothing offered.
@example(case=Case(concurrency=1, open_contacts=(("CONNECTED", "TASK"),), tasks=(Task(queue=0),)))
# Regression: an offer on a whole second. The function wrote expires_at "…12:00:30.000000+00:00", the Python
# path's isoformat() "…12:00:30+00:00"; migration 0005 makes the function write what Python writes.
@example(case=Case(tasks=(Task(queue=0),), micros=0))
@example(case=Case(tasks=(Task(queue=0),), micros=1))
def test_the_postgres_function_and_the_python_path_make_the_same_offer(case):
    assert connection.vendor == "postgresql", "the comparison needs PostgreSQL (DATABASE_URL)"
    with transaction.atomic():
        (python, python_wrote), (function, function_wrote) = claim_both_ways(case)
        transaction.set_rollback(True)

    event("nothing offered" if python is None else f"offered, {python.state}")  # --hypothesis-show-statistics
    assert (function and function.id) == (python and python.id)
    for table, written in python_wrote.items():
        assert function_wrote[table] == written, (
            f"{table}: the function wrote {function_wrote[table]}, Python {written}"
        )


def test_the_comparison_sees_an_offer_and_what_it_wrote():
    """The property above compares something: in a plain case both paths write the contact, its event, the
    offer timer and the agent's idle time."""
    assert connection.vendor == "postgresql", "the comparison needs PostgreSQL (DATABASE_URL)"
    with transaction.atomic():
        (python, python_wrote), (function, function_wrote) = claim_both_ways(Case(tasks=(Task(queue=0),)))
        transaction.set_rollback(True)

    assert python is not None and function.id == python.id
    written = {table: len(rows) for table, (rows, _removed) in function_wrote.items()}
    assert written == {"ccp_contact": 1, "ccp_contactevent": 1, "ccp_timer": 1, "ccp_user": 1, "ccp_offercooldown": 0}
    assert function_wrote["ccp_contactevent"][0][0]["event"] == "OFFERED"
    assert function_wrote["ccp_timer"][0][0]["due_at"] == NOW + dt.timedelta(seconds=30)
