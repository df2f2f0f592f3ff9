"""Readiness: can this web process do its job right now? Each check answers None (fine) or a short reason.

Reasons name what failed, never how (no hosts, no credentials): the probe is often reachable from outside.
The exception itself goes to the log.
"""

import asyncio
import logging
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ccp.ops.heartbeat import heartbeat_newest_age

log = logging.getLogger(__name__)

CHANNEL_LAYER_TIMEOUT = 2.0

# Migrations never become unapplied under a running process, so once the plan is empty it is not
# rebuilt (building it reads every migration file).
_migrations_done = False


def check_database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    return None if row and row[0] == 1 else "SELECT 1 returned something else"


async def _layer_roundtrip() -> bool:
    async def roundtrip():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "readyz.ping"})
        return await layer.receive(channel)

    message = await asyncio.wait_for(roundtrip(), CHANNEL_LAYER_TIMEOUT)
    return message.get("type") == "readyz.ping"


def check_channel_layer() -> str | None:
    if get_channel_layer() is None:
        return "no channel layer configured"
    return None if async_to_sync(_layer_roundtrip)() else "the message sent was not the one received"


def check_migrations() -> str | None:
    global _migrations_done
    if _migrations_done:
        return None
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return f"{len(plan)} migration(s) not applied"
    _migrations_done = True
    return None


def check_worker() -> str | None:
    max_age = settings.WORKER_HEARTBEAT_MAX_AGE
    if max_age <= 0:
        return None
    age = heartbeat_newest_age()
    if age is None:
        return "no timer worker has ever reported"
    if age > max_age:
        return f"newest timer worker heartbeat is {int(age)} s old (limit {max_age} s)"
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "migrations": check_migrations,
    "worker": check_worker,
}


# Checks that read tables: with the database down they would each wait out the pool timeout again.
NEEDS_DATABASE = frozenset({"migrations", "worker"})


def readiness_run() -> dict[str, str | None]:
    """Run every check; a check that raises fails with the exception's class name."""
    results: dict[str, str | None] = {}
    for name, check in CHECKS.items():
        if name in NEEDS_DATABASE and results.get("database") is not None:
            results[name] = "not checked: the database does not answer"
            continue
        try:
            results[name] = check()
        except Exception as exc:
            log.warning("readiness check %s failed", name, exc_info=True)
            results[name] = type(exc).__name__
    return results


def readiness_cache_clear() -> None:
    """Forget that migrations were found applied (tests that unapply one)."""
    global _migrations_done
    _migrations_done = False
