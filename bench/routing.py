"""Routing benchmark on PostgreSQL: 10,000 queued tasks, 1,000 agents.

Prints the time of one routing decision (p50, p99: lock the agent, pick the best queued task across
their queues, claim it, write the offer and its event and timer) and assignments per second with
4 routing processes, each next to a baseline measured in the same run: one transaction that locks
and updates a single row (the floor any claim pays).

Then the routing pass with many agents Available (`--pass-agents`, default 500 and 2,000): a new task is
queued and `routing_dispatch` runs for its queue, as after StartTaskContact; p50/p99 of the whole pass (find
the free agents, offer the task), against the same baseline.

    .venv/bin/python bench/routing.py            # DATABASE_URL defaults to a scratch taskcenter_bench DB
    .venv/bin/python bench/routing.py --pass-only --pass-agents 500,2000   # only the routing pass
"""

import argparse
import datetime as dt
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/taskcenter_bench")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccp.settings")
os.environ.pop("REDIS_URL", None)

TASKS, AGENTS, QUEUES, PROCESSES, SAMPLE = 10_000, 1_000, 4, 4, 1_000


def setup_database() -> None:
    dbname = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)", f"CREATE DATABASE {dbname}"):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)


def seed() -> str:
    import django

    django.setup()
    from django.utils import timezone

    from ccp.models import Contact, Queue, RoutingProfileQueue, User
    from ccp.services.agents import agent_statuses_ensure
    from tests.factories import InstanceFactory, RoutingProfileFactory

    instance = InstanceFactory(alias="bench", active_task_quota=100_000)
    statuses = agent_statuses_ensure(instance=instance)
    queues = [Queue.objects.create(instance=instance, name=f"Queue {i}") for i in range(QUEUES)]
    profile = RoutingProfileFactory(instance=instance, default_outbound_queue=queues[0], task_concurrency=10)
    for i, q in enumerate(queues):
        RoutingProfileQueue.objects.create(routing_profile=profile, queue=q, priority=1 + i % 2)
    now = timezone.now()
    User.objects.bulk_create(
        User(
            instance=instance,
            username=f"bench-agent-{i}",
            routing_profile=profile,
            status=statuses["OFFLINE"],
            idle_since=now - dt.timedelta(seconds=i),
        )
        for i in range(AGENTS)
    )
    Contact.objects.bulk_create(
        (
            Contact(
                instance=instance,
                initiation_method="API",
                state="QUEUED",
                name=f"Bench task {i}",
                queue=queues[i % QUEUES],
                routing_priority=1 + i % 5,
                initiation_timestamp=now,
                last_update_timestamp=now,
                enqueue_timestamp=now - dt.timedelta(seconds=i),
                routing_order_at=now - dt.timedelta(seconds=i),
            )
            for i in range(TASKS)
        ),
        batch_size=2000,
    )
    # Agents become Available without triggering routing: the benchmark drives routing itself.
    User.objects.filter(instance=instance).update(status=statuses["ROUTABLE"])
    subprocess.run(["psql", DB_URL, "-q", "-c", "VACUUM ANALYZE"], check=True)
    return instance.id


def baseline_one(n: int) -> list[float]:
    """The floor: a transaction that locks one row and updates it."""
    import django

    django.setup()
    from django.db import transaction

    from ccp.models import Instance

    pk = Instance.objects.values_list("pk", flat=True).first()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        with transaction.atomic():
            Instance.objects.select_for_update().filter(pk=pk).update(api_burst=100)
        out.append(time.perf_counter() - t0)
    return out


def decisions(agent_ids: list[str]) -> tuple[int, list[float]]:
    """Route to each agent until they are full; returns offers made and per-decision times."""
    import django

    django.setup()
    from ccp.routing.engine import routing_offer_next

    offers, times = 0, []
    for agent_id in agent_ids:
        while True:
            t0 = time.perf_counter()
            got = routing_offer_next(agent_id=agent_id)
            times.append(time.perf_counter() - t0)
            if got is None:
                break
            offers += 1
    return offers, times


def pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * p))] * 1000


def pass_seed(agents: int) -> tuple[str, str]:
    """An instance with `agents` agents Available (without routing) and one queue they all serve."""
    import django

    django.setup()
    from django.utils import timezone

    from ccp.models import Queue, RoutingProfileQueue, User
    from ccp.services.agents import agent_statuses_ensure
    from tests.factories import InstanceFactory, RoutingProfileFactory

    instance = InstanceFactory(alias=f"pass{agents}", active_task_quota=100_000)
    statuses = agent_statuses_ensure(instance=instance)
    queue = Queue.objects.create(instance=instance, name="Pass queue")
    profile = RoutingProfileFactory(instance=instance, default_outbound_queue=queue, task_concurrency=10)
    RoutingProfileQueue.objects.create(routing_profile=profile, queue=queue, priority=1)
    now = timezone.now()
    User.objects.bulk_create(
        User(
            instance=instance,
            username=f"pass{agents}-agent-{i}",
            routing_profile=profile,
            status=statuses["ROUTABLE"],
            idle_since=now - dt.timedelta(seconds=i),
        )
        for i in range(agents)
    )
    subprocess.run(["psql", DB_URL, "-q", "-c", "VACUUM ANALYZE"], check=True)
    return instance.id, queue.id


def pass_run(instance_id: str, queue_id: str, reps: int) -> list[float]:
    """Queue one task, then time `routing_dispatch` for its queue (what follows StartTaskContact's commit)."""
    import django

    django.setup()
    from django.utils import timezone

    from ccp.models import Contact
    from ccp.routing.engine import routing_dispatch

    times = []
    for i in range(reps):
        now = timezone.now()
        Contact.objects.create(
            instance_id=instance_id,
            initiation_method="API",
            state="QUEUED",
            name=f"Pass task {i}",
            queue_id=queue_id,
            initiation_timestamp=now,
            last_update_timestamp=now,
            enqueue_timestamp=now,
            routing_order_at=now,
        )
        t0 = time.perf_counter()
        offers = routing_dispatch(instance_id=instance_id, queue_ids=[queue_id])
        times.append(time.perf_counter() - t0)
        assert offers == 1, offers
    return times


def routing_pass(ctx, agent_counts: list[int], reps: int) -> None:
    with ctx.Pool(1) as pool:
        base = pool.apply(baseline_one, (SAMPLE,))
    b50, b99 = pct(base, 0.5), pct(base, 0.99)
    print(f"routing pass: one task queued, routing_dispatch for its queue, {reps} passes, PostgreSQL")
    print(f"{'measure':<44}{'pass':>12}{'baseline':>12}{'ratio':>8}")
    for n in agent_counts:
        with ctx.Pool(1) as pool:
            instance_id, queue_id = pool.apply(pass_seed, (n,))
            times = pool.apply(pass_run, (instance_id, queue_id, reps))
        p50, p99 = pct(times, 0.5), pct(times, 0.99)
        print(f"{f'pass p50 (ms), {n} Available':<44}{p50:>12.2f}{b50:>12.2f}{p50 / b50:>8.1f}")
        print(f"{f'pass p99 (ms), {n} Available':<44}{p99:>12.2f}{b99:>12.2f}{p99 / b99:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pass-agents", default="500,2000", help="Available agents for the routing pass")
    parser.add_argument("--pass-reps", type=int, default=300, help="routing passes per agent count")
    parser.add_argument("--pass-only", action="store_true", help="measure only the routing pass")
    args = parser.parse_args()
    setup_database()
    ctx = mp.get_context("spawn")
    if args.pass_only:
        routing_pass(ctx, [int(n) for n in args.pass_agents.split(",")], args.pass_reps)
        return
    with ctx.Pool(1) as pool:
        pool.apply(seed)
    import django

    django.setup()
    from ccp.models import User

    agent_ids = list(User.objects.order_by("idle_since").values_list("id", flat=True))
    with ctx.Pool(1) as pool:
        base = pool.apply(baseline_one, (SAMPLE,))
        # One process: decision latency on the first 100 agents (10 offers each = 1,000 decisions).
        offers_single, single = pool.apply(decisions, (agent_ids[:100],))
    rest = agent_ids[100:]
    chunks = [rest[i::PROCESSES] for i in range(PROCESSES)]
    with ctx.Pool(PROCESSES) as pool:
        t0 = time.perf_counter()
        results = pool.map(decisions, chunks)
        wall = time.perf_counter() - t0
    offers_parallel = sum(r[0] for r in results)
    parallel_times = [t for r in results for t in r[1]]
    with ctx.Pool(PROCESSES) as pool:
        t0 = time.perf_counter()
        base_runs = pool.map(baseline_one, [SAMPLE] * PROCESSES)
        base_wall = time.perf_counter() - t0
    base_rate = PROCESSES * SAMPLE / base_wall

    p50, p99 = pct(single, 0.5), pct(single, 0.99)
    b50, b99 = pct(base, 0.5), pct(base, 0.99)
    rate = offers_parallel / wall
    print(f"routing benchmark: {TASKS} queued tasks, {AGENTS} agents, {QUEUES} queues, PostgreSQL")
    print(f"{'measure':<44}{'routing':>12}{'baseline':>12}{'ratio':>8}")
    print(f"{'one decision p50 (ms), 1 process':<44}{p50:>12.2f}{b50:>12.2f}{p50 / b50:>8.1f}")
    print(f"{'one decision p99 (ms), 1 process':<44}{p99:>12.2f}{b99:>12.2f}{p99 / b99:>8.1f}")
    print(
        f"{'decision p99 (ms) under 4 processes':<44}{pct(parallel_times, 0.99):>12.2f}"
        f"{pct([t for r in base_runs for t in r], 0.99):>12.2f}"
    )
    print(f"{'assignments/s, 4 processes':<44}{rate:>12.0f}{base_rate:>12.0f}{rate / base_rate:>8.2f}")
    print(f"offers: {offers_single} (latency run) + {offers_parallel} (throughput run)")
    print(
        f"targets: p99 < 10 ms -> {'met' if p99 < 10 else 'NOT met'}; > 500 assignments/s -> "
        f"{'met' if rate > 500 else 'NOT met'}"
    )
    routing_pass(ctx, [int(n) for n in args.pass_agents.split(",")], args.pass_reps)


if __name__ == "__main__":
    main()
