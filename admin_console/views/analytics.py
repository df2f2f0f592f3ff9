"""Analytics for supervisors and admins: contact search, the contact summary, real-time metrics."""

import json
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import validate_email
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from admin_console.access import analytics_required
from admin_console.forms.analytics import ContactSearchForm
from admin_console.views.crud import PAGE_SIZE
from ccp.models import AgentStatus, Contact, Queue, RoutingProfile, User
from ccp.selectors.realtime_board import CHANNELS, COLUMNS, board_filters, realtime_board
from ccp.services.agents import agent_set_status


@require_GET
@analytics_required
def contact_search(request):
    """Contacts of the instance, newest first, narrowed by the filters; 50 a page."""
    tenant = request.user.instance
    form = ContactSearchForm(request.GET or None, tenant=tenant)
    contacts = Contact.objects.filter(instance=tenant).select_related("queue", "agent")
    if form.is_bound and form.is_valid():
        contacts = form.filter(contacts)
    elif form.is_bound:
        contacts = contacts.none()
    contacts = contacts.order_by("-initiation_timestamp", "id")
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    context = {"form": form, "page": page, "filters": filters.urlencode()}
    template = "admin_console/contact_search.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


@require_GET
@analytics_required
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
    linked = [
        (label, other)
        for label, other in (
            ("Initial contact", contact.initial_contact),
            ("Previous contact", contact.previous_contact),
            ("Related contact", contact.related_contact),
        )
        if other is not None and other.instance_id == tenant.pk
    ]
    followers = Contact.objects.filter(instance=tenant, previous_contact=contact).order_by("initiation_timestamp")
    relatives = Contact.objects.filter(instance=tenant, related_contact=contact).order_by("initiation_timestamp")
    events = contact.events.select_related("actor", "agent", "queue")
    context = {
        "contact": contact,
        "references": reference_rows(contact.references),
        "attributes": sorted((contact.attributes or {}).items()),
        "linked": linked,
        "followers": followers,
        "relatives": relatives,
        "events": events,
        "trace": trace_rows(contact.flow_trace),
        "flow_state": json.dumps(contact.flow_state, indent=2) if contact.flow_state else "",
    }
    return render(request, "admin_console/contact_detail.html", context)


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


@require_GET
@analytics_required
def realtime(request):
    """Every real-time metric per queue (ccp.selectors.metrics, as flows read them) and every agent, narrowed
    by the filters in the URL; the page is pushed over /ws/supervisor/ when contacts or agents change."""
    tenant = request.user.instance
    filters = board_filters(dict(request.GET.lists()))
    context = {
        "board": realtime_board(instance=tenant, **filters),
        "filters": filters,
        "query": request.GET.urlencode(),
        "queues": Queue.objects.filter(instance=tenant, queue_type=Queue.Type.STANDARD).order_by("name"),
        "profiles": RoutingProfile.objects.filter(instance=tenant).order_by("name"),
        "channels": CHANNELS,
        "columns": COLUMNS,
    }
    template = "admin_console/realtime.html"
    return render(request, f"{template}#metrics" if request.htmx else template, context)


@require_POST
@analytics_required
def realtime_agent_offline(request, pk):
    """A supervisor sets an agent Offline from the real-time page (the page updates by its push)."""
    tenant = request.user.instance
    agent = get_object_or_404(User, pk=pk, instance=tenant)
    offline = AgentStatus.objects.filter(instance=tenant, type=AgentStatus.Type.OFFLINE).order_by("name").first()
    if offline is None:
        return HttpResponse("This instance has no Offline status.", status=409)
    agent_set_status(user=agent, status=offline, actor=request.user)
    if request.htmx:
        return HttpResponse(status=204)
    return redirect(reverse("admin_console:realtime"))
