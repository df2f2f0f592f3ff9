"""SearchContacts: parse the criteria into ContactSearchFilters, page the selector's result, render."""

from ccp.api.paging import page
from ccp.api.render import contact_search_summary
from ccp.selectors.contacts import ContactSearchFilters, contact_search


def search_contacts(*, instance, params) -> dict:
    """SearchContacts: POST /search-contacts (at most 100 per page, NextToken for the rest)."""
    time_range = params["TimeRange"]
    criteria = params.get("SearchCriteria", {})
    attributes = criteria.get("SearchableContactAttributes") or {}
    name = criteria.get("Name") or {}
    sort = params.get("Sort") or {}
    filters = ContactSearchFilters(
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
        sort_field=sort.get("FieldName") or "INITIATION_TIMESTAMP",
        sort_descending=(sort.get("Order") or "DESCENDING") == "DESCENDING",
    )
    queryset = contact_search(instance=instance, filters=filters)
    rows, next_token = page(queryset, next_token=params.get("NextToken"), max_results=params.get("MaxResults"))
    return {
        "Contacts": [contact_search_summary(c) for c in rows],
        "TotalCount": queryset.count(),
        "NextToken": next_token,
    }
