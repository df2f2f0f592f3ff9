"""Routing under real parallel processes against PostgreSQL: 4 processes, 500 tasks, 50 agents.

Afterwards the audit trails must show: each task connected exactly once or still queued, no agent above
their concurrency at any moment, and no offer to an agent who was not Available.
"""

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from django.db import connection

from ccp.errors import ServiceError
from ccp.models import AgentEvent, AgentStatus, Contact, ContactEvent, RoutingProfileQueue, User
from ccp.models.contacts import AGENT_SLOT_STATES
from ccp.services.agents import agent_set_status
from ccp.services.offers import contact_accept
from tests.factories import AgentFactory, QueueFactory, RoutingProfileFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

HERE = Path(__file__).resolve().parent
PROCESSES, TASKS, AGENTS, CONCURRENCY = 4, 500, 50, 3


def child_env() -> dict:
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="ccp.settings")


def test_four_processes_route_500_tasks_to_50_agents_exactly_once(instance, statuses, queue_flow):
    assert connection.vendor == "postgresql", "the parallel routing proof needs PostgreSQL (DATABASE_URL)"
    AgentStatus.objects.create(instance=instance, name="Break", type="CUSTOM")
    queue = QueueFactory(instance=instance)
    profile = RoutingProfileFactory(instance=instance, default_outbound_queue=queue, task_concurrency=CONCURRENCY)
    RoutingProfileQueue.objects.create(routing_profile=profile, queue=queue)
    flow = queue_flow(queue)
    agents = [AgentFactory(instance=instance, routing_profile=profile) for _ in range(AGENTS)]
    for agent in agents:
        agent_set_status(user=agent, status=statuses["ROUTABLE"])

    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE / "stress_process.py"), str(seed), str(TASKS // PROCESSES), instance.id, flow.id],
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(PROCESSES)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["created"] for r in results) == TASKS
    assert sum(r["db_errors"] for r in results) == 0, results
    assert sum(r["accepted"] for r in results) > 50 and sum(r["rejected"] for r in results) > 5, results

    # Drain: everyone Available, accept every offer until none is left.
    for agent in User.objects.filter(pk__in=[a.pk for a in agents]):
        agent_set_status(user=agent, status=statuses["ROUTABLE"])
    for _ in range(50):
        offers = list(Contact.objects.filter(instance=instance, state="CONNECTING").select_related("agent"))
        if not offers:
            break
        for contact in offers:
            try:
                contact_accept(contact_id=contact.id, agent=contact.agent)
            except ServiceError:
                pass

    tasks = Contact.objects.filter(instance=instance, channel="TASK")
    assert tasks.count() == TASKS
    connected = defaultdict(int)
    for cid in ContactEvent.objects.filter(instance=instance, event="CONNECTED").values_list("contact_id", flat=True):
        connected[cid] += 1
    for task in tasks:
        if connected[task.id] == 0:
            assert task.state == "QUEUED", (task.id, task.state)
        else:
            assert connected[task.id] == 1, (task.id, connected[task.id])
            assert task.state in ("CONNECTED", "ENDED")

    # Replay both trails in time order: slots held per agent, and each agent's status at every offer.
    trail = [(e.at, 1, e) for e in ContactEvent.objects.filter(instance=instance).order_by("at", "id")]
    trail += [(e.at, 0, e) for e in AgentEvent.objects.filter(instance=instance).order_by("at", "id")]
    trail.sort(key=lambda row: (row[0], row[1], row[2].id))
    holder, load, status_type, peak = {}, defaultdict(int), {}, 0
    for _at, kind, event in trail:
        if kind == 0:
            status_type[event.user_id] = event.status_type
            continue
        if event.event in ("OFFERED", "CONNECTED") and event.from_state == "QUEUED":
            assert status_type.get(event.agent_id) == "ROUTABLE", f"offer to a non-Available agent: {event.detail}"
        before = holder.get(event.contact_id)
        after = event.agent_id if event.to_state in AGENT_SLOT_STATES else None
        if before != after:
            if before:
                load[before] -= 1
            if after:
                load[after] += 1
                peak = max(peak, load[after])
                assert load[after] <= CONCURRENCY, f"agent {after} held {load[after]} tasks"
            holder[event.contact_id] = after
    assert peak == CONCURRENCY
