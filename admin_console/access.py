"""Who may open a console page, and in which timezone it speaks.

Every console view is wrapped in one of the two decorators below: configuration pages are for
Admins, analytics pages for Admins and CallCenterManagers. Agents get a 403 everywhere.
"""

from functools import wraps
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ccp.models import SecurityProfile

CONFIGURATION = frozenset({SecurityProfile.ADMIN})
ANALYTICS = frozenset({SecurityProfile.ADMIN, SecurityProfile.SUPERVISOR})


def instance_zone(instance) -> ZoneInfo:
    """The instance's timezone; an unknown name (set outside the console) falls back to UTC."""
    try:
        return ZoneInfo(instance.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def console_access(profiles: frozenset[str]):
    """Let in signed-in users whose security profile is in `profiles`; show times in the instance's zone."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.security_profile not in profiles:
                raise PermissionDenied("This page is not part of your security profile.")
            # Datetimes render, and datetime inputs parse, in the contact center's own timezone.
            with timezone.override(instance_zone(user.instance)):
                return view(request, *args, **kwargs)

        return wrapped

    return decorator


admin_required = console_access(CONFIGURATION)
analytics_required = console_access(ANALYTICS)
