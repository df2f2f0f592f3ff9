"""What a supervisor may do to an open contact from its summary: end it, transfer it to a queue or an agent,
change its routing priority or age, reschedule or cancel a scheduled one.

Each runs the services the API runs (StopContact, TransferContact, UpdateContactRoutingData,
UpdateContactSchedule) in the transaction `contact_supervisor_action` opens, with the supervisor as the actor
of the contact event it records; that service records the action in the audit log."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from admin_console.access import permission_required
from ccp.errors import ResourceNotFound, ServiceError
from ccp.models import DisconnectReason, Queue, QuickConnect, User
from ccp.services.contacts import contact_reschedule, contact_stop, contact_update_routing
from ccp.services.supervisor_actions import contact_supervisor_action
from ccp.services.transfers import contact_transfer

ACTOR = "supervisor"


class TransferForm(forms.Form):
    queue = forms.ModelChoiceField(required=False, queryset=Queue.objects.none())
    agent = forms.ModelChoiceField(required=False, queryset=User.objects.none())

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = Queue.objects.filter(instance=tenant, queue_type="STANDARD")
        self.fields["agent"].queryset = User.objects.filter(instance=tenant)

    def clean(self):
        data = super().clean()
        if bool(data.get("queue")) == bool(data.get("agent")):
            raise forms.ValidationError("Choose a queue or an agent to transfer to.")
        return data


class RoutingForm(forms.Form):
    priority = forms.IntegerField(required=False, label="Routing priority (1 first)")
    age_seconds = forms.IntegerField(required=False, label="Add to its age in queue (seconds)")


class RescheduleForm(forms.Form):
    scheduled_time = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


def _end(request, contact):
    if request.POST.get("confirm") != "yes":
        raise ServiceError("Tick the box to confirm ending this task.")
    contact_stop(contact=contact, actor_type=ACTOR, actor=request.user, reason=DisconnectReason.OTHER)
    return "The task was ended.", contact


def _cancel(request, contact):
    if contact.state != "SCHEDULED":
        raise ServiceError("Only a task that is still scheduled can be cancelled.")
    contact_stop(contact=contact, actor_type=ACTOR, actor=request.user, reason=DisconnectReason.CANCELLED)
    return "The scheduled task was cancelled.", contact


def _transfer(request, contact):
    form = TransferForm(request.POST, tenant=contact.instance)
    if not form.is_valid():
        raise ServiceError(" ".join(form.errors.get("__all__", [])) or "Choose a queue or an agent to transfer to.")
    queue, agent = form.cleaned_data.get("queue"), form.cleaned_data.get("agent")
    destination = QuickConnect(
        instance=contact.instance,
        name=f"Supervisor transfer to {queue or agent}",
        type="QUEUE" if queue else "USER",
        queue=queue,
        user=agent,
    )
    new = contact_transfer(contact=contact, quick_connect=destination, actor_type=ACTOR, actor=request.user)
    return f"Transferred to {queue or agent}.", new


def _routing(request, contact):
    form = RoutingForm(request.POST)
    if not form.is_valid() or (form.cleaned_data["priority"] is None and form.cleaned_data["age_seconds"] is None):
        raise ServiceError("Give a routing priority or seconds to add to the task's age.")
    contact_update_routing(
        contact=contact,
        priority=form.cleaned_data["priority"],
        age_seconds=form.cleaned_data["age_seconds"],
        actor_type=ACTOR,
        actor=request.user,
    )
    return "Routing updated.", contact


def _reschedule(request, contact):
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        raise ServiceError("Give the new scheduled time.")
    contact_reschedule(
        contact=contact, scheduled_time=form.cleaned_data["scheduled_time"], actor_type=ACTOR, actor=request.user
    )
    return "The task was rescheduled.", contact


ACTIONS = {"end": _end, "cancel": _cancel, "transfer": _transfer, "routing": _routing, "reschedule": _reschedule}


@require_POST
@permission_required("ContactActions.Edit")
def contact_action(request, pk, action):
    """Run one supervisor action on a contact of the user's instance; the summary shows the outcome."""
    run = ACTIONS.get(action)
    if run is None:
        raise Http404("No such action.")
    try:
        message, shown = contact_supervisor_action(
            instance=request.user.instance,
            contact_id=pk,
            actor=request.user,
            action=action,
            run=lambda contact: run(request, contact),
        )
    except ResourceNotFound:
        raise Http404("Contact not found in this instance.")
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("admin_console:contact_detail", pk)
    messages.success(request, message)
    return redirect("admin_console:contact_detail", shown.pk)
