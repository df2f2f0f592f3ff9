"""Who may open a console page, and in which timezone it speaks.

Every console view is wrapped in `permission_required(...)` naming the security profile permissions it needs
(ccp/models/security.py lists them; `User.may` answers). A signed-out visitor goes to the sign-in page; a
signed-in user without the permission gets the product's 403 page, and nothing is changed. The decorator marks
the view with what it requires, so tests/console/test_every_url_permission.py walks every URL with and without it.

`admin_required` and `analytics_required` are the older names, kept for the views that use them:
`admin_required` asks for SecurityProfiles.Edit (whoever has it can give themselves anything),
`analytics_required` for any one of the analytics permissions.
"""

from functools import wraps
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ccp.models.security import ADMIN_PERMISSION, ANALYTICS_PERMISSIONS, CONSOLE_PERMISSIONS, PERMISSION_NAMES


def instance_zone(instance) -> ZoneInfo:
    """The instance's timezone; an unknown name (set outside the console) falls back to UTC."""
    try:
        return ZoneInfo(instance.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def permission_required(*names: str, any_of: bool = False):
    """Let in signed-in users whose security profiles give every one of `names` (or, with `any_of`, at least
    one); show times in the instance's zone."""
    unknown = set(names) - PERMISSION_NAMES
    if unknown or not names:
        raise ValueError(f"Not permissions: {sorted(unknown) or 'none given'}")
    required = frozenset(names)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            allowed = user.may_any(required) if any_of else user.may(*required)
            if not allowed:
                raise PermissionDenied("This page is not part of your security profile.")
            # Datetimes render, and datetime inputs parse, in the contact center's own timezone.
            with timezone.override(instance_zone(user.instance)):
                return view(request, *args, **kwargs)

        wrapped.permissions_required = required
        wrapped.permissions_any = any_of
        return wrapped

    return decorator


admin_required = permission_required(ADMIN_PERMISSION)
analytics_required = permission_required(*sorted(ANALYTICS_PERMISSIONS), any_of=True)
# The dashboard: anyone with a console permission.
console_required = permission_required(*sorted(CONSOLE_PERMISSIONS), any_of=True)
