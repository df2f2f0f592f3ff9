"""The agent's websocket: joins the agent's group and pushes their whole state as htmx out-of-band
fragments — on connect and after every refresh signal. No business logic lives here.

A push is only a signal ("something changed for this agent"); the consumer renders the truth from
the database, so reconnects and several tabs are always exact and never duplicate anything.
Bursts coalesce: while one render is running, further signals mark the state dirty and cause
exactly one more render when it finishes, so ten refreshes in 50 ms cost at most two renders and the
first offer is never delayed.

A socket lives only as long as its sign-in. A "session.ended" message (sent after commit when the user signs
out, gets a new password or security profile, or is deactivated or deleted) closes it with code 4001, on which
the page says "You were signed out" and stops reconnecting. So that a missed message can't keep a stale socket
alive, every render first checks the session still holds (one read: the user active and still an agent, the
password and profile unchanged since connect, the session row still there), and so does a watch every
SESSION_CHECK_SECONDS while nothing is pushed. After the close nothing more is sent.

Incoming frames are capped: a frame over MAX_FRAME_BYTES closes the socket with 1009 (message too big); frames
beyond a token bucket (FRAMES_PER_SECOND, burst FRAMES_BURST) are dropped, not answered. Dropping, not closing:
the page only ever sends a "sync" now and then, so a burst means a bug or a hostile script, and a close would
invite a reconnect that costs a full render, where a dropped frame costs nothing.
"""

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from ccp.ops.metrics import WEBSOCKET_CONNECTIONS
from ccp.panel.render import state_html
from ccp.realtime.presence import presence_change
from ccp.realtime.publish import agent_group, keep_group_membership, server_loop_register
from ccp.selectors.panel import user_is_agent
from ccp.selectors.sessions import agent_session_security, agent_session_valid
from ccp.services.agents import PRESENCE_BEAT, agent_heartbeat, agent_seen

log = logging.getLogger(__name__)


RENDER_ATTEMPTS = 4
COALESCE_SECONDS = 0.02
# Renders run off Channels' shared thread (see _render_and_send); tests on SQLite's in-memory database,
# which locks whole tables across threads, may turn this back on.
RENDER_THREAD_SENSITIVE = False

# The close code a socket gets when its session ended; panel.js then stops reconnecting (4000-4999: ours).
SESSION_ENDED_CODE = 4001
# How often an idle socket re-checks its session, so one whose "session ended" message was lost still closes.
SESSION_CHECK_SECONDS = 5.0
# The page sends only small JSON ("sync"); anything bigger closes the socket with 1009 (RFC 6455: too big).
MAX_FRAME_BYTES = 4096
TOO_BIG_CODE = 1009
FRAMES_PER_SECOND = 10.0
FRAMES_BURST = 20
# The bucket's clock; tests replace it to hold time still.
_clock = time.monotonic


class FrameBucket:
    """A token bucket: `rate` frames a second on average, up to `burst` at once."""

    def __init__(self, *, rate: float = FRAMES_PER_SECOND, burst: int = FRAMES_BURST):
        self.rate, self.burst = rate, burst
        self.tokens, self.at = float(burst), _clock()

    def take(self) -> bool:
        now = _clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def _connected(user) -> None:
    presence_change(user.id, +1)
    agent_seen(user=user, connected=True)


def _disconnected(user) -> None:
    if presence_change(user.id, -1) <= 0:
        agent_seen(user=user, connected=False)


def _render(user_id: str, security=None) -> str:
    return state_html(user_id, security=security)


def _render_if_signed_in(user_id: str, auth_hash: str, session_key: str | None) -> str | None:
    """The agent's state, or None when the socket's session no longer holds (its check's read of the security
    profiles serves the render too)."""
    security = agent_session_security(user_id=user_id, auth_hash=auth_hash, session_key=session_key)
    if security is None:
        return None
    return _render(user_id, security)


class AgentConsumer(AsyncWebsocketConsumer):
    user = None

    async def connect(self):
        user = self.scope.get("user")
        # user_is_agent reads the user's security profiles: a query, so off the event loop.
        if user is None or not user.is_authenticated or not await database_sync_to_async(user_is_agent)(user):
            await self.close()
            return
        self.user = user
        self.group = agent_group(user.id)
        self._dirty = False
        self._rendering: asyncio.Task | None = None
        self._ended = False
        self._watch: asyncio.Task | None = None
        self._frames = FrameBucket()
        self._dropped = 0
        # What the session was when the socket opened: a new password or security profile changes the hash.
        self.auth_hash = await database_sync_to_async(user.get_session_auth_hash)()
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        server_loop_register(asyncio.get_running_loop())
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        WEBSOCKET_CONNECTIONS.inc()
        await database_sync_to_async(_connected)(user)
        self._beat = asyncio.ensure_future(self._heartbeat())
        self._watch = asyncio.ensure_future(self._session_watch())
        membership = keep_group_membership(self.channel_layer, self.group, self.channel_name)
        self._membership = asyncio.ensure_future(membership)
        await self._render_and_send()

    async def disconnect(self, code):
        if self.user is None:
            return
        WEBSOCKET_CONNECTIONS.dec()
        self._stop_tasks()
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

    def _stop_tasks(self) -> None:
        """Cancel this socket's background tasks, except the one running this (it ends by itself)."""
        current = asyncio.current_task()
        for task in (self._rendering, getattr(self, "_beat", None), self._watch, getattr(self, "_membership", None)):
            if task is not None and task is not current:
                task.cancel()

    async def _end(self) -> None:
        """The session is over: close with SESSION_ENDED_CODE and send nothing more."""
        if self._ended:
            return
        self._ended = True
        self._dirty = False
        self._stop_tasks()
        await self.close(code=SESSION_ENDED_CODE)

    async def session_ended(self, event):
        """The user signed out, changed password or security profile, or was deactivated (after commit).
        A sign-out names its session: sockets of the user's other sessions stay open."""
        ended_key = event.get("session_key") or ""
        if ended_key and self.session_key and ended_key != self.session_key:
            return
        await self._end()

    async def _session_watch(self):
        """Every few seconds, close the socket if its session no longer holds (a lost message, another process)."""
        while not self._ended:
            await asyncio.sleep(SESSION_CHECK_SECONDS)
            try:
                # Off the shared thread, like renders: hundreds of sockets checking must not queue behind it.
                valid = await database_sync_to_async(agent_session_valid, thread_sensitive=RENDER_THREAD_SENSITIVE)(
                    user_id=self.user.id, auth_hash=self.auth_hash, session_key=self.session_key
                )
            except Exception:
                log.exception("session check failed for %s", self.user.id)
                continue
            if not valid:
                await self._end()
                return

    async def receive(self, text_data=None, bytes_data=None):
        """The page never sends anything we act on; a "sync" message just asks for the state again.
        Oversized frames close the socket; frames beyond the bucket are dropped."""
        if self._ended:
            return
        size = len(bytes_data) if bytes_data is not None else len((text_data or "").encode())
        if size > MAX_FRAME_BYTES:
            await self.close(code=TOO_BIG_CODE)
            return
        if not self._frames.take():
            self._dropped += 1
            if self._dropped == 1:
                log.warning("agent %s sends frames too fast; dropping the excess", self.user.id)
            return
        await self.panel_refresh({"reason": "sync"})

    async def panel_refresh(self, event):
        """A refresh signal from a service (after its commit): redraw, coalescing bursts."""
        if self._ended:
            return
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
                html = await database_sync_to_async(_render_if_signed_in, thread_sensitive=RENDER_THREAD_SENSITIVE)(
                    self.user.id, self.auth_hash, self.session_key
                )
            except Exception:
                if attempt == RENDER_ATTEMPTS - 1:
                    log.exception("panel render failed for %s", self.user.id)
                    return
                await asyncio.sleep(0.05 * (attempt + 1))
            else:
                if html is None:
                    await self._end()
                elif not self._ended:
                    await self.send(text_data=html)
                return
