"""What a flow run may ask of the services: a small interface handed to every step in its RunContext.

Flows sit below the services: a block changes its contact (queue it, end it, set attributes, wait) by calling
one of these, and never imports ccp.services. The services build the one implementation
(`ccp.services.flow_interface.FLOW_SERVICES`) and install it when the app is ready (ccp/apps.py); the
services that run flows (task creation, queueing with a customer queue flow, a disconnect flow, the worker
resuming a Wait) go through `ccp.flows.runner`, which hands it to each step.

Every function here runs inside the caller's transaction and on the contact's held writes (ccp.held_writes),
except timer_lease, which a run's external call uses between transactions (ccp.flows.runner).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FlowServices:
    # contact_end(*, contact, reason, actor_type, actor=None, detail=None)
    contact_end: Callable
    # contact_queue(*, contact, queue, actor_type, queue_flow=True)
    contact_queue: Callable
    # contact_set_attributes(*, contact, attributes, actor_type)
    contact_set_attributes: Callable
    # contact_update_routing(*, contact, priority=None, age_seconds=None, actor_type)
    contact_update_routing: Callable
    # contact_record_event(*, contact, event, actor_type, reason="", detail=None)
    contact_record_event: Callable
    # task_create(request: TaskRequest-like keyword arguments) -> Contact: a new task, inside the run's transaction
    task_create: Callable
    # timer_schedule(*, instance, kind, due_at, contact, payload)
    timer_schedule: Callable
    # timer_lease(*, timer_id, until, holder) -> bool: a pending timer leased to this caller (outside a run)
    timer_lease: Callable
    # timer_fire_leased(*, timer_id) -> Timer | None: lock a pending timer and mark it fired, in a transaction
    timer_fire_leased: Callable


_installed: list[FlowServices] = []


def flow_services_install(services: FlowServices) -> None:
    """Install the services flows call (once, when the app is ready; a test may install its own)."""
    _installed[:] = [services]


def flow_services() -> FlowServices:
    """The installed services; a run before the app is ready is a bug."""
    if not _installed:
        raise RuntimeError("No flow services installed: ccp's AppConfig.ready() installs them.")
    return _installed[0]
