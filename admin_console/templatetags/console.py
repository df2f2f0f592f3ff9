"""Small template helpers of the console: navigation links, sortable headers, durations."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


def _stem(url_name: str) -> str:
    return url_name.rsplit("_", 1)[0] if "_" in url_name else url_name


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str):
    """A navigation link, marked current when the page belongs to the same object type."""
    match = context["request"].resolver_match
    current = match is not None and _stem(match.url_name) == _stem(url_name.split(":")[-1])
    return format_html(
        '<a href="{}"{}>{}</a>',
        reverse(url_name),
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
