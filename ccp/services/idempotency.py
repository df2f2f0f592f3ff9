"""ClientToken idempotency for the operations that create a contact (StartTaskContact, TransferContact).

A token is remembered per instance and operation with a hash of the request it came with: the same
token with the same request returns the contact the first request created and writes nothing; the
same token with a different request is refused. Two requests racing with one token meet on the
unique (instance, operation, token) row: the second blocks on it, fails once the first commits, and
retries into the lookup, so exactly one contact is created.
"""

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, models, transaction

from ccp.errors import IdempotencyConflict
from ccp.models import Contact, IdempotencyToken

# ClientTokens are remembered for 7 days.
CLIENT_TOKEN_TTL = dt.timedelta(days=7)


def request_hash(payload: dict) -> str:
    """A stable fingerprint of a request's meaningful parameters."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _plain(value):
    """A request value as the fingerprint sees it: a row by its id, a time by its timestamp."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return value


class RequestFields:
    """A frozen dataclass of a request's fields whose fingerprint covers every one of them (dataclasses.fields),
    so a field added later can never be left out of the ClientToken comparison. A field's `metadata["key"]`
    names it in the fingerprint (the names fingerprints were stored under before these classes)."""

    def fingerprint(self) -> str:
        return request_hash(
            {f.metadata.get("key", f.name): _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        )


def token_lookup(*, instance_id: str, operation: str, token: str, now: dt.datetime) -> IdempotencyToken | None:
    """The live token row, if any; one older than 7 days is forgotten."""
    row = (
        IdempotencyToken.objects.select_related("contact")
        .filter(instance_id=instance_id, operation=operation, token=token)
        .first()
    )
    if row is not None and row.created_at < now - CLIENT_TOKEN_TTL:
        row.delete()
        return None
    return row


def contact_create_once(
    *,
    instance_id: str,
    operation: str,
    token: str,
    fingerprint: str,
    mismatch: str,
    now: dt.datetime,
    create: Callable[[], Contact],
    durable: bool,
) -> Contact:
    """Run `create` in a transaction, once per (instance, operation, token) when a token is given.

    `durable`: the transaction is the entry point's own (StartTaskContact); otherwise a savepoint inside the
    caller's (TransferContact, which holds the original contact's row lock)."""
    if not token:
        with transaction.atomic(durable=durable):
            return create()
    for _attempt in range(5):
        try:
            with transaction.atomic(durable=durable):
                existing = token_lookup(instance_id=instance_id, operation=operation, token=token, now=now)
                if existing is not None:
                    if existing.request_hash != fingerprint:
                        raise IdempotencyConflict(mismatch)
                    return existing.contact
                contact = create()
                # A concurrent request with the same token blocks on this unique row and, once we
                # commit, fails with IntegrityError and retries into the lookup above.
                with transaction.atomic():
                    IdempotencyToken.objects.create(
                        instance_id=instance_id,
                        operation=operation,
                        token=token,
                        request_hash=fingerprint,
                        contact=contact,
                        created_at=now,
                    )
                return contact
        except IntegrityError:
            continue
    raise IdempotencyConflict("ClientToken is being used by a concurrent request; retry.")
