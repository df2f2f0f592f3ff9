"""Servers a test starts in subprocesses on its own test database: once they are stopped, their PostgreSQL
sessions must be gone before the test database is dropped at the end of the run."""

import time

from django.db import connection


def other_sessions_closed(timeout: float = 10.0) -> None:
    """Wait until no other session is connected to this test database. PostgreSQL ends a stopped client's backend
    a moment later; one still there after `timeout` is ended here, so the run's teardown can drop the database
    (it warned 'being accessed by other users' once)."""
    query = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute(f"SELECT count(*) {query}")
            if cursor.fetchone()[0] == 0:
                return
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        cursor.execute(f"SELECT pg_terminate_backend(pid) {query}")
        for _ in range(50):
            cursor.execute(f"SELECT count(*) {query}")
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)
    raise AssertionError("sessions of a stopped server stay on the test database, even after pg_terminate_backend")
