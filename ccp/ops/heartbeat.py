"""The timer worker's heartbeat: one UPDATE at most every WORKER_HEARTBEAT_EVERY seconds per process."""

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from ccp.ops.models import WorkerHeartbeat

# Rows of workers gone this long are deleted when a new worker starts, so the table stays tiny.
FORGET_AFTER = timedelta(days=1)

log = logging.getLogger(__name__)

_lock = threading.Lock()
_last_beat: float | None = None


def worker_name() -> str:
    """This process's worker identity: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeat_beat(*, force: bool = False) -> bool:
    """Record that this process's worker is alive, unless it did so less than WORKER_HEARTBEAT_EVERY ago.

    Returns whether a row was written. Called from every worker loop iteration, so it must stay cheap,
    and it never raises a database error: a missing heartbeat only fails readiness, while an exception
    here would stop the loop from firing timers."""
    global _last_beat
    now_mono = time.monotonic()
    with _lock:
        if not force and _last_beat is not None and now_mono - _last_beat < settings.WORKER_HEARTBEAT_EVERY:
            return False
        first = _last_beat is None
        _last_beat = now_mono
    try:
        _write(first=first)
    except DatabaseError:
        log.warning("worker heartbeat could not be written", exc_info=True)
        return False
    return True


def _write(*, first: bool) -> None:
    now = timezone.now()
    name = worker_name()
    if not first and WorkerHeartbeat.objects.filter(worker=name).update(seen_at=now):
        return
    WorkerHeartbeat.objects.update_or_create(
        worker=name, defaults={"seen_at": now}, create_defaults={"seen_at": now, "started_at": now}
    )
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()


def heartbeat_newest_age() -> float | None:
    """Seconds since the freshest worker heartbeat, or None when no worker has ever beaten."""
    newest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    if newest is None:
        return None
    return max(0.0, (timezone.now() - newest).total_seconds())
