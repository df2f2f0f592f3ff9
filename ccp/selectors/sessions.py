"""Whether a websocket's sign-in still holds: read on every push and every few seconds by the consumer, so a
socket can't outlive its session even when the "session ended" message was missed."""

from importlib import import_module

from django.conf import settings
from django.utils.crypto import constant_time_compare

from ccp.models import User
from ccp.selectors.panel import user_is_agent

_session_store = import_module(settings.SESSION_ENGINE).SessionStore


def agent_session_security(*, user_id: str, auth_hash: str, session_key: str | None):
    """The user's security (profile ids, permissions) while their socket's sign-in holds, else None: the user
    active and still an agent, signed in with the same password and security profiles (`auth_hash`, taken when
    the socket connected), and their session (when the socket has one) still there.

    One query for the user and their profiles together (a JOIN), since every push asks; the render reuses it."""
    rows = list(
        User.objects.filter(pk=user_id, is_active=True)
        .order_by("security_profiles__id")
        .values_list("password", "routing_profile_id", "security_profiles__id", "security_profiles__permissions")
    )
    if not rows:
        return None
    password, routing_profile_id = rows[0][0], rows[0][1]
    user = User(pk=user_id, password=password, routing_profile_id=routing_profile_id, is_active=True)
    held = [(pk, permissions) for _, _, pk, permissions in rows if pk is not None]
    user._security_cache = (
        tuple(pk for pk, _ in held),
        frozenset(name for _, names in held for name in names or ()),
    )
    if not user_is_agent(user):
        return None
    if not constant_time_compare(user.get_session_auth_hash(), auth_hash):
        return None
    if session_key and not _session_store().exists(session_key):
        return None
    return user._security_cache


def agent_session_valid(*, user_id: str, auth_hash: str, session_key: str | None) -> bool:
    """Whether the socket's sign-in still holds (see agent_session_security)."""
    return agent_session_security(user_id=user_id, auth_hash=auth_hash, session_key=session_key) is not None


def user_still_may(*, user_id: str, permission: str) -> bool:
    """Whether the user is still active and their security profiles (read afresh) still give `permission`: a
    supervisor's socket asks before each render."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return user is not None and user.may(permission)
