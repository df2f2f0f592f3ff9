"""One owner per transaction: the entry-point services (the ones the API, panel, console, worker and consumer
call) open it, durable, so no caller's transaction can turn it into a savepoint and commit it later; the steps
inside (state changes, events, a flow's Create task) check they run inside one.

Django's TestCase (and pytest-django's `db` fixture) marks its own wrapping atomics, so a durable block still
opens inside a test."""

from django.db import transaction
from django.db.transaction import TransactionManagementError


def entry_transaction():
    """The transaction an entry-point service owns: `transaction.atomic(durable=True)`."""
    return transaction.atomic(durable=True)


def transaction_required(step: str) -> None:
    """Refuse to run a step that writes outside a transaction (its entry point must own one)."""
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(f"{step} runs inside its entry point's transaction, and there is none.")
