"""SQLite, with this process's write transactions queued on a lock instead of in SQLite's busy handler.

Every write transaction here is `BEGIN IMMEDIATE`, so writers take SQLite's one write lock at their
first statement. When it is held, SQLite's busy handler makes the waiter sleep 1, 2, 5, 10 … 100 ms
between retries, so a waiter keeps sleeping after the holder commits, and with several request
threads waiting the server sits idle while requests queue up (StartTaskContact from 8 clients: p99
1.6 s). Here a thread first takes a lock shared by this process's connections to the same file, and
is woken the moment the holder commits or rolls back. Other processes (a `run_worker`, a management
command) still meet SQLite's own lock and its busy timeout, which stays the safety net.
"""

import threading

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _write_lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(str(name), threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _held: threading.Lock | None = None

    def _start_transaction_under_autocommit(self):
        if self.transaction_mode not in ("IMMEDIATE", "EXCLUSIVE"):
            return super()._start_transaction_under_autocommit()
        lock = _write_lock(self.settings_dict["NAME"])
        # The same patience SQLite's busy timeout gives, and the same error when it runs out.
        if not lock.acquire(timeout=self.settings_dict["OPTIONS"].get("timeout", 5)):
            raise OperationalError("database is locked")
        self._held = lock
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._write_lock_release()
            raise

    def _write_lock_release(self):
        lock, self._held = self._held, None
        if lock is not None:
            lock.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._write_lock_release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._write_lock_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._write_lock_release()
