"""While the database is unreachable the server answers 503 — an AWS error the SDKs retry on API paths,
the product's "back in a moment" page in the browser — and works again once it is back, without a
restart. Each test makes only its own database unreachable: a port where nothing listens, or (service
mode) its own test database closed to new connections and its sessions ended."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import urllib3
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings
from django.db import connection

from tests.factories import InstanceFactory

ROOT = Path(__file__).resolve().parent.parent.parent
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_APP = "ccp-database-down-server"


def start_server(database_url: str):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(
        DATABASE_URL=database_url,
        DB_POOL_TIMEOUT="1",
        EMBEDDED_WORKER="false",
        SECRET_KEY=settings.SECRET_KEY,  # the demo's API secret is encrypted with a key derived from it
        DEBUG="false",
        LOG_LEVEL="ERROR",
        # libpq names the server's sessions, so closing the database ends only theirs, never this test
        # process's pooled connections (the rest of the suite runs on them).
        PGAPPNAME=SERVER_APP,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "ccp.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            assert time.monotonic() < deadline, "the server never opened its port"
            time.sleep(0.1)


def get(url: str):
    """A signed-in browser's GET: its session cookie has to be looked up in the database."""
    headers = {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}
    return urllib3.request("GET", url, headers=headers, redirect=False, timeout=30, retries=False)


def stop(proc) -> None:
    proc.terminate()
    proc.wait(20)


def connect_client(port: int, key: str = "AKIAEXAMPLE", secret: str = "x" * 40):
    return boto3.client(
        "connect",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=NO_RETRIES,
    )


def start_task(client, instance_id: str = "00000000-0000-0000-0000-000000000000", flow_id: str = "f" * 36):
    return client.start_task_contact(InstanceId=instance_id, ContactFlowId=flow_id, Name="While the database is down")


@pytest.fixture
def server_without_database():
    nowhere = free_port()  # bound a moment ago and released: nothing listens there
    proc, port = start_server(f"postgres://postgres@127.0.0.1:{nowhere}/taskcenter_unreachable")
    yield port
    stop(proc)


def test_an_api_call_gets_a_503_service_unavailable_error_the_sdk_can_retry(server_without_database):
    with pytest.raises(ClientError) as caught:
        start_task(connect_client(server_without_database))
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert error["Error"]["Code"] == "ServiceUnavailableException"
    assert "temporarily unavailable" in error["Error"]["Message"]


def test_a_browser_gets_the_products_back_in_a_moment_page(server_without_database):
    for path in ("/", "/ccp/", "/console/", "/login/"):
        response = get(f"http://127.0.0.1:{server_without_database}{path}")
        assert response.status == 503, (path, response.status)
        assert "<h1>Back in a moment</h1>" in response.data.decode()
        assert "Task Center" in response.data.decode() and "/static/css/app.css" in response.data.decode()
        assert "Traceback" not in response.data.decode()


def test_the_probes_still_answer_and_readiness_names_the_database(server_without_database):
    base = f"http://127.0.0.1:{server_without_database}"
    assert get(f"{base}/healthz").status == 200
    ready = get(f"{base}/readyz")
    assert ready.status == 503
    assert "database" in ready.json()["failing"]


# ------------------------------------------------------------------ service mode: down, then back


def own_database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def close_own_database(name: str, allow: bool) -> None:
    """ALLOW_CONNECTIONS on this test database only (set from the maintenance database: PostgreSQL refuses
    it from inside), and when closing it, end the test server's sessions on it — this process's stay open."""
    import psycopg

    s = connection.settings_dict
    admin = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allow else "false"}')
        if not allow:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                [name, SERVER_APP],
            )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_service_mode_answers_503_while_its_database_is_closed_and_works_again_after():
    from ccp.demo.loader import demo_load

    assert connection.vendor == "postgresql"
    InstanceFactory()
    demo = demo_load().as_json()
    name = connection.settings_dict["NAME"]
    proc, port = start_server(own_database_url())
    try:
        client = connect_client(port, demo["access_key_id"], demo["secret_access_key"])
        first = start_task(client, demo["instance_id"], demo["task_flow_id"])
        assert first["ContactId"]

        close_own_database(name, allow=False)
        try:
            with pytest.raises(ClientError) as caught:
                start_task(client, demo["instance_id"], demo["task_flow_id"])
            assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
            assert caught.value.response["Error"]["Code"] == "ServiceUnavailableException"
            page = get(f"http://127.0.0.1:{port}/ccp/")
            assert page.status == 503 and "Back in a moment" in page.data.decode()
        finally:
            close_own_database(name, allow=True)

        answers = []
        for _ in range(5):  # the pool may hand out a connection PostgreSQL ended; it drops each one it sees
            try:
                answers.append(start_task(client, demo["instance_id"], demo["task_flow_id"])["ContactId"])
            except ClientError as exc:
                answers.append(exc.response["ResponseMetadata"]["HTTPStatusCode"])
        assert isinstance(answers[-1], str), answers
        assert proc.poll() is None
    finally:
        stop(proc)
        close_own_database(name, allow=True)
