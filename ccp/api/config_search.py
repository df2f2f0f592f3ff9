"""SearchQueues, SearchRoutingProfiles and SearchQuickConnects: Amazon Connect's SearchCriteria (string conditions
on name, description and resourceID, nested in And/Or lists) and SearchFilter.TagFilter, as one query each,
paged like the List operations."""

from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.lookups import Exact

from ccp.api.paging import page
from ccp.errors import InvalidParameter

# Amazon Connect: "The currently supported values for FieldName are name, description, and resourceID."
FIELDS = {"name": "name", "description": "description", "resourceID": "pk"}
LOOKUP = {"STARTS_WITH": "istartswith", "CONTAINS": "icontains", "EXACT": "exact"}
# And/Or lists nest; past this depth a request is refused rather than recursed into.
DEPTH_MAX = 5


def _string(condition: dict) -> Q:
    field = FIELDS.get(condition.get("FieldName", ""))
    if field is None:
        raise InvalidParameter("FieldName is one of name, description, resourceID.", field="SearchCriteria")
    if "Value" not in condition or "ComparisonType" not in condition:
        raise InvalidParameter("A StringCondition needs a Value and a ComparisonType.", field="SearchCriteria")
    return Q(**{f"{field}__{LOOKUP[condition['ComparisonType']]}": condition["Value"]})


def criteria_q(criteria: dict | None, *, extra=None, depth: int = 0) -> Q:
    """A SearchCriteria as a Q: its members all hold (AndConditions each, OrConditions any). `extra(criteria)`
    adds the operation's own conditions (QueueTypeCondition)."""
    if depth > DEPTH_MAX:
        raise InvalidParameter(f"SearchCriteria nests at most {DEPTH_MAX} levels.", field="SearchCriteria")
    where = Q()
    for criterion in (criteria or {}).get("AndConditions") or []:
        where &= criteria_q(criterion, extra=extra, depth=depth + 1)
    if (criteria or {}).get("OrConditions"):
        any_of = Q(pk__in=[])
        for criterion in criteria["OrConditions"]:
            any_of |= criteria_q(criterion, extra=extra, depth=depth + 1)
        where &= any_of
    if (criteria or {}).get("StringCondition"):
        where &= _string(criteria["StringCondition"])
    if extra is not None and criteria:
        where &= extra(criteria)
    return where


def _tag(condition: dict) -> Q:
    key = condition.get("TagKey")
    if not key:
        raise InvalidParameter("A tag condition needs a TagKey.", field="SearchFilter")
    if condition.get("TagValue") is None:
        return Q(tags__has_key=key)
    return Q(Exact(KeyTextTransform(key, "tags"), condition["TagValue"]))


def tag_filter_q(search_filter: dict | None) -> Q:
    """A SearchFilter.TagFilter as a Q: OrConditions is any of its lists (each all of its tags), AndConditions
    all of its tags, TagCondition one tag."""
    tag_filter = (search_filter or {}).get("TagFilter") or {}
    where = Q()
    if tag_filter.get("OrConditions"):
        any_of = Q(pk__in=[])
        for conditions in tag_filter["OrConditions"]:
            all_of = Q()
            for condition in conditions:
                all_of &= _tag(condition)
            any_of |= all_of
        where &= any_of
    for condition in tag_filter.get("AndConditions") or []:
        where &= _tag(condition)
    if tag_filter.get("TagCondition"):
        where &= _tag(tag_filter["TagCondition"])
    return where


def search(queryset, params, *, extra=None) -> tuple[list, str | None, int]:
    """(rows of one page, next token, approximate total) for a Search operation's criteria and filter."""
    queryset = queryset.filter(criteria_q(params.get("SearchCriteria"), extra=extra)).filter(
        tag_filter_q(params.get("SearchFilter"))
    )
    queryset = queryset.order_by("name", "pk")
    rows, token = page(queryset, next_token=params.get("NextToken"), max_results=params.get("MaxResults"))
    return rows, token, queryset.count()
