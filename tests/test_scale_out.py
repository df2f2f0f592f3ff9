"""Service mode across processes: two daphne web processes and a worker, joined by PostgreSQL and Redis.

An agent connected to web process A gets the offer for a task created through web process B, and the
worker process offers a scheduled task to them too.
"""

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import websockets
from django.conf import settings
from django.db import connection
from django.test import Client

from ccp.demo.loader import demo_load
from ccp.models import AgentStatus, User
from ccp.services.agents import agent_set_status

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"port {port} never opened")


@pytest.fixture
def services_env():
    assert connection.vendor == "postgresql", "scale-out needs PostgreSQL (DATABASE_URL)"
    assert "Redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"], "scale-out needs Redis (REDIS_URL)"
    s = connection.settings_dict
    return dict(
        os.environ,
        DATABASE_URL=f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        EMBEDDED_WORKER="false",
    )


@pytest.fixture
def processes(services_env):
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "ccp.asgi:application"],
            cwd=ROOT,
            env=services_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    procs.append(
        subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--max-sleep", "0.2"],
            cwd=ROOT,
            env=services_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    )
    try:
        for port, proc in zip(ports, procs, strict=False):
            wait_for_port(port, proc)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(20)
        wait_for_other_sessions_to_close()


def wait_for_other_sessions_to_close(timeout=10.0) -> None:
    """PostgreSQL ends a killed client's backend a moment later; the test database can't be dropped before."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


async def in_thread(fn, **kwargs):
    """Run a blocking call in a thread that closes its own database connection afterwards."""

    def call():
        try:
            return fn(**kwargs)
        finally:
            connection.close()

    return await asyncio.to_thread(call)


async def frames_until(ws, text: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        frame = await asyncio.wait_for(ws.recv(), timeout=max(0.1, deadline - time.monotonic()))
        if text in frame:
            return frame


def test_an_offer_crosses_web_processes_and_the_worker_offers_too(processes):
    port_a, port_b = processes
    demo = demo_load().as_json()
    agent = User.objects.get(username="agent1")
    browser = Client()
    browser.force_login(agent)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    connect = boto3.client(
        "connect",
        endpoint_url=f"http://127.0.0.1:{port_b}",
        region_name=demo["region"],
        aws_access_key_id=demo["access_key_id"],
        aws_secret_access_key=demo["secret_access_key"],
    )

    async def scenario():
        async with websockets.connect(
            f"ws://127.0.0.1:{port_a}/ws/agent/",
            additional_headers={"Cookie": cookie},
            origin=f"http://127.0.0.1:{port_a}",
        ) as ws:
            await asyncio.wait_for(ws.recv(), timeout=10)  # the initial state
            await in_thread(
                agent_set_status,
                user=agent,
                status=AgentStatus.objects.get(instance=agent.instance, name="Available"),
            )
            created = await in_thread(
                connect.start_task_contact,
                InstanceId=demo["instance_id"],
                ContactFlowId=demo["task_flow_id"],
                Name="Made on web process B",
            )
            await frames_until(ws, "Made on web process B", timeout=10)
            scheduled = await in_thread(
                connect.start_task_contact,
                InstanceId=demo["instance_id"],
                ContactFlowId=demo["task_flow_id"],
                Name="Started by the worker",
                ScheduledTime=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2),
            )
            await frames_until(ws, "Started by the worker", timeout=15)
            return created["ContactId"], scheduled["ContactId"]

    first, second = asyncio.run(scenario())
    from ccp.models import ContactEvent

    offered_by = dict(ContactEvent.objects.filter(event="OFFERED").values_list("contact_id", "agent_id"))
    assert offered_by[first] == agent.id and offered_by[second] == agent.id
    assert ContactEvent.objects.filter(contact_id=second, event="SCHEDULE_REACHED", actor_type="worker").exists()
