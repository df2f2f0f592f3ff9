"""Writes to agents: status changes (Available, Offline, custom, Missed) and presence."""

import datetime as dt

from django.utils import timezone

from ccp.errors import InvalidRequest
from ccp.models import AgentEvent, AgentStatus, TimerKind, User
from ccp.realtime.publish import agent_refresh, supervisors_refresh
from ccp.services.hooks import routing_trigger
from ccp.services.timers import timer_cancel, timer_schedule
from ccp.services.transactions import entry_transaction, transaction_required

# When every tab of an agent has been closed this long, their status goes to Offline.
AWAY_GRACE = dt.timedelta(seconds=60)
# Each open tab refreshes the agent's last_seen_at this often; presence is judged by it, not by a tab
# counter, so a web process that dies without closing its sockets can't keep an agent "present".
PRESENCE_BEAT = dt.timedelta(seconds=20)


def agent_statuses_ensure(*, instance) -> dict[str, AgentStatus]:
    """The statuses every instance has: Available, Offline, Missed (system) — created if missing."""
    wanted = [
        ("Available", AgentStatus.Type.ROUTABLE, 0),
        ("Offline", AgentStatus.Type.OFFLINE, 1),
        ("Missed", AgentStatus.Type.MISSED, 99),
    ]
    out = {}
    for name, type_, order in wanted:
        status, _ = AgentStatus.objects.get_or_create(
            instance=instance, name=name, defaults={"type": type_, "display_order": order}
        )
        out[type_] = status
    return out


def agent_set_status(*, user: User, status: AgentStatus, actor=None) -> None:
    """Set an agent's status; going Available opens them to offers at once."""
    if status.instance_id != user.instance_id:
        raise InvalidRequest("That status does not exist.")
    if status.type == AgentStatus.Type.MISSED and actor is not None:
        raise InvalidRequest("Missed is set by the system after a missed offer.")
    with entry_transaction():
        _status_change(user=user, status=status, actor=actor)


def _status_change(*, user: User, status: AgentStatus, actor=None) -> None:
    """Change the status inside the caller's transaction (a panel action's, or a timer's for Missed/Offline)."""
    transaction_required("An agent's status change")
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.status_id == status.id:
        return
    now = timezone.now()
    locked.status = status
    locked.status_since = now
    fields = ["status", "status_since"]
    if status.type == AgentStatus.Type.ROUTABLE:
        locked.idle_since = now
        fields.append("idle_since")
    locked.save(update_fields=fields)
    AgentEvent.objects.create(
        instance_id=user.instance_id,
        user=locked,
        at=now,
        status_name=status.name,
        status_type=status.type,
        actor=actor,
    )
    user.status, user.status_since, user.idle_since = locked.status, locked.status_since, locked.idle_since
    agent_refresh(user_id=user.id, reason="status")
    supervisors_refresh(instance_id=user.instance_id, reason="status")
    if status.type == AgentStatus.Type.ROUTABLE:
        routing_trigger(instance_id=user.instance_id, agent_ids=[user.id])


def agent_set_missed(*, user: User) -> None:
    """After a missed offer the agent goes to Missed, so no further offer waits on someone away (inside the
    offer timeout's transaction)."""
    statuses = agent_statuses_ensure(instance=user.instance)
    _status_change(user=user, status=statuses[AgentStatus.Type.MISSED])


def agent_seen(*, user: User, connected: bool) -> None:
    """A tab connected or the last one left: schedule auto-Offline after the grace period."""
    now = timezone.now()
    with entry_transaction():
        User.objects.filter(pk=user.pk).update(last_seen_at=now)
        timer_cancel(user=user, kinds=[TimerKind.AGENT_AWAY])
        if not connected:
            timer_schedule(instance=user.instance, kind=TimerKind.AGENT_AWAY, due_at=now + AWAY_GRACE, user=user)


def agent_heartbeat(*, user: User) -> None:
    """An open tab says the agent is still there."""
    User.objects.filter(pk=user.pk).update(last_seen_at=timezone.now())


def _set_offline(user: User) -> None:
    statuses = agent_statuses_ensure(instance=user.instance)
    _status_change(user=user, status=statuses[AgentStatus.Type.OFFLINE])


def agent_away_expired(*, user_id: str, since) -> None:
    """The grace period passed since a tab closed and no tab has been seen since: Offline (inside the
    timer's transaction)."""
    user = User.objects.select_related("instance", "status").filter(pk=user_id).first()
    if user is None or (user.last_seen_at and since and user.last_seen_at > since):
        return
    if user.status is None or user.status.type != AgentStatus.Type.OFFLINE:
        _set_offline(user)


def agents_away_sweep(*, now=None) -> int:
    """Agents whose tabs vanished without closing (a killed web process) go Offline too."""
    cutoff = (now or timezone.now()) - AWAY_GRACE - PRESENCE_BEAT
    gone = (
        User.objects.select_related("instance")
        .filter(last_seen_at__lt=cutoff)
        .exclude(status__type=AgentStatus.Type.OFFLINE)
    )
    count = 0
    for user in gone:
        with entry_transaction():  # each agent in a transaction of its own
            _set_offline(user)
        count += 1
    return count
