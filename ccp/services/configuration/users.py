"""Users: people of one instance with their security profile and routing profile; each has a
personal queue for contacts transferred to them directly."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db.models import Q

from ccp.errors import DuplicateResource, InvalidParameter, InvalidRequest
from ccp.models import Instance, Queue, RoutingProfile, SecurityProfile, User
from ccp.realtime.publish import agent_session_end
from ccp.services.audit import audit_created, audit_deleted, audit_snapshot, audit_snapshot_saved, audit_updated
from ccp.services.configuration.base import delete_or_refuse, open_contacts_blocking, refuse_while_used, same_instance
from ccp.services.transactions import entry_transaction

# What an audit entry records of a user (a new password shows as changed, never its value).
AUDITED = (
    "username",
    "security_profile",
    "routing_profile",
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "timezone",
    "is_active",
)


def _check(
    *, user: User, security_profile: str, routing_profile, is_active: bool, password: str, actor: User | None
) -> None:
    if security_profile not in SecurityProfile.values:
        raise InvalidParameter(f"{security_profile!r} is not a security profile.", field="security_profile")
    same_instance(routing_profile, instance_id=user.instance_id, field="routing_profile")
    if security_profile == SecurityProfile.AGENT and routing_profile is None:
        raise InvalidParameter("An agent needs a routing profile to be offered tasks.", field="routing_profile")
    if actor is not None and user.pk == actor.pk:
        # An admin can't lock themselves out of the console.
        if security_profile != SecurityProfile.ADMIN:
            raise InvalidRequest("You can't remove your own Admin profile.", field="security_profile")
        if not is_active:
            raise InvalidRequest("You can't disable your own sign-in.", field="is_active")
    if password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise InvalidParameter(" ".join(error.messages), field="password") from None


def _username_check(username: str, *, exclude_pk=None) -> str:
    username = (username or "").strip()
    if not username:
        raise InvalidParameter("Give a username.", field="username")
    # Usernames are unique across the installation, so a login needs no instance picker.
    taken = User.objects.filter(username=username)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DuplicateResource("A user with that username already exists.", field="username")
    return username


def _personal_queue_ensure(user: User) -> None:
    Queue.objects.get_or_create(
        agent=user,
        defaults={
            "instance_id": user.instance_id,
            "name": f"Agent queue {user.username}",
            "queue_type": Queue.Type.AGENT,
        },
    )


def user_create(
    *,
    instance: Instance,
    username: str,
    password: str,
    security_profile: str = SecurityProfile.AGENT,
    routing_profile: RoutingProfile | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone_number: str = "",
    timezone: str = "",
    is_active: bool = True,
) -> User:
    """A user who signs in with `password`, and their personal queue."""
    if not password:
        raise InvalidParameter("Give a password.", field="password")
    with entry_transaction():
        user = User(
            instance=instance,
            username=_username_check(username),
            security_profile=security_profile,
            routing_profile=routing_profile,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone_number=phone_number,
            timezone=timezone,
            is_active=is_active,
        )
        _check(
            user=user,
            security_profile=security_profile,
            routing_profile=routing_profile,
            is_active=is_active,
            password=password,
            actor=None,
        )
        user.set_password(password)
        user.save()
        _personal_queue_ensure(user)
        audit_created(user, resource_type="user", after={**audit_snapshot(user, AUDITED), "password": "set"})
    return user


def user_update(
    *,
    user: User,
    username: str,
    security_profile: str,
    routing_profile: RoutingProfile | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone_number: str = "",
    timezone: str = "",
    is_active: bool = True,
    password: str = "",
    actor: User | None = None,
) -> User:
    """Change a user; an empty `password` keeps the current one. `actor` may not lock themselves out.
    A new password or security profile, or a deactivation, ends the user's sessions and closes their panel
    sockets (after commit)."""
    with entry_transaction():
        before = audit_snapshot_saved(user, AUDITED)
        was_profile, was_active = user.security_profile, user.is_active
        user.username = _username_check(username, exclude_pk=user.pk)
        _check(
            user=user,
            security_profile=security_profile,
            routing_profile=routing_profile,
            is_active=is_active,
            password=password,
            actor=actor,
        )
        user.security_profile, user.routing_profile = security_profile, routing_profile
        user.first_name, user.last_name, user.email = first_name, last_name, email
        user.phone_number, user.timezone, user.is_active = phone_number, timezone, is_active
        if password:
            user.set_password(password)
        user.save()
        _personal_queue_ensure(user)
        after = audit_snapshot(user, AUDITED)
        if password:
            before["password"], after["password"] = "old", "new"
        audit_updated(user, before, resource_type="user", after=after, actor=actor)
        ended = [
            reason
            for reason, happened in (
                ("password changed", bool(password)),
                ("deactivated", was_active and not is_active),
                ("security profile changed", was_profile != security_profile),
            )
            if happened
        ]
        if ended:
            agent_session_end(user_id=user.pk, reason=", ".join(ended))
    return user


def user_delete(*, user: User, actor: User | None = None) -> None:
    """Delete a user with their personal queue and quick connects to them; nobody deletes themselves. Refused
    (ResourceInUse, naming them) while open contacts are assigned to them or wait in their personal queue."""
    if actor is not None and user.pk == actor.pk:
        raise InvalidRequest("You can't delete yourself.")
    with entry_transaction():
        refuse_while_used(user, open_contacts_blocking(Q(agent=user) | Q(queue__agent=user)))
        user_id, before = user.pk, audit_snapshot(user, AUDITED)
        delete_or_refuse(user)
        audit_deleted(user, before, resource_type="user", resource_id=user_id, actor=actor)
        agent_session_end(user_id=user_id, reason="deleted")
