"""Users: people with their security profile and routing profile, and the agent statuses they can pick."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from admin_console.access import admin_required
from admin_console.forms.users import AgentStatusForm, UserForm
from admin_console.views.crud import delete_response, form_response, list_response
from ccp.models import AgentStatus, Queue, User


def _user(request, pk):
    return get_object_or_404(User, pk=pk, instance=request.user.instance)


@require_GET
@admin_required
def user_list(request):
    users = User.objects.filter(instance=request.user.instance).select_related("routing_profile", "status")
    return list_response(
        request,
        users,
        template="admin_console/user_list.html",
        search=["username", "first_name", "last_name", "email"],
        sorts={
            "username": "username",
            "name": "last_name",
            "profile": "security_profile",
            "routing": "routing_profile__name",
            "status": "status__name",
        },
        default_sort="username",
    )


@require_http_methods(["GET", "POST"])
@admin_required
def user_edit(request, pk=None):
    user = _user(request, pk) if pk else None
    list_url = reverse("admin_console:user_list")
    form_kwargs = {"tenant": request.user.instance, "editor": request.user}
    if request.method == "POST":
        form = UserForm(request.POST, instance=user, **form_kwargs)
        if form.is_valid():
            with transaction.atomic():
                saved = form.save()
                # Every user has a personal queue: it holds contacts transferred to them directly.
                Queue.objects.get_or_create(
                    agent=saved,
                    defaults={
                        "instance": saved.instance,
                        "name": f"Agent queue {saved.username}",
                        "queue_type": Queue.Type.AGENT,
                    },
                )
            messages.success(request, f"User “{saved.username}” {'saved' if user else 'created'}.")
            return redirect(list_url)
    else:
        form = UserForm(instance=user, **form_kwargs)
    context = {"form": form, "object": user, "noun": "User", "cancel_url": list_url}
    return render(request, "admin_console/form.html", context)


@require_http_methods(["GET", "POST"])
@admin_required
def user_delete(request, pk):
    user = _user(request, pk)
    list_url = reverse("admin_console:user_list")
    if user.pk == request.user.pk:
        messages.error(request, "You can't delete yourself.")
        return redirect(list_url)
    return delete_response(
        request,
        user,
        noun="User",
        success_url=list_url,
        consequences="Their personal queue and quick connects to them are removed; "
        "contacts keep their history. "
        "To keep the user's record, edit them and clear “Can sign in” instead.",
    )


def _status(request, pk):
    return get_object_or_404(AgentStatus, pk=pk, instance=request.user.instance)


@require_GET
@admin_required
def agent_status_list(request):
    statuses = AgentStatus.objects.filter(instance=request.user.instance)
    return list_response(
        request,
        statuses,
        template="admin_console/agent_status_list.html",
        search=["name"],
        sorts={"order": "display_order", "name": "name", "type": "type"},
        default_sort="order",
    )


@require_http_methods(["GET", "POST"])
@admin_required
def agent_status_edit(request, pk=None):
    return form_response(
        request,
        AgentStatusForm,
        obj=_status(request, pk) if pk else None,
        template="admin_console/form.html",
        noun="Agent status",
        success_url=reverse("admin_console:agent_status_list"),
    )


@require_http_methods(["GET", "POST"])
@admin_required
def agent_status_delete(request, pk):
    status = _status(request, pk)
    list_url = reverse("admin_console:agent_status_list")
    others = AgentStatus.objects.filter(instance=status.instance, type=status.type).exclude(pk=status.pk)
    if status.type != AgentStatus.Type.CUSTOM and not others.exists():
        # Routing needs an Available, an Offline and a Missed status to move agents between.
        messages.error(request, f"“{status}” is the only {status.type.lower()} status; agents need one.")
        return redirect(list_url)
    return delete_response(
        request,
        status,
        noun="Agent status",
        success_url=list_url,
        consequences="Agents can no longer pick it.",
    )
