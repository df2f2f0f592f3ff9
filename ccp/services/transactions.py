"""One owner per transaction: the entry-point services (the ones the API, panel, console, worker and consumer
call) open it, durable, so no caller's transaction can turn it into a savepoint and commit it later; the steps
inside (state changes, events, a flow's Create task) check they run inside one.

One exception, explicit: `batch_transaction` (instance_apply's) owns one durable transaction around many
entry-point services, which then join it, so a whole configuration file is applied or none of it.

Django's TestCase (and pytest-django's `db` fixture) marks its own wrapping atomics, so a durable block still
opens inside a test."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.transaction import TransactionManagementError

_in_batch: ContextVar[bool] = ContextVar("in_batch", default=False)


def entry_transaction():
    """The transaction an entry-point service owns: `transaction.atomic(durable=True)`; inside a
    `batch_transaction` it joins the batch's."""
    return transaction.atomic(durable=not _in_batch.get())


@contextmanager
def batch_transaction():
    """One durable transaction that the entry-point services called inside it join (all of them or none)."""
    with transaction.atomic(durable=True):
        token = _in_batch.set(True)
        try:
            yield
        finally:
            _in_batch.reset(token)


def transaction_required(step: str) -> None:
    """Refuse to run a step that writes outside a transaction (its entry point must own one)."""
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(f"{step} runs inside its entry point's transaction, and there is none.")
