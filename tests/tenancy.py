"""The other instance, with one real row of everything a request can name, and a snapshot of every row
of both instances: a request that names another instance's id must be refused and change nothing."""

import datetime as dt
import json

from django.utils import timezone

from ccp import models as m
from ccp.services.agents import agent_statuses_ensure
from ccp.services.configuration.security_profiles import security_profiles_ensure
from ccp.services.tasks import task_start
from tests.cast import flow_content, flow_publish, password_hash

# The tables a refused request could write to.
SNAPSHOT_MODELS = (
    m.Contact,
    m.ContactEvent,
    m.IdempotencyToken,
    m.Timer,
    m.User,
    m.AgentEvent,
    m.Queue,
    m.QuickConnect,
    m.ContactFlow,
    m.TaskTemplate,
    m.AgentStatus,
)


def rows_snapshot() -> dict:
    """Every row of the tables above, every column (so a changed state, name or timestamp shows)."""
    return {
        model.__name__: json.dumps(list(model.objects.order_by("pk").values()), default=str, sort_keys=True)
        for model in SNAPSHOT_MODELS
    }


def other_instance_build(*, alias: str = "elsewhere") -> dict:
    """An instance with a queue, a published flow, an agent (with a custom status), a quick connect, a
    template, a queued task and a scheduled task: the real ids another tenant must never reach."""
    instance = m.Instance.objects.create(alias=alias, timezone="UTC")
    statuses = agent_statuses_ensure(instance=instance)
    status = m.AgentStatus.objects.create(instance=instance, name="Their break", type=m.AgentStatus.Type.CUSTOM)
    queue = m.Queue.objects.create(instance=instance, name="Support")
    flow = flow_publish(instance, "Their flow", flow_content(queue_id=queue.id))
    routing_profile = m.RoutingProfile.objects.create(
        instance=instance, name="Their profile", default_outbound_queue=queue, task_concurrency=10
    )
    m.RoutingProfileQueue.objects.create(routing_profile=routing_profile, queue=queue, channel="TASK", priority=1)
    user = m.User(
        instance=instance,
        username=f"dave-{alias}",
        first_name="Dave",
        last_name="Other",
        routing_profile=routing_profile,
        status=statuses[m.AgentStatus.Type.OFFLINE],
        password=password_hash(),
    )
    user.save()
    user.security_profiles.set([security_profiles_ensure(instance=instance)[m.SecurityProfile.AGENT]])
    m.Queue.objects.create(instance=instance, name=f"Agent queue {user.username}", queue_type="AGENT", agent=user)
    quick_connect = m.QuickConnect.objects.create(
        instance=instance, name="Their queue", type="QUEUE", queue=queue, flow=flow
    )
    template = m.TaskTemplate.objects.create(instance=instance, name="Their template", flow=flow)
    contact = task_start(instance=instance, name="Their task", description="private", contact_flow=flow)
    scheduled = task_start(
        instance=instance,
        name="Their scheduled task",
        contact_flow=flow,
        scheduled_time=timezone.now() + dt.timedelta(hours=2),
        initiation_method=m.InitiationMethod.AGENT,
        actor_type="agent",
        actor=user,
    )
    return {
        "instance": instance,
        "queue": queue,
        "flow": flow,
        "user": user,
        "status": status,
        "quick connect": quick_connect,
        "template": template,
        "contact": contact,
        "scheduled": scheduled,
    }
