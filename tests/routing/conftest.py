import pytest

from ccp.models import RoutingProfileQueue
from ccp.services.agents import agent_set_status
from tests.factories import AgentFactory, QueueFactory, RoutingProfileFactory


class Center:
    """A small contact center: one Tasks queue, one routing profile, agents made on demand."""

    def __init__(self, instance, statuses, queue_flow):
        self.instance = instance
        self.statuses = statuses
        self.queue = QueueFactory(instance=instance, name="Tasks")
        self.profile = RoutingProfileFactory(instance=instance, default_outbound_queue=self.queue, task_concurrency=10)
        RoutingProfileQueue.objects.create(routing_profile=self.profile, queue=self.queue)
        self.flow = queue_flow(self.queue)

    def agent(self, *, available=True, profile=None, **kwargs):
        user = AgentFactory(instance=self.instance, routing_profile=profile or self.profile, **kwargs)
        user.status = self.statuses["OFFLINE"]
        user.save()
        if available:
            agent_set_status(user=user, status=self.statuses["ROUTABLE"])
        return user

    def task(self, name="Follow up", **kwargs):
        from ccp.services.contacts import task_start

        kwargs.setdefault("contact_flow", self.flow)
        contact = task_start(instance=self.instance, name=name, **kwargs)
        contact.refresh_from_db()
        return contact


@pytest.fixture
def center(instance, statuses, queue_flow):
    return Center(instance, statuses, queue_flow)
