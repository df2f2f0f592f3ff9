"""The audit log: every configuration change, API key creation and revocation, login and failed login, and
supervisor action on a contact, recorded by the service that makes it, inside the same transaction."""

from django.utils import timezone

from ccp.models.audit import AuditEntry
from ccp.services.transactions import transaction_required

# Keys whose values never reach the audit log.
_SECRET_KEYS = frozenset({"password", "secret", "secret_access_key", "secret_key", "signing_secret", "token"})


def _scrub(values: dict | None) -> dict:
    return {k: ("••••" if k.lower() in _SECRET_KEYS else v) for k, v in (values or {}).items()}


def audit_changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, as (before, after): what an UPDATE entry records."""
    keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


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

    `actor` is the signed-in user, or None with `actor_label` naming an API key or "system"."""
    transaction_required("audit_record")
    if not actor_label:
        actor_label = actor.username if actor is not None else "system"
    return AuditEntry.objects.create(
        instance=instance,
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
