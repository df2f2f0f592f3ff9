"""The demo contact center: one instance with queues, hours, routing profiles, quick connects, published
flows, a task template, an admin, a supervisor, three agents and an API key. Defined by ccp/demo/instance.json
(configuration as code: `instance_apply`'s format). Safe to run again: it adds what is missing and changes
nothing that is already there."""

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from ccp.models import (
    ApiKey,
    ContactFlow,
    FlowType,
    Instance,
    Queue,
    QuickConnect,
    RoutingProfile,
    SecurityProfile,
    TaskTemplate,
)
from ccp.services import api_keys
from ccp.services.instance_config import instance_apply

DEMO_ALIAS = "demo"
DEMO_ACCESS_KEY_ID = "AKIADEMO0000000000001"
DEMO_USERS = [
    # username, password, role, first, last, routing profile (as ccp/demo/instance.json has them; the file
    # holds no passwords)
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


# Flow documents the tests and benchmarks build demo-like instances with.
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


DEMO_FILE = Path(__file__).with_name("instance.json")


def demo_document() -> dict:
    """The demo's configuration file (ccp/demo/instance.json, instance_export's format) with the flows shipped in
    ccp/flows/library/ added: their {{queue:…}}/{{flow:…}} placeholders are the file's own."""
    document = json.loads(DEMO_FILE.read_text())
    library = Path(settings.BASE_DIR) / "ccp" / "flows" / "library"
    for path in sorted(library.glob("*.json")) if library.is_dir() else []:
        content = json.loads(path.read_text())
        name = content.get("Metadata", {}).get("name") or path.stem.replace("-", " ").capitalize()
        document["flows"].setdefault(name, {"type": FlowType.CONTACT_FLOW, "content": content})
    return document


def demo_load() -> DemoResult:
    """Create the demo contact center if missing; return what a client needs to use it.

    The first run applies the demo's file in one transaction (instance_apply, as the command does); a rerun adds
    only what is missing and changes nothing that is there. The API key is written by its own service after."""
    exists = Instance.objects.filter(alias=DEMO_ALIAS).exists()
    instance_apply(
        demo_document(),
        alias=DEMO_ALIAS,
        create_only=exists,
        passwords={username: password for username, password, *_ in DEMO_USERS},
    )
    instance = Instance.objects.get(alias=DEMO_ALIAS)
    users = [{"username": username, "password": password, "role": role} for username, password, role, *_ in DEMO_USERS]
    secret = _demo_api_key(instance)
    return DemoResult(
        instance=instance,
        secret_access_key=secret,
        task_flow=ContactFlow.objects.get(instance=instance, name="Route tasks to the Tasks queue"),
        task_queue=Queue.objects.get(instance=instance, name="Tasks", queue_type=Queue.Type.STANDARD),
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
