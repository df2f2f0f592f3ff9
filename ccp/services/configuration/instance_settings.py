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

# What an audit entry records of the instance's settings.
AUDITED = ("timezone", "active_task_quota", "api_rate_per_second", "api_burst")


def instance_update(
    *, instance: Instance, timezone: str, active_task_quota: int, api_rate_per_second: int, api_burst: int
) -> Instance:
    """Change the instance's timezone, its open-task quota and its per-operation API rate and burst."""
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
        instance.save(update_fields=["timezone", "active_task_quota", "api_rate_per_second", "api_burst"])
        audit_updated(instance, before, resource_type="instance", fields=AUDITED)
    return instance


def operator_limit(field: str) -> int:
    """The operator's ceiling for one of the instance's limits (active_task_quota, api_rate_per_second,
    api_burst)."""
    return {
        "active_task_quota": settings.MAX_ACTIVE_TASK_QUOTA,
        "api_rate_per_second": settings.MAX_API_RATE_PER_SECOND,
        "api_burst": settings.MAX_API_BURST,
    }[field]
