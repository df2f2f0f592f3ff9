"""Users: people of one instance with their security profiles and routing profile; each has a
personal queue for contacts transferred to them directly. The console's form and the API's user operations
(CreateUser, UpdateUser*, DeleteUser) all write through here, audited."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from ccp.errors import DuplicateResource, InvalidParameter, InvalidRequest, LimitExceeded
from ccp.models import Instance, Queue, RoutingProfile, SecurityProfile, User
from ccp.models.security import ADMIN_PERMISSION, CONSOLE_PERMISSIONS
from ccp.realtime.publish import agent_session_end
from ccp.services.audit import audit_created, audit_deleted, audit_updated
from ccp.services.configuration.base import delete_or_refuse, open_contacts_blocking, refuse_while_used, same_instance
from ccp.services.configuration.security_profiles import admin_remains_check, security_profiles_ensure
from ccp.services.transactions import entry_transaction

# Amazon Connect: 1 to 10 security profiles a user; users per instance: 500 by default here (Connect: 500).
PROFILES_PER_USER = 10
USERS_PER_INSTANCE = 500


def _check(
    *,
    user: User,
    security_profiles: list[SecurityProfile],
    routing_profile,
    is_active: bool,
    password: str,
    actor: User | None,
    email: str = "",
) -> None:
    if not 1 <= len(security_profiles) <= PROFILES_PER_USER:
        raise InvalidParameter(
            f"Give a user 1 to {PROFILES_PER_USER} security profiles.", field="security_profiles"
        )
    for profile in security_profiles:
        same_instance(profile, instance_id=user.instance_id, field="security_profiles")
    same_instance(routing_profile, instance_id=user.instance_id, field="routing_profile")
    granted = {name for profile in security_profiles for name in profile.permissions}
    if "BasicAgentAccess" in granted and granted.isdisjoint(CONSOLE_PERMISSIONS) and routing_profile is None:
        raise InvalidParameter("An agent needs a routing profile to be offered tasks.", field="routing_profile")
    if actor is not None and user.pk == actor.pk:
        # An admin can't lock themselves out of the console.
        if ADMIN_PERMISSION not in granted:
            raise InvalidRequest(
                "You can't remove your own permission to edit security profiles.", field="security_profiles"
            )
        if not is_active:
            raise InvalidRequest("You can't disable your own sign-in.", field="is_active")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidParameter("Enter a valid email address.", field="email") from None
    if password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise InvalidParameter(" ".join(error.messages), field="password") from None


def _holds_admin(*, is_active: bool, profiles) -> bool:
    """Whether an active user with these profiles may edit security profiles."""
    return is_active and any(ADMIN_PERMISSION in p.permissions for p in profiles)


def _snapshot(user: User, profiles) -> dict:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone_number": user.phone_number,
        "timezone": user.timezone,
        "is_active": user.is_active,
        "routing_profile": user.routing_profile.name if user.routing_profile_id else None,
        "security_profiles": sorted(p.name for p in profiles),
        "phone_type": user.phone_type,
        "auto_accept": user.auto_accept,
        "after_contact_work_time_limit": user.after_contact_work_time_limit,
    }


def _username_check(username: str, *, exclude_pk=None) -> str:
    username = (username or "").strip()
    if not username:
        raise InvalidParameter("Give a username.", field="username")
    try:
        # Django's own username rules (letters, digits and @ . + - _; at most 150 characters), as the form has.
        User._meta.get_field("username").run_validators(username)
    except ValidationError as error:
        raise InvalidParameter(" ".join(error.messages), field="username") from None
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
    security_profiles: list[SecurityProfile] | None = None,
    routing_profile: RoutingProfile | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone_number: str = "",
    timezone: str = "",
    is_active: bool = True,
    phone_type: str = "SOFT_PHONE",
    auto_accept: bool = False,
    after_contact_work_time_limit: int = 0,
    tags: dict | None = None,
    actor: User | None = None,
    actor_label: str = "",
) -> User:
    """A user who signs in with `password`, holding `security_profiles` (default: the instance's Agent
    profile), and their personal queue."""
    if not password:
        raise InvalidParameter("Give a password.", field="password")
    with entry_transaction():
        if security_profiles is None:
            security_profiles = [security_profiles_ensure(instance=instance)[SecurityProfile.AGENT]]
        security_profiles = list(security_profiles)
        if User.objects.filter(instance=instance).count() >= USERS_PER_INSTANCE:
            raise LimitExceeded(f"An instance has at most {USERS_PER_INSTANCE} users.")
        user = User(
            instance=instance,
            username=_username_check(username),
            routing_profile=routing_profile,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone_number=phone_number,
            timezone=timezone,
            is_active=is_active,
            phone_type=phone_type,
            auto_accept=auto_accept,
            after_contact_work_time_limit=after_contact_work_time_limit,
            tags=tags or {},
        )
        _check(
            user=user,
            security_profiles=security_profiles,
            routing_profile=routing_profile,
            is_active=is_active,
            password=password,
            actor=None,
            email=email,
        )
        user.set_password(password)
        user.save()
        user.security_profiles.set(security_profiles)
        user.security_forget()
        _personal_queue_ensure(user)
        audit_created(
            user,
            resource_type="user",
            after=_snapshot(user, security_profiles),
            actor=actor,
            actor_label=actor_label,
            resource_name=user.username,
        )
    return user


def user_update(
    *,
    user: User,
    username: str,
    security_profiles: list[SecurityProfile],
    routing_profile: RoutingProfile | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone_number: str = "",
    timezone: str = "",
    is_active: bool = True,
    password: str = "",
    actor: User | None = None,
    actor_label: str = "",
    **phone,
) -> User:
    """Change a user; an empty `password` keeps the current one. `actor` may not lock themselves out.
    A new password or other security profiles, or a deactivation, ends the user's sessions and closes their panel
    sockets (after commit). `phone` may give phone_type, auto_accept, after_contact_work_time_limit, tags."""
    security_profiles = list(security_profiles)
    with entry_transaction():
        was_profiles = list(user.security_profiles.all())
        # The stored row, locked: a console form has already copied its fields onto `user`.
        stored = User.objects.select_for_update().get(pk=user.pk)
        before = _snapshot(stored, was_profiles)
        was_active = stored.is_active
        was_admin = _holds_admin(is_active=was_active, profiles=was_profiles)
        user.username = _username_check(username, exclude_pk=user.pk)
        _check(
            user=user,
            security_profiles=security_profiles,
            routing_profile=routing_profile,
            is_active=is_active,
            password=password,
            actor=actor,
            email=email,
        )
        user.routing_profile = routing_profile
        user.first_name, user.last_name, user.email = first_name, last_name, email
        user.phone_number, user.timezone, user.is_active = phone_number, timezone, is_active
        for name in ("phone_type", "auto_accept", "after_contact_work_time_limit", "tags"):
            if name in phone:
                setattr(user, name, phone.pop(name))
        if phone:
            raise TypeError(f"user_update() got unexpected arguments {sorted(phone)}")
        if password:
            user.set_password(password)
        user.save()
        profiles_changed = {p.pk for p in was_profiles} != {p.pk for p in security_profiles}
        if profiles_changed:
            user.security_profiles.set(security_profiles)
        user.security_forget()
        if was_admin and not _holds_admin(is_active=is_active, profiles=security_profiles):
            admin_remains_check(instance_id=user.instance_id, field="security_profiles")
        _personal_queue_ensure(user)
        after = _snapshot(user, security_profiles)
        if password:  # recorded as changed; the audit log masks the value
            before["password"], after["password"] = "old", "new"
        audit_updated(
            user,
            before,
            resource_type="user",
            after=after,
            actor=actor,
            actor_label=actor_label,
            resource_name=user.username,
        )
        ended = [
            reason
            for reason, happened in (
                ("password changed", bool(password)),
                ("deactivated", was_active and not is_active),
                ("security profile changed", profiles_changed),
            )
            if happened
        ]
        if ended:
            agent_session_end(user_id=user.pk, reason=", ".join(ended))
    return user


def user_change(*, user: User, actor: User | None = None, actor_label: str = "", **changes) -> User:
    """`user_update` with only some fields given (the API's UpdateUser* operations): the rest stay as they are."""
    fields = {
        "username": user.username,
        "security_profiles": list(user.security_profiles.all()),
        "routing_profile": user.routing_profile,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone_number": user.phone_number,
        "timezone": user.timezone,
        "is_active": user.is_active,
    }
    fields.update(changes)
    return user_update(user=user, actor=actor, actor_label=actor_label, **fields)


def user_delete(*, user: User, actor: User | None = None, actor_label: str = "") -> None:
    """Delete a user with their personal queue and quick connects to them; nobody deletes themselves. Refused
    (ResourceInUse, naming them) while open contacts are assigned to them or wait in their personal queue, and
    when they are the last active user who may edit security profiles."""
    if actor is not None and user.pk == actor.pk:
        raise InvalidRequest("You can't delete yourself.")
    with entry_transaction():
        refuse_while_used(user, open_contacts_blocking(Q(agent=user) | Q(queue__agent=user)))
        user_id, instance_id = user.pk, user.instance_id
        profiles = list(user.security_profiles.all())
        audit_deleted(
            user,
            _snapshot(user, profiles),
            resource_type="user",
            actor=actor,
            actor_label=actor_label,
            resource_name=user.username,
        )
        delete_or_refuse(user)
        if _holds_admin(is_active=user.is_active, profiles=profiles):
            admin_remains_check(instance_id=instance_id)
        agent_session_end(user_id=user_id, reason="deleted")
