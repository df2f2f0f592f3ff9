"""Reads of the audit log and of an agent's status history: newest first, keyset-paged.

A cursor is the last row's time and id ("<microseconds since the epoch>.<id>"): the next page starts strictly
after it in (at, id) order, so page 1,000 costs what page 1 costs (the index audit_instance_at_idx /
agent_event_user_idx). A cursor this server did not write is refused with InvalidParameter."""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ccp.errors import InvalidParameter
from ccp.models import AgentEvent, AuditEntry

_CURSOR = re.compile(r"^(-?\d{1,20})\.(\d{1,20})$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class AuditFilters:
    """What the audit page narrows by; empty values do not narrow."""

    actor: str = ""
    action: str = ""
    resource_type: str = ""
    text: str = ""
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None


def _cursor_write(row) -> str:
    return f"{(row.at - _EPOCH) // dt.timedelta(microseconds=1)}.{row.id}"


def _cursor_read(cursor: str) -> tuple[dt.datetime, int]:
    match = _CURSOR.match(cursor or "")
    if not match:
        raise InvalidParameter("That page link is not one this server wrote.")
    try:
        at = _EPOCH + dt.timedelta(microseconds=int(match[1]))
    except OverflowError:
        raise InvalidParameter("That page link is not one this server wrote.") from None
    return at, int(match[2])


def keyset_page(queryset: QuerySet, *, size: int, after: str | None = None, before: str | None = None) -> Page:
    """One page of `queryset` (rows with `at` and `id`), newest first, after or before a cursor."""
    if before:
        at, pk = _cursor_read(before)
        rows = list(queryset.filter(Q(at__gt=at) | Q(at=at, id__gt=pk)).order_by("at", "id")[: size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        return Page(
            rows=rows,
            next_cursor=_cursor_write(rows[-1]) if rows else None,
            previous_cursor=_cursor_write(rows[0]) if rows and has_newer else None,
        )
    newest_first = queryset.order_by("-at", "-id")
    if after:
        at, pk = _cursor_read(after)
        newest_first = newest_first.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))
    rows = list(newest_first[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    return Page(
        rows=rows,
        next_cursor=_cursor_write(rows[-1]) if rows and has_older else None,
        previous_cursor=_cursor_write(rows[0]) if rows and after else None,
    )


def audit_entries(*, instance_id: str, filters: AuditFilters) -> QuerySet:
    """The instance's audit entries narrowed by `filters` (actor, resource name/id and detail by substring)."""
    entries = AuditEntry.objects.filter(instance_id=instance_id).select_related("actor")
    if filters.actor:
        entries = entries.filter(actor_label__icontains=filters.actor)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.resource_type:
        entries = entries.filter(resource_type=filters.resource_type)
    if filters.text:
        entries = entries.filter(
            Q(resource_name__icontains=filters.text)
            | Q(resource_id__icontains=filters.text)
            | Q(detail__icontains=filters.text)
        )
    if filters.start:
        entries = entries.filter(at__gte=filters.start)
    if filters.end:
        entries = entries.filter(at__lt=filters.end)
    return entries


def audit_resource_types(*, instance_id: str) -> list[str]:
    """The kinds of resource the instance's audit log names, for the page's filter."""
    kinds = AuditEntry.objects.filter(instance_id=instance_id).order_by("resource_type")
    return list(kinds.values_list("resource_type", flat=True).distinct())


def agent_status_history(*, user) -> QuerySet:
    """The agent's status changes (AgentEvent rows), for keyset paging newest first."""
    return AgentEvent.objects.filter(instance_id=user.instance_id, user=user).select_related("actor")
