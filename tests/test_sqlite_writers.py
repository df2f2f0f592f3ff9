"""The SQLite backend queues this process's writers on a lock: every way a write transaction ends lets
the next writer in, a writer that waits too long gets SQLite's own error, and writers from many
threads all commit."""

import threading

import pytest
from django.db import connections, transaction

from ccp.sqlite.base import DatabaseWrapper


@pytest.fixture
def connect(tmp_path, django_db_blocker):
    """Open a connection (in the calling thread) to one SQLite file configured like the default, waiting 1 s."""
    settings = {
        **connections.settings["default"],
        "ENGINE": "ccp.sqlite",
        "NAME": str(tmp_path / "writers.sqlite3"),
        "OPTIONS": {
            "timeout": 1,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
    count = iter(range(1000))

    def open_connection():
        db = DatabaseWrapper(settings, alias=f"writers-{next(count)}")
        connections[db.alias] = db  # transaction.atomic(using=…) finds it in this thread
        return db

    with django_db_blocker.unblock():
        setup = open_connection()
        setup.cursor().execute("CREATE TABLE row (n INTEGER)")
        setup.close()
        yield open_connection


def insert(db, n):
    with transaction.atomic(using=db.alias):
        db.cursor().execute("INSERT INTO row VALUES (%s)", [n])


def rows(db):
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM row")
        return cursor.fetchone()[0]


def in_thread(connect, n):
    """Insert row n from another thread, on its own connection; returns the errors it met."""
    errors = []

    def run():
        db = connect()
        try:
            insert(db, n)
        except Exception as exc:
            errors.append(exc)
        finally:
            db.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    return errors


def test_a_committed_transaction_lets_the_next_writer_in(connect):
    db = connect()
    insert(db, 1)
    assert in_thread(connect, 2) == []
    assert rows(db) == 2


def test_a_rolled_back_transaction_lets_the_next_writer_in(connect):
    db = connect()
    with pytest.raises(ZeroDivisionError):
        with transaction.atomic(using=db.alias):
            db.cursor().execute("INSERT INTO row VALUES (1)")
            1 / 0
    assert in_thread(connect, 2) == []
    assert rows(db) == 1


def test_a_connection_closed_inside_a_transaction_lets_the_next_writer_in(connect):
    db = connect()
    with transaction.atomic(using=db.alias):
        db.cursor().execute("INSERT INTO row VALUES (1)")
        db.close()
    assert in_thread(connect, 2) == []
    assert rows(db) == 1


def test_a_writer_waiting_longer_than_the_timeout_gets_database_is_locked(connect):
    db = connect()
    with transaction.atomic(using=db.alias):
        db.cursor().execute("INSERT INTO row VALUES (1)")
        errors = in_thread(connect, 2)
    assert [str(e) for e in errors] == ["database is locked"]
    assert rows(db) == 1


def test_writers_in_many_threads_all_commit(connect):
    errors = []

    def writer(k):
        db = connect()
        try:
            for n in range(25):
                insert(db, k * 100 + n)
        except Exception as exc:
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert rows(connect()) == 200
