"""What the services start after their transaction commits, without importing what runs it.

Routing sits above the services (the claim offers a task through `contact_offer`), so the services do not
import it: they call `routing_trigger`, and the routing engine installs its dispatcher here when the app is
ready (ccp/apps.py). A rolled-back write never routes anything: the dispatch runs in `on_commit`.
"""

import logging
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)

_dispatchers: list[Callable] = []


def routing_dispatcher_install(dispatch: Callable) -> None:
    """Install the routing dispatcher: `dispatch(*, instance_id, agent_ids=None, queue_ids=None)`."""
    _dispatchers[:] = [dispatch]


def routing_trigger(*, instance_id: str, agent_ids=None, queue_ids=None) -> None:
    """Run a routing dispatch once the current transaction commits (a new queued task, an agent going
    Available, a task ending, a transfer, a queue delay running out)."""
    if not _dispatchers:
        raise RuntimeError("No routing dispatcher installed: ccp's AppConfig.ready() installs it.")
    dispatch = _dispatchers[0]

    def run():
        try:
            dispatch(instance_id=instance_id, agent_ids=agent_ids, queue_ids=queue_ids)
        except Exception:  # routing failures must not fail the write that triggered them; the worker sweeps
            log.exception("routing dispatch failed")

    transaction.on_commit(run)
