"""A small contact center for the panel's tests: one instance, two agents serving a queue, a queue
for transfers, quick connects, a published flow that queues tasks, and a template.

Used by the fast tests (through the `center` fixture) and inside the live server of the browser tests.
"""

import json
from dataclasses import dataclass

from ccp import models as m
from ccp.services.agents import agent_set_status, agent_statuses_ensure


def flow_content(*, queue_id: str | None = None) -> str:
    """Set the working queue (when given) and transfer to it."""
    actions = []
    if queue_id:
        actions.append(
            {
                "Identifier": "set",
                "Type": "UpdateContactTargetQueue",
                "Parameters": {"QueueId": queue_id},
                "Transitions": {"NextAction": "q", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]},
            }
        )
    actions.append(
        {
            "Identifier": "q",
            "Type": "TransferContactToQueue",
            "Parameters": {},
            "Transitions": {"NextAction": "end", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]},
        }
    )
    actions.append({"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}})
    return json.dumps({"Version": "2019-10-30", "StartAction": actions[0]["Identifier"], "Actions": actions})


def flow_publish(instance, name: str, content: str) -> m.ContactFlow:
    return m.ContactFlow.objects.create(
        instance=instance, name=name, content=content, published_content=content, status="PUBLISHED"
    )


@dataclass
class Center:
    instance: m.Instance
    queue: m.Queue
    other_queue: m.Queue
    flow: m.ContactFlow
    qc_flow: m.ContactFlow
    alice: m.User
    bob: m.User
    carol: m.User  # serves other_queue only
    qc_alice: m.QuickConnect
    qc_bob: m.QuickConnect
    qc_other_queue: m.QuickConnect
    template: m.TaskTemplate
    statuses: dict

    def ids(self) -> dict:
        return {
            "instance": self.instance.id,
            "queue": self.queue.id,
            "other_queue": self.other_queue.id,
            "flow": self.flow.id,
            "alice": self.alice.id,
            "bob": self.bob.id,
            "carol": self.carol.id,
            "qc_alice": self.qc_alice.id,
            "qc_bob": self.qc_bob.id,
            "qc_other_queue": self.qc_other_queue.id,
            "template": self.template.id,
        }


PASSWORD = "correct horse battery staple"


def _agent(instance, username, first, last, queue, statuses, *, offer_timeout=30) -> m.User:
    rp = m.RoutingProfile.objects.create(
        instance=instance,
        name=f"RP {username}",
        default_outbound_queue=queue,
        task_concurrency=10,
        task_offer_timeout_seconds=offer_timeout,
    )
    m.RoutingProfileQueue.objects.create(routing_profile=rp, queue=queue, channel="TASK", priority=1)
    user = m.User(
        instance=instance,
        username=username,
        first_name=first,
        last_name=last,
        routing_profile=rp,
        timezone="Europe/Paris",
    )
    user.set_password(PASSWORD)
    user.save()
    m.Queue.objects.create(instance=instance, name=f"Agent queue {username}", queue_type="AGENT", agent=user)
    agent_set_status(user=user, status=statuses[m.AgentStatus.Type.OFFLINE])
    return user


def center_build(*, alias: str = "acme", offer_timeout: int = 30) -> Center:
    instance = m.Instance.objects.create(alias=alias, timezone="UTC")
    statuses = agent_statuses_ensure(instance=instance)
    m.AgentStatus.objects.create(instance=instance, name="Break", type=m.AgentStatus.Type.CUSTOM, display_order=2)
    queue = m.Queue.objects.create(instance=instance, name="Support")
    other_queue = m.Queue.objects.create(instance=instance, name="Billing")
    flow = flow_publish(instance, "Tasks to Support", flow_content(queue_id=queue.id))
    qc_flow = flow_publish(instance, "Transfer to working queue", flow_content())
    alice = _agent(instance, f"alice-{alias}", "Alice", "Agent", queue, statuses, offer_timeout=offer_timeout)
    bob = _agent(instance, f"bob-{alias}", "Bob", "Builder", queue, statuses, offer_timeout=offer_timeout)
    carol = _agent(instance, f"carol-{alias}", "Carol", "Billing", other_queue, statuses, offer_timeout=offer_timeout)
    qc_alice = m.QuickConnect.objects.create(
        instance=instance, name="Alice Agent", type="USER", user=alice, flow=qc_flow
    )
    qc_bob = m.QuickConnect.objects.create(instance=instance, name="Bob Builder", type="USER", user=bob, flow=qc_flow)
    qc_other_queue = m.QuickConnect.objects.create(
        instance=instance, name="Billing queue", type="QUEUE", queue=other_queue, flow=qc_flow
    )
    queue.quick_connects.add(qc_alice, qc_bob, qc_other_queue)
    template = m.TaskTemplate.objects.create(
        instance=instance,
        name="Refund request",
        description="A customer asks for a refund.",
        flow=flow,
        fields=[
            {"Id": {"Name": "Name"}, "Type": "NAME"},
            {"Id": {"Name": "Description"}, "Type": "DESCRIPTION"},
            {"Id": {"Name": "Order"}, "Type": "URL"},
            {"Id": {"Name": "Amount"}, "Type": "NUMBER"},
            {"Id": {"Name": "Team"}, "Type": "TEXT"},
            {"Id": {"Name": "Secret"}, "Type": "TEXT"},
        ],
        constraints={
            "RequiredFields": [{"Id": {"Name": "Amount"}}],
            "ReadOnlyFields": [{"Id": {"Name": "Team"}}],
            "InvisibleFields": [{"Id": {"Name": "Secret"}}],
        },
        defaults={
            "DefaultFieldValues": [
                {"Id": {"Name": "Name"}, "DefaultValue": "Refund"},
                {"Id": {"Name": "Team"}, "DefaultValue": "Payments"},
            ]
        },
    )
    return Center(
        instance=instance,
        queue=queue,
        other_queue=other_queue,
        flow=flow,
        qc_flow=qc_flow,
        alice=alice,
        bob=bob,
        carol=carol,
        qc_alice=qc_alice,
        qc_bob=qc_bob,
        qc_other_queue=qc_other_queue,
        template=template,
        statuses=statuses,
    )


def available(user: m.User) -> None:
    status = m.AgentStatus.objects.get(instance_id=user.instance_id, type=m.AgentStatus.Type.ROUTABLE)
    agent_set_status(user=user, status=status, actor=user)


def task_for_queue(center: Center, *, name="Check the invoice", references=None, description="", attributes=None):
    from ccp.services.tasks import task_start

    return task_start(
        instance=center.instance,
        name=name,
        description=description,
        references=references,
        attributes=attributes,
        contact_flow=center.flow,
    )
