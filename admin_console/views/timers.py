"""Parked timers: timers whose work failed on every attempt (ccp/services/timer_failures.py), for an admin to
retry or dismiss."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from admin_console.access import permission_required
from ccp.errors import InvalidRequest
from ccp.selectors.timers import timers_parked
from ccp.services.timer_failures import timer_dismiss, timer_retry


@require_GET
@permission_required("InstanceSettings.View")
def parked_timer_list(request):
    timers = list(timers_parked(instance_id=request.user.instance_id)[:500])
    return render(request, "admin_console/parked_timer_list.html", {"rows": timers})


@require_POST
@permission_required("InstanceSettings.Edit")
def parked_timer_retry(request, pk):
    try:
        timer_retry(instance_id=request.user.instance_id, timer_id=pk)
    except InvalidRequest as error:
        messages.info(request, str(error))
    else:
        messages.success(request, "The timer is due again now; the worker tries it with a fresh set of attempts.")
    return redirect(reverse("admin_console:parked_timer_list"))


@require_POST
@permission_required("InstanceSettings.Edit")
def parked_timer_dismiss(request, pk):
    try:
        timer_dismiss(instance_id=request.user.instance_id, timer_id=pk)
    except InvalidRequest as error:
        messages.info(request, str(error))
    else:
        messages.success(request, "The timer was dismissed; it will not be tried again.")
    return redirect(reverse("admin_console:parked_timer_list"))
