"""One of several real processes hammering the routing engine (run by test_parallel_postgres.py).

Usage: python stress_process.py SEED TASKS INSTANCE_ID FLOW_ID — with DATABASE_URL set to the test database.
Prints one JSON line: counts of what it did and of errors that a user would have seen.
"""

import json
import os
import random
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccp.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import django  # noqa: E402

django.setup()

from django.db import OperationalError  # noqa: E402

from ccp.errors import ServiceError  # noqa: E402
from ccp.models import AgentStatus, Contact, ContactFlow, Instance, User  # noqa: E402
from ccp.routing.engine import routing_dispatch  # noqa: E402
from ccp.services.agents import agent_set_status  # noqa: E402
from ccp.services.offers import contact_accept, contact_close, contact_complete, contact_reject  # noqa: E402
from ccp.services.tasks import task_start  # noqa: E402


def main(seed: int, tasks: int, instance_id: str, flow_id: str) -> dict:
    rng = random.Random(seed)
    instance = Instance.objects.get(pk=instance_id)
    flow = ContactFlow.objects.get(pk=flow_id)
    agents = list(User.objects.filter(instance=instance, security_profiles__name="Agent").order_by("id"))
    statuses = list(AgentStatus.objects.filter(instance=instance).exclude(type="MISSED"))
    done = {"created": 0, "accepted": 0, "rejected": 0, "closed": 0, "status": 0, "conflicts": 0, "db_errors": 0}

    def mine(agent, state):
        return Contact.objects.filter(agent=agent, state=state).values_list("id", flat=True).first()

    for i in range(tasks):
        try:
            task_start(instance=instance, name=f"p{seed}-{i}", contact_flow=flow)
            done["created"] += 1
        except OperationalError:
            done["db_errors"] += 1
        for _ in range(3):
            agent = rng.choice(agents)
            roll = rng.random()
            try:
                if roll < 0.15:
                    agent_set_status(user=agent, status=rng.choice(statuses), actor=agent)
                    done["status"] += 1
                elif roll < 0.55:
                    if cid := mine(agent, "CONNECTING"):
                        contact_accept(contact_id=cid, agent=agent)
                        done["accepted"] += 1
                elif roll < 0.65:
                    if cid := mine(agent, "CONNECTING"):
                        contact_reject(contact_id=cid, agent=agent)
                        done["rejected"] += 1
                elif roll < 0.85:
                    if cid := mine(agent, "CONNECTED"):
                        contact_complete(contact_id=cid, agent=agent)
                        contact_close(contact_id=cid, agent=agent)
                        done["closed"] += 1
                else:
                    routing_dispatch(instance_id=instance.id)
            except ServiceError:
                done["conflicts"] += 1  # lost a race to another process: refused cleanly, nothing changed
            except OperationalError:
                done["db_errors"] += 1
    return done


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4])))
