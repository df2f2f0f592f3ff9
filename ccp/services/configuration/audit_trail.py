"""The audit entries of configuration writes: who (a console user, or an API key by its label), what, and the
fields that changed, written in the write's own transaction."""

from ccp.models import AuditEntry, Instance
from ccp.services.audit import audit_changes, audit_record


def config_audit(
    row,
    *,
    action: str,
    resource_type: str,
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
    actor_label: str = "",
) -> None:
    """One entry for a create, update or delete of `row`; an update records only the fields that differ, and an
    update that changes nothing records nothing."""
    before, after = dict(before or {}), dict(after or {})
    if action == AuditEntry.Action.UPDATE:
        before, after = audit_changes(before, after)
        if not after and not before:
            return
    audit_record(
        Instance(pk=row.instance_id),
        actor=actor,
        actor_label=actor_label,
        action=action,
        resource_type=resource_type,
        resource_id=row.pk,
        resource_name=str(row),
        before=before,
        after=after,
    )
