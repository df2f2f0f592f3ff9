"""Channels and flows: contact flows (their content as text) and task templates."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from admin_console.access import admin_required
from admin_console.forms.flows import FlowForm, TaskTemplateForm
from admin_console.views.crud import delete_response, form_response, list_response
from ccp.models import ContactFlow, TaskTemplate


def _flow(request, pk):
    return get_object_or_404(ContactFlow, pk=pk, instance=request.user.instance)


@require_GET
@admin_required
def flow_list(request):
    flows = ContactFlow.objects.filter(instance=request.user.instance)
    return list_response(
        request,
        flows,
        template="admin_console/flow_list.html",
        search=["name", "description"],
        sorts={"name": "name", "type": "type", "status": "status", "updated": "updated_at"},
        default_sort="name",
    )


@require_GET
@admin_required
def flow_detail(request, pk):
    flow = _flow(request, pk)
    return render(request, "admin_console/flow_detail.html", {"flow": flow})


@require_http_methods(["GET", "POST"])
@admin_required
def flow_edit(request, pk=None):
    flow = _flow(request, pk) if pk else None
    return form_response(
        request,
        FlowForm,
        obj=flow,
        template="admin_console/flow_form.html",
        noun="Flow",
        success_url=reverse("admin_console:flow_detail", args=[flow.pk])
        if flow
        else reverse("admin_console:flow_list"),
    )


@require_http_methods(["GET", "POST"])
@admin_required
def flow_delete(request, pk):
    return delete_response(
        request,
        _flow(request, pk),
        noun="Flow",
        success_url=reverse("admin_console:flow_list"),
        consequences="Contacts that ran it keep their flow trace.",
    )


def _template(request, pk):
    return get_object_or_404(TaskTemplate, pk=pk, instance=request.user.instance)


@require_GET
@admin_required
def task_template_list(request):
    templates = TaskTemplate.objects.filter(instance=request.user.instance).select_related("flow")
    return list_response(
        request,
        templates,
        template="admin_console/task_template_list.html",
        search=["name", "description"],
        sorts={"name": "name", "status": "status", "flow": "flow__name", "updated": "updated_at"},
        default_sort="name",
    )


@require_http_methods(["GET", "POST"])
@admin_required
def task_template_edit(request, pk=None):
    template = _template(request, pk) if pk else None
    return form_response(
        request,
        TaskTemplateForm,
        obj=template,
        template="admin_console/task_template_form.html",
        noun="Task template",
        success_url=reverse("admin_console:task_template_list"),
    )


@require_http_methods(["GET", "POST"])
@admin_required
def task_template_delete(request, pk):
    return delete_response(
        request,
        _template(request, pk),
        noun="Task template",
        success_url=reverse("admin_console:task_template_list"),
    )
