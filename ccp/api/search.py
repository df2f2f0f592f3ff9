"""SearchContacts: parse botocore's criteria into ContactSearchFilters, page by keyset, render."""

from ccp.api.render import contact_search_summary
from ccp.selectors.contacts import ContactSearchFilters, contact_search_count, contact_search_page


def search_filters(params) -> ContactSearchFilters:
    """SearchContacts' TimeRange, SearchCriteria and Sort as the selector's filters."""
    time_range = params["TimeRange"]
    criteria = params.get("SearchCriteria") or {}
    attributes = criteria.get("SearchableContactAttributes") or {}
    name = criteria.get("Name") or {}
    transcript = (criteria.get("ContactAnalysis") or {}).get("Transcript") or {}
    sort = params.get("Sort") or {}
    return ContactSearchFilters(
        time_field=time_range["Type"],
        start=time_range["StartTime"],
        end=time_range["EndTime"],
        channels=criteria.get("Channels") or [],
        initiation_methods=criteria.get("InitiationMethods") or [],
        queue_ids=criteria.get("QueueIds") or [],
        agent_ids=criteria.get("AgentIds") or [],
        attribute_criteria=attributes.get("Criteria") or [],
        attribute_match=attributes.get("MatchType") or "MATCH_ALL",
        texts=name.get("SearchText") or [],
        text_match=name.get("MatchType") or "MATCH_ANY",
        transcript_criteria=transcript.get("Criteria") or [],
        transcript_match=transcript.get("MatchType") or "MATCH_ALL",
        sort_field=sort.get("FieldName") or "INITIATION_TIMESTAMP",
        sort_descending=(sort.get("Order") or "DESCENDING") == "DESCENDING",
    )


def search_contacts(*, instance, params) -> dict:
    """SearchContacts: POST /search-contacts (at most 100 per page). NextToken is a keyset cursor: the last
    row's sort value and id. TotalCount stops at 1,000 (COUNT_CAP: counting millions on every page is what the
    cursor avoids), and is the page's row count when counting would take longer than COUNT_BUDGET_MS."""
    filters = search_filters(params)
    result = contact_search_page(
        instance=instance, filters=filters, size=params.get("MaxResults") or 100, after=params.get("NextToken")
    )
    total, _more = contact_search_count(instance=instance, filters=filters, page=result)
    return {
        "Contacts": [contact_search_summary(c) for c in result.rows],
        "TotalCount": total,
        "NextToken": result.next_cursor,
    }
