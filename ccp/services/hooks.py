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


_conversation_ended: list[Callable] = []


def conversation_ended_install(handler: Callable) -> None:
    """Install what runs when a voice or chat contact disconnects: `handler(contact)` (ccp/apps.py installs
    `ccp.services.rule_triggers.on_contact_ended`; the rules engine sits on the services that end contacts,
    so they do not import it)."""
    _conversation_ended[:] = [handler]


def conversation_ended_trigger(*, contact) -> None:
    """A VOICE or CHAT contact disconnected (into after-contact work, or ended): its whole transcript is there.
    The handler runs once the current transaction commits, never for a rolled-back end."""
    if not _conversation_ended:
        raise RuntimeError("No conversation-ended handler installed: ccp's AppConfig.ready() installs it.")
    handler = _conversation_ended[0]

    def run():
        try:
            handler(contact)
        except Exception:  # the contact has ended either way; a failing rule must not surface to whoever ended it
            log.exception("conversation-ended handler failed for contact %s", contact.pk)

    transaction.on_commit(run)
