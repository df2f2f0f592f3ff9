"""The safety net behind the at-once triggers: a routing pass over every instance with queued tasks
(a process that died between a commit and its after-commit routing leaves nothing stuck), and the
purge of ClientTokens older than 7 days."""

import datetime as dt
import logging

from django.utils import timezone

from ccp.models import AgentStatus, Contact, ContactState, IdempotencyToken, User
from ccp.routing.engine import routing_dispatch
from ccp.services.agents import agents_away_sweep
from ccp.services.idempotency import CLIENT_TOKEN_TTL

log = logging.getLogger(__name__)

SWEEP_EVERY = dt.timedelta(seconds=5)


def routing_sweep() -> int:
    """Dispatch for every instance that has both queued contacts and an Available agent."""
    with_queued = set(
        Contact.objects.filter(state=ContactState.QUEUED)
        .values_list("instance_id", flat=True)
        .distinct()
    )
    with_agents = set(
        User.objects.filter(status__type=AgentStatus.Type.ROUTABLE, instance_id__in=with_queued)
        .values_list("instance_id", flat=True)
        .distinct()
    )
    return sum(routing_dispatch(instance_id=instance_id) for instance_id in with_agents)


def tokens_purge(*, now: dt.datetime | None = None) -> int:
    """Forget ClientTokens older than 7 days."""
    cutoff = (now or timezone.now()) - CLIENT_TOKEN_TTL
    return IdempotencyToken.objects.filter(created_at__lt=cutoff).delete()[0]


def sweep_run() -> None:
    agents_away_sweep()
    offers = routing_sweep()
    if offers:
        log.warning("routing sweep made %s offers that no trigger had made", offers)
    tokens_purge()
