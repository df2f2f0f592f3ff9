"""A supervisor's action on an open contact (end, cancel, transfer, routing, reschedule), run with the contact's
row locked and recorded in the audit log in the same transaction: what the contact was before and after."""

from collections.abc import Callable

from ccp.models import AuditEntry, Contact, User
from ccp.services.audit import audit_changes, audit_record, audit_snapshot
from ccp.services.contact_events import contact_locked

# What an audit entry records of the contact a supervisor acted on.
AUDITED = ("state", "queue", "agent", "routing_priority", "routing_age_seconds", "scheduled_timestamp")


def contact_supervisor_action(
    *, instance, contact_id: str, actor: User, action: str, run: Callable[[Contact], tuple[str, Contact]]
) -> tuple[str, Contact]:
    """Lock the contact, `run(contact)` (one of the contact services, with the supervisor as the actor of its
    contact event), and record the action; returns what `run` returns (a message and the contact to show).
    A refusal rolls back both the change and its audit entry."""
    with contact_locked(instance=instance, contact_id=contact_id) as contact:
        before = audit_snapshot(contact, AUDITED)
        message, shown = run(contact)
        changed_before, changed_after = audit_changes(before, audit_snapshot(contact, AUDITED))
        if shown.pk != contact.pk:
            changed_after["new_contact"] = shown.pk
        audit_record(
            instance,
            actor=actor,
            action=AuditEntry.Action.CONTACT_ACTION,
            resource_type="contact",
            resource_id=contact.pk,
            resource_name=contact.name,
            before=changed_before,
            after=changed_after,
            detail=f"{action}: {message}",
        )
    return message, shown
