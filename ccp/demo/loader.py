"""The demo contact center: one instance with queues, hours, routing profiles, quick connects, published
flows, a task template, an admin, a supervisor, three agents and an API key. Safe to run again: it looks
everything up by name and changes nothing that is already there."""

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from ccp.models import (
    AgentStatus,
    ApiKey,
    ContactFlow,
    FlowType,
    HoursOfOperation,
    Instance,
    Queue,
    QuickConnect,
    RoutingProfile,
    RoutingProfileQueue,
    SecurityProfile,
    TaskTemplate,
    User,
)
from ccp.services import api_keys
from ccp.services.agents import agent_statuses_ensure
from ccp.services.configuration.flows import flow_create
from ccp.services.configuration.security_profiles import security_profiles_ensure

DEMO_ALIAS = "demo"
DEMO_ACCESS_KEY_ID = "AKIADEMO0000000000001"
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
DEMO_USERS = [
    # username, password, role, first, last, routing profile
    ("admin", "demo-admin-2026", SecurityProfile.ADMIN, "Ada", "Admin", None),
    ("supervisor", "demo-super-2026", SecurityProfile.SUPERVISOR, "Sam", "Supervisor", None),
    ("agent1", "demo-agent1-2026", SecurityProfile.AGENT, "Alex", "Rivera", "Tasks - 10 at a time"),
    ("agent2", "demo-agent2-2026", SecurityProfile.AGENT, "Blair", "Chen", "Tasks - 10 at a time"),
    ("agent3", "demo-agent3-2026", SecurityProfile.AGENT, "Casey", "Okafor", "Billing specialists"),
]


@dataclass
class DemoResult:
    instance: Instance
    secret_access_key: str
    task_flow: ContactFlow
    task_queue: Queue
    users: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        inst = self.instance
        return {
            "instance_id": inst.id,
            "region": settings.AWS_REGION,
            "access_key_id": DEMO_ACCESS_KEY_ID,
            "secret_access_key": self.secret_access_key,
            "task_flow_id": self.task_flow.id,
            "task_queue_id": self.task_queue.id,
            "users": self.users,
            "queues": dict(Queue.objects.filter(instance=inst, queue_type="STANDARD").values_list("name", "id")),
            "flows": dict(ContactFlow.objects.filter(instance=inst).values_list("name", "id")),
            "quick_connects": dict(QuickConnect.objects.filter(instance=inst).values_list("name", "id")),
            "task_templates": dict(TaskTemplate.objects.filter(instance=inst).values_list("name", "id")),
            "routing_profiles": dict(RoutingProfile.objects.filter(instance=inst).values_list("name", "id")),
        }


def _flow_doc(actions: list[dict], start: str) -> str:
    return json.dumps({"Version": "2019-10-30", "StartAction": start, "Metadata": {}, "Actions": actions}, indent=2)


# Transfer to the working queue, disconnecting on any error: the tail of every demo routing flow.
_TRANSFER_AND_DISCONNECT = [
    {
        "Identifier": "transfer-to-queue",
        "Type": "TransferContactToQueue",
        "Parameters": {},
        "Transitions": {
            "NextAction": "disconnect",
            "Errors": [
                {"NextAction": "disconnect", "ErrorType": "QueueAtCapacity"},
                {"NextAction": "disconnect", "ErrorType": "NoMatchingError"},
            ],
        },
    },
    {"Identifier": "disconnect", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
]


def route_to_queue_flow(queue: Queue) -> str:
    """Set working queue, then transfer to it; disconnect on any error."""
    set_queue = {
        "Identifier": "set-working-queue",
        "Type": "UpdateContactTargetQueue",
        "Parameters": {"QueueId": queue.arn},
        "Transitions": {
            "NextAction": "transfer-to-queue",
            "Errors": [{"NextAction": "disconnect", "ErrorType": "NoMatchingError"}],
        },
    }
    return _flow_doc([set_queue, *_TRANSFER_AND_DISCONNECT], "set-working-queue")


def transfer_to_working_queue_flow() -> str:
    """For transfer flows: the quick connect already set the working queue; transfer to it."""
    return _flow_doc(_TRANSFER_AND_DISCONNECT, "transfer-to-queue")


def _flow(instance, name, type_, content, description="") -> ContactFlow:
    flow = ContactFlow.objects.filter(instance=instance, name=name).first()
    if flow is not None:
        return flow
    return flow_create(instance=instance, name=name, type=type_, content=content, description=description)


def _library_flows(instance, *, queues: dict[str, Queue], flows: dict[str, ContactFlow]) -> None:
    """The flows shipped in ccp/flows/library/, with their {{placeholders}} filled with demo ids."""
    library = Path(settings.BASE_DIR) / "ccp" / "flows" / "library"
    if not library.is_dir():
        return
    names = {f"queue:{name}": q.id for name, q in queues.items()}
    names.update({f"queue_arn:{name}": q.arn for name, q in queues.items()})
    names.update({f"flow:{name}": f.id for name, f in flows.items()})
    names["instance_id"] = instance.id
    for path in sorted(library.glob("*.json")):
        content = path.read_text()
        for key, value in names.items():
            content = content.replace("{{" + key + "}}", value)
        name = json.loads(content).get("Metadata", {}).get("name") or path.stem.replace("-", " ").capitalize()
        if ContactFlow.objects.filter(instance=instance, name=name).exists():
            continue
        flow_create(instance=instance, name=name, type=FlowType.CONTACT_FLOW, content=content)


def demo_load() -> DemoResult:
    """Create the demo contact center if missing; return what a client needs to use it.

    Not one transaction: the flows and the API key are written by services that own theirs. Every step
    creates only what is missing, so a load that stopped half-way is finished by running it again."""
    instance, _ = Instance.objects.get_or_create(alias=DEMO_ALIAS, defaults={"timezone": "America/New_York"})
    statuses = agent_statuses_ensure(instance=instance)
    AgentStatus.objects.get_or_create(
        instance=instance, name="Break", defaults={"type": AgentStatus.Type.CUSTOM, "display_order": 2}
    )
    AgentStatus.objects.get_or_create(
        instance=instance, name="Training", defaults={"type": AgentStatus.Type.CUSTOM, "display_order": 3}
    )
    always, _ = HoursOfOperation.objects.get_or_create(
        instance=instance,
        name="Always open",
        defaults={
            "timezone": "America/New_York",
            "config": [
                {"Day": d, "StartTime": {"Hours": 0, "Minutes": 0}, "EndTime": {"Hours": 23, "Minutes": 59}}
                for d in DAYS
            ],
        },
    )
    business, _ = HoursOfOperation.objects.get_or_create(
        instance=instance,
        name="Business hours",
        defaults={
            "timezone": "America/New_York",
            "config": [
                {"Day": d, "StartTime": {"Hours": 9, "Minutes": 0}, "EndTime": {"Hours": 17, "Minutes": 0}}
                for d in DAYS[:5]
            ],
        },
    )
    queues = {}
    for name, hours, desc in [
        ("Tasks", always, "General follow-up tasks"),
        ("Billing", business, "Billing disputes and refunds"),
        ("Escalations", always, "Tasks escalated by supervisors"),
    ]:
        queues[name], _ = Queue.objects.get_or_create(
            instance=instance, name=name, defaults={"hours": hours, "description": desc}
        )
    profiles = {}
    # Each profile takes tasks, chats (2 at a time) and calls (1) from its queues, so a StartChatContact or
    # StartOutboundVoiceContact on "Route tasks to the Tasks queue" reaches an Available agent.
    for name, conc, rp_queues in [
        ("Tasks - 10 at a time", 10, [("Tasks", 1, 0), ("Escalations", 1, 0), ("Billing", 2, 30)]),
        ("Billing specialists", 3, [("Billing", 1, 0), ("Tasks", 2, 0)]),
    ]:
        with transaction.atomic():  # a profile and its queues together: a rerun adds queues only to a new one
            rp, created = RoutingProfile.objects.get_or_create(
                instance=instance,
                name=name,
                defaults={
                    "default_outbound_queue": queues["Tasks"],
                    "task_concurrency": conc,
                    "chat_concurrency": 2,
                    "voice_concurrency": 1,
                },
            )
            if created:
                for qname, prio, delay in rp_queues:
                    for channel in ("TASK", "CHAT", "VOICE"):
                        RoutingProfileQueue.objects.create(
                            routing_profile=rp, queue=queues[qname], channel=channel, priority=prio, delay_seconds=delay
                        )
        profiles[name] = rp

    security_profiles = security_profiles_ensure(instance=instance)
    users = []
    for username, password, role, first, last, rp_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                instance=instance,
                username=username,
                first_name=first,
                last_name=last,
                routing_profile=profiles.get(rp_name),
                status=statuses[AgentStatus.Type.OFFLINE],
                timezone="America/New_York",
            )
            user.set_password(password)
            user.save()
            user.security_profiles.add(security_profiles[role])
        if role == SecurityProfile.AGENT:
            Queue.objects.get_or_create(
                agent=user, defaults={"instance": instance, "name": f"Agent queue {username}", "queue_type": "AGENT"}
            )
        users.append({"username": username, "password": password, "role": role})

    flows = {
        "Route tasks to the Tasks queue": _flow(
            instance,
            "Route tasks to the Tasks queue",
            FlowType.CONTACT_FLOW,
            route_to_queue_flow(queues["Tasks"]),
            "Inbound flow for tasks: sets the working queue to Tasks and transfers.",
        ),
        "Route tasks to Billing": _flow(
            instance, "Route tasks to Billing", FlowType.CONTACT_FLOW, route_to_queue_flow(queues["Billing"])
        ),
        "Default queue transfer": _flow(
            instance,
            "Default queue transfer",
            FlowType.QUEUE_TRANSFER,
            transfer_to_working_queue_flow(),
            "Transfer to queue flow used by queue quick connects.",
        ),
        "Default agent transfer": _flow(
            instance,
            "Default agent transfer",
            FlowType.AGENT_TRANSFER,
            transfer_to_working_queue_flow(),
            "Transfer to agent flow used by agent quick connects.",
        ),
    }
    _library_flows(instance, queues=queues, flows=flows)

    quick_connects = []
    for name, qc_type, target in [
        ("Tasks queue", QuickConnect.Type.QUEUE, queues["Tasks"]),
        ("Billing queue", QuickConnect.Type.QUEUE, queues["Billing"]),
        ("Escalations queue", QuickConnect.Type.QUEUE, queues["Escalations"]),
    ]:
        qc, _ = QuickConnect.objects.get_or_create(
            instance=instance,
            name=name,
            defaults={"type": qc_type, "queue": target, "flow": flows["Default queue transfer"]},
        )
        quick_connects.append(qc)
    for username, _, role, *_ in DEMO_USERS:
        user = User.objects.get(username=username)
        if role != SecurityProfile.AGENT:
            continue
        qc, _ = QuickConnect.objects.get_or_create(
            instance=instance,
            name=f"{user.get_full_name()} (agent)",
            defaults={"type": QuickConnect.Type.USER, "user": user, "flow": flows["Default agent transfer"]},
        )
        quick_connects.append(qc)
    for queue in queues.values():
        queue.quick_connects.add(*quick_connects)
    for user in User.objects.filter(instance=instance, security_profiles=security_profiles[SecurityProfile.AGENT]):
        personal = Queue.objects.filter(agent=user).first()
        if personal:
            personal.quick_connects.add(*quick_connects)

    TaskTemplate.objects.get_or_create(
        instance=instance,
        name="Customer callback",
        defaults={
            "description": "Call a customer back about an open case",
            "flow": flows["Route tasks to the Tasks queue"],
            "fields": [
                {"Id": {"Name": "Name"}, "Type": "NAME"},
                {"Id": {"Name": "Description"}, "Type": "DESCRIPTION"},
                {"Id": {"Name": "Case link"}, "Type": "URL", "Description": "Link to the case in the CRM"},
                {"Id": {"Name": "Customer phone"}, "Type": "NUMBER"},
                {"Id": {"Name": "Team"}, "Type": "STRING"},
            ],
            "constraints": {
                "RequiredFields": [{"Id": {"Name": "Name"}}, {"Id": {"Name": "Case link"}}],
                "ReadOnlyFields": [{"Id": {"Name": "Team"}}],
                "InvisibleFields": [],
            },
            "defaults": {
                "DefaultFieldValues": [
                    {"Id": {"Name": "Name"}, "DefaultValue": "Call back customer"},
                    {"Id": {"Name": "Team"}, "DefaultValue": "Customer care"},
                ]
            },
        },
    )
    secret = _demo_api_key(instance)
    return DemoResult(
        instance=instance,
        secret_access_key=secret,
        task_flow=flows["Route tasks to the Tasks queue"],
        task_queue=queues["Tasks"],
        users=users,
    )


def _demo_api_key(instance) -> str:
    """The demo's API key has a fixed id; its secret is random, stored encrypted, and printed each time."""
    key = ApiKey.objects.filter(access_key_id=DEMO_ACCESS_KEY_ID).first()
    if key is None:
        key, secret = api_keys.api_key_create(instance=instance, name="Demo key")
        ApiKey.objects.filter(pk=key.pk).update(access_key_id=DEMO_ACCESS_KEY_ID)
        return secret
    try:
        return api_keys.api_key_secret(key)
    except api_keys.ApiKeySecretUnreadable:
        # The key that encrypted it is gone (SECRET_KEY or API_KEY_ENCRYPTION_KEY changed since the demo was
        # loaded): the demo key gets a new secret rather than stopping `make run`.
        secret = secrets.token_urlsafe(30)
        ApiKey.objects.filter(pk=key.pk).update(
            secret_encrypted=api_keys.api_key_fernet().encrypt(secret.encode()).decode()
        )
        return secret
