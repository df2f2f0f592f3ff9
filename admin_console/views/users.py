"""Users: people with their security profile and routing profile, and the agent statuses they can pick."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from admin_console.access import permission_required
from admin_console.forms.users import AgentStatusForm, UserForm
from admin_console.views.crud import delete_response, form_error, form_response, list_response, pick
from ccp.errors import ServiceError
from ccp.models import AgentStatus, User
from ccp.services.configuration import agent_statuses, users

USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "security_profiles",
    "routing_profile",
    "phone_number",
    "timezone",
    "is_active",
    "password",
)
AGENT_STATUS_FIELDS = ("name", "type", "display_order")


def _user(request, pk):
    return get_object_or_404(User, pk=pk, instance=request.user.instance)


@require_GET
@permission_required("Users.View")
def user_list(request):
    users = (
        User.objects.filter(instance=request.user.instance)
        .select_related("routing_profile", "status")
        .prefetch_related("security_profiles")
    )
    return list_response(
        request,
        users,
        template="admin_console/user_list.html",
        search=["username", "first_name", "last_name", "email"],
        sorts={
            "username": "username",
            "name": "last_name",
            "routing": "routing_profile__name",
            "status": "status__name",
        },
        default_sort="username",
    )


@require_http_methods(["GET", "POST"])
@permission_required("Users.Edit")
def user_edit(request, pk=None):
    user = _user(request, pk) if pk else None
    list_url = reverse("admin_console:user_list")
    form_kwargs = {"tenant": request.user.instance, "editor": request.user}
    if request.method == "POST":
        form = UserForm(request.POST, instance=user, **form_kwargs)
        if form.is_valid():
            fields = pick(form.cleaned_data, *USER_FIELDS)
            try:
                if user is None:
                    saved = users.user_create(instance=request.user.instance, actor=request.user, **fields)
                else:
                    saved = users.user_update(user=user, actor=request.user, **fields)
                    if saved.pk == request.user.pk:
                        # Editing yourself (a new password, other profiles) keeps you signed in here.
                        update_session_auth_hash(request, saved)
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, f"User “{saved.username}” {'saved' if user else 'created'}.")
                return redirect(list_url)
    else:
        form = UserForm(instance=user, **form_kwargs)
    context = {"form": form, "object": user, "noun": "User", "cancel_url": list_url}
    return render(request, "admin_console/form.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("Users.Edit")
def user_delete(request, pk):
    user = _user(request, pk)
    list_url = reverse("admin_console:user_list")
    if user.pk == request.user.pk:
        messages.error(request, "You can't delete yourself.")
        return redirect(list_url)
    return delete_response(
        request,
        user,
        delete=lambda: users.user_delete(user=user, actor=request.user),
        noun="User",
        success_url=list_url,
        consequences="Their personal queue and quick connects to them are removed; "
        "contacts keep their history. "
        "To keep the user's record, edit them and clear “Can sign in” instead.",
    )


def _status(request, pk):
    return get_object_or_404(AgentStatus, pk=pk, instance=request.user.instance)


@require_GET
@permission_required("AgentStates.View")
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
@permission_required("AgentStates.Edit")
def agent_status_edit(request, pk=None):
    status = _status(request, pk) if pk else None

    def save(data):
        if status is None:
            return agent_statuses.agent_status_create(
                instance=request.user.instance, **pick(data, *AGENT_STATUS_FIELDS)
            )
        return agent_statuses.agent_status_update(status=status, **pick(data, *AGENT_STATUS_FIELDS))

    return form_response(
        request,
        AgentStatusForm,
        obj=status,
        save=save,
        template="admin_console/form.html",
        noun="Agent status",
        success_url=reverse("admin_console:agent_status_list"),
    )


@require_http_methods(["GET", "POST"])
@permission_required("AgentStates.Edit")
def agent_status_delete(request, pk):
    status = _status(request, pk)
    list_url = reverse("admin_console:agent_status_list")
    try:
        agent_statuses.agent_status_check_deletable(status=status)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(list_url)
    return delete_response(
        request,
        status,
        delete=lambda: agent_statuses.agent_status_delete(status=status),
        noun="Agent status",
        success_url=list_url,
        consequences="Agents can no longer pick it.",
    )
