"""Reading contacts: the one contact search shared by SearchContacts, the console page and the export.

Paging is by keyset, never by OFFSET: a cursor holds the last row's sort value and id, and the next page is
"rows after that pair" in the same order, read from an index. Page 1,000 therefore costs what page 1 costs,
and a contact created while someone pages never shifts a page under them. Nothing here counts the whole
result: `contact_search_count` stops at a cap, and pages say "more than N".
"""

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Q
from django.db.models.fields.json import KeyTransform

from ccp.errors import InvalidParameter
from ccp.models import Contact, ContactState, User
from ccp.models.contacts import OPEN_STATES

TIME_FIELDS = {
    "INITIATION_TIMESTAMP": "initiation_timestamp",
    "SCHEDULED_TIMESTAMP": "scheduled_timestamp",
    "CONNECTED_TO_AGENT_TIMESTAMP": "connected_to_agent_timestamp",
    "DISCONNECT_TIMESTAMP": "disconnect_timestamp",
    "ENQUEUE_TIMESTAMP": "enqueue_timestamp",
}
# SearchContacts' SortableFieldName. A task expires 7 days after it was initiated, so the expiry order is the
# initiation order (this server keeps no expiry column).
SORT_FIELDS = {
    "INITIATION_TIMESTAMP": "initiation_timestamp",
    "SCHEDULED_TIMESTAMP": "scheduled_timestamp",
    "CONNECTED_TO_AGENT_TIMESTAMP": "connected_to_agent_timestamp",
    "DISCONNECT_TIMESTAMP": "disconnect_timestamp",
    "INITIATION_METHOD": "initiation_method",
    "CHANNEL": "channel",
    "EXPIRY_TIMESTAMP": "initiation_timestamp",
}
NULLABLE_SORT_COLUMNS = {"scheduled_timestamp", "connected_to_agent_timestamp", "disconnect_timestamp"}
DATETIME_SORT_COLUMNS = {"initiation_timestamp", *NULLABLE_SORT_COLUMNS}
# The page's state filter: three words for the seven states a contact goes through.
STATE_GROUPS = {
    "active": list(OPEN_STATES),
    "scheduled": [ContactState.SCHEDULED],
    "ended": [ContactState.ENDED],
}
MATCH_TYPES = ("MATCH_ALL", "MATCH_ANY", "MATCH_EXACT", "MATCH_NONE")
# "more than 1,000": the most matching rows a count reads (a page shows 50; 10,000 cost 100-250 ms on the
# benchmark's million contacts for a common filter, 1,000 a tenth of that).
COUNT_CAP = 1_000


@dataclass
class ContactSearchFilters:
    """What a contact search can ask for; every list empty (or None) means "any"."""

    time_field: str = "INITIATION_TIMESTAMP"
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    contact_id: str = ""
    channels: list[str] = field(default_factory=list)
    initiation_methods: list[str] = field(default_factory=list)
    queue_ids: list[str] = field(default_factory=list)
    agent_ids: list[str] = field(default_factory=list)
    routing_profile_ids: list[str] = field(default_factory=list)
    # "active", "scheduled", "ended" (STATE_GROUPS).
    states: list[str] = field(default_factory=list)
    disconnect_reasons: list[str] = field(default_factory=list)
    task_template_ids: list[str] = field(default_factory=list)
    # [{"Key": ..., "Values": [...]}] and MATCH_ALL (every criterion) or MATCH_ANY (one is enough).
    attribute_criteria: list[dict] = field(default_factory=list)
    attribute_match: str = "MATCH_ALL"
    # Words looked up in the name and the description: MATCH_ANY (one word), MATCH_ALL (every word),
    # MATCH_NONE (no word); MATCH_EXACT compares the whole name.
    texts: list[str] = field(default_factory=list)
    text_match: str = "MATCH_ANY"
    sort_field: str = "INITIATION_TIMESTAMP"
    sort_descending: bool = True

    @property
    def sort_column(self) -> str:
        return SORT_FIELDS[self.sort_field]


def _attributes_q(queryset, criteria: list[dict], match: str):
    clauses = []
    for i, criterion in enumerate(criteria):
        key, values = criterion["Key"], criterion.get("Values") or []
        if not values:
            clauses.append(Q(attributes__has_key=key))
        elif connection.vendor == "postgresql":
            # attributes @> {"key": "value"}: served by the GIN index contact_attributes_gin (migration 0010).
            clause = Q()
            for value in values:
                clause |= Q(attributes__contains={key: value})
            clauses.append(clause)
        else:
            alias = f"_attr_{i}"
            # SQLite has no JSON containment; KeyTransform (not KeyTextTransform) so `__in` compares JSON values.
            queryset = queryset.alias(**{alias: KeyTransform(key, "attributes")})
            clauses.append(Q(**{f"{alias}__in": values}))
    if not clauses:
        return queryset
    combined = clauses[0]
    for clause in clauses[1:]:
        combined = combined | clause if match == "MATCH_ANY" else combined & clause
    return queryset.filter(combined)


def _texts_q(texts: list[str], match: str) -> Q | None:
    texts = [t for t in texts if t]
    if not texts:
        return None
    if match == "MATCH_EXACT":
        combined = Q()
        for text in texts:
            # iexact is UPPER(name) = UPPER(%s), which the trigram index on UPPER(name) serves (pg_trgm 1.6,
            # PostgreSQL 14+); the plain equality keeps the match exact.
            combined |= Q(name__iexact=text, name=text)
        return combined
    # icontains is UPPER(col) LIKE UPPER('%word%') on PostgreSQL: the trigram GIN indexes of migration 0010
    # are on UPPER(name) and UPPER(description) for that reason. SQLite runs the same LIKE over the rows.
    clauses = [Q(name__icontains=t) | Q(description__icontains=t) for t in texts]
    combined = clauses[0]
    for clause in clauses[1:]:
        combined = combined & clause if match == "MATCH_ALL" else combined | clause
    return ~combined if match == "MATCH_NONE" else combined


def _check(filters: ContactSearchFilters) -> None:
    if filters.time_field not in TIME_FIELDS:
        raise InvalidParameter("Unknown time range type.", field="TimeRange")
    if filters.sort_field not in SORT_FIELDS:
        raise InvalidParameter("Unknown sort field.", field="Sort")
    if filters.start and filters.end and filters.start > filters.end:
        raise InvalidParameter("TimeRange StartTime must not be after EndTime.", field="TimeRange")
    unknown = set(filters.states) - STATE_GROUPS.keys()
    if unknown:
        raise InvalidParameter(f"Unknown state: {sorted(unknown)[0]}.", field="State")
    if filters.attribute_match not in MATCH_TYPES or filters.text_match not in MATCH_TYPES:
        raise InvalidParameter("Unknown match type.", field="MatchType")


def contact_search_filter(*, instance, filters: ContactSearchFilters):
    """The instance's contacts matching `filters`, unordered (the paging and export functions order them)."""
    _check(filters)
    queryset = Contact.objects.filter(instance=instance)
    if filters.contact_id:
        queryset = queryset.filter(pk=filters.contact_id)
    time_column = TIME_FIELDS[filters.time_field]
    if filters.start:
        queryset = queryset.filter(**{f"{time_column}__gte": filters.start})
    if filters.end:
        queryset = queryset.filter(**{f"{time_column}__lte": filters.end})
    for values, lookup in (
        (filters.channels, "channel__in"),
        (filters.initiation_methods, "initiation_method__in"),
        (filters.queue_ids, "queue_id__in"),
        (filters.agent_ids, "agent_id__in"),
        (filters.disconnect_reasons, "disconnect_reason__in"),
        (filters.task_template_ids, "task_template_id__in"),
    ):
        if values:
            queryset = queryset.filter(**{lookup: values})
    if filters.routing_profile_ids:
        # The agents of those profiles (a few hundred ids), then contact_agent_time_idx per agent.
        agents = User.objects.filter(instance=instance, routing_profile_id__in=filters.routing_profile_ids)
        queryset = queryset.filter(agent_id__in=agents.values("pk"))
    if filters.states:
        queryset = queryset.filter(state__in=[s for group in filters.states for s in STATE_GROUPS[group]])
    queryset = _attributes_q(queryset, filters.attribute_criteria, filters.attribute_match)
    text_q = _texts_q(filters.texts, filters.text_match)
    if text_q is not None:
        queryset = queryset.filter(text_q)
    return queryset


def _order(column: str, descending: bool, *, reverse: bool = False) -> list:
    """ORDER BY for the sort: the column, then id; contacts without a value (a nullable timestamp) come last
    in both directions. `reverse` is the exact mirror, used to read the page before a cursor."""
    down = descending != reverse
    nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
    if column not in NULLABLE_SORT_COLUMNS:
        nulls = {}
    col = F(column).desc(**nulls) if down else F(column).asc(**nulls)
    return [col, F("id").desc() if down else F("id").asc()]


def contact_search(*, instance, filters: ContactSearchFilters):
    """The matching contacts in the asked order (ties broken by id): what the export streams."""
    queryset = contact_search_filter(instance=instance, filters=filters)
    return queryset.order_by(*_order(filters.sort_column, filters.sort_descending))


# --- keyset cursors ---------------------------------------------------------------------------------------


def cursor_encode(contact, filters: ContactSearchFilters) -> str:
    """An opaque cursor at `contact` for this sort: its sort value and id."""
    value = getattr(contact, filters.sort_column)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    body = {"s": filters.sort_field, "d": filters.sort_descending, "v": value, "i": contact.pk}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


def cursor_decode(cursor: str, filters: ContactSearchFilters) -> tuple:
    """(sort value, id) from a cursor issued for this same sort; anything else is a 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        value, pk = body["v"], body["i"]
        if body["s"] != filters.sort_field or body["d"] != filters.sort_descending or not isinstance(pk, str):
            raise ValueError("another sort")
        if value is not None and not isinstance(value, str):
            raise ValueError("not a value")
        if value is not None and filters.sort_column in DATETIME_SORT_COLUMNS:
            value = dt.datetime.fromisoformat(value)
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error, AttributeError):
        raise InvalidParameter("NextToken is not a paging token this server issued for this search.", field="NextToken")
    return value, pk


def _beyond(column: str, descending: bool, value, pk: str, *, backwards: bool) -> Q:
    """Rows strictly after (value, pk) in the order — or strictly before it when `backwards`.

    The extra non-strict bound (`col <= value` when walking down) is what lets the database start the index
    scan at the cursor instead of at the top of the instance's range; the OR then drops the equal values
    already shown.
    """
    down = descending != backwards
    strict, loose = ("lt", "lte") if down else ("gt", "gte")
    id_after = Q(**{f"id__{strict}": pk})
    nullable = column in NULLABLE_SORT_COLUMNS
    if value is None:
        # The cursor sits among the rows without a value, which come after every row with one.
        tail = Q(**{f"{column}__isnull": True}) & id_after
        return tail | Q(**{f"{column}__isnull": False}) if backwards else tail
    beyond_value = Q(**{f"{column}__{strict}": value}) | (Q(**{column: value}) & id_after)
    after = Q(**{f"{column}__{loose}": value}) & beyond_value
    if nullable and not backwards:
        after |= Q(**{f"{column}__isnull": True})
    return after


@dataclass
class ContactPage:
    """One page of a search: the rows, and cursors for the pages either side (None at an end)."""

    rows: list
    next_cursor: str | None
    previous_cursor: str | None


def contact_search_page(
    *,
    instance,
    filters: ContactSearchFilters,
    size: int = 50,
    after: str | None = None,
    before: str | None = None,
    select_related: tuple = (),
) -> ContactPage:
    """The `size` contacts after the cursor `after` (or before `before`; the first page with neither)."""
    queryset = contact_search_filter(instance=instance, filters=filters).select_related("instance", *select_related)
    column, descending = filters.sort_column, filters.sort_descending
    backwards = bool(before) and not after
    cursor = after or before
    if cursor:
        value, pk = cursor_decode(cursor, filters)
        queryset = queryset.filter(_beyond(column, descending, value, pk, backwards=backwards))
    rows = list(queryset.order_by(*_order(column, descending, reverse=backwards))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        next_cursor = cursor_encode(rows[-1], filters) if rows else None
        previous_cursor = cursor_encode(rows[0], filters) if rows and more else None
    else:
        next_cursor = cursor_encode(rows[-1], filters) if rows and more else None
        previous_cursor = cursor_encode(rows[0], filters) if rows and cursor else None
    return ContactPage(rows=rows, next_cursor=next_cursor, previous_cursor=previous_cursor)


def contact_search_count(*, instance, filters: ContactSearchFilters, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many contacts match, reading at most `cap` + 1 of them: (count, True) means "more than `cap`"."""
    queryset = contact_search_filter(instance=instance, filters=filters)
    found = queryset.order_by().values("pk")[: cap + 1].count()
    return min(found, cap), found > cap


def contact_search_iter(*, instance, filters: ContactSearchFilters, chunk_size: int = 2000) -> Iterator:
    """Every matching contact in order, `chunk_size` rows at a time: a server-side cursor on PostgreSQL, so
    memory stays flat however many rows match (the export)."""
    queryset = contact_search(instance=instance, filters=filters).select_related("queue", "agent", "flow")
    return queryset.iterator(chunk_size=chunk_size)
