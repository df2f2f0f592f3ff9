"""Small template helpers of the console: navigation links, sortable headers, durations."""

from urllib.parse import urlencode

from django import template
from django.urls import resolve, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ccp.models.security import AGENT_APPS, ANALYTICS_PERMISSIONS, PERMISSIONS

register = template.Library()
AGENT_APP_NAMES = frozenset(p.name for p in PERMISSIONS if p.group == AGENT_APPS)


def _stem(url_name: str) -> str:
    return url_name.rsplit("_", 1)[0] if "_" in url_name else url_name


def user_may_open(user, view) -> bool:
    """Whether `user` passes the view's permission_required (views without one: yes)."""
    required = getattr(view, "permissions_required", None)
    if not required:
        return True
    return user.may_any(required) if getattr(view, "permissions_any", False) else user.may(*required)


@register.filter
def may(user, permission: str) -> bool:
    """{% if request.user|may:"Queues.Edit" %}: the security profiles' answer, for showing a control."""
    return bool(getattr(user, "is_authenticated", False) and user.may(permission))


@register.filter
def configures(user) -> bool:
    """Whether any configuration page is open to the user (the console shows its configuration sections)."""
    return bool(getattr(user, "is_authenticated", False) and user.permissions - ANALYTICS_PERMISSIONS - AGENT_APP_NAMES)


@register.filter
def profile_names(user) -> str:
    """The user's security profiles, by name."""
    return ", ".join(p.name for p in user.security_profiles.all())


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str):
    """A navigation link, marked current when the page belongs to the same object type; left out when the
    user's security profiles do not open the page."""
    url = reverse(url_name)
    if not user_may_open(context["request"].user, resolve(url).func):
        return ""
    match = context["request"].resolver_match
    current = match is not None and _stem(match.url_name) == _stem(url_name.split(":")[-1])
    return format_html(
        '<a href="{}"{}>{}</a>',
        url,
        mark_safe(' aria-current="page" class="current"') if current else "",
        label,
    )


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label: str, numeric: bool = False):
    """A column header that sorts by `key`; a second click reverses the order."""
    sort = context.get("sort", "")
    ascending = sort == key
    descending = sort == f"-{key}"
    params = {"sort": f"-{key}" if ascending else key}
    if context.get("q"):
        params["q"] = context["q"]
    aria = "ascending" if ascending else "descending" if descending else "none"
    arrow = " ▲" if ascending else " ▼" if descending else ""
    return format_html(
        '<th scope="col" aria-sort="{}"{}><a href="?{}">{}<span aria-hidden="true">{}</span></a></th>',
        aria,
        mark_safe(' class="num"') if numeric else "",
        urlencode(params),
        label,
        arrow,
    )


@register.filter
def duration(seconds):
    """Seconds as "1h 02m", "4m 05s" or "12s"."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


@register.filter
def millis(value):
    """Milliseconds from the start of a conversation as "m:ss" (or "h:mm:ss")."""
    if value is None or value == "":
        return "—"
    seconds = int(value) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
