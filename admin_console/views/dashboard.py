"""The console's landing page: today's numbers and where to go next."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from admin_console.access import console_required
from ccp.models import Contact, ContactFlow, Queue, RoutingProfile, User
from ccp.models.contacts import OPEN_STATES
from ccp.selectors.metrics import instance_metrics


@require_GET
@console_required
def dashboard(request):
    tenant = request.user.instance
    context = {
        "metrics": instance_metrics(instance=tenant),
        "open_contacts": Contact.objects.filter(instance=tenant, state__in=OPEN_STATES).count(),
    }
    if request.user.is_admin:
        context["config_counts"] = [
            (
                "Queues",
                Queue.objects.filter(instance=tenant, queue_type=Queue.Type.STANDARD).count(),
                "admin_console:queue_list",
            ),
            (
                "Routing profiles",
                RoutingProfile.objects.filter(instance=tenant).count(),
                "admin_console:routing_profile_list",
            ),
            ("Users", User.objects.filter(instance=tenant).count(), "admin_console:user_list"),
            ("Flows", ContactFlow.objects.filter(instance=tenant).count(), "admin_console:flow_list"),
        ]
    return render(request, "admin_console/dashboard.html", context)
