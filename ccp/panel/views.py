"""The agent panel (CCP): one page, its htmx partials, and one small view per action.

Every action view validates its input, calls one service and answers with the agent's whole current
state as out-of-band fragments (the same ones the websocket pushes), so the acting tab is exact even
before the push arrives. A ServiceError becomes a message next to the control, never a 500.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from ccp.errors import ServiceError
from ccp.models import AgentStatus, QuickConnect, TaskTemplate
from ccp.models.security import CONSOLE_PERMISSIONS, TRANSFER
from ccp.panel.forms import CallForm, RescheduleForm, StatusForm, TaskCreateForm, TransferForm
from ccp.panel.render import PAGE, state_html
from ccp.selectors.panel import (
    agent_timezone,
    panel_contact,
    panel_state,
    quick_connects_for_create,
    quick_connects_for_transfer,
    task_templates_for_create,
    user_is_agent,
)
from ccp.services import offers, transfers
from ccp.services.agents import agent_set_status
from ccp.services.notifications import notification_dismiss as notification_dismiss_service
from ccp.services.tasks import task_scheduled_cancel, task_scheduled_move, task_start


@require_GET
@login_required
def home(request):
    if request.user.may_any(CONSOLE_PERMISSIONS):
        return redirect("admin_console:dashboard")
    return redirect("panel:panel")


def agent_required(view, *, also: tuple[str, ...] = ()):
    """Signed in, a routing profile, and security profiles giving BasicAgentAccess (plus `also`): anyone else
    gets the 403 page and nothing changes. The view is marked with what it requires (the URL walk test reads it)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not user_is_agent(request.user) or not request.user.may(*also):
            raise PermissionDenied("This part of the Contact Control Panel is not in your security profile.")
        return view(request, *args, **kwargs)

    wrapper.permissions_required = frozenset({"BasicAgentAccess", *also})
    wrapper.permissions_any = False
    wrapper.needs_routing_profile = True
    return wrapper


def agent_may(*names: str):
    """`agent_required`, and the security profile permissions `names` as well."""
    return lambda view: agent_required(view, also=names)


def _state_response(request, *, alert: str = "", alert_target: str = "column-alert") -> HttpResponse:
    html = state_html(request.user.id, alert=alert, alert_target=alert_target, security=request.user.security_held())
    if not alert:
        html += render_to_string(f"{PAGE}#alert", {"alert": "", "alert_target": alert_target})
    return HttpResponse(html)


def _act(request, call, *, alert_target: str) -> HttpResponse:
    """Run one service call; answer with the agent's state, and the call's message next to the control when
    the service refused."""
    try:
        call()
    except ServiceError as exc:
        return _state_response(request, alert=exc.message, alert_target=alert_target)
    return _state_response(request, alert_target=alert_target)


def _contact_or_404(request, contact_id: str):
    contact = panel_contact(user=request.user, contact_id=contact_id)
    if contact is None:
        raise Http404("No such contact in this instance.")
    return contact


@require_GET
@agent_required
def panel(request):
    if request.htmx:
        return _state_response(request)
    state = panel_state(user_id=request.user.id, security=request.user.security_held())
    return render(request, PAGE, {"state": state, "alert": "", "alert_target": "column-alert"})


@require_POST
@agent_required
def status_set(request):
    form = StatusForm(request.POST)
    status = None
    if form.is_valid():
        status = AgentStatus.objects.filter(
            pk=form.cleaned_data["status"], instance_id=request.user.instance_id
        ).exclude(state="DISABLED").first()
    if status is None:
        return _state_response(request, alert="Choose one of the statuses in the list.", alert_target="status-alert")
    return _act(
        request,
        lambda: agent_set_status(user=request.user, status=status, actor=request.user),
        alert_target="status-alert",
    )


def _call_hangup(*, contact_id: str, agent) -> None:
    transfers.outbound_call_hangup(call_id=contact_id, agent=agent)


ACTIONS = {
    "accept": (offers.contact_accept, "column-alert"),
    "reject": (offers.contact_reject, "column-alert"),
    "complete": (offers.contact_complete, "work-alert"),
    "close": (offers.contact_close, "work-alert"),
    "hangup": (_call_hangup, "column-alert"),
}


def _contact_action(request, contact_id: str, action: str) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    service, target = ACTIONS[action]
    return _act(request, lambda: service(contact_id=contact.id, agent=request.user), alert_target=target)


@require_POST
@agent_required
def contact_accept(request, contact_id):
    return _contact_action(request, contact_id, "accept")


@require_POST
@agent_required
def contact_reject(request, contact_id):
    return _contact_action(request, contact_id, "reject")


@require_POST
@agent_required
def contact_complete(request, contact_id):
    return _contact_action(request, contact_id, "complete")


@require_POST
@agent_required
def contact_close(request, contact_id):
    return _contact_action(request, contact_id, "close")


@require_POST
@agent_required
def call_hangup(request, contact_id):
    return _contact_action(request, contact_id, "hangup")


def _dialog_done(request) -> HttpResponse:
    response = _state_response(request)
    # Close the dialog only once the new state is swapped in and settled: closing on receipt would let the
    # agent reach the status control while htmx is still wiring up its replacement, losing the change.
    return trigger_client_event(response, "ccp:dialog-close", after="settle")


@require_GET
@agent_may(TRANSFER)
def contact_transfer_form(request, contact_id):
    contact = _contact_or_404(request, contact_id)
    options = quick_connects_for_transfer(contact=contact, user=request.user)
    return render(request, f"{PAGE}#transfer_dialog", {"contact": contact, "options": options, "form": TransferForm()})


@require_POST
@agent_may(TRANSFER)
def contact_transfer(request, contact_id):
    contact = _contact_or_404(request, contact_id)
    form = TransferForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            transfers.contact_transfer_by_agent(
                contact_id=contact.id, quick_connect_id=form.cleaned_data["quick_connect"], agent=request.user
            )
            return _dialog_done(request)
        except ServiceError as exc:
            error = exc.message
    else:
        error = form.errors["quick_connect"][0]
    options = quick_connects_for_transfer(contact=contact, user=request.user)
    return render(
        request, f"{PAGE}#transfer_dialog", {"contact": contact, "options": options, "form": form, "error": error}
    )


def _task_form_context(request, form: TaskCreateForm, error: str = "") -> dict:
    user = request.user
    return {
        "form": form,
        "templates": task_templates_for_create(user=user),
        "options": quick_connects_for_create(user=user),
        "tz": agent_timezone(user),
        "error": error,
    }


def _template(request, template_id: str) -> TaskTemplate | None:
    if not template_id:
        return None
    template = TaskTemplate.objects.filter(
        pk=template_id, instance_id=request.user.instance_id, status=TaskTemplate.Status.ACTIVE
    ).first()
    if template is None:
        raise Http404("No such task template.")
    return template


@require_GET
@agent_may("Tasks.Create")
def task_form(request):
    template = _template(request, request.GET.get("template", ""))
    form = TaskCreateForm(
        initial={"template": template.id if template else ""}, template=template, tz=agent_timezone(request.user)
    )
    return render(request, f"{PAGE}#task_dialog", _task_form_context(request, form))


SERVICE_FIELDS = {"Name": "name", "Description": "description", "ScheduledTime": "scheduled"}


@require_POST
@agent_may("Tasks.Create")
def task_create(request):
    user = request.user
    template = _template(request, request.POST.get("template", ""))
    form = TaskCreateForm(request.POST, template=template, tz=agent_timezone(user))
    if not form.is_valid():
        return render(request, f"{PAGE}#task_dialog", _task_form_context(request, form))
    qc = None
    qc_id = form.cleaned_data.get("quick_connect")
    if qc_id:
        qc = QuickConnect.objects.filter(pk=qc_id, instance_id=user.instance_id).first()
        if qc is None:
            form.add_error("quick_connect", "Choose who gets the task.")
            return render(request, f"{PAGE}#task_dialog", _task_form_context(request, form))
    elif template is not None and template.flow_id is None and form.self_assigned():
        # Assign to me, on a template without a flow: the agent's own quick connect supplies it.
        qc = QuickConnect.objects.filter(
            instance_id=user.instance_id, type=QuickConnect.Type.USER, user_id=user.id
        ).first()
        if qc is None:
            form.add_error("quick_connect", "You have no quick connect of your own; choose who gets the task.")
            return render(request, f"{PAGE}#task_dialog", _task_form_context(request, form))
    elif template is None or template.flow_id is None:
        form.add_error("quick_connect", "Choose who gets the task.")
        return render(request, f"{PAGE}#task_dialog", _task_form_context(request, form))
    try:
        task_start(
            instance=user.instance,
            name=form.cleaned_data.get("name") or "",
            description=form.cleaned_data.get("description") or "",
            references=form.references(),
            quick_connect=qc,
            task_template=template,
            scheduled_time=form.scheduled_time(),
            initiation_method="AGENT",
            actor_type="agent",
            actor=user,
        )
    except ServiceError as exc:
        key = SERVICE_FIELDS.get(exc.field)
        if key and key in form.fields:
            form.add_error(key, exc.message)
            return render(request, f"{PAGE}#task_dialog", _task_form_context(request, form))
        return render(request, f"{PAGE}#task_dialog", _task_form_context(request, form, error=exc.message))
    return _dialog_done(request)


@require_POST
@agent_required
def scheduled_cancel(request, contact_id):
    """Cancel a task the agent scheduled, before it starts."""
    return _act(
        request, lambda: task_scheduled_cancel(contact_id=contact_id, user=request.user), alert_target="work-alert"
    )


@require_POST
@agent_required
def scheduled_move(request, contact_id):
    """Move a task the agent scheduled to another time (their own timezone, up to 6 days ahead)."""
    form = RescheduleForm(request.POST, tz=agent_timezone(request.user))
    if not form.is_valid():
        return _state_response(request, alert=form.errors["scheduled"][0], alert_target="work-alert")
    return _act(
        request,
        lambda: task_scheduled_move(contact_id=contact_id, user=request.user, scheduled_time=form.scheduled_time()),
        alert_target="work-alert",
    )


@require_GET
@agent_may("OutboundCallAccess")
def numpad_form(request, contact_id):
    contact = _contact_or_404(request, contact_id)
    return render(request, f"{PAGE}#numpad_dialog", {"contact": contact, "form": CallForm()})


@require_POST
@agent_may("OutboundCallAccess")
def call_start(request, contact_id):
    contact = _contact_or_404(request, contact_id)
    form = CallForm(request.POST)
    form.is_valid()
    try:
        transfers.outbound_call_start(
            task_id=contact.id, agent=request.user, phone_number=form.cleaned_data.get("phone_number", "")
        )
    except ServiceError as exc:
        return render(request, f"{PAGE}#numpad_dialog", {"contact": contact, "form": form, "error": exc.message})
    return _dialog_done(request)


@require_POST
@agent_required
def notification_dismiss(request, pk):
    """Dismiss one of the agent's notifications; answers the whole state, like every panel action."""
    notification_dismiss_service(user=request.user, notification_id=pk)
    return _state_response(request)
