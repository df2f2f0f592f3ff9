"""The supervisors' websocket: the real-time metrics page of one instance, pushed when something changes.

The page connects to /ws/supervisor/ with its filters in the query string (the same as the page's URL:
queue, routing_profile, channel, warn_<column>). The consumer joins the instance's supervisor group;
every contact event and agent status change publishes a signal there after its commit
(`ccp.realtime.publish.supervisors_refresh`), and the consumer renders the page's metrics fragment from
the database and sends it as an htmx out-of-band swap. Signals coalesce: a render waits
`COALESCE_SECONDS` after the first signal, so a page gets at most a few renders a second however busy the
contact center is, and the render always shows the state after the last signal it covers.

Only users whose security profiles give RealTimeMetrics.View may connect; anyone else is closed at once, and a
socket whose user lost it (or was deactivated) is closed at its next render.
"""

import asyncio
import logging
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string
from django.utils import timezone

from ccp.realtime.publish import keep_group_membership, server_loop_register, supervisor_group
from ccp.selectors.realtime_board import board_filters, realtime_board
from ccp.selectors.sessions import user_still_may

log = logging.getLogger(__name__)

PERMISSION = "RealTimeMetrics.View"
# At most 1 / COALESCE_SECONDS renders a second per page.
COALESCE_SECONDS = 0.25
TEMPLATE = "admin_console/realtime.html#metrics"


def board_html(user, filters: dict, *, oob: bool = False) -> str:
    """The metrics fragment for `user`'s instance, times in the instance's timezone."""
    try:
        zone = ZoneInfo(user.instance.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    with timezone.override(zone):
        board = realtime_board(instance=user.instance, **filters)
        return render_to_string(TEMPLATE, {"board": board, "oob": oob})


class SupervisorConsumer(AsyncWebsocketConsumer):
    user = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not await database_sync_to_async(user.may)(PERMISSION):
            await self.close()
            return
        self.user = user
        self.filters = board_filters(parse_qs(self.scope.get("query_string", b"").decode()))
        self.group = supervisor_group(user.instance_id)
        self._pending: asyncio.Task | None = None
        server_loop_register(asyncio.get_running_loop())
        await self.channel_layer.group_add(self.group, self.channel_name)
        membership = keep_group_membership(self.channel_layer, self.group, self.channel_name)
        self._membership = asyncio.ensure_future(membership)
        await self.accept()
        await self._render_and_send()

    async def disconnect(self, code):
        if self.user is None:
            return
        for task in (self._pending, self._membership):
            if task is not None:
                task.cancel()
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """The page sends nothing we act on; any message asks for the state again."""
        await self.metrics_refresh({"reason": "sync"})

    async def metrics_refresh(self, event):
        """A change in the instance: render once after a short wait that gathers the rest of the burst."""
        if self._pending is None or self._pending.done():
            self._pending = asyncio.ensure_future(self._later())

    async def _later(self):
        await asyncio.sleep(COALESCE_SECONDS)
        await self._render_and_send()

    async def _render_and_send(self):
        if not await database_sync_to_async(user_still_may)(user_id=self.user.id, permission=PERMISSION):
            await self.close()
            return
        try:
            html = await database_sync_to_async(board_html)(self.user, self.filters, oob=True)
        except Exception:
            log.exception("real-time metrics render failed for %s", self.user.id)
            return
        await self.send(text_data=html)
