"""Routing: queues, routing profiles (with their per-channel queues), quick connects, hours of operation."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from admin_console.access import permission_required
from admin_console.forms.routing import (
    HoursForm,
    QueueConfigFormSet,
    QueueForm,
    QuickConnectForm,
    RoutingProfileForm,
)
from admin_console.views.crud import delete_response, form_error, form_response, list_response, pick
from ccp.errors import ServiceError
from ccp.models import HoursOfOperation, Queue, QuickConnect, RoutingProfile
from ccp.services.configuration import hours as hours_services
from ccp.services.configuration import queues, quick_connects, routing_profiles

QUEUE_FIELDS = ("name", "description", "hours", "max_contacts", "status", "quick_connects")
ROUTING_PROFILE_FIELDS = (
    "name",
    "description",
    "default_outbound_queue",
    "task_concurrency",
    "task_offer_timeout_seconds",
    "task_auto_accept",
    "chat_concurrency",
    "voice_concurrency",
)
QUICK_CONNECT_FIELDS = ("name", "description", "type", "user", "queue", "phone_number", "flow")
HOURS_FIELDS = ("name", "description", "timezone", "config")


def _queue(request, pk):
    return get_object_or_404(Queue, pk=pk, instance=request.user.instance, queue_type=Queue.Type.STANDARD)


@require_GET
@permission_required("Queues.View")
def queue_list(request):
    queues = Queue.objects.filter(instance=request.user.instance, queue_type=Queue.Type.STANDARD)
    queues = queues.select_related("hours").annotate(
        profile_count=Count("routing_configs__routing_profile", distinct=True)
    )
    return list_response(
        request,
        queues,
        template="admin_console/queue_list.html",
        search=["name", "description"],
        sorts={"name": "name", "hours": "hours__name", "max": "max_contacts", "profiles": "profile_count"},
        default_sort="name",
    )


@require_http_methods(["GET", "POST"])
@permission_required("Queues.Edit")
def queue_edit(request, pk=None):
    queue = _queue(request, pk) if pk else None

    def save(data):
        fields = {**pick(data, *QUEUE_FIELDS), "actor": request.user}
        if queue is None:
            return queues.queue_create(instance=request.user.instance, **fields)
        return queues.queue_update(queue=queue, **fields)

    return form_response(
        request,
        QueueForm,
        obj=queue,
        save=save,
        template="admin_console/form.html",
        noun="Queue",
        success_url=reverse("admin_console:queue_list"),
    )


@require_http_methods(["GET", "POST"])
@permission_required("Queues.Edit")
def queue_delete(request, pk):
    queue = _queue(request, pk)
    return delete_response(
        request,
        queue,
        delete=lambda: queues.queue_delete(queue=queue, actor=request.user),
        noun="Queue",
        success_url=reverse("admin_console:queue_list"),
        consequences="Routing profiles stop serving it and quick connects to it are removed. "
        "Contacts keep their history.",
    )


def _routing_profile(request, pk):
    return get_object_or_404(RoutingProfile, pk=pk, instance=request.user.instance)


@require_GET
@permission_required("RoutingPolicies.View")
def routing_profile_list(request):
    profiles = RoutingProfile.objects.filter(instance=request.user.instance).select_related(
        "default_outbound_queue"
    )
    profiles = profiles.annotate(
        queue_count=Count("queue_configs", distinct=True), user_count=Count("users", distinct=True)
    )
    return list_response(
        request,
        profiles,
        template="admin_console/routing_profile_list.html",
        search=["name", "description"],
        sorts={
            "name": "name",
            "tasks": "task_concurrency",
            "timeout": "task_offer_timeout_seconds",
            "queues": "queue_count",
            "users": "user_count",
        },
        default_sort="name",
    )


@require_http_methods(["GET", "POST"])
@permission_required("RoutingPolicies.Edit")
def routing_profile_edit(request, pk=None):
    """The profile's settings and its queue list are one form: both save, or neither does."""
    tenant = request.user.instance
    profile = _routing_profile(request, pk) if pk else None
    list_url = reverse("admin_console:routing_profile_list")
    if request.method == "POST":
        form = RoutingProfileForm(request.POST, instance=profile, tenant=tenant)
        formset = QueueConfigFormSet(request.POST, instance=form.instance, tenant=tenant, prefix="queues")
        if form.is_valid() and formset.is_valid():
            fields = {
                **pick(form.cleaned_data, *ROUTING_PROFILE_FIELDS),
                "queues": profile_queues(formset),
                "actor": request.user,
            }
            try:
                if profile is None:
                    saved = routing_profiles.routing_profile_create(instance=tenant, **fields)
                else:
                    saved = routing_profiles.routing_profile_update(routing_profile=profile, **fields)
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, f"Routing profile “{saved}” {'saved' if profile else 'created'}.")
                return redirect(list_url)
    else:
        form = RoutingProfileForm(instance=profile, tenant=tenant)
        formset = QueueConfigFormSet(instance=form.instance, tenant=tenant, prefix="queues")
    context = {
        "form": form,
        "formset": formset,
        "object": profile,
        "noun": "Routing profile",
        "cancel_url": list_url,
    }
    return render(request, "admin_console/routing_profile_form.html", context)


def profile_queues(formset) -> list[routing_profiles.ProfileQueue]:
    """The queue list the formset asks for: every row kept or added, none marked for removal."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE") or (form.instance.pk is None and not form.has_changed()):
            continue
        rows.append(
            routing_profiles.ProfileQueue(
                queue=data["queue"],
                channel=data["channel"],
                priority=data["priority"],
                delay_seconds=data["delay_seconds"],
            )
        )
    return rows


@require_http_methods(["GET", "POST"])
@permission_required("RoutingPolicies.Edit")
def routing_profile_delete(request, pk):
    profile = _routing_profile(request, pk)
    return delete_response(
        request,
        profile,
        delete=lambda: routing_profiles.routing_profile_delete(routing_profile=profile, actor=request.user),
        noun="Routing profile",
        success_url=reverse("admin_console:routing_profile_list"),
    )


def _quick_connect(request, pk):
    return get_object_or_404(QuickConnect, pk=pk, instance=request.user.instance)


@require_GET
@permission_required("TransferDestinations.View")
def quick_connect_list(request):
    quick_connects = QuickConnect.objects.filter(instance=request.user.instance).select_related(
        "user", "queue"
    )
    return list_response(
        request,
        quick_connects,
        template="admin_console/quick_connect_list.html",
        search=["name", "description", "phone_number", "user__username", "queue__name"],
        sorts={"name": "name", "type": "type"},
        default_sort="name",
    )


@require_http_methods(["GET", "POST"])
@permission_required("TransferDestinations.Edit")
def quick_connect_edit(request, pk=None):
    quick_connect = _quick_connect(request, pk) if pk else None

    def save(data):
        fields = {**pick(data, *QUICK_CONNECT_FIELDS), "actor": request.user}
        if quick_connect is None:
            return quick_connects.quick_connect_create(instance=request.user.instance, **fields)
        return quick_connects.quick_connect_update(quick_connect=quick_connect, **fields)

    return form_response(
        request,
        QuickConnectForm,
        obj=quick_connect,
        save=save,
        template="admin_console/form.html",
        noun="Quick connect",
        success_url=reverse("admin_console:quick_connect_list"),
    )


@require_http_methods(["GET", "POST"])
@permission_required("TransferDestinations.Edit")
def quick_connect_delete(request, pk):
    quick_connect = _quick_connect(request, pk)
    return delete_response(
        request,
        quick_connect,
        delete=lambda: quick_connects.quick_connect_delete(quick_connect=quick_connect, actor=request.user),
        noun="Quick connect",
        success_url=reverse("admin_console:quick_connect_list"),
    )


def _hours(request, pk):
    return get_object_or_404(HoursOfOperation, pk=pk, instance=request.user.instance)


@require_GET
@permission_required("HoursOfOperation.View")
def hours_list(request):
    hours = HoursOfOperation.objects.filter(instance=request.user.instance).annotate(
        queue_count=Count("queue")
    )
    return list_response(
        request,
        hours,
        template="admin_console/hours_list.html",
        search=["name", "description", "timezone"],
        sorts={"name": "name", "timezone": "timezone", "queues": "queue_count"},
        default_sort="name",
    )


@require_http_methods(["GET", "POST"])
@permission_required("HoursOfOperation.Edit")
def hours_edit(request, pk=None):
    hours = _hours(request, pk) if pk else None

    def save(data):
        fields = {**pick(data, *HOURS_FIELDS), "actor": request.user}
        if hours is None:
            return hours_services.hours_create(instance=request.user.instance, **fields)
        return hours_services.hours_update(hours=hours, **fields)

    return form_response(
        request,
        HoursForm,
        obj=hours,
        save=save,
        template="admin_console/hours_form.html",
        noun="Hours of operation",
        success_url=reverse("admin_console:hours_list"),
    )


@require_http_methods(["GET", "POST"])
@permission_required("HoursOfOperation.Edit")
def hours_delete(request, pk):
    hours = _hours(request, pk)
    return delete_response(
        request,
        hours,
        delete=lambda: hours_services.hours_delete(hours=hours, actor=request.user),
        noun="Hours of operation",
        success_url=reverse("admin_console:hours_list"),
    )
