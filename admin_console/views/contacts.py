"""Contact search and the contact summary, for supervisors and admins (ccp.selectors.contacts reads both)."""

import json
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from admin_console.access import instance_zone, permission_required
from admin_console.forms.analytics import SORT_KEYS, ContactSearchForm, sort_key
from ccp.errors import InvalidParameter
from ccp.models import Channel, Contact, InitiationMethod, Queue, RuleFiring, User
from ccp.selectors.contact_export import FORMATS, contact_export_chunks, contact_export_filename
from ccp.selectors.contacts import COUNT_CAP, contact_categories, contact_search_count, contact_search_page
from ccp.selectors.conversations import contact_categories as conversation_categories
from ccp.selectors.conversations import transcript_latest

PAGE_SIZE = 50
# The URL parameters that say where a page starts: dropped when the filters or the sort change.
CURSOR_PARAMS = ("after", "before")


def _query(params, **changes) -> str:
    """The current URL query with `changes` applied (None removes a parameter)."""
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


# The result columns: (label, URL sort key or None, numeric).
COLUMNS = [
    ("Contact ID", None, False),
    ("Channel", "channel", False),
    ("Initiation method", "method", False),
    ("Initiated", "initiated", False),
    ("Queue", None, False),
    ("Agent", None, False),
    ("Name", None, False),
    ("State", None, False),
    ("Duration", None, True),
    ("Disconnect reason", None, False),
]


def _columns(params, sort: str) -> list[dict]:
    """The header cells; a sortable one links to its sort (a second click reverses it) with its aria-sort."""
    columns = []
    descending = sort.startswith("-")
    for label, key, numeric in COLUMNS:
        column = {"label": label, "numeric": numeric, "query": "", "aria": "none", "arrow": ""}
        if key in SORT_KEYS:
            current = sort.lstrip("-") == key
            target = key if current and descending else f"-{key}"
            column["query"] = _query(params, sort=target, after=None, before=None)
            if current:
                column.update(aria="descending" if descending else "ascending", arrow="▼" if descending else "▲")
        columns.append(column)
    return columns


@require_GET
@permission_required("ContactSearch.View")
def contact_search(request):
    """The instance's contacts narrowed by the filters, 50 a page by keyset (Next/Previous cursors)."""
    tenant = request.user.instance
    form = ContactSearchForm(request.GET, tenant=tenant)
    sort = sort_key(request.GET.get("sort"))
    params = request.GET.copy()
    context = {
        "form": form,
        "sort": sort,
        "columns": _columns(params, sort),
        "rows": [],
        "error": "",
        "first_query": _query(params, after=None, before=None),
    }
    if form.is_valid():
        filters = form.filters(sort)
        if filters.contact_id:
            found = Contact.objects.filter(instance=tenant, pk=filters.contact_id).values_list("pk", flat=True)
            if found:
                return redirect("admin_console:contact_detail", found[0])
        try:
            page = contact_search_page(
                instance=tenant,
                filters=filters,
                size=PAGE_SIZE,
                after=request.GET.get("after") or None,
                before=request.GET.get("before") or None,
                select_related=("queue", "agent"),
            )
        except InvalidParameter:
            context["error"] = "This page link is out of date for these filters. Start again from the first page."
        else:
            categories = contact_categories(row.pk for row in page.rows)
            for row in page.rows:
                row.duration_seconds = contact_duration(row)
                row.category_names = categories.get(row.pk, [])
            count, more = contact_search_count(instance=tenant, filters=filters, cap=COUNT_CAP, page=page)
            context.update(
                rows=page.rows,
                count=count,
                more=more,
                next_query=_query(params, after=page.next_cursor, before=None) if page.next_cursor else "",
                previous_query=_query(params, before=page.previous_cursor, after=None) if page.previous_cursor else "",
                export_query=_query(params, after=None, before=None),
            )
    template = "admin_console/contact_search.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


async def _in_one_thread(chunks):
    """The sync chunks as an async iterator, one chunk per hop to the request's thread: under daphne Django
    would otherwise read a sync iterator whole into memory before sending it. thread_sensitive keeps every
    read of the server-side cursor on one thread (one database connection)."""
    while True:
        chunk = await sync_to_async(next, thread_sensitive=True)(chunks, None)
        if chunk is None:
            return
        yield chunk


@require_GET
@permission_required("ContactSearch.View")
def contact_export(request):
    """The current search as CSV or JSON Lines (?format=), streamed row by row in the search's order."""
    tenant = request.user.instance
    fmt = request.GET.get("format", "csv")
    form = ContactSearchForm(request.GET, tenant=tenant)
    if fmt not in FORMATS or not form.is_valid():
        return HttpResponseBadRequest("Correct the search filters (or the format: csv or jsonl) and export again.")
    filters = form.filters(sort_key(request.GET.get("sort")))
    chunks = contact_export_chunks(instance=tenant, filters=filters, fmt=fmt)
    response = StreamingHttpResponse(_in_one_thread(chunks), content_type=CONTENT_TYPES[fmt])
    name = contact_export_filename(instance=tenant, filters=filters, fmt=fmt, zone=instance_zone(tenant))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@permission_required("ContactSearch.View")
def contact_detail(request, pk):
    """Everything about one contact: its fields, references, attributes, links, events and flow trace."""
    tenant = request.user.instance
    contact = get_object_or_404(
        Contact.objects.select_related(
            "queue",
            "agent",
            "flow",
            "customer_queue_flow",
            "disconnect_flow",
            "task_template",
            "previous_contact",
            "related_contact",
            "initial_contact",
        ),
        pk=pk,
        instance=tenant,
    )
    context = {
        "contact": contact,
        "references": reference_rows(contact.references),
        "attributes": sorted((contact.attributes or {}).items()),
        "linked": linked_contacts(contact),
        "durations": contact_durations(contact),
        "events": contact.events.select_related("actor", "agent", "queue"),
        # Rules: the categories they assigned, and what each rule did with this contact (or made from it).
        "rule_firings": RuleFiring.objects.filter(contact=contact).select_related("task").order_by("fired_at", "id"),
        "made_by_rule": RuleFiring.objects.filter(task=contact).first(),
        "trace": trace_rows(contact.flow_trace),
        "flow_state": json.dumps(contact.flow_state, indent=2) if contact.flow_state else "",
        "duration": contact_duration(contact),
        "transfer_queues": Queue.objects.filter(instance=tenant, queue_type="STANDARD").order_by("name"),
        "transfer_agents": User.objects.filter(instance=tenant, routing_profile__isnull=False).order_by("username"),
        "is_conversation": contact.channel in (Channel.VOICE, Channel.CHAT),
        "transcript": transcript_latest(contact=contact),
        "categories": conversation_categories(contact=contact),
    }
    return render(request, "admin_console/contact_detail.html", context)


# How a contact that names this one came to be, by its initiation method.
RELATED_LABELS = {
    InitiationMethod.OUTBOUND: "Outbound call",
    InitiationMethod.RULE: "Task created by a rule",
    InitiationMethod.FLOW: "Task created by a flow",
    InitiationMethod.TRANSFER: "Transfer",
    InitiationMethod.QUEUE_TRANSFER: "Transfer",
}
# Enough for any real chain (12 tasks, 11 transfers); a page of links beyond that helps no one.
LINKED_MAX = 50


def linked_contacts(contact) -> list[tuple[str, Contact]]:
    """Every contact linked to this one, as (label, contact): its initial, previous and related contacts, then
    the contacts that name it — next in the chain, transfers (previous contact, or initial contact further
    down), outbound calls from the number pad and tasks created by rules or flows (related contact)."""
    tenant_id = contact.instance_id
    linked = [
        (label, other)
        for label, other in (
            # The initial contact only when it is not this one and not already named as the previous one.
            (
                "Initial contact",
                contact.initial_contact
                if contact.initial_contact_id not in (contact.pk, contact.previous_contact_id)
                else None,
            ),
            ("Previous contact", contact.previous_contact),
            ("Related contact", contact.related_contact),
        )
        if other is not None and other.instance_id == tenant_id
    ]
    others = Contact.objects.filter(instance_id=tenant_id).exclude(pk=contact.pk).order_by("initiation_timestamp", "id")
    for other in others.filter(previous_contact=contact)[:LINKED_MAX]:
        method = other.initiation_method
        linked.append(("Transfer" if method.endswith("TRANSFER") else "Next in chain", other))
    shown = {other.pk for _, other in linked}
    for other in others.filter(initial_contact=contact).exclude(previous_contact=contact)[:LINKED_MAX]:
        if other.pk not in shown:
            linked.append((RELATED_LABELS.get(other.initiation_method, "Started from this"), other))
    for other in others.filter(related_contact=contact)[:LINKED_MAX]:
        linked.append((RELATED_LABELS.get(other.initiation_method, "Related to this"), other))
    return linked


def _between(start, end) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def contact_durations(contact) -> list[tuple[str, int | None, str]]:
    """(label, seconds or None, how it is measured) for the summary; the definitions are the historical
    metrics' (ccp/selectors/historical.py)."""
    connected, acw_start = contact.connected_to_agent_timestamp, contact.after_contact_work_start_timestamp
    finished = contact.after_contact_work_end_timestamp or contact.disconnect_timestamp
    return [
        (
            "Queue time",
            _between(contact.enqueue_timestamp, connected or contact.disconnect_timestamp),
            "enqueued to connected to an agent (or to the disconnect)",
        ),
        (
            "Agent on contact",
            _between(connected, acw_start or contact.disconnect_timestamp),
            "connected to the start of after-contact work (or the disconnect)",
        ),
        (
            "After-contact work",
            _between(acw_start, contact.after_contact_work_end_timestamp),
            "start to end of after-contact work",
        ),
        (
            "Handle time",
            _between(connected, finished),
            "connected to the end of after-contact work (or the disconnect)",
        ),
        ("Total", contact_duration(contact), "initiated to disconnected"),
    ]


def contact_duration(contact) -> int | None:
    """Seconds from initiation to disconnect; None while the contact is open."""
    if contact.disconnect_timestamp is None:
        return None
    return int((contact.disconnect_timestamp - contact.initiation_timestamp).total_seconds())


def reference_rows(references) -> list[dict]:
    """References as rows to show; `href` is set only for an http(s) URL or a valid email address.

    Anything else (javascript:, data:, a malformed address) is shown as text, never as a link.
    """
    rows = []
    for name, reference in sorted((references or {}).items()):
        if not isinstance(reference, dict):
            reference = {"Type": "STRING", "Value": reference}
        kind = str(reference.get("Type", ""))
        value = reference.get("Value", "")
        value = value if isinstance(value, str) else json.dumps(value)
        href = ""
        if kind == "URL":
            parts = urlsplit(value.strip())
            if parts.scheme.lower() in ("http", "https") and parts.netloc:
                href = value.strip()
        elif kind == "EMAIL":
            try:
                validate_email(value.strip())
            except ValidationError:
                pass
            else:
                href = f"mailto:{value.strip()}"
        rows.append({"name": name, "type": kind, "value": value, "href": href})
    return rows


def trace_rows(trace) -> list[list[tuple[str, str]]]:
    """Each flow trace entry as (key, text) pairs, whatever shape the interpreter gave it."""
    rows = []
    for entry in trace or []:
        if isinstance(entry, dict):
            rows.append([(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in entry.items()])
        else:
            rows.append([("", entry if isinstance(entry, str) else json.dumps(entry))])
    return rows
