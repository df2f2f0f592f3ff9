"""How many websocket tabs an agent has open, counted in the database so it holds across web processes.

Informational: whether an agent is still there is judged by the heartbeat in `last_seen_at`
(ccp/services/agents.py), which a killed process can't leave stale.
"""

from django.db.models import F

from ccp.models import User


def presence_count(user_id: str) -> int:
    return User.objects.filter(pk=user_id).values_list("open_tabs", flat=True).first() or 0


def presence_change(user_id: str, delta: int) -> int:
    User.objects.filter(pk=user_id).update(open_tabs=F("open_tabs") + delta)
    return presence_count(user_id)
