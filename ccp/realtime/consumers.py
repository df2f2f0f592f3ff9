"""The agent's websocket: joins the agent's group and pushes their whole state as htmx out-of-band
fragments — on connect and after every refresh signal. No business logic lives here.

A push is only a signal ("something changed for this agent"); the consumer renders the truth from
the database, so reconnects and several tabs are always exact and never duplicate anything.
Bursts coalesce: while one render is running, further signals mark the state dirty and cause
exactly one more render when it finishes, so ten refreshes in 50 ms cost at most two renders and the
first offer is never delayed.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from ccp.ops.metrics import WEBSOCKET_CONNECTIONS
from ccp.panel.render import state_html
from ccp.realtime.presence import presence_change
from ccp.realtime.publish import agent_group, server_loop_register
from ccp.selectors.panel import user_is_agent
from ccp.services.agents import PRESENCE_BEAT, agent_heartbeat, agent_seen

log = logging.getLogger(__name__)


RENDER_ATTEMPTS = 4
COALESCE_SECONDS = 0.02
# Renders run off Channels' shared thread (see _render_and_send); tests on SQLite's in-memory database,
# which locks whole tables across threads, may turn this back on.
RENDER_THREAD_SENSITIVE = False


def _connected(user) -> None:
    presence_change(user.id, +1)
    agent_seen(user=user, connected=True)


def _disconnected(user) -> None:
    if presence_change(user.id, -1) <= 0:
        agent_seen(user=user, connected=False)


def _render(user_id: str) -> str:
    return state_html(user_id)


class AgentConsumer(AsyncWebsocketConsumer):
    user = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user_is_agent(user):
            await self.close()
            return
        self.user = user
        self.group = agent_group(user.id)
        self._dirty = False
        self._rendering: asyncio.Task | None = None
        server_loop_register(asyncio.get_running_loop())
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        WEBSOCKET_CONNECTIONS.inc()
        await database_sync_to_async(_connected)(user)
        self._beat = asyncio.ensure_future(self._heartbeat())
        await self._render_and_send()

    async def disconnect(self, code):
        if self.user is None:
            return
        WEBSOCKET_CONNECTIONS.dec()
        if self._rendering is not None:
            self._rendering.cancel()
        if getattr(self, "_beat", None) is not None:
            self._beat.cancel()
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await database_sync_to_async(_disconnected)(self.user)

    async def _heartbeat(self):
        """While this tab is open, keep the agent's last_seen_at fresh (presence across processes)."""
        while True:
            await asyncio.sleep(PRESENCE_BEAT.total_seconds())
            try:
                await database_sync_to_async(agent_heartbeat)(user=self.user)
            except Exception:
                log.exception("presence heartbeat failed for %s", self.user.id)

    async def receive(self, text_data=None, bytes_data=None):
        """The page never sends anything we act on; a "sync" message just asks for the state again."""
        await self.panel_refresh({"reason": "sync"})

    async def panel_refresh(self, event):
        """A refresh signal from a service (after its commit): redraw, coalescing bursts."""
        self._dirty = True
        if self._rendering is None or self._rendering.done():
            self._rendering = asyncio.ensure_future(self._render_loop())

    async def _render_loop(self):
        first = True
        while self._dirty:
            if not first:
                # Later renders wait a moment so the rest of a burst lands in one render; the first
                # render (the offer) never waits.
                await asyncio.sleep(COALESCE_SECONDS)
            first = False
            self._dirty = False
            await self._render_and_send()

    async def _render_and_send(self):
        # A render can fail on a busy database (SQLite locks); a tab must not be left with a stale
        # state, so retry a few times before giving up until the next signal.
        for attempt in range(RENDER_ATTEMPTS):
            try:
                # Not thread-sensitive: Channels runs close_old_connections on the shared thread before
                # every message, so a render there would make each refresh wait for the previous one.
                html = await database_sync_to_async(_render, thread_sensitive=RENDER_THREAD_SENSITIVE)(self.user.id)
            except Exception:
                if attempt == RENDER_ATTEMPTS - 1:
                    log.exception("panel render failed for %s", self.user.id)
                    return
                await asyncio.sleep(0.05 * (attempt + 1))
            else:
                await self.send(text_data=html)
                return
