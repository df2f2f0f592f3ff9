"""Creating an instance: the tenant and everything Amazon Connect puts in a new instance, plus its first admin.

Amazon Connect gives a new instance "Basic Hours" (open all week), "BasicQueue", "Basic Routing Profile"
serving it, the default flows (customer queue, queue transfer, agent transfer, a sample inbound flow) and
the system agent statuses and the four security profiles (Admin, CallCenterManager, Agent, QualityAnalyst).
Every user gets a personal queue, which holds contacts transferred to them.
"""

import json
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ccp.errors import DuplicateResource, InvalidParameter
from ccp.flows.publish import flow_create
from ccp.models import (
    AgentStatus,
    ContactFlow,
    FlowType,
    HoursOfOperation,
    Instance,
    Queue,
    RoutingProfile,
    RoutingProfileQueue,
    SecurityProfile,
    User,
)
from ccp.services.agents import agent_statuses_ensure
from ccp.services.configuration.security_profiles import security_profiles_ensure
from ccp.services.transactions import entry_transaction

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
BASIC_HOURS = "Basic Hours"
BASIC_QUEUE = "BasicQueue"
BASIC_ROUTING_PROFILE = "Basic Routing Profile"
SAMPLE_INBOUND_FLOW = "Sample inbound flow"
DEFAULT_CUSTOMER_QUEUE_FLOW = "Default customer queue"
DEFAULT_QUEUE_TRANSFER_FLOW = "Default queue transfer"
DEFAULT_AGENT_TRANSFER_FLOW = "Default agent transfer"


@dataclass
class NewInstance:
    instance: Instance
    admin: User
    queue: Queue
    routing_profile: RoutingProfile
    flows: dict[str, ContactFlow]


def _doc(actions: list[dict], start: str) -> str:
    return json.dumps({"Version": "2019-10-30", "StartAction": start, "Metadata": {}, "Actions": actions}, indent=2)


_DISCONNECT = {"Identifier": "disconnect", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
_TRANSFER_TO_QUEUE = {
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
}


def default_flows(queue: Queue) -> list[tuple[str, str, str, str]]:
    """(name, type, content, description) of the flows a new instance starts with."""
    transfer = _doc([_TRANSFER_TO_QUEUE, _DISCONNECT], "transfer-to-queue")
    inbound = _doc(
        [
            {
                "Identifier": "set-working-queue",
                "Type": "UpdateContactTargetQueue",
                "Parameters": {"QueueId": queue.arn},
                "Transitions": {
                    "NextAction": "transfer-to-queue",
                    "Errors": [{"NextAction": "disconnect", "ErrorType": "NoMatchingError"}],
                },
            },
            _TRANSFER_TO_QUEUE,
            _DISCONNECT,
        ],
        "set-working-queue",
    )
    # Tasks have no hold music: while a task waits in queue, the default queue flow just lets it wait.
    customer_queue = _doc(
        [{"Identifier": "end", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}], "end"
    )
    return [
        (SAMPLE_INBOUND_FLOW, FlowType.CONTACT_FLOW, inbound, f"Sets the working queue to {queue.name} and transfers."),
        (DEFAULT_CUSTOMER_QUEUE_FLOW, FlowType.CUSTOMER_QUEUE, customer_queue, "Runs while a contact waits in queue."),
        (DEFAULT_QUEUE_TRANSFER_FLOW, FlowType.QUEUE_TRANSFER, transfer, "Used by queue quick connects."),
        (DEFAULT_AGENT_TRANSFER_FLOW, FlowType.AGENT_TRANSFER, transfer, "Used by agent quick connects."),
    ]


def user_personal_queue_ensure(*, user: User) -> Queue:
    """Every user has a personal queue: it holds contacts transferred to them directly."""
    queue, _ = Queue.objects.get_or_create(
        agent=user,
        defaults={"instance": user.instance, "name": f"Agent queue {user.username}", "queue_type": Queue.Type.AGENT},
    )
    return queue


def _check(*, alias: str, timezone: str, admin_username: str, admin_email: str, admin_password: str) -> None:
    alias_field = Instance._meta.get_field("alias")
    try:
        alias_field.run_validators(alias)
    except ValidationError:
        raise InvalidParameter(
            "The alias may hold only letters, digits, '-' and '_' (it names the instance).", field="alias"
        )
    if not alias or len(alias) > alias_field.max_length:
        raise InvalidParameter(f"The alias is 1 to {alias_field.max_length} characters.", field="alias")
    if timezone not in zoneinfo.available_timezones():
        raise InvalidParameter(f"{timezone!r} is not a timezone name such as Europe/Paris.", field="timezone")
    try:
        User.username_validator(admin_username)
    except ValidationError as exc:
        raise InvalidParameter(" ".join(exc.messages), field="admin_username")
    if not admin_username or len(admin_username) > User._meta.get_field("username").max_length:
        raise InvalidParameter("The admin's username is 1 to 150 characters.", field="admin_username")
    try:
        validate_email(admin_email)
    except ValidationError:
        raise InvalidParameter(f"{admin_email!r} is not an email address.", field="admin_email")
    try:
        validate_password(admin_password, user=User(username=admin_username, email=admin_email))
    except ValidationError as exc:
        raise InvalidParameter(" ".join(exc.messages), field="admin_password")


def _defaults_create(instance: Instance) -> tuple:
    """What Amazon Connect puts in a new instance (inside the caller's transaction)."""
    timezone = instance.timezone
    statuses = agent_statuses_ensure(instance=instance)
    hours = HoursOfOperation.objects.create(
        instance=instance,
        name=BASIC_HOURS,
        timezone=timezone,
        config=[
            {"Day": d, "StartTime": {"Hours": 0, "Minutes": 0}, "EndTime": {"Hours": 23, "Minutes": 59}}
            for d in DAYS
        ],
    )
    queue = Queue.objects.create(instance=instance, name=BASIC_QUEUE, hours=hours, description="The default queue")
    profile = RoutingProfile.objects.create(
        instance=instance,
        name=BASIC_ROUTING_PROFILE,
        description="Serves BasicQueue",
        default_outbound_queue=queue,
        task_concurrency=1,
    )
    RoutingProfileQueue.objects.create(routing_profile=profile, queue=queue, channel="TASK", priority=1)
    flows = {
        name: flow_create(instance=instance, name=name, type=type_, content=content, description=description)
        for name, type_, content, description in default_flows(queue)
    }
    return statuses, queue, profile, flows


def instance_create_bare(*, alias: str, timezone: str = "UTC") -> Instance:
    """An instance with what Amazon Connect starts with and no users yet (instance_apply's: its file names the
    users); joins the caller's transaction."""
    alias_field = Instance._meta.get_field("alias")
    try:
        alias_field.run_validators(alias)
    except ValidationError:
        raise InvalidParameter("The alias may hold only letters, digits, '-' and '_'.", field="alias")
    if not alias or len(alias) > alias_field.max_length:
        raise InvalidParameter(f"The alias is 1 to {alias_field.max_length} characters.", field="alias")
    if timezone not in zoneinfo.available_timezones():
        raise InvalidParameter(f"{timezone!r} is not a timezone name such as Europe/Paris.", field="timezone")
    with entry_transaction():
        if Instance.objects.filter(alias=alias).exists():
            raise DuplicateResource(f"An instance with alias {alias!r} already exists; nothing was changed.")
        instance = Instance.objects.create(alias=alias, timezone=timezone)
        _defaults_create(instance)
        security_profiles_ensure(instance=instance)
    return instance


def instance_create(
    *, alias: str, admin_username: str, admin_email: str, admin_password: str, timezone: str = "UTC"
) -> NewInstance:
    """Create an instance as Amazon Connect would, with its first admin; all of it or nothing.

    An alias or username already taken is refused before anything is written."""
    _check(
        alias=alias,
        timezone=timezone,
        admin_username=admin_username,
        admin_email=admin_email,
        admin_password=admin_password,
    )
    with entry_transaction():
        if Instance.objects.filter(alias=alias).exists():
            raise DuplicateResource(f"An instance with alias {alias!r} already exists; nothing was changed.")
        if User.objects.filter(username=admin_username).exists():
            raise DuplicateResource(
                f"The username {admin_username!r} is taken (usernames are unique across instances); "
                "nothing was changed."
            )
        instance = Instance.objects.create(alias=alias, timezone=timezone)
        statuses, queue, profile, flows = _defaults_create(instance)
        security_profiles = security_profiles_ensure(instance=instance)
        admin = User(
            instance=instance,
            username=admin_username,
            email=admin_email,
            routing_profile=profile,
            status=statuses[AgentStatus.Type.OFFLINE],
        )
        admin.set_password(admin_password)
        admin.save(force_insert=True)
        admin.security_profiles.add(security_profiles[SecurityProfile.ADMIN])
        user_personal_queue_ensure(user=admin)
    return NewInstance(instance=instance, admin=admin, queue=queue, routing_profile=profile, flows=flows)
