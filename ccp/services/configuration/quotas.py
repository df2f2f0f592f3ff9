"""Amazon Connect's default service quotas for configuration, held here as fixed limits (a create or an
association past one is refused with LimitExceededException and writes nothing). README: "Managing queues,
profiles and statuses with the API and the AWS CLI"."""

from django.db import models

from ccp.errors import LimitExceeded

QUEUES_PER_INSTANCE = 5_000
ROUTING_PROFILES_PER_INSTANCE = 500
QUICK_CONNECTS_PER_INSTANCE = 100_000
HOURS_OF_OPERATION_PER_INSTANCE = 100
AGENT_STATUSES_PER_INSTANCE = 50
QUEUES_PER_ROUTING_PROFILE = 50
QUICK_CONNECTS_PER_QUEUE = 1_000


def quota_check(rows: models.QuerySet, *, limit: int, what: str, adding: int = 1) -> None:
    """Refuse when `rows` plus `adding` more would pass `limit`."""
    if rows.count() + adding > limit:
        raise LimitExceeded(f"At most {limit:,} {what}.")
