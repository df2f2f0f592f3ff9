"""Agent statuses: Available (routable), Offline, custom ones such as Break, and the system's Missed. The
console's form and CreateAgentStatus/UpdateAgentStatus call the same two writes."""

from ccp.errors import InvalidParameter, InvalidRequest
from ccp.models import AgentStatus, Instance
from ccp.services.audit import audit_created, audit_deleted, audit_updated
from ccp.services.configuration.base import delete_or_refuse, name_check
from ccp.services.configuration.quotas import AGENT_STATUSES_PER_INSTANCE, quota_check
from ccp.services.configuration.tags import tags_check
from ccp.services.transactions import entry_transaction

# What an audit entry records of an agent status.
# Statuses an admin can give; Missed is set by the system after a missed offer.
PICKABLE_TYPES = (AgentStatus.Type.ROUTABLE, AgentStatus.Type.OFFLINE, AgentStatus.Type.CUSTOM)
STATES = ("ENABLED", "DISABLED")


def _state_check(*, type: str, state: str) -> None:
    if state not in STATES:
        raise InvalidParameter(f"{state!r} is not a state (ENABLED, DISABLED).", field="state")
    if state == "DISABLED" and type != AgentStatus.Type.CUSTOM:
        # Routing moves agents into Available, Offline and Missed statuses: those stay enabled.
        raise InvalidParameter("Only custom statuses can be disabled.", field="state")


def _snapshot(status: AgentStatus) -> dict:
    return {
        "name": status.name,
        "description": status.description,
        "type": status.type,
        "state": status.state,
        "display_order": status.display_order,
    }


def agent_status_settings(status: AgentStatus) -> dict:
    """The current settings as `agent_status_update` arguments, for a change of some of them."""
    return {
        "name": status.name,
        "type": status.type,
        "display_order": status.display_order,
        "description": status.description,
        "state": status.state,
    }


def agent_status_create(
    *,
    instance: Instance,
    name: str,
    type: str,
    display_order: int = 0,
    description: str = "",
    state: str = "ENABLED",
    tags: dict | None = None,
    actor=None,
    actor_label: str = "",
) -> AgentStatus:
    """A status agents can pick: routable ones receive tasks; custom ones (Break, Lunch) do not."""
    if type not in PICKABLE_TYPES:
        raise InvalidParameter(f"{type!r} is not a status type an admin can create.", field="type")
    _state_check(type=type, state=state)
    with entry_transaction():
        name = name_check(AgentStatus, instance_id=instance.pk, name=name)
        tags = tags_check(tags)
        quota_check(
            AgentStatus.objects.filter(instance=instance),
            limit=AGENT_STATUSES_PER_INSTANCE,
            what="agent statuses in an instance",
        )
        status = AgentStatus.objects.create(
            instance=instance,
            name=name,
            type=type,
            display_order=display_order,
            description=description,
            state=state,
            tags=tags,
        )
        audit_created(
            status, resource_type="agent_status", after=_snapshot(status), actor=actor, actor_label=actor_label
        )
        return status


def agent_status_update(
    *,
    status: AgentStatus,
    name: str,
    type: str,
    display_order: int = 0,
    description: str | None = None,
    state: str | None = None,
    actor=None,
    actor_label: str = "",
) -> AgentStatus:
    """Rename, retype, reorder, describe, enable or disable a status; the system's Missed status keeps its type.
    `description` and `state` None keep what the status has."""
    if status.type == AgentStatus.Type.MISSED and type != AgentStatus.Type.MISSED:
        raise InvalidParameter("The Missed status keeps its type.", field="type")
    if status.type != AgentStatus.Type.MISSED and type not in PICKABLE_TYPES:
        raise InvalidParameter(f"{type!r} is not a status type an admin can give.", field="type")
    state = status.state if state is None else state
    _state_check(type=type, state=state)
    with entry_transaction():
        # From the database: a console form has already put the new values on `status`.
        before = _snapshot(AgentStatus.objects.get(pk=status.pk))
        status.name = name_check(AgentStatus, instance_id=status.instance_id, name=name, exclude_pk=status.pk)
        status.type, status.display_order, status.state = type, display_order, state
        if description is not None:
            status.description = description
        status.save()
        audit_updated(
            status, before, resource_type="agent_status", after=_snapshot(status), actor=actor, actor_label=actor_label
        )
    return status


def agent_status_check_deletable(*, status: AgentStatus) -> None:
    """Refuse to delete the last status of a non-custom type: routing moves agents between an
    Available, an Offline and a Missed status, so each must remain."""
    others = AgentStatus.objects.filter(instance_id=status.instance_id, type=status.type).exclude(pk=status.pk)
    if status.type != AgentStatus.Type.CUSTOM and not others.exists():
        raise InvalidRequest(f"“{status}” is the only {status.type.lower()} status; agents need one.")


def agent_status_delete(*, status: AgentStatus, actor=None, actor_label: str = "") -> None:
    """Delete a status; refused while it is the last of its kind or an agent is in it (ResourceInUse)."""
    with entry_transaction():
        agent_status_check_deletable(status=status)
        audit_deleted(status, _snapshot(status), resource_type="agent_status", actor=actor, actor_label=actor_label)
        delete_or_refuse(status)
