"""Agent statuses: Available (routable), Offline, custom ones such as Break, and the system's Missed."""

from ccp.errors import InvalidParameter, InvalidRequest
from ccp.models import AgentStatus, Instance
from ccp.services.audit import audit_created, audit_deleted, audit_snapshot, audit_snapshot_saved, audit_updated
from ccp.services.configuration.base import delete_or_refuse, name_check
from ccp.services.transactions import entry_transaction

# What an audit entry records of an agent status.
AUDITED = ("name", "type", "display_order")
# Statuses an admin can give; Missed is set by the system after a missed offer.
PICKABLE_TYPES = (AgentStatus.Type.ROUTABLE, AgentStatus.Type.OFFLINE, AgentStatus.Type.CUSTOM)


def agent_status_create(*, instance: Instance, name: str, type: str, display_order: int = 0) -> AgentStatus:
    """A status agents can pick: routable ones receive tasks; custom ones (Break, Lunch) do not."""
    if type not in PICKABLE_TYPES:
        raise InvalidParameter(f"{type!r} is not a status type an admin can create.", field="type")
    with entry_transaction():
        name = name_check(AgentStatus, instance_id=instance.pk, name=name)
        status = AgentStatus.objects.create(instance=instance, name=name, type=type, display_order=display_order)
        audit_created(status, resource_type="agent_status", fields=AUDITED)
    return status


def agent_status_update(*, status: AgentStatus, name: str, type: str, display_order: int = 0) -> AgentStatus:
    """Rename, retype or reorder a status; the system's Missed status keeps its type."""
    if status.type == AgentStatus.Type.MISSED and type != AgentStatus.Type.MISSED:
        raise InvalidParameter("The Missed status keeps its type.", field="type")
    if status.type != AgentStatus.Type.MISSED and type not in PICKABLE_TYPES:
        raise InvalidParameter(f"{type!r} is not a status type an admin can give.", field="type")
    with entry_transaction():
        before = audit_snapshot_saved(status, AUDITED)
        status.name = name_check(AgentStatus, instance_id=status.instance_id, name=name, exclude_pk=status.pk)
        status.type, status.display_order = type, display_order
        status.save()
        audit_updated(status, before, resource_type="agent_status", fields=AUDITED)
    return status


def agent_status_check_deletable(*, status: AgentStatus) -> None:
    """Refuse to delete the last status of a non-custom type: routing moves agents between an
    Available, an Offline and a Missed status, so each must remain."""
    others = AgentStatus.objects.filter(instance_id=status.instance_id, type=status.type).exclude(pk=status.pk)
    if status.type != AgentStatus.Type.CUSTOM and not others.exists():
        raise InvalidRequest(f"“{status}” is the only {status.type.lower()} status; agents need one.")


def agent_status_delete(*, status: AgentStatus) -> None:
    """Delete a status; refused while it is the last of its kind or an agent is in it (ResourceInUse)."""
    with entry_transaction():
        agent_status_check_deletable(status=status)
        before, status_id = audit_snapshot(status, AUDITED), status.pk
        delete_or_refuse(status)
        audit_deleted(status, before, resource_type="agent_status", resource_id=status_id)
