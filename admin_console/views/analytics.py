"""Analytics for supervisors and admins: real-time metrics (contact search and summary: views/contacts.py)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from admin_console.access import analytics_required
from ccp.selectors.metrics import instance_metrics


@require_GET
@analytics_required
def realtime(request):
    """Per queue: contacts waiting and with agents, agents available, on contact and staffed; every
    agent's status. Refreshes itself. The numbers are ccp.selectors.metrics', as flows read them."""
    context = {"metrics": instance_metrics(instance=request.user.instance)}
    template = "admin_console/realtime.html"
    return render(request, f"{template}#metrics" if request.htmx else template, context)
