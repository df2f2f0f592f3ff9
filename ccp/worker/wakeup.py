"""Wakes the in-process worker early when a timer is due sooner than its next poll."""

import datetime as dt
import threading

from django.db import transaction

_event = threading.Event()


def worker_wake(due_at: dt.datetime | None = None) -> None:
    transaction.on_commit(_event.set)


def wait(seconds: float) -> None:
    _event.wait(seconds)
    _event.clear()
