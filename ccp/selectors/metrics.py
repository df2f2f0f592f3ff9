"""Real-time queue metrics, as Check queue status, Check staffing and Get queue metrics read them.

An agent counts for a queue when their routing profile includes the queue; online means any
status but Offline (no status is Offline too). Staffed: online and Available or busy with a
contact. Available: in the Available (routable) status with a free task slot.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from ccp.models import AgentStatus, Contact, ContactState, Queue, User
from ccp.models.contacts import AGENT_SLOT_STATES


@dataclass(frozen=True)
class QueueMetrics:
    """A queue's numbers at one moment."""

    contacts_in_queue: int
    oldest_contact_age_seconds: int
    agents_online: int
    agents_available: int
    agents_staffed: int
    agents_on_contact: int
    agents_after_contact_work: int
    agents_non_productive: int


def queue_agents(*, queue: Queue):
    """Users whose routing profile includes the queue (for agent queues: the queue's own agent)."""
    if queue.agent_id:
        return User.objects.filter(id=queue.agent_id)
    return User.objects.filter(
        instance_id=queue.instance_id, routing_profile__queue_configs__queue=queue
    ).distinct()


def queue_metrics(*, queue: Queue, at: datetime | None = None) -> QueueMetrics:
    """Contacts in queue, the oldest one's age, and the queue's agents by state."""
    at = at or timezone.now()
    queued = Contact.objects.filter(queue=queue, state=ContactState.QUEUED).aggregate(
        count=Count("id"), oldest=Min("enqueue_timestamp")
    )
    oldest = queued["oldest"]
    age = max(0, int((at - oldest).total_seconds())) if oldest else 0

    agents = (
        queue_agents(queue=queue)
        .filter(status__isnull=False)
        .exclude(status__type=AgentStatus.Type.OFFLINE)
        .select_related("status", "routing_profile")
    )
    busy = dict(
        Contact.objects.filter(agent__in=agents, state__in=AGENT_SLOT_STATES)
        .values_list("agent_id")
        .annotate(n=Count("id"))
    )
    acw = set(
        Contact.objects.filter(agent__in=agents, state=ContactState.AFTER_CONTACT_WORK).values_list(
            "agent_id", flat=True
        )
    )
    online = available = staffed = on_contact = non_productive = 0
    for agent in agents:
        online += 1
        slots = agent.routing_profile.task_concurrency if agent.routing_profile else 0
        in_use = busy.get(agent.id, 0)
        routable = agent.status.type == AgentStatus.Type.ROUTABLE
        if routable or in_use:
            staffed += 1
        if in_use:
            on_contact += 1
        elif not routable:
            non_productive += 1
        if routable and in_use < slots:
            available += 1
    return QueueMetrics(
        contacts_in_queue=queued["count"],
        oldest_contact_age_seconds=age,
        agents_online=online,
        agents_available=available,
        agents_staffed=staffed,
        agents_on_contact=on_contact,
        agents_after_contact_work=len(acw),
        agents_non_productive=non_productive,
    )


def queue_contacts_waiting(*, queue: Queue) -> int:
    """How many contacts are in the queue now (the capacity check of Transfer to queue)."""
    return Contact.objects.filter(Q(queue=queue) & Q(state=ContactState.QUEUED)).count()
