"""The cast of the test suite: one small contact center, built the same way for every test that needs one
(the `cast` fixture) and inside the browser tests' live server (tests/browser/scenarios.py).

    instance      statuses (Available, Offline, Missed) and break_status (a custom "Break")
    queue         "Support": alice and bob serve it through `profile`, and the cast's `flow` queues tasks into it
    other_queue   "Billing": only carol serves it, through `other_profile`
    qc_flow       the flow quick connects run ("Transfer to working queue")
    qc_alice, qc_bob, qc_other_queue   the quick connects the Support queue offers
    template      "Refund request", with a required, a read-only and an invisible field
    alice, bob    agents on `profile` (Europe/Paris), Offline until a test makes them Available
    carol         an agent on `other_profile`, Offline
    admin         ada, the instance's Admin
    supervisor    sam, a CallCenterManager
    analyst       quinn, a QualityAnalyst (contact search and metrics, no changes)
    security_profiles   the instance's four default security profiles, by name (Admin, CallCenterManager, Agent,
                  QualityAnalyst); `cast.person(..., profiles=[...])` makes someone with custom ones
    outsider      dave, an agent of ANOTHER instance with its own queue, flow, quick connect, template and two
                  tasks (`elsewhere` holds them all); built when first used, so only the tests that need
                  him pay for him — touch it before taking a snapshot of the rows

A test that needs a different state (an agent Available, one task slot, auto-accept) sets it itself;
`cast.agent()` makes extra agents on `profile`, Available unless told otherwise, and `cast.task()` starts a
task through the cast's flow.
"""

import functools
import json

from django.contrib.auth.hashers import make_password

from ccp import models as m
from ccp.services.agents import agent_set_status, agent_statuses_ensure
from ccp.services.configuration.security_profiles import security_profiles_ensure

PASSWORD = "correct horse battery staple"


@functools.cache
def password_hash() -> str:
    """PASSWORD, hashed once per process with the real hasher: hashing it anew costs about a second a user
    on a loaded machine, and a cast has five people."""
    return make_password(PASSWORD)


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


def available(user: m.User) -> m.User:
    """Set the agent Available (in their own instance), as they would from the panel; returns them."""
    status = m.AgentStatus.objects.get(instance_id=user.instance_id, type=m.AgentStatus.Type.ROUTABLE)
    agent_set_status(user=user, status=status, actor=user)
    return user


class Cast:
    """The contact center and its people (see the module docstring)."""

    def __init__(self, *, instance: m.Instance, statuses: dict | None = None, offer_timeout: int = 30):
        self.instance = instance
        self.alias = instance.alias
        self.statuses = statuses or agent_statuses_ensure(instance=instance)
        self.security_profiles = security_profiles_ensure(instance=instance)
        self.break_status = m.AgentStatus.objects.create(
            instance=instance, name="Break", type=m.AgentStatus.Type.CUSTOM, display_order=2
        )
        self.queue = m.Queue.objects.create(instance=instance, name="Support")
        self.other_queue = m.Queue.objects.create(instance=instance, name="Billing")
        self.profile = self._profile("Support agents", self.queue, offer_timeout)
        self.other_profile = self._profile("Billing agents", self.other_queue, offer_timeout)
        self.flow = flow_publish(instance, "Tasks to Support", flow_content(queue_id=self.queue.id))
        self.qc_flow = flow_publish(instance, "Transfer to working queue", flow_content())

        self.alice = self._agent("alice", "Alice", "Agent", self.profile)
        self.bob = self._agent("bob", "Bob", "Builder", self.profile)
        self.carol = self._agent("carol", "Carol", "Billing", self.other_profile)
        self.admin = self._person("ada", "Ada", "Admin", m.SecurityProfile.ADMIN)
        self.supervisor = self._person("sam", "Sam", "Supervisor", m.SecurityProfile.SUPERVISOR)
        self.analyst = self._person("quinn", "Quinn", "Analyst", m.SecurityProfile.QUALITY_ANALYST)

        self.qc_alice = m.QuickConnect.objects.create(
            instance=instance, name="Alice Agent", type="USER", user=self.alice, flow=self.qc_flow
        )
        self.qc_bob = m.QuickConnect.objects.create(
            instance=instance, name="Bob Builder", type="USER", user=self.bob, flow=self.qc_flow
        )
        self.qc_other_queue = m.QuickConnect.objects.create(
            instance=instance, name="Billing queue", type="QUEUE", queue=self.other_queue, flow=self.qc_flow
        )
        self.queue.quick_connects.add(self.qc_alice, self.qc_bob, self.qc_other_queue)
        self.template = m.TaskTemplate.objects.create(
            instance=instance,
            name="Refund request",
            description="A customer asks for a refund.",
            flow=self.flow,
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

    @classmethod
    def build(cls, *, alias: str = "acme", offer_timeout: int = 30) -> "Cast":
        """The cast in an instance of its own (the browser tests' live server; a second cast in one test)."""
        return cls(instance=m.Instance.objects.create(alias=alias, timezone="UTC"), offer_timeout=offer_timeout)

    def _profile(self, name: str, queue: m.Queue, offer_timeout: int) -> m.RoutingProfile:
        profile = m.RoutingProfile.objects.create(
            instance=self.instance,
            name=name,
            default_outbound_queue=queue,
            task_concurrency=10,
            task_offer_timeout_seconds=offer_timeout,
        )
        m.RoutingProfileQueue.objects.create(routing_profile=profile, queue=queue, channel="TASK", priority=1)
        return profile

    def _person(self, name: str, first: str, last: str, security_profile, **fields) -> m.User:
        # Usernames are unique across the installation: a second cast (another alias) gets its own.
        user = m.User.objects.create(
            instance=self.instance,
            username=f"{name}-{self.alias}",
            first_name=first,
            last_name=last,
            password=password_hash(),
            **fields,
        )
        names = [security_profile] if isinstance(security_profile, str | m.SecurityProfile) else security_profile
        user.security_profiles.set([self.security_profiles[p] if isinstance(p, str) else p for p in names])
        return user

    def person(self, name: str, *, profiles, **fields) -> m.User:
        """Someone holding `profiles` (default profile names or SecurityProfile rows)."""
        return self._person(name, name.capitalize(), "Person", profiles, **fields)

    def _agent(self, name: str, first: str, last: str, profile: m.RoutingProfile) -> m.User:
        user = self._person(
            name, first, last, m.SecurityProfile.AGENT, routing_profile=profile, timezone="Europe/Paris"
        )
        m.Queue.objects.create(
            instance=self.instance, name=f"Agent queue {user.username}", queue_type="AGENT", agent=user
        )
        agent_set_status(user=user, status=self.statuses[m.AgentStatus.Type.OFFLINE])
        return user

    @functools.cached_property
    def elsewhere(self) -> dict:
        """Another instance with one real row of everything a request can name (tests/tenancy.py)."""
        from tests.tenancy import other_instance_build

        return other_instance_build(alias=f"{self.alias}-elsewhere")

    @property
    def outsider(self) -> m.User:
        """Dave, an agent of the other instance."""
        return self.elsewhere["user"]

    def agent(self, *, available: bool = True, profile: m.RoutingProfile | None = None, **kwargs) -> m.User:
        """One more agent on `profile` (or the one given), Available unless `available=False`."""
        from tests.factories import AgentFactory

        user = AgentFactory(instance=self.instance, routing_profile=profile or self.profile, **kwargs)
        user.status = self.statuses[m.AgentStatus.Type.OFFLINE]
        user.save()
        if available:
            agent_set_status(user=user, status=self.statuses[m.AgentStatus.Type.ROUTABLE])
        return user

    def task(self, name: str = "Follow up", **kwargs) -> m.Contact:
        """A task started through the cast's flow (into Support) unless `contact_flow` says otherwise; fresh
        from the database, so it shows whether routing offered it."""
        from ccp.services.tasks import task_start

        kwargs.setdefault("contact_flow", self.flow)
        contact = task_start(instance=self.instance, name=name, **kwargs)
        contact.refresh_from_db()
        return contact

    available = staticmethod(available)

    def ids(self) -> dict:
        """The ids the browser tests need from the live server."""
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
