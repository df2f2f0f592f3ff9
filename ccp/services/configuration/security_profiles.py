"""Security profiles: create, change and delete the named permission sets users hold, and make the four
defaults Amazon Connect gives every instance. Each change is audited; a profile users still hold is not deleted."""

import re

from django.db import transaction

from ccp.errors import DuplicateResource, InvalidParameter, InvalidRequest, LimitExceeded
from ccp.models import Instance, SecurityProfile, User
from ccp.models.security import ADMIN_PERMISSION, DEFAULT_PROFILES, PERMISSION_NAMES, permissions_normalize
from ccp.services.audit import audit_created, audit_deleted, audit_updated
from ccp.services.configuration.base import BLOCKERS_NAMED, refuse_while_used
from ccp.services.transactions import entry_transaction

# Amazon Connect: a name of 1–127 letters, digits, spaces, _ @ -; a description of up to 250 characters;
# up to 500 permissions; up to 50 tags; security profiles per instance: 100 (its default quota).
NAME_RE = re.compile(r"^[ a-zA-Z0-9_@-]{1,127}$")
DESCRIPTION_MAX = 250
TAGS_MAX = 50
PROFILES_PER_INSTANCE = 100


def _snapshot(profile: SecurityProfile) -> dict:
    return {
        "name": profile.name,
        "description": profile.description,
        "permissions": list(profile.permissions),
        "tags": dict(profile.tags),
    }


def _name_check(*, instance_id: str, name: str, exclude_pk=None) -> str:
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise InvalidParameter(
            "A security profile's name is 1 to 127 letters, digits, spaces, _, @ or -.", field="name"
        )
    taken = SecurityProfile.objects.filter(instance_id=instance_id, name=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DuplicateResource(f"Another security profile is already called “{name}”.", field="name")
    return name


def _permissions_check(permissions) -> list[str]:
    permissions = list(permissions or [])
    if len(permissions) > 500:
        raise InvalidParameter("A security profile has at most 500 permissions.", field="permissions")
    unknown = sorted({p for p in permissions if p not in PERMISSION_NAMES})
    if unknown:
        shown = ", ".join(name[:100] for name in unknown[:5])
        raise InvalidParameter(f"Unknown permission: {shown}.", field="permissions")
    return permissions_normalize(permissions)


def _description_check(description: str) -> str:
    description = description or ""
    if len(description) > DESCRIPTION_MAX:
        raise InvalidParameter(f"The description is at most {DESCRIPTION_MAX} characters.", field="description")
    return description


def _tags_check(tags) -> dict:
    tags = dict(tags or {})
    if len(tags) > TAGS_MAX:
        raise InvalidParameter(f"At most {TAGS_MAX} tags.", field="tags")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or key.startswith("aws:") or len(value) > 256:
            raise InvalidParameter("A tag key is 1–128 characters, not starting aws:; a value up to 256.", field="tags")
    return tags


def security_profiles_ensure(*, instance: Instance) -> dict[str, SecurityProfile]:
    """The four profiles every instance starts with (Admin, CallCenterManager, Agent, QualityAnalyst), by name;
    made when missing, left alone when present (an admin may have changed them). Joins the caller's transaction
    when there is one (instance_create's)."""
    with transaction.atomic():
        existing = {
            p.name: p for p in SecurityProfile.objects.filter(instance=instance, name__in=list(DEFAULT_PROFILES))
        }
        for name, (description, permissions) in DEFAULT_PROFILES.items():
            if name not in existing:
                existing[name] = SecurityProfile.objects.create(
                    instance=instance, name=name, description=description, permissions=list(permissions)
                )
    return existing


def security_profile_create(
    *,
    instance: Instance,
    name: str,
    description: str = "",
    permissions=(),
    tags=None,
    actor: User | None = None,
    actor_label: str = "",
) -> SecurityProfile:
    """A new security profile (at most PROFILES_PER_INSTANCE in an instance)."""
    with entry_transaction():
        if SecurityProfile.objects.filter(instance=instance).count() >= PROFILES_PER_INSTANCE:
            raise LimitExceeded(f"An instance has at most {PROFILES_PER_INSTANCE} security profiles.")
        profile = SecurityProfile.objects.create(
            instance=instance,
            name=_name_check(instance_id=instance.pk, name=name),
            description=_description_check(description),
            permissions=_permissions_check(permissions),
            tags=_tags_check(tags),
        )
        audit_created(
            profile, resource_type="security_profile", after=_snapshot(profile), actor=actor, actor_label=actor_label
        )
    return profile


def security_profile_update(
    *,
    profile: SecurityProfile,
    name: str | None = None,
    description: str | None = None,
    permissions=None,
    tags=None,
    actor: User | None = None,
    actor_label: str = "",
) -> SecurityProfile:
    """Change what is given (None keeps it). Nobody takes away their own right to edit security profiles, and no
    change leaves the instance without anyone who has it."""
    with entry_transaction():
        profile = SecurityProfile.objects.select_for_update().get(pk=profile.pk)
        before = _snapshot(profile)
        if name is not None:
            profile.name = _name_check(instance_id=profile.instance_id, name=name, exclude_pk=profile.pk)
        if description is not None:
            profile.description = _description_check(description)
        if tags is not None:
            profile.tags = _tags_check(tags)
        if permissions is not None:
            profile.permissions = _permissions_check(permissions)
        profile.save()
        if ADMIN_PERMISSION in before["permissions"] and ADMIN_PERMISSION not in profile.permissions:
            admin_remains_check(instance_id=profile.instance_id, field="permissions", actor_keeps=actor)
        audit_updated(
            profile,
            before,
            resource_type="security_profile",
            after=_snapshot(profile),
            actor=actor,
            actor_label=actor_label,
        )
    return profile


LAST_ADMIN_MESSAGE = (
    "No active user would be left who may edit security profiles (SecurityProfiles.Edit). "
    "Give that permission to another active user first."
)


def admin_holder_ids(*, instance_id: str) -> set:
    """The active users of the instance who may edit security profiles (SecurityProfiles.Edit)."""
    # Read in Python: JSON list containment is not the same lookup on SQLite and PostgreSQL.
    return {
        u.pk
        for u in User.objects.filter(instance_id=instance_id, is_active=True).prefetch_related("security_profiles")
        if any(ADMIN_PERMISSION in p.permissions for p in u.security_profiles.all())
    }


def admin_remains_check(*, instance_id: str, field: str = "", actor_keeps: User | None = None) -> set:
    """The one check that the instance keeps an active user with SecurityProfiles.Edit, run inside the
    transaction of a change that may have taken it from someone (a profile edited or deleted; a user's
    profiles changed, deactivated or deleted): raising rolls the whole change back. Returns the holders left.
    With `actor_keeps`, that user must be one of them (an admin editing a profile may not take the right from
    themselves).

    The instance row is locked first, so two such changes run one after the other: two admins each removing
    the other would otherwise both see the other still there and commit, leaving nobody (on PostgreSQL each
    statement after the lock reads what the first one committed)."""
    Instance.objects.select_for_update().filter(pk=instance_id).values_list("pk").first()
    holders = admin_holder_ids(instance_id=instance_id)
    if actor_keeps is not None and actor_keeps.pk not in holders:
        raise InvalidRequest("You can't take away your own permission to edit security profiles.", field=field)
    if not holders:
        raise InvalidRequest(LAST_ADMIN_MESSAGE, field=field)
    return holders


def security_profile_delete(*, profile: SecurityProfile, actor: User | None = None, actor_label: str = "") -> None:
    """Delete a profile nobody holds; refused (ResourceInUse, naming them) while users still hold it, and when
    it would leave nobody active with SecurityProfiles.Edit."""
    with entry_transaction():
        refuse_while_used(profile, _holders(profile))
        gave_admin = ADMIN_PERMISSION in profile.permissions
        audit_deleted(
            profile, _snapshot(profile), resource_type="security_profile", actor=actor, actor_label=actor_label
        )
        profile.delete()
        if gave_admin:
            admin_remains_check(instance_id=profile.instance_id)


def _holders(profile: SecurityProfile) -> list[str]:
    """The users holding `profile`, named for a refusal ("User “Ana Lima (ana)”"), the first few and a count."""
    users = User.objects.filter(security_profiles=profile).order_by("username")
    names = [
        f"User “{u.get_full_name()} ({u.username})”" if u.get_full_name() else f"User “{u.username}”"
        for u in users[:BLOCKERS_NAMED]
    ]
    total = users.count() if len(names) == BLOCKERS_NAMED else len(names)
    if total > len(names):
        names.append(f"… and {total - len(names)} more (users)")
    return names
