"""Saved report definitions: a supervisor's named historical reports (the query string of the report page)."""

from ccp.models import SavedReport, User
from ccp.services.transactions import entry_transaction

NAME_MAX = 127
QUERY_MAX = 4096


def saved_report_save(*, user: User, name: str, query: str) -> SavedReport | None:
    """Save the report definition under `name` for `user` (a same name replaces it); a blank name saves nothing."""
    name = (name or "").strip()[:NAME_MAX]
    if not name:
        return None
    with entry_transaction():
        report, _ = SavedReport.objects.update_or_create(
            user=user, name=name, defaults={"instance": user.instance, "query": (query or "")[:QUERY_MAX]}
        )
    return report
