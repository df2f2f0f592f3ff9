"""Whether a websocket's sign-in still holds: read on every push and every few seconds by the consumer, so a
socket can't outlive its session even when the "session ended" message was missed."""

from importlib import import_module

from django.conf import settings
from django.utils.crypto import constant_time_compare

from ccp.models import User
from ccp.selectors.panel import user_is_agent

_session_store = import_module(settings.SESSION_ENGINE).SessionStore


def agent_session_valid(*, user_id: str, auth_hash: str, session_key: str | None) -> bool:
    """True while the user is active, still an agent, signed in with the same password and security profile
    (`auth_hash`, taken when the socket connected), and their session (when the socket has one) still exists."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user_is_agent(user):
        return False
    if not constant_time_compare(user.get_session_auth_hash(), auth_hash):
        return False
    return not session_key or _session_store().exists(session_key)


def user_still_may(*, user_id: str, permission: str) -> bool:
    """Whether the user is still active and their security profiles (read afresh) still give `permission`: a
    supervisor's socket asks before each render."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return user is not None and user.may(permission)
