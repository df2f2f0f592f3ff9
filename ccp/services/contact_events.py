"""A contact's audit trail and state changes: the steps every contact service is made of.

These run inside their caller's transaction (an entry-point service or a flow run) and on the contact's
held writes when a flow run holds them (ccp.held_writes)."""

from contextlib import contextmanager

from django.utils import timezone

from ccp.errors import ResourceNotFound
from ccp.held_writes import contact_event_save, contact_save
from ccp.models import Contact, ContactEvent
from ccp.realtime.publish import supervisors_refresh
from ccp.services.transactions import entry_transaction, transaction_required


def contact_record_event(
    *, contact: Contact, event: str, actor_type: str, actor=None, from_state="", to_state="", reason="", detail=None
) -> ContactEvent:
    """Append one entry to the contact's audit trail."""
    transaction_required("A contact event")
    event = ContactEvent(
        instance_id=contact.instance_id,
        contact=contact,
        at=timezone.now(),
        actor_type=actor_type,
        actor=actor,
        event=event,
        from_state=from_state,
        to_state=to_state or contact.state,
        agent_id=contact.agent_id,
        queue_id=contact.queue_id,
        reason=reason[:500],
        detail=detail or {},
    )
    contact_event_save(contact, event)
    supervisors_refresh(instance_id=contact.instance_id, reason="contact")
    return event


def contact_set_state(
    *, contact: Contact, state: str, event: str, actor_type: str, actor=None, reason="", detail=None, fields=()
) -> None:
    """Move a contact to `state`, saving `fields` with it, and record the event."""
    transaction_required("A contact's state change")
    from_state = contact.state
    contact.state = state
    contact.last_update_timestamp = timezone.now()
    contact_save(contact, ["state", "last_update_timestamp", *fields])
    contact_record_event(
        contact=contact,
        event=event,
        actor_type=actor_type,
        actor=actor,
        from_state=from_state,
        to_state=state,
        reason=reason,
        detail=detail,
    )


def contact_lock(*, instance, contact_id: str) -> Contact:
    """Fetch and lock a contact of this instance, or raise ResourceNotFound."""
    contact = Contact.objects.select_for_update().filter(instance=instance, pk=contact_id).first()
    if contact is None:
        raise ResourceNotFound("Contact not found in this instance.")
    return contact


@contextmanager
def contact_locked(*, instance, contact_id: str):
    """An entry point's own transaction with the contact's row locked until it ends (the API's contact
    operations: StopContact, UpdateContact…, TransferContact); any error rolls all of it back."""
    with entry_transaction():
        yield contact_lock(instance=instance, contact_id=contact_id)
