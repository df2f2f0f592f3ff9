"""Users: people with their security profile and routing profile, and the agent statuses they can pick."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from admin_console.access import permission_required
from admin_console.forms.users import AgentStatusForm, UserForm
from admin_console.views.audit import page_query
from admin_console.views.crud import delete_response, form_error, form_response, list_response, pick
from ccp.errors import InvalidParameter, ServiceError
from ccp.models import AgentEvent, AgentStatus, User
from ccp.selectors.audit import agent_status_history, keyset_page
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
    "phone_type",
    "auto_accept",
    "after_contact_work_time_limit",
)
AGENT_STATUS_FIELDS = ("name", "description", "type", "state", "display_order")


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
    if user is not None:
        context.update(status_history_context(request, user))
        if request.htmx and request.GET.get("history") is not None:
            return render(request, "admin_console/user_form.html#history", context)
    return render(request, "admin_console/user_form.html", context)


HISTORY_PAGE_SIZE = 20


def status_history_context(request, user) -> dict:
    """A page of the user's status changes, newest first, each with how long it lasted (to the next change,
    or until now for the current status)."""
    params = {"history": "1", **{k: v for k, v in request.GET.items() if k in ("after", "before")}}
    try:
        page = keyset_page(
            agent_status_history(user=user),
            size=HISTORY_PAGE_SIZE,
            after=request.GET.get("after") or None,
            before=request.GET.get("before") or None,
        )
    except InvalidParameter:
        return {"history_rows": [], "history_error": "This page link is out of date. Start again from the latest."}
    rows = page.rows
    if rows:
        newer = AgentEvent.objects.filter(user=user, at__gte=rows[0].at).exclude(pk=rows[0].pk)
        newer = newer.filter(at__gt=rows[0].at) | newer.filter(at=rows[0].at, id__gt=rows[0].id)
        ended = newer.order_by("at", "id").values_list("at", flat=True).first() or timezone.now()
        for row in rows:
            row.lasted = max(0, int((ended - row.at).total_seconds()))
            ended = row.at
    return {
        "history_rows": rows,
        "history_next": page_query(params, after=page.next_cursor, before=None) if page.next_cursor else "",
        "history_previous": page_query(params, before=page.previous_cursor, after=None) if page.previous_cursor else "",
    }


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
        fields = {**pick(data, *AGENT_STATUS_FIELDS), "actor": request.user}
        if status is None:
            return agent_statuses.agent_status_create(instance=request.user.instance, **fields)
        return agent_statuses.agent_status_update(status=status, **fields)

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
        delete=lambda: agent_statuses.agent_status_delete(status=status, actor=request.user),
        noun="Agent status",
        success_url=list_url,
        consequences="Agents can no longer pick it.",
    )
