"""Channels and flows: contact flows (their content as text) and task templates."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from admin_console.access import permission_required
from admin_console.forms.flows import FlowForm, TaskTemplateForm
from admin_console.views.crud import delete_response, form_response, list_response, pick
from ccp.errors import InvalidFlow, ServiceError
from ccp.models import ContactFlow, TaskTemplate
from ccp.services import task_templates
from ccp.services.configuration import flows as flow_services

TASK_TEMPLATE_FIELDS = ("name", "description", "status", "fields", "constraints", "defaults")


def _flow(request, pk):
    return get_object_or_404(ContactFlow, pk=pk, instance=request.user.instance)


@require_GET
@permission_required("ContactFlows.View")
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
@permission_required("ContactFlows.View")
def flow_detail(request, pk):
    flow = _flow(request, pk)
    return render(request, "admin_console/flow_detail.html", {"flow": flow})


@require_http_methods(["GET", "POST"])
@permission_required("ContactFlows.Edit")
def flow_edit(request, pk=None):
    """Edit a flow's content as text; "Save" keeps a draft, "Save and publish" validates and publishes.

    Content goes through the flow services (ccp.flows.publish), the one place that validates flows.
    """
    tenant = request.user.instance
    flow = _flow(request, pk) if pk else None
    form = FlowForm(request.POST or None, instance=flow, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        publish = "publish" in request.POST
        data = form.cleaned_data
        try:
            if flow is None:
                flow = flow_services.flow_create(
                    instance=tenant, name=data["name"], type=data["type"], content=data["content"],
                    description=data["description"], publish=publish,
                )
            else:
                flow_services.flow_edit(
                    flow=flow, content=data["content"], publish=publish, **pick(data, "name", "description", "type")
                )
        except InvalidFlow as error:
            form.add_error("content", error.message)
            problems = error.problems
            flow = _flow(request, pk) if pk else None
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            problems = []
            flow = _flow(request, pk) if pk else None
        else:
            messages.success(request, f"Flow “{flow}” {'published' if publish else 'saved as a draft'}.")
            return redirect("admin_console:flow_detail", flow.pk)
    else:
        problems = []
    context = {"form": form, "object": flow, "problems": problems}
    return render(request, "admin_console/flow_form.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("ContactFlows.Edit")
def flow_delete(request, pk):
    flow = _flow(request, pk)
    return delete_response(
        request,
        flow,
        delete=lambda: flow_services.flow_delete(flow=flow),
        noun="Flow",
        success_url=reverse("admin_console:flow_list"),
        consequences="Contacts that ran it keep their flow trace.",
    )


def _template(request, pk):
    return get_object_or_404(TaskTemplate, pk=pk, instance=request.user.instance)


@require_GET
@permission_required("TaskTemplates.View")
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
@permission_required("TaskTemplates.Edit")
def task_template_edit(request, pk=None):
    template = _template(request, pk) if pk else None

    def save(data):
        fields = pick(data, *TASK_TEMPLATE_FIELDS)
        # An empty flow id clears the template's flow.
        flow_id = data["flow"].pk if data["flow"] else ""
        if template is None:
            return task_templates.task_template_create(
                instance=request.user.instance, flow_id=flow_id or None, **fields
            )
        return task_templates.task_template_update(template=template, flow_id=flow_id, **fields)

    return form_response(
        request,
        TaskTemplateForm,
        obj=template,
        save=save,
        template="admin_console/task_template_form.html",
        noun="Task template",
        success_url=reverse("admin_console:task_template_list"),
    )


@require_http_methods(["GET", "POST"])
@permission_required("TaskTemplates.Edit")
def task_template_delete(request, pk):
    template = _template(request, pk)

    def delete():
        task_templates.task_template_delete(template=template)

    return delete_response(
        request,
        template,
        delete=delete,
        noun="Task template",
        success_url=reverse("admin_console:task_template_list"),
    )
