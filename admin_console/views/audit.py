"""The audit log page: who changed what and when, newest first, filtered in the URL, paged by keyset."""

import json
from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.http import require_GET

from admin_console.access import permission_required
from admin_console.forms.audit import AuditFilterForm
from ccp.errors import InvalidParameter
from ccp.selectors.audit import audit_entries, keyset_page

PAGE_SIZE = 50


def page_query(params, **changes) -> str:
    """The page's query string with `changes` applied (None removes a key)."""
    query = {key: value for key, value in params.items() if value}
    for key, value in changes.items():
        query.pop(key, None)
        if value:
            query[key] = value
    return urlencode(query)


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:199] + "…"


def entry_changes(entry) -> list[tuple[str, str, str]]:
    """(field, before, after) for each field the entry records, in words for the page."""
    fields = sorted(set(entry.before) | set(entry.after))
    return [(f.replace("_", " "), _shown(entry.before.get(f)), _shown(entry.after.get(f))) for f in fields]


@require_GET
@permission_required("AuditLog.View")
def audit_log(request):
    """The instance's audit entries narrowed by the filters, 50 a page (Newer / Older)."""
    tenant = request.user.instance
    form = AuditFilterForm(request.GET, tenant=tenant)
    params = request.GET.dict()
    context = {"form": form, "rows": [], "error": "", "first_query": page_query(params, after=None, before=None)}
    if form.is_valid():
        try:
            page = keyset_page(
                audit_entries(instance_id=tenant.pk, filters=form.filters()),
                size=PAGE_SIZE,
                after=request.GET.get("after") or None,
                before=request.GET.get("before") or None,
            )
        except InvalidParameter:
            context["error"] = "This page link is out of date. Start again from the newest entries."
        else:
            for row in page.rows:
                row.changes = entry_changes(row)
                row.resource_label = row.resource_type.replace("_", " ")
            context.update(
                rows=page.rows,
                filtered=any(form.cleaned_data.values()),
                next_query=page_query(params, after=page.next_cursor, before=None) if page.next_cursor else "",
                previous_query=page_query(params, before=page.previous_cursor, after=None)
                if page.previous_cursor
                else "",
            )
    template = "admin_console/audit_log.html"
    return render(request, f"{template}#results" if request.htmx else template, context)
