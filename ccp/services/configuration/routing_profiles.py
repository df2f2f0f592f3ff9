"""Routing profiles with their queues: both are written together, or neither is. The console's form and
every routing profile operation of the API go through `_profile_write`; the API's partial changes pass the
profile's other settings and queues unchanged (`routing_profile_settings`, `routing_profile_queues`).

A change reaches the profile's agents at once, after commit: a routing dispatch for them (a new queue or a
higher concurrency can match a waiting task now) and a refresh of their panels (capacity, quick connects)."""

from dataclasses import dataclass

from ccp.errors import InvalidParameter, LimitExceeded
from ccp.models import Channel, Instance, Queue, RoutingProfile, RoutingProfileQueue, User
from ccp.realtime.publish import agent_refresh
from ccp.services.audit import audit_created, audit_deleted, audit_updated
from ccp.services.configuration.base import delete_or_refuse, name_check, same_instance
from ccp.services.configuration.quotas import QUEUES_PER_ROUTING_PROFILE, ROUTING_PROFILES_PER_INSTANCE, quota_check
from ccp.services.configuration.tags import tags_check
from ccp.services.hooks import routing_trigger
from ccp.services.transactions import entry_transaction


@dataclass(frozen=True)
class ProfileQueue:
    """One queue of a routing profile for one channel: priority 1 is served first; delay holds contacts back."""

    queue: Queue
    channel: str = Channel.TASK
    priority: int = 1
    delay_seconds: int = 0


# Amazon Connect's limits: voice exactly 0 or 1, chat 0–10, tasks 1–10; priority 1–99; delay up to 9,999 s.
CONCURRENCY = {"voice_concurrency": (0, 1), "chat_concurrency": (0, 10), "task_concurrency": (1, 10)}
MIN_OFFER_TIMEOUT_SECONDS = 5


def _check(*, instance_id: str, settings: dict, queues: list[ProfileQueue]) -> None:
    same_instance(settings["default_outbound_queue"], instance_id=instance_id, field="default_outbound_queue")
    for field, (low, high) in CONCURRENCY.items():
        if not low <= settings[field] <= high:
            raise InvalidParameter(f"{field.replace('_', ' ').capitalize()} is {low} to {high}.", field=field)
    if settings["task_offer_timeout_seconds"] < MIN_OFFER_TIMEOUT_SECONDS:
        raise InvalidParameter("The offer timeout is at least 5 seconds.", field="task_offer_timeout_seconds")
    seen = set()
    for entry in queues:
        same_instance(entry.queue, instance_id=instance_id, field="queues")
        if entry.queue.queue_type != Queue.Type.STANDARD:
            raise InvalidParameter("A routing profile lists standard queues only.", field="queues")
        if entry.channel not in Channel.values:
            raise InvalidParameter(f"{entry.channel!r} is not a channel.", field="queues")
        if not 1 <= entry.priority <= 99 or not 0 <= entry.delay_seconds <= 9999:
            raise InvalidParameter("Priority is 1 to 99 and delay 0 to 9,999 seconds.", field="queues")
        if (entry.queue.pk, entry.channel) in seen:
            raise InvalidParameter(f"{entry.queue} is already listed for {entry.channel}.", field="queues")
        seen.add((entry.queue.pk, entry.channel))
    if len({queue_id for queue_id, _ in seen}) > QUEUES_PER_ROUTING_PROFILE:
        raise LimitExceeded(f"A routing profile serves at most {QUEUES_PER_ROUTING_PROFILE} queues.")


def _queues_set(profile: RoutingProfile, queues: list[ProfileQueue]) -> None:
    """Make the profile's queue list exactly `queues`: change rows that stay, add new ones, drop the rest."""
    existing = {(row.queue_id, row.channel): row for row in profile.queue_configs.all()}
    for entry in queues:
        row = existing.pop((entry.queue.pk, entry.channel), None)
        if row is None:
            RoutingProfileQueue.objects.create(
                routing_profile=profile,
                queue=entry.queue,
                channel=entry.channel,
                priority=entry.priority,
                delay_seconds=entry.delay_seconds,
            )
        elif (row.priority, row.delay_seconds) != (entry.priority, entry.delay_seconds):
            row.priority, row.delay_seconds = entry.priority, entry.delay_seconds
            row.save(update_fields=["priority", "delay_seconds"])
    RoutingProfileQueue.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()


def routing_profile_create(
    *,
    instance: Instance,
    name: str,
    default_outbound_queue: Queue,
    description: str = "",
    task_concurrency: int = 1,
    task_offer_timeout_seconds: int = 30,
    task_auto_accept: bool = False,
    chat_concurrency: int = 0,
    voice_concurrency: int = 1,
    queues: list[ProfileQueue] = (),
    tags: dict | None = None,
    actor=None,
    actor_label: str = "",
) -> RoutingProfile:
    """A routing profile and its queues, in one transaction; at most ROUTING_PROFILES_PER_INSTANCE."""
    return _profile_write(
        RoutingProfile(instance=instance, tags=tags_check(tags)),
        name=name,
        description=description,
        settings=_settings(**locals()),
        queues=queues,
        actor=actor,
        actor_label=actor_label,
    )


def routing_profile_update(
    *,
    routing_profile: RoutingProfile,
    name: str,
    default_outbound_queue: Queue,
    description: str = "",
    task_concurrency: int = 1,
    task_offer_timeout_seconds: int = 30,
    task_auto_accept: bool = False,
    chat_concurrency: int = 0,
    voice_concurrency: int = 1,
    queues: list[ProfileQueue] = (),
    actor=None,
    actor_label: str = "",
) -> RoutingProfile:
    """Change a routing profile's settings and make its queue list exactly `queues`, together."""
    return _profile_write(
        routing_profile,
        name=name,
        description=description,
        settings=_settings(**locals()),
        queues=queues,
        actor=actor,
        actor_label=actor_label,
    )


SETTINGS = (
    "default_outbound_queue",
    "task_concurrency",
    "task_offer_timeout_seconds",
    "task_auto_accept",
    "chat_concurrency",
    "voice_concurrency",
)


def _settings(**arguments) -> dict:
    """The profile's settings among a service's arguments."""
    return {field: arguments[field] for field in SETTINGS}


def routing_profile_queues(profile: RoutingProfile) -> list[ProfileQueue]:
    """The profile's queue list as `ProfileQueue`s (the console's and the API's view of it)."""
    rows = profile.queue_configs.select_related("queue").order_by("priority", "queue__name", "channel")
    return [
        ProfileQueue(queue=row.queue, channel=row.channel, priority=row.priority, delay_seconds=row.delay_seconds)
        for row in rows
    ]


def routing_profile_settings(profile: RoutingProfile) -> dict:
    """The current settings and queues as `routing_profile_update` arguments, for a change of some of them."""
    return {
        "name": profile.name,
        "description": profile.description,
        **{field: getattr(profile, field) for field in SETTINGS},
        "queues": routing_profile_queues(profile),
    }


def _snapshot(profile: RoutingProfile) -> dict:
    return {
        "name": profile.name,
        "description": profile.description,
        **{field: getattr(profile, field) for field in SETTINGS if field != "default_outbound_queue"},
        "default_outbound_queue": profile.default_outbound_queue_id,
        "queues": [
            # In words, as the audit log shows them: the queue by name.
            f"{q.queue.name} ({q.channel}, priority {q.priority}, delay {q.delay_seconds} s)"
            for q in (routing_profile_queues(profile) if not profile._state.adding else [])
        ],
    }


def _agents_tell(profile: RoutingProfile) -> None:
    """After commit: route for the profile's agents and redraw their panels."""
    agent_ids = list(User.objects.filter(routing_profile=profile).values_list("pk", flat=True))
    if not agent_ids:
        return
    routing_trigger(instance_id=profile.instance_id, agent_ids=agent_ids)
    for agent_id in agent_ids:
        agent_refresh(user_id=agent_id, reason="routing profile changed")


def _profile_write(
    profile: RoutingProfile, *, name: str, description: str, settings: dict, queues, actor, actor_label: str
) -> RoutingProfile:
    """Check and save a new or existing profile with its settings, and make its queue list exactly `queues`."""
    queues = list(queues)
    creating = profile._state.adding
    with entry_transaction():
        # From the database: a console form has already put the new values on `profile`.
        before = {} if creating else _snapshot(RoutingProfile.objects.get(pk=profile.pk))
        profile.name = name_check(
            RoutingProfile, instance_id=profile.instance_id, name=name, exclude_pk=None if creating else profile.pk
        )
        _check(instance_id=profile.instance_id, settings=settings, queues=queues)
        if creating:
            quota_check(
                RoutingProfile.objects.filter(instance_id=profile.instance_id),
                limit=ROUTING_PROFILES_PER_INSTANCE,
                what="routing profiles in an instance",
            )
        profile.description = description
        for field, value in settings.items():
            setattr(profile, field, value)
        profile.save()
        _queues_set(profile, queues)
        after = _snapshot(profile)
        if creating:
            audit_created(profile, resource_type="routing_profile", after=after, actor=actor, actor_label=actor_label)
        else:
            audit_updated(
                profile, before, resource_type="routing_profile", after=after, actor=actor, actor_label=actor_label
            )
            _agents_tell(profile)
    return profile


def routing_profile_delete(*, routing_profile: RoutingProfile, actor=None, actor_label: str = "") -> None:
    """Delete a routing profile; refused (ResourceInUse, naming them) while a user has it."""
    with entry_transaction():
        audit_deleted(
            routing_profile,
            _snapshot(routing_profile),
            resource_type="routing_profile",
            actor=actor,
            actor_label=actor_label,
        )
        delete_or_refuse(routing_profile)
