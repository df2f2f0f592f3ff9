"""Analytics for supervisors and admins: real-time metrics (contact search and summary: views/contacts.py)."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from admin_console.access import permission_required
from ccp.models import AgentStatus, Channel, Queue, RoutingProfile, User
from ccp.selectors.metrics import instance_service_level
from ccp.selectors.realtime_board import CHANNELS, COLUMNS, board_filters, realtime_board
from ccp.services.agents import agent_set_status


@require_GET
@permission_required("RealTimeMetrics.View")
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
        "default_sl": instance_service_level(tenant, filters["channel"] or Channel.TASK),
    }
    template = "admin_console/realtime.html"
    return render(request, f"{template}#metrics" if request.htmx else template, context)


@require_POST
@permission_required("RealTimeMetrics.View", "ContactActions.Edit")
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
