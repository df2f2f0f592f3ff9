"""The timer worker reports that it is alive, cheaply, and readiness reads it."""

import threading

import pytest
from django.test import override_settings

from ccp.ops import heartbeat
from ccp.ops.heartbeat import heartbeat_beat, worker_name
from ccp.ops.models import WorkerHeartbeat
from ccp.worker.loop import worker_loop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_beat_yet(monkeypatch):
    """The last beat is per process: a loop another test ran in this pytest worker must not make a test's first
    beat be skipped as too soon."""
    monkeypatch.setattr(heartbeat, "_last_beat", None)


class OneTurn(threading.Event):
    """A stop event that lets the worker loop run exactly one iteration."""

    def __init__(self):
        super().__init__()
        self.checks = 0

    def is_set(self):
        self.checks += 1
        return self.checks > 1


# The loop closes stale connections (close_old_connections), which a test transaction cannot survive.
@pytest.mark.django_db(transaction=True)
def test_one_turn_of_the_worker_loop_leaves_a_heartbeat_for_this_process():
    worker_loop(OneTurn(), max_sleep=0.01)
    beat = WorkerHeartbeat.objects.get()
    assert beat.worker == worker_name()
    assert beat.started_at == beat.seen_at


def test_a_second_beat_within_the_interval_writes_nothing():
    assert heartbeat_beat() is True
    first = WorkerHeartbeat.objects.get().seen_at
    with override_settings(WORKER_HEARTBEAT_EVERY=60):
        assert heartbeat_beat() is False
    assert WorkerHeartbeat.objects.get().seen_at == first


def test_a_beat_after_the_interval_moves_the_same_row_forward():
    heartbeat_beat()
    first = WorkerHeartbeat.objects.get()
    with override_settings(WORKER_HEARTBEAT_EVERY=0):
        assert heartbeat_beat() is True
    again = WorkerHeartbeat.objects.get()
    assert again.pk == first.pk
    assert again.seen_at > first.seen_at
    assert again.started_at == first.started_at


def test_a_starting_worker_forgets_workers_gone_for_a_day():
    from datetime import timedelta

    from django.utils import timezone

    long_ago = timezone.now() - timedelta(days=2)
    WorkerHeartbeat.objects.create(worker="old-host:42", seen_at=long_ago, started_at=long_ago)
    heartbeat_beat()
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == [worker_name()]


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_that_cannot_be_written_is_logged_and_never_stops_the_worker(caplog):
    from django.db import connection

    with connection.schema_editor() as editor:
        editor.delete_model(WorkerHeartbeat)
    try:
        assert heartbeat_beat() is False
    finally:
        with connection.schema_editor() as editor:
            editor.create_model(WorkerHeartbeat)
    assert "worker heartbeat could not be written" in caplog.text
