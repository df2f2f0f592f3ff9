"""A pooled connection the server has closed since it was last used (PostgreSQL restarted, an idle timeout,
a failover) is replaced when drawn from the pool: the next request works instead of failing."""

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from ccp.models import Instance

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def end_pooled_sessions() -> int:
    """End the server side of every idle connection in this process's pool (only ours: their pids)."""
    # A pool of its own for this test, as a new server process has: what earlier tests in this process did to
    # the shared one (threads that ended holding a connection) must not decide the outcome.
    connection.close()
    connection.close_pool()
    connection.ensure_connection()  # opens the new pool and draws its first connection
    connection.close()  # hands Django's connection back to the pool
    pids = [conn.info.backend_pid for conn in connection.pool._pool]
    params = connection.get_connection_params()
    with psycopg.connect(
        host=params.get("host"), port=params.get("port"), user=params.get("user"), dbname=params["dbname"]
    ) as killer:
        for pid in pids:
            killer.execute("SELECT pg_terminate_backend(%s)", [pid])
    return len(pids)


def test_a_connection_closed_by_the_server_is_replaced_on_checkout(cast):
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    assert end_pooled_sessions() >= 1
    assert Instance.objects.filter(pk=cast.instance.pk).exists()


def test_a_request_after_the_server_closed_the_pool_connections_answers(cast):
    client = Client()
    client.force_login(cast.admin)
    assert end_pooled_sessions() >= 1
    assert client.get("/healthz").status_code == 200
    assert client.get("/console/").status_code == 200
