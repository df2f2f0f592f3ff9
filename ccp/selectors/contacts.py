"""Reading contacts: the one contact search shared by SearchContacts, the console page and the export.

Paging is by keyset, never by OFFSET: a cursor holds the last row's sort value and id, and the next page is
"rows after that pair" in the same order, read from an index. Page 1,000 therefore costs what page 1 costs,
and a contact created while someone pages never shifts a page under them. Nothing here counts the whole
result: `contact_search_count` stops at a cap, and pages say "more than N".

A sort order is walked as one or more *segments*, each a stretch of the order that one index walk serves
(`_segments`): a channel or initiation-method sort is one segment per value (that value's contacts by
initiation time: index contact_channel_time_idx / contact_method_time_idx), a nullable timestamp sort is the
contacts with a value (its partial index) then those without one (by initiation time). A page reads the
segments in order until it has its rows, so no sort ever orders the whole time range in memory.
"""

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.fields.json import KeyTransform

from ccp.errors import InvalidParameter
from ccp.models import Channel, Contact, ContactCategory, ContactState, InitiationMethod, TranscriptSegment, User
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
# The sorts by a column with a few values: one segment per value (the contact_channel CHECK constraint and
# contact_initiation_method keep every row inside these lists, so no row falls outside every segment).
VALUE_SORT_COLUMNS = {"channel": Channel.values, "initiation_method": InitiationMethod.values}
# Every other timestamp of a contact records something that happened after it was initiated (a scheduled
# start may be set up to a second in the past: validate_scheduled_time's slack). A search by initiation time
# therefore bounds them too, which lets their indexes start at the range instead of at the oldest contact.
AFTER_INITIATION_SLACK = dt.timedelta(minutes=1)
# The page's state filter: three words for the seven states a contact goes through.
STATE_GROUPS = {
    "active": list(OPEN_STATES),
    "scheduled": [ContactState.SCHEDULED],
    "ended": [ContactState.ENDED],
}
MATCH_TYPES = ("MATCH_ALL", "MATCH_ANY", "MATCH_EXACT", "MATCH_NONE")
# Transcript participant roles (Contact Lens's ParticipantRole); "" on the page means any participant.
PARTICIPANT_ROLES = ("AGENT", "CUSTOMER", "SYSTEM", "CUSTOM_BOT", "SUPERVISOR")
# "more than 1,000": the most matching rows a count reads (a page shows 50; 10,000 cost 100-250 ms on the
# benchmark's million contacts for a common filter, 1,000 a tenth of that).
COUNT_CAP = 1_000
# The server time a count may take on PostgreSQL before the page says "more than" its rows instead
# (contact_search_count).
COUNT_BUDGET_MS = 40
# Words in transcripts: a common word's count reads every segment holding it (tens of thousands at a million
# contacts) and runs out of any budget, so it gets a short one — a rare word's count (an index lookup of a few
# rows) still finishes in it. bench/search.py: the two-word search's p95 was its page plus 40 ms of count plus
# the cancel.
TRANSCRIPT_COUNT_BUDGET_MS = 10


def count_budget_ms(filters: "ContactSearchFilters") -> int:
    """The server time the count beside a page of these results may take on PostgreSQL."""
    return TRANSCRIPT_COUNT_BUDGET_MS if filters.transcript_criteria else COUNT_BUDGET_MS


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
    # Categories a rule assigned: MATCH_ALL (every name) or MATCH_ANY (one of them).
    categories: list[str] = field(default_factory=list)
    category_match: str = "MATCH_ALL"
    # Words in the transcript, in botocore's TranscriptCriteria shape: [{"ParticipantRole": "CUSTOMER" (or ""
    # for anyone), "SearchText": [...], "MatchType": ...}], combined by `transcript_match`.
    transcript_criteria: list[dict] = field(default_factory=list)
    transcript_match: str = "MATCH_ALL"
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


def _combine(clauses: list[Q], match: str) -> Q:
    combined = clauses[0]
    for clause in clauses[1:]:
        combined = combined | clause if match == "MATCH_ANY" else combined & clause
    return combined


def _initiated_bounds(filters: ContactSearchFilters) -> dict:
    """The search's bounds on its contacts' initiation time, as lookups on the copy of it that categories keep
    (contact_initiated_at): the same rows match with or without them, but the database then reads a name's
    categories of the range (index contact_category_initiated_idx, migration 0025), where the name alone
    matches contacts of every day: 28 ms instead of 64 ms p50 for one category on the benchmark.

    Transcript segments keep no such copy: measured with one (and its index), the planner multiplied the
    range's selectivity by the word's, expected 25 contacts where 2,600 matched, and sorted every match instead
    of walking the initiation index — twice slower (README, Performance)."""
    bounds = {}
    if filters.time_field == "INITIATION_TIMESTAMP":
        if filters.start:
            bounds["contact_initiated_at__gte"] = filters.start
        if filters.end:
            bounds["contact_initiated_at__lte"] = filters.end
    elif filters.end:
        bounds["contact_initiated_at__lte"] = filters.end + AFTER_INITIATION_SLACK
    return bounds


def _categories_q(names: list[str], match: str, bounds: dict) -> Q | None:
    """Contacts a rule put in these categories (the unique index on (contact, name) answers each probe)."""
    names = [n for n in names if n]
    if not names:
        return None
    assigned = ContactCategory.objects.filter(contact_id=OuterRef("pk"), **bounds)
    if match == "MATCH_ANY":
        return Q(Exists(assigned.filter(name__in=names)))
    return _combine([Q(Exists(assigned.filter(name=name))) for name in names], "MATCH_ALL")


def _transcript_criterion_q(criterion: dict) -> Q | None:
    """One TranscriptCriteria: segments of that participant containing the texts (any, all, none of them, or
    one segment saying exactly a text). icontains is UPPER(content) LIKE UPPER('%text%'), which the trigram GIN
    index of migration 0012 serves on PostgreSQL."""
    texts = [t for t in criterion.get("SearchText") or [] if t]
    if not texts:
        return None
    segments = TranscriptSegment.objects.filter(contact_id=OuterRef("pk"))
    if criterion.get("ParticipantRole"):
        segments = segments.filter(participant_role=criterion["ParticipantRole"])
    match = criterion.get("MatchType") or "MATCH_ANY"
    if match == "MATCH_EXACT":
        return _combine([Q(Exists(segments.filter(content__iexact=t))) for t in texts], "MATCH_ANY")
    said = [Q(Exists(segments.filter(content__icontains=t))) for t in texts]
    if match == "MATCH_NONE":
        return ~_combine(said, "MATCH_ANY")
    return _combine(said, match)


def _transcript_q(criteria: list[dict], match: str) -> Q | None:
    clauses = [q for q in map(_transcript_criterion_q, criteria) if q is not None]
    return _combine(clauses, match) if clauses else None


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
    matches = (filters.attribute_match, filters.text_match, filters.category_match, filters.transcript_match)
    matches += tuple(c.get("MatchType") or "MATCH_ANY" for c in filters.transcript_criteria)
    if any(match not in MATCH_TYPES for match in matches):
        raise InvalidParameter("Unknown match type.", field="MatchType")
    roles = {c.get("ParticipantRole") or "" for c in filters.transcript_criteria} - {"", *PARTICIPANT_ROLES}
    if roles:
        raise InvalidParameter(f"Unknown participant role: {sorted(roles)[0]}.", field="ParticipantRole")


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
        if time_column != "initiation_timestamp":
            # Initiated before what it is searched by (AFTER_INITIATION_SLACK): the initiation index, which
            # serves the default sort, then starts at the range's end instead of at the newest contact.
            queryset = queryset.filter(initiation_timestamp__lte=filters.end + AFTER_INITIATION_SLACK)
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
        # The agents of those profiles (a few hundred ids), read first: as a subquery the planner guessed one
        # agent and sorted every contact of the real hundred (62 ms on the benchmark); with the list it knows
        # a fifth of the contacts match and walks the initiation index (1 ms).
        agents = User.objects.filter(instance=instance, routing_profile_id__in=filters.routing_profile_ids)
        queryset = queryset.filter(agent_id__in=list(agents.values_list("pk", flat=True)))
    if filters.states:
        queryset = queryset.filter(state__in=[s for group in filters.states for s in STATE_GROUPS[group]])
    queryset = _attributes_q(queryset, filters.attribute_criteria, filters.attribute_match)
    for clause in (
        _texts_q(filters.texts, filters.text_match),
        _categories_q(filters.categories, filters.category_match, _initiated_bounds(filters)),
        _transcript_q(filters.transcript_criteria, filters.transcript_match),
    ):
        if clause is not None:
            queryset = queryset.filter(clause)
    return queryset


@dataclass(frozen=True)
class _Segment:
    """One stretch of a sort order that one index walk serves: the rows matching `where`, by `key` then id."""

    label: str
    where: Q
    key: str


def _segments(filters: ContactSearchFilters) -> list[_Segment]:
    """The sort order as segments, in the order they are shown (see the module docstring)."""
    column, descending = filters.sort_column, filters.sort_descending
    if column in VALUE_SORT_COLUMNS:
        asked = {"channel": filters.channels, "initiation_method": filters.initiation_methods}[column]
        values = sorted(v for v in VALUE_SORT_COLUMNS[column] if not asked or v in asked)
        if descending:
            values.reverse()
        return [_Segment(value, Q(**{column: value}), "initiation_timestamp") for value in values]
    bound = Q()
    if column != "initiation_timestamp" and filters.time_field == "INITIATION_TIMESTAMP" and filters.start:
        bound = Q(**{f"{column}__gte": filters.start - AFTER_INITIATION_SLACK})
    if column in NULLABLE_SORT_COLUMNS:
        # Contacts without the value come last in both directions, in initiation order.
        return [
            _Segment("set", Q(**{f"{column}__isnull": False}) & bound, column),
            _Segment("null", Q(**{f"{column}__isnull": True}), "initiation_timestamp"),
        ]
    return [_Segment("all", Q(), column)]


def _order(key: str, descending: bool, *, reverse: bool = False) -> list:
    """ORDER BY within a segment: its key, then id. `reverse` is the exact mirror (the page before a cursor)."""
    if descending != reverse:
        return [F(key).desc(), F("id").desc()]
    return [F(key).asc(), F("id").asc()]


def contact_search(*, instance, filters: ContactSearchFilters) -> list:
    """The matching contacts in the asked order (ties broken by id), as one ordered queryset per segment of the
    order: what the export streams, one after the other."""
    queryset = contact_search_filter(instance=instance, filters=filters)
    return [
        queryset.filter(segment.where).order_by(*_order(segment.key, filters.sort_descending))
        for segment in _segments(filters)
    ]


# --- keyset cursors ---------------------------------------------------------------------------------------


def cursor_encode(contact, segment: _Segment, filters: ContactSearchFilters) -> str:
    """An opaque cursor at `contact` for this sort: its segment, its value of the segment's key, and its id."""
    value = getattr(contact, segment.key)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    body = {"s": filters.sort_field, "d": filters.sort_descending, "g": segment.label, "v": value, "i": contact.pk}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


def cursor_decode(cursor: str, filters: ContactSearchFilters) -> tuple[int, object, str]:
    """(segment index, key value, id) from a cursor issued for this same sort; anything else is a 400."""
    segments = _segments(filters)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        value, pk = body["v"], body["i"]
        if body["s"] != filters.sort_field or body["d"] != filters.sort_descending or not isinstance(pk, str):
            raise ValueError("another sort")
        index = [segment.label for segment in segments].index(body["g"])
        if not isinstance(value, str):
            raise ValueError("not a value")
        # Every segment's key is a timestamp (a value sort's segments are in initiation order).
        value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            raise ValueError("a naive time")
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error, AttributeError):
        raise InvalidParameter("NextToken is not a paging token this server issued for this search.", field="NextToken")
    return index, value, pk


def _beyond(key: str, descending: bool, value, pk: str, *, backwards: bool) -> Q:
    """Rows strictly after (value, pk) in a segment's order — or strictly before it when `backwards`.

    The extra non-strict bound (`key <= value` when walking down) is what lets the database start the index
    scan at the cursor instead of at the top of the instance's range; the OR then drops the equal values
    already shown.
    """
    strict, loose = ("lt", "lte") if descending != backwards else ("gt", "gte")
    beyond_value = Q(**{f"{key}__{strict}": value}) | Q(**{key: value, f"id__{strict}": pk})
    return Q(**{f"{key}__{loose}": value}) & beyond_value


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
    """The `size` contacts after the cursor `after` (or before `before`; the first page with neither).

    Reads the order's segments from the cursor's on (backwards: down to the first) until it has `size` + 1
    rows; each segment's read starts at the cursor through its index."""
    queryset = contact_search_filter(instance=instance, filters=filters).select_related("instance", *select_related)
    segments = _segments(filters)
    backwards = bool(before) and not after
    cursor = after or before
    first, value, pk = cursor_decode(cursor, filters) if cursor else (0, None, None)
    walk = range(first, -1, -1) if backwards else range(first, len(segments))
    found: list[tuple] = []
    with _serial():
        for index in walk:
            segment = segments[index]
            part = queryset.filter(segment.where)
            if cursor and index == first:
                part = part.filter(_beyond(segment.key, filters.sort_descending, value, pk, backwards=backwards))
            part = part.order_by(*_order(segment.key, filters.sort_descending, reverse=backwards))
            found.extend((row, segment) for row in part[: size + 1 - len(found)])
            if len(found) > size:
                break
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
        next_cursor = cursor_encode(*found[-1], filters) if found else None
        previous_cursor = cursor_encode(*found[0], filters) if found and more else None
    else:
        next_cursor = cursor_encode(*found[-1], filters) if found and more else None
        previous_cursor = cursor_encode(*found[0], filters) if found and cursor else None
    return ContactPage(rows=[row for row, _ in found], next_cursor=next_cursor, previous_cursor=previous_cursor)


@contextmanager
def _serial():
    """The page's queries without parallel workers (PostgreSQL). A page reads `size` + 1 rows walking an index,
    but when a filter's share of the contacts is hard to guess (a word in the transcript: Exists over the
    segments) the planner expects to walk thousands and plans a Gather Merge over a parallel index scan, whose
    workers take 15-25 ms to start on a busy machine: the two-word transcript page read in 3 ms serially
    against 22-30 ms in parallel (README, Performance). SET LOCAL in a transaction of its own (its end undoes
    it), or in a savepoint of the caller's, where the previous value is put back before the savepoint goes (as
    _count_within does with the statement timeout)."""
    if connection.vendor != "postgresql":
        yield
        return
    inside = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_parallel_workers_per_gather'), "
            "set_config('max_parallel_workers_per_gather', '0', true)"
        )
        (previous, _) = cursor.fetchone()
        yield
        if inside:
            cursor.execute("SELECT set_config('max_parallel_workers_per_gather', %s, true)", [previous])


def contact_search_count(
    *,
    instance,
    filters: ContactSearchFilters,
    cap: int = COUNT_CAP,
    page: ContactPage | None = None,
    budget_ms: int | None = None,
) -> tuple[int, bool]:
    """How many contacts match, reading at most `cap` + 1 of them: (n, True) means "more than n".

    With the `page` just read: a page with no page on either side is the whole result, so its rows are the
    count (no query). On PostgreSQL the count gets `budget_ms` (`count_budget_ms` by default) of server time: a
    count that needs more (words in transcripts, categories, attributes every third contact has: each must
    read every matching row of its index before the time range narrows it) is cancelled, and the answer is
    "more than" the rows the page shows — the page itself is read through the time index and stays fast.
    """
    if page is not None and page.next_cursor is None and page.previous_cursor is None:
        return min(len(page.rows), cap), len(page.rows) > cap
    queryset = contact_search_filter(instance=instance, filters=filters).order_by().values("pk")[: cap + 1]
    budget = count_budget_ms(filters) if budget_ms is None else budget_ms
    if connection.vendor != "postgresql" or not budget:
        found = queryset.count()
        return min(found, cap), found > cap
    from psycopg.errors import QueryCanceled

    try:
        found = _count_within(queryset, budget)
    except OperationalError as error:
        if not isinstance(error.__cause__, QueryCanceled):
            raise
        shown = len(page.rows) if page is not None else 0
        return min(shown, cap), True
    return min(found, cap), found > cap


def _count_within(queryset, budget_ms: int) -> int:
    """queryset.count() under a statement_timeout of `budget_ms`, the connection's own timeout back after."""
    timeout = f"{budget_ms}ms"
    if not connection.in_atomic_block:
        # Autocommit (a request): three statements, and RESET brings back the session's own timeout.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [timeout])
            try:
                return queryset.count()
            finally:
                cursor.execute("RESET statement_timeout")
    # Inside the caller's transaction, a savepoint: a cancelled count rolls back to it (and its SET LOCAL with
    # it) and the transaction carries on; a finished one puts the timeout back before the savepoint goes.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        (previous,) = cursor.fetchone()
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
        found = queryset.count()
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
        return found


def contact_search_iter(*, instance, filters: ContactSearchFilters, chunk_size: int = 2000) -> Iterator:
    """Every matching contact in order, `chunk_size` rows at a time: a server-side cursor on PostgreSQL, so
    memory stays flat however many rows match."""
    for queryset in contact_search(instance=instance, filters=filters):
        yield from queryset.select_related("queue", "agent", "flow").iterator(chunk_size=chunk_size)


def contact_categories(contact_ids) -> dict[str, list[str]]:
    """The category names of these contacts, by contact id (the search results show them)."""
    names: dict[str, list[str]] = {}
    rows = ContactCategory.objects.filter(contact_id__in=list(contact_ids)).order_by("name")
    for contact_id, name in rows.values_list("contact_id", "name"):
        names.setdefault(contact_id, []).append(name)
    return names
