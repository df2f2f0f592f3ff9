"""Reading contacts: the contact search shared by SearchContacts and the console."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.fields.json import KeyTransform

from ccp.errors import InvalidParameter
from ccp.models import Contact

TIME_FIELDS = {
    "INITIATION_TIMESTAMP": "initiation_timestamp",
    "SCHEDULED_TIMESTAMP": "scheduled_timestamp",
    "CONNECTED_TO_AGENT_TIMESTAMP": "connected_to_agent_timestamp",
    "DISCONNECT_TIMESTAMP": "disconnect_timestamp",
    "ENQUEUE_TIMESTAMP": "enqueue_timestamp",
}
SORT_FIELDS = {
    **TIME_FIELDS,
    "INITIATION_METHOD": "initiation_method",
    "CHANNEL": "channel",
}


@dataclass
class ContactSearchFilters:
    """What SearchContacts can ask for; every list empty means "any"."""

    time_field: str = "INITIATION_TIMESTAMP"
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    channels: list[str] = field(default_factory=list)
    initiation_methods: list[str] = field(default_factory=list)
    queue_ids: list[str] = field(default_factory=list)
    agent_ids: list[str] = field(default_factory=list)
    # [{"Key": ..., "Values": [...]}] and MATCH_ALL (every criterion) or MATCH_ANY (one is enough).
    attribute_criteria: list[dict] = field(default_factory=list)
    attribute_match: str = "MATCH_ALL"
    # Words looked up in the name and the description; MATCH_ALL, MATCH_ANY or MATCH_EXACT (whole name).
    texts: list[str] = field(default_factory=list)
    text_match: str = "MATCH_ANY"
    sort_field: str = "INITIATION_TIMESTAMP"
    sort_descending: bool = True


def _attributes_q(queryset, criteria: list[dict], match: str):
    clauses = []
    for i, criterion in enumerate(criteria):
        alias = f"_attr_{i}"
        # KeyTransform (not KeyTextTransform) so `__in` compares JSON values on SQLite as on PostgreSQL.
        queryset = queryset.alias(**{alias: KeyTransform(criterion["Key"], "attributes")})
        values = criterion.get("Values") or []
        clauses.append(Q(**{f"{alias}__in": values}) if values else Q(**{f"{alias}__isnull": False}))
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
            combined |= Q(name=text)
        return combined
    clauses = [Q(name__icontains=t) | Q(description__icontains=t) for t in texts]
    combined = clauses[0]
    for clause in clauses[1:]:
        combined = combined & clause if match == "MATCH_ALL" else combined | clause
    return combined


def contact_search(*, instance, filters: ContactSearchFilters):
    """The instance's contacts matching `filters`, in the asked order (newest first by default)."""
    time_column = TIME_FIELDS.get(filters.time_field)
    sort_column = SORT_FIELDS.get(filters.sort_field)
    if time_column is None or sort_column is None:
        raise InvalidParameter("Unknown time range type or sort field.")
    if filters.start and filters.end and filters.start > filters.end:
        raise InvalidParameter("TimeRange StartTime must not be after EndTime.", field="TimeRange")
    queryset = Contact.objects.filter(instance=instance).select_related("instance")
    if filters.start:
        queryset = queryset.filter(**{f"{time_column}__gte": filters.start})
    if filters.end:
        queryset = queryset.filter(**{f"{time_column}__lte": filters.end})
    if filters.channels:
        queryset = queryset.filter(channel__in=filters.channels)
    if filters.initiation_methods:
        queryset = queryset.filter(initiation_method__in=filters.initiation_methods)
    if filters.queue_ids:
        queryset = queryset.filter(queue_id__in=filters.queue_ids)
    if filters.agent_ids:
        queryset = queryset.filter(agent_id__in=filters.agent_ids)
    queryset = _attributes_q(queryset, filters.attribute_criteria, filters.attribute_match)
    text_q = _texts_q(filters.texts, filters.text_match)
    if text_q is not None:
        queryset = queryset.filter(text_q)
    sign = "-" if filters.sort_descending else ""
    return queryset.order_by(f"{sign}{sort_column}", f"{sign}id")
