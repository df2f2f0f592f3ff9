"""Publishing to Channels groups, only after the transaction commits (Zulip's habit).

An event is a plain dict with a `type` (the consumer method) and is addressed to explicit groups.
A rolled-back write never reaches a browser.
"""

import asyncio
import logging
import threading

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def agent_group(user_id: str) -> str:
    return f"agent.{user_id}"


def supervisor_group(instance_id: str) -> str:
    """Every open real-time metrics page of one instance (ccp/realtime/supervisor.py)."""
    return f"supervisors.{instance_id}"


# channels-redis (and the in-memory layer) drop a group member after `group_expiry` (a day by default): a panel
# left open longer would silently stop receiving pushes. Each socket re-adds itself well inside that window.
GROUP_REFRESH_SECONDS = 15 * 60


async def keep_group_membership(layer, group: str, channel_name: str) -> None:
    """Re-add `channel_name` to `group` every GROUP_REFRESH_SECONDS for as long as the socket lives (cancel it on
    disconnect); a failed refresh is logged and retried at the next turn."""
    while True:
        await asyncio.sleep(GROUP_REFRESH_SECONDS)
        try:
            await layer.group_add(group, channel_name)
        except Exception:
            log.exception("could not refresh %s's membership of %s", channel_name, group)


# The web server's event loop in this process, recorded by the first websocket consumer. Services run in
# sync threads; a send made there must be handed to this loop (thread-safely) or the in-memory layer
# fills the loop's queues without waking it, and the push waits for an unrelated wake-up.
_server_loop: asyncio.AbstractEventLoop | None = None


def server_loop_register(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_background: asyncio.AbstractEventLoop | None = None
_background_lock = threading.Lock()


def _background_loop() -> asyncio.AbstractEventLoop:
    """A process-wide loop in a daemon thread for sends made where no server loop runs (the worker):
    far cheaper than async_to_sync, which starts a loop per call."""
    global _background
    with _background_lock:
        if _background is None or not _background.is_running():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="push-sender", daemon=True).start()
            _background = loop
    return _background


def _send(groups: list[str], event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    if loop is None or not loop.is_running():
        if isinstance(layer, InMemoryChannelLayer):
            return  # no websocket consumer lives in this process, so nobody could receive it
        loop = _background_loop()
    current = _running_loop()
    for group in groups:
        try:
            if current is loop:
                loop.create_task(layer.group_send(group, event))
            else:
                asyncio.run_coroutine_threadsafe(layer.group_send(group, event), loop)
        except Exception:  # a push is best effort: the page rebuilds its state on reconnect
            log.exception("push to %s failed", group)


def send_event(groups: list[str], event: dict) -> None:
    """Queue `event` for `groups`, sent once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _send(groups, event))


def agent_refresh(*, user_id: str, reason: str, contact_id: str = "", offer: bool = False) -> None:
    """Tell every tab of one agent to redraw its state (status, tiles, the selected contact)."""
    send_event(
        [agent_group(user_id)],
        {"type": "panel.refresh", "reason": reason, "contact_id": contact_id, "offer": offer},
    )


def supervisors_refresh(*, instance_id: str, reason: str) -> None:
    """Tell the instance's real-time metrics pages that a contact or an agent changed (after commit); each
    page coalesces the signals into a few renders a second."""
    send_event([supervisor_group(instance_id)], {"type": "metrics.refresh", "reason": reason})


def agent_session_end(*, user_id: str, reason: str, session_key: str = "") -> None:
    """Close the panel sockets of one user, after commit: every one of them when their password or security
    profile changed or they were deactivated; only those of `session_key` when that one session signed out.
    The consumer closes with code 4001 and the page stops reconnecting."""
    send_event([agent_group(user_id)], {"type": "session.ended", "reason": reason, "session_key": session_key or ""})


def agent_session_end_on_logout(sender, request, user, **kwargs) -> None:
    """Django's user_logged_out receiver (connected in ccp/apps.py): the sockets of that session close."""
    if user is not None and getattr(user, "pk", None):
        session = getattr(request, "session", None)
        agent_session_end(user_id=user.pk, reason="signed out", session_key=getattr(session, "session_key", "") or "")
