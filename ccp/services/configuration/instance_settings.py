"""The instance's own settings: timezone, active task quota and API throttling.

The quota, rate and burst are capped by the operator (MAX_ACTIVE_TASK_QUOTA, MAX_API_RATE_PER_SECOND,
MAX_API_BURST in ccp.settings): an instance admin may lower them but never raise them past the ceiling, so
one tenant cannot claim more of the shared database or web processes than the operator allows."""

from zoneinfo import available_timezones

from django.conf import settings

from ccp.errors import InvalidParameter
from ccp.models import Instance
from ccp.services.audit import audit_snapshot_saved, audit_updated
from ccp.services.transactions import entry_transaction
from ccp.validation import SERVICE_LEVEL_MAX_SECONDS

# What an audit entry records of the instance's settings.
AUDITED = (
    "timezone",
    "active_task_quota",
    "api_rate_per_second",
    "api_burst",
    "service_level_task_seconds",
    "service_level_chat_seconds",
    "service_level_voice_seconds",
)


def instance_update(
    *,
    instance: Instance,
    timezone: str,
    active_task_quota: int,
    api_rate_per_second: int,
    api_burst: int,
    **service_levels: int,
) -> Instance:
    """Change the instance's timezone, its open-task quota, its per-operation API rate and burst, and (given)
    its default service level per channel (service_level_task_seconds, …_chat_…, …_voice_…)."""
    for field, value in service_levels.items():
        if field not in SERVICE_LEVEL_FIELDS:
            raise InvalidParameter(f"{field} is not a setting.")
        if not isinstance(value, int) or not 1 <= value <= SERVICE_LEVEL_MAX_SECONDS:
            raise InvalidParameter("A service level is 1 second to 7 days.", field=field)
    if timezone not in available_timezones():
        raise InvalidParameter(f"{timezone!r} is not a timezone.", field="timezone")
    for field, value in (
        ("active_task_quota", active_task_quota),
        ("api_rate_per_second", api_rate_per_second),
        ("api_burst", api_burst),
    ):
        if value < 1:
            raise InvalidParameter("At least 1.", field=field)
        ceiling = operator_limit(field)
        if value > ceiling:
            raise InvalidParameter(f"At most {ceiling:,}: the limit this server's operator sets.", field=field)
    if api_burst < api_rate_per_second:
        raise InvalidParameter("The burst can't be smaller than the rate per second.", field="api_burst")
    with entry_transaction():
        before = audit_snapshot_saved(instance, AUDITED)
        instance.timezone, instance.active_task_quota = timezone, active_task_quota
        instance.api_rate_per_second, instance.api_burst = api_rate_per_second, api_burst
        for field, value in service_levels.items():
            setattr(instance, field, value)
        instance.save(
            update_fields=["timezone", "active_task_quota", "api_rate_per_second", "api_burst", *service_levels]
        )
        audit_updated(instance, before, resource_type="instance", fields=AUDITED)
    return instance


SERVICE_LEVEL_FIELDS = ("service_level_task_seconds", "service_level_chat_seconds", "service_level_voice_seconds")


def operator_limit(field: str) -> int:
    """The operator's ceiling for one of the instance's limits (active_task_quota, api_rate_per_second,
    api_burst)."""
    return {
        "active_task_quota": settings.MAX_ACTIVE_TASK_QUOTA,
        "api_rate_per_second": settings.MAX_API_RATE_PER_SECOND,
        "api_burst": settings.MAX_API_BURST,
    }[field]
