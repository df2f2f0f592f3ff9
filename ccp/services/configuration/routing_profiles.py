"""Routing profiles with their queues: both are written together, or neither is."""

from dataclasses import dataclass

from ccp.errors import InvalidParameter
from ccp.models import Channel, Instance, Queue, RoutingProfile, RoutingProfileQueue, User
from ccp.services.audit import audit_created, audit_deleted, audit_snapshot, audit_updated
from ccp.services.configuration.base import (
    BLOCKERS_NAMED,
    delete_or_refuse,
    name_check,
    refuse_while_used,
    same_instance,
)
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
) -> RoutingProfile:
    """A routing profile and its queues, in one transaction."""
    return _profile_write(
        RoutingProfile(instance=instance),
        name=name,
        description=description,
        settings=_settings(**locals()),
        queues=queues,
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
) -> RoutingProfile:
    """Change a routing profile's settings and make its queue list exactly `queues`, together."""
    return _profile_write(
        routing_profile,
        name=name,
        description=description,
        settings=_settings(**locals()),
        queues=queues,
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


def _audited(profile: RoutingProfile) -> dict:
    """What an audit entry records of a routing profile: its settings and its queue list, one line a queue."""
    values = audit_snapshot(profile, ("name", "description", *SETTINGS))
    values["queues"] = sorted(
        f"{row.queue} ({row.channel}, priority {row.priority}, delay {row.delay_seconds} s)"
        for row in profile.queue_configs.select_related("queue")
    )
    return values


def _profile_write(profile: RoutingProfile, *, name: str, description: str, settings: dict, queues) -> RoutingProfile:
    """Check and save a new or existing profile with its settings, and make its queue list exactly `queues`."""
    queues = list(queues)
    with entry_transaction():
        before = None if profile._state.adding else _audited(RoutingProfile.objects.get(pk=profile.pk))
        profile.name = name_check(RoutingProfile, instance_id=profile.instance_id, name=name, exclude_pk=profile.pk)
        _check(instance_id=profile.instance_id, settings=settings, queues=queues)
        profile.description = description
        for field, value in settings.items():
            setattr(profile, field, value)
        profile.save()
        _queues_set(profile, queues)
        if before is None:
            audit_created(profile, resource_type="routing_profile", after=_audited(profile))
        else:
            audit_updated(profile, before, resource_type="routing_profile", after=_audited(profile))
    return profile


def routing_profile_delete(*, routing_profile: RoutingProfile) -> None:
    """Delete a routing profile; refused (ResourceInUse, naming them) while users have it."""
    with entry_transaction():
        users = User.objects.filter(routing_profile=routing_profile).order_by("username")
        names = [f"User “{username}”" for username in users.values_list("username", flat=True)[:BLOCKERS_NAMED]]
        if (total := users.count()) > len(names):
            names.append(f"… and {total - len(names)} more (users)")
        refuse_while_used(routing_profile, names)
        before, profile_id = _audited(routing_profile), routing_profile.pk
        delete_or_refuse(routing_profile)
        audit_deleted(routing_profile, before, resource_type="routing_profile", resource_id=profile_id)
