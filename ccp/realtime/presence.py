"""How many websocket tabs an agent has open, across processes (a row count would do too; a cache is cheaper).

Counted in the database so it works across web processes in service mode.
"""

from django.db.models import F

from ccp.models import User


def presence_count(user_id: str) -> int:
    return User.objects.filter(pk=user_id).values_list("open_tabs", flat=True).first() or 0


def presence_change(user_id: str, delta: int) -> int:
    User.objects.filter(pk=user_id).update(open_tabs=F("open_tabs") + delta)
    return presence_count(user_id)
