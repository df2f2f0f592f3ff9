"""The services a flow run may call (ccp.flows.interface), built from the services themselves and installed
when the app is ready (ccp/apps.py)."""

from ccp.flows.interface import FlowServices, flow_services_install
from ccp.services.contact_events import contact_record_event
from ccp.services.contacts import contact_end, contact_queue, contact_set_attributes, contact_update_routing
from ccp.services.tasks import task_create
from ccp.services.timers import timer_fire_leased, timer_lease, timer_schedule

FLOW_SERVICES = FlowServices(
    contact_end=contact_end,
    contact_queue=contact_queue,
    contact_set_attributes=contact_set_attributes,
    contact_update_routing=contact_update_routing,
    contact_record_event=contact_record_event,
    task_create=task_create,
    timer_schedule=timer_schedule,
    timer_lease=timer_lease,
    timer_fire_leased=timer_fire_leased,
)


def flow_interface_install() -> None:
    """Hand the flow runner these services."""
    flow_services_install(FLOW_SERVICES)
