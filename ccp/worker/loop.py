"""The worker loop, shared by `manage.py run_worker` and the embedded thread of `manage.py serve`."""

import logging
import threading
import time

from django.db import close_old_connections

from ccp.ops.heartbeat import heartbeat_beat
from ccp.worker import wakeup
from ccp.worker.sweep import SWEEP_EVERY, sweep_run
from ccp.worker.timers import seconds_until_next, timers_run_once

log = logging.getLogger(__name__)


def worker_loop(stop: threading.Event, *, max_sleep: float = 0.5) -> None:
    """Fire due timers until `stop` is set; sleep until the next due time or an early wake-up."""
    next_sweep = time.monotonic() + SWEEP_EVERY.total_seconds()
    while not stop.is_set():
        try:
            close_old_connections()
            heartbeat_beat()
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + SWEEP_EVERY.total_seconds()
                sweep_run()
            while timers_run_once():
                heartbeat_beat()  # a long backlog is still a live worker
                if stop.is_set():
                    return
            delay = seconds_until_next(cap=max_sleep)
        except Exception:
            log.exception("worker step failed")
            delay = max_sleep
        if delay > 0:
            wakeup.wait(delay)


def worker_thread_start() -> tuple[threading.Thread, threading.Event]:
    """Run the worker in a daemon thread of this process (the embedded default)."""
    stop = threading.Event()
    thread = threading.Thread(target=worker_loop, args=(stop,), name="timer-worker", daemon=True)
    thread.start()
    return thread, stop
