"""The audit log: every configuration change, API key creation and revocation, login and failed login, and
supervisor action on a contact, recorded by the service that makes it, inside the same transaction.

Who acted: a service may name its actor (`actor=`); otherwise the entry names whoever the edge declared with
`audit_acting(...)` for the request — the signed-in user (the console's `AuditActorMiddleware`) or the API key
that signed the request (the API dispatcher) — and "system" outside any request (worker, management commands).
The edges declare it so that every configuration service need not carry an actor through its arguments."""

import contextlib
import contextvars
import datetime as dt
import decimal
import hashlib

from django.db import models
from django.utils import timezone

from ccp.models import ApiKey
from ccp.models.audit import AuditEntry
from ccp.services.transactions import transaction_required

# Keys whose values never reach the audit log.
_SECRET_KEYS = frozenset({"password", "secret", "secret_access_key", "secret_key", "signing_secret", "token"})

# Who the current request acts as: a User, an ApiKey, or None (the system).
_acting: contextvars.ContextVar = contextvars.ContextVar("audit_acting", default=None)


@contextlib.contextmanager
def audit_acting(actor):
    """Within this block, audit entries without an explicit actor name `actor` (a User or an ApiKey)."""
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


def _scrub(values: dict | None) -> dict:
    return {k: ("••••" if k.lower() in _SECRET_KEYS else v) for k, v in (values or {}).items()}


def audit_changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, as (before, after): what an UPDATE entry records."""
    keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _plain(value):
    """A JSON-safe, readable form of a field's value: related rows by name, times as ISO 8601."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.Manager):
        return sorted(str(row) for row in value.all())
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def audit_snapshot(row: models.Model, fields: tuple[str, ...]) -> dict:
    """The audited fields of `row` as plain values; a large text field is given by a digest (`<field>_sha256`)."""
    values = {}
    for field in fields:
        if field.endswith("_sha256"):
            text = getattr(row, field.removesuffix("_sha256")) or ""
            values[field] = hashlib.sha256(text.encode()).hexdigest()[:16] if text else ""
        else:
            values[field] = _plain(getattr(row, field))
    return values


def audit_snapshot_saved(row: models.Model, fields: tuple[str, ...]) -> dict:
    """`audit_snapshot` of the row as stored: a console ModelForm has already copied the new values onto the
    object it validated, so an update's "before" is read from the database."""
    return audit_snapshot(type(row)._default_manager.get(pk=row.pk), fields)


def _actor_for(actor, actor_label: str):
    if actor is None and not actor_label:
        actor = _acting.get()
    if isinstance(actor, ApiKey):
        return None, actor_label or f"API key {actor.access_key_id}"
    if actor is not None and not actor_label:
        actor_label = actor.username
    return actor, actor_label or "system"


def audit_record(
    instance,
    *,
    actor=None,
    actor_label: str = "",
    action: str,
    resource_type: str,
    resource_id: str = "",
    resource_name: str = "",
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
) -> AuditEntry:
    """Write one audit entry in the caller's transaction (the change and its record commit or roll back together).

    `instance` is an Instance or its id. `actor` is the signed-in user, an ApiKey, or None: then `actor_label`
    when given (a failed login's username), else the request's actor (`audit_acting`), else "system"."""
    transaction_required("audit_record")
    actor, actor_label = _actor_for(actor, actor_label)
    return AuditEntry.objects.create(
        instance_id=getattr(instance, "pk", instance),
        at=timezone.now(),
        actor=actor,
        actor_label=actor_label[:200],
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id)[:256],
        resource_name=str(resource_name)[:512],
        before=_scrub(before),
        after=_scrub(after),
        detail=detail[:1000],
    )


def audit_created(
    row: models.Model,
    *,
    resource_type: str,
    fields: tuple[str, ...] = (),
    after: dict | None = None,
    actor=None,
    actor_label: str = "",
    resource_name: str | None = None,
) -> AuditEntry:
    """A CREATE entry for a new configuration row, with its audited fields (or `after`) as `after`."""
    return audit_record(
        row.instance_id,
        actor=actor,
        actor_label=actor_label,
        action=AuditEntry.Action.CREATE,
        resource_type=resource_type,
        resource_id=row.pk,
        resource_name=str(row) if resource_name is None else resource_name,
        after=after if after is not None else audit_snapshot(row, fields),
    )


def audit_updated(
    row: models.Model,
    before: dict,
    *,
    resource_type: str,
    fields: tuple[str, ...] = (),
    after: dict | None = None,
    actor=None,
    actor_label: str = "",
    resource_name: str | None = None,
    detail: str = "",
) -> AuditEntry | None:
    """An UPDATE entry with only the fields that changed from `before` to `after` (default: `row`'s `fields`
    now); a save that changed nothing records nothing."""
    after = after if after is not None else audit_snapshot(row, fields)
    changed_before, changed_after = audit_changes(before, after)
    if not changed_after and not detail:
        return None
    return audit_record(
        getattr(row, "instance_id", None) or row.pk,
        actor=actor,
        actor_label=actor_label,
        action=AuditEntry.Action.UPDATE,
        resource_type=resource_type,
        resource_id=row.pk,
        resource_name=str(row) if resource_name is None else resource_name,
        before=changed_before,
        after=changed_after,
        detail=detail,
    )


def audit_deleted(
    row: models.Model,
    before: dict,
    *,
    resource_type: str,
    resource_id=None,
    actor=None,
    actor_label: str = "",
    resource_name: str | None = None,
) -> AuditEntry:
    """A DELETE entry with what the row held (`before`). Written before the delete, or after it with
    `resource_id` taken before (Django clears a deleted row's primary key)."""
    return audit_record(
        row.instance_id,
        actor=actor,
        actor_label=actor_label,
        action=AuditEntry.Action.DELETE,
        resource_type=resource_type,
        resource_id=row.pk if resource_id is None else resource_id,
        resource_name=str(row) if resource_name is None else resource_name,
        before=before,
    )
