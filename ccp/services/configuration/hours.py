"""Hours of operation: create, change, delete."""

from zoneinfo import available_timezones

from ccp.errors import InvalidParameter
from ccp.models import HoursOfOperation, Instance
from ccp.services.audit import audit_created, audit_deleted, audit_updated
from ccp.services.configuration.base import delete_or_refuse, name_check
from ccp.services.configuration.quotas import HOURS_OF_OPERATION_PER_INSTANCE, quota_check
from ccp.services.configuration.tags import tags_check
from ccp.services.transactions import entry_transaction

# What an audit entry records of hours of operation.
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def _minutes(entry: dict, key: str) -> int:
    try:
        hours, minutes = int(entry[key]["Hours"]), int(entry[key]["Minutes"])
    except (KeyError, TypeError, ValueError):
        raise InvalidParameter(f"{key} needs Hours and Minutes.", field="config") from None
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise InvalidParameter(f"{key} is not a time of day.", field="config")
    return hours * 60 + minutes


def _check(*, timezone: str, config: list) -> None:
    if timezone not in available_timezones():
        raise InvalidParameter(f"{timezone!r} is not a timezone.", field="timezone")
    if not isinstance(config, list):
        raise InvalidParameter("The hours are a list of days with their open range.", field="config")
    for entry in config:
        if not isinstance(entry, dict) or entry.get("Day") not in DAYS:
            raise InvalidParameter("Each range needs a Day (MONDAY … SUNDAY).", field="config")
        if _minutes(entry, "EndTime") <= _minutes(entry, "StartTime"):
            raise InvalidParameter(f"{entry['Day'].capitalize()} closes before it opens.", field="config")


def _snapshot(hours: HoursOfOperation) -> dict:
    return {"name": hours.name, "description": hours.description, "timezone": hours.timezone, "config": hours.config}


def hours_settings(hours: HoursOfOperation) -> dict:
    """The current settings as `hours_update` arguments, for a change of some of them."""
    return {"name": hours.name, "description": hours.description, "timezone": hours.timezone, "config": hours.config}


def hours_create(
    *,
    instance: Instance,
    name: str,
    description: str = "",
    timezone: str = "UTC",
    config: list,
    tags: dict | None = None,
    actor=None,
    actor_label: str = "",
) -> HoursOfOperation:
    """Weekly open hours in a timezone; `config` is [{Day, StartTime {Hours, Minutes}, EndTime {...}}]."""
    with entry_transaction():
        name = name_check(HoursOfOperation, instance_id=instance.pk, name=name)
        _check(timezone=timezone, config=config)
        tags = tags_check(tags)
        quota_check(
            HoursOfOperation.objects.filter(instance=instance),
            limit=HOURS_OF_OPERATION_PER_INSTANCE,
            what="hours of operation in an instance",
        )
        hours = HoursOfOperation.objects.create(
            instance=instance, name=name, description=description, timezone=timezone, config=config, tags=tags
        )
        audit_created(
            hours, resource_type="hours_of_operation", after=_snapshot(hours), actor=actor, actor_label=actor_label
        )
        return hours


def hours_update(
    *,
    hours: HoursOfOperation,
    name: str,
    description: str = "",
    timezone: str = "UTC",
    config: list,
    actor=None,
    actor_label: str = "",
) -> HoursOfOperation:
    """Change the name, description, timezone and open ranges of hours of operation."""
    with entry_transaction():
        # From the database: a console form has already put the new values on `hours`.
        before = _snapshot(HoursOfOperation.objects.get(pk=hours.pk))
        hours.name = name_check(HoursOfOperation, instance_id=hours.instance_id, name=name, exclude_pk=hours.pk)
        _check(timezone=timezone, config=config)
        hours.description, hours.timezone, hours.config = description, timezone, config
        hours.save()
        audit_updated(
            hours,
            before,
            resource_type="hours_of_operation",
            after=_snapshot(hours),
            actor=actor,
            actor_label=actor_label,
        )
    return hours


def hours_delete(*, hours: HoursOfOperation, actor=None, actor_label: str = "") -> None:
    """Delete hours of operation; refused (ResourceInUse, naming them) while a queue keeps them."""
    with entry_transaction():
        audit_deleted(hours, _snapshot(hours), resource_type="hours_of_operation", actor=actor, actor_label=actor_label)
        delete_or_refuse(hours)
