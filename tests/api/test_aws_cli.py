"""The AWS CLI runs the README's set-up script (scripts/connect_setup.sh) against a live server: a queue, a
routing profile serving it and a quick connect to it, then a task through the quick connect. An agent given
that routing profile (through the console's user service: CreateUser belongs to the users' API) and going
Available is offered the task."""

import os
import pathlib
import subprocess
import sys

import pytest

from ccp.models import AgentStatus, Contact, ContactState, Queue, QuickConnect, RoutingProfile
from ccp.services.agents import agent_set_status
from ccp.services.api_keys import api_key_create
from ccp.services.configuration.users import user_create
from ccp.services.instances import instance_create

pytestmark = pytest.mark.django_db(transaction=True)
SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "connect_setup.sh"


def test_the_readme_set_up_script_runs_with_the_aws_cli_and_its_task_reaches_an_agent(live_server, tmp_path):
    new = instance_create(
        alias="cli", admin_username="cli-admin", admin_email="a@example.com", admin_password="Correct-horse-42-battery"
    )
    instance = new.instance
    instance.api_rate_per_second = instance.api_burst = 1000
    instance.save()
    api_key, secret = api_key_create(instance=instance, name="cli")
    env = {
        "PATH": f"{pathlib.Path(sys.executable).parent}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_ACCESS_KEY_ID": api_key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "ENDPOINT": live_server.url,
        "INSTANCE_ID": instance.id,
    }
    run = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = dict(line.split("=", 1) for line in run.stdout.split())

    queue = Queue.objects.get(pk=out["QUEUE_ID"], instance=instance)
    assert (queue.name, queue.max_contacts, queue.tags) == ("Escalations", 50, {"team": "escalations"})
    profile = RoutingProfile.objects.get(pk=out["ROUTING_PROFILE_ID"])
    assert profile.task_concurrency == 3 and list(profile.queue_configs.values_list("queue_id", flat=True)) == [
        queue.id
    ]
    quick_connect = QuickConnect.objects.get(pk=out["QUICK_CONNECT_ID"])
    assert quick_connect.queue_id == queue.id and list(queue.quick_connects.all()) == [quick_connect]
    contact = Contact.objects.get(pk=out["CONTACT_ID"])
    assert contact.state == ContactState.QUEUED and contact.queue_id == queue.id

    agent = user_create(
        instance=instance, username="esme", password="Another-horse-42-battery", routing_profile=profile
    )
    available = AgentStatus.objects.get(instance=instance, type=AgentStatus.Type.ROUTABLE)
    agent_set_status(user=agent, status=available)
    contact.refresh_from_db()
    assert contact.agent_id == agent.id and contact.state == ContactState.CONNECTING
