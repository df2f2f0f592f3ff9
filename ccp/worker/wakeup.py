"""Wakes the in-process worker early when a timer is due sooner than its next poll."""

import threading

from django.db import transaction

_event = threading.Event()


def worker_wake() -> None:
    """Once the transaction commits, end the embedded worker's sleep so it looks at the timers again (it
    reads when the next one is due itself, so a new timer need not be passed)."""
    transaction.on_commit(_event.set)


def wait(seconds: float) -> None:
    _event.wait(seconds)
    _event.clear()
