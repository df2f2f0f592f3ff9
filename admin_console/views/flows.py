"""Channels and flows: contact flows (their content as text) and task templates."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from admin_console.access import permission_required
from admin_console.forms.flows import FlowForm
from admin_console.forms.task_templates import (
    FieldFormSet,
    TaskTemplateForm,
    field_rows_initial,
    problems_beside_fields,
    rows_in_order,
    template_parts,
)
from admin_console.views.crud import delete_response, form_error, list_response, pick
from ccp import template_fields
from ccp.errors import InvalidFlow, ServiceError
from ccp.flows.describe import flow_describe, flow_diff
from ccp.models import ContactFlow, HoursOfOperation, LambdaFunction, Queue, TaskTemplate, User
from ccp.services import task_templates
from ccp.services.configuration import flows as flow_services


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


def _resource_names(instance) -> dict[str, str]:
    """Ids (and Lambda ARNs) of the instance's resources → their names, for a flow's blocks in words."""
    names = {}
    for model in (ContactFlow, Queue, TaskTemplate, HoursOfOperation):
        names.update(dict(model.objects.filter(instance=instance).values_list("pk", "name")))
    names.update({u.pk: u.username for u in User.objects.filter(instance=instance).only("pk", "username")})
    names.update({arn: arn.rsplit(":", 1)[-1] for arn in
                  LambdaFunction.objects.filter(instance=instance).values_list("arn", flat=True)})
    return names


@require_GET
@permission_required("ContactFlows.View")
def flow_detail(request, pk):
    """A flow in words: its blocks in order with their branches, blocks not run flagged; and, when the saved
    version differs from the published one, what publishing it would change."""
    flow = _flow(request, pk)
    names = _resource_names(request.user.instance)
    changed = not flow.is_published or flow.published_content != flow.content
    context = {
        "flow": flow,
        "view": flow_describe(flow.content, names=names),
        "diff": flow_diff(flow.published_content or "", flow.content) if changed else None,
    }
    return render(request, "admin_console/flow_detail.html", context)


@require_POST
@permission_required("ContactFlows.Edit")
def flow_publish(request, pk):
    """Publish the saved version, after reading what it changes on the flow's page."""
    flow = _flow(request, pk)
    try:
        flow_services.flow_edit(
            flow=flow, name=flow.name, description=flow.description, type=flow.type, content=flow.content,
            publish=True,
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Flow “{flow}” published.")
    return redirect("admin_console:flow_detail", flow.pk)


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
    """The template builder: settings, then its fields as rows to add, reorder, edit and remove, beside a live
    preview of the agent's form. Saving runs the API's own check (task_template_check) and shows each problem
    beside its field."""
    tenant = request.user.instance
    template = _template(request, pk) if pk else None
    form = TaskTemplateForm(request.POST or None, instance=template, tenant=tenant)
    formset = FieldFormSet(request.POST or None, initial=None if request.POST else field_rows_initial(template))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = rows_in_order(formset)
        fields, constraints, defaults, default_rows = template_parts(rows)
        data = form.cleaned_data
        try:
            task_templates.task_template_check(fields=fields, constraints=constraints, defaults=defaults)
            settings = {
                "name": data["name"], "description": data["description"], "status": data["status"],
                "fields": fields, "constraints": constraints, "defaults": defaults, "actor": request.user,
            }
            if template is None:
                saved = task_templates.task_template_create(
                    instance=tenant, flow_id=data["flow"].pk if data["flow"] else None, **settings
                )
            else:
                # An empty flow id clears the template's flow.
                saved = task_templates.task_template_update(
                    template=template, flow_id=data["flow"].pk if data["flow"] else "", **settings
                )
        except task_templates.PropertyValidation as error:
            problems_beside_fields(error.property_list, rows=rows, default_rows=default_rows, formset=formset)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Task template “{saved}” {'saved' if template else 'created'}.")
            return redirect("admin_console:task_template_list")
    context = {
        "form": form,
        "formset": formset,
        "object": template,
        "cancel_url": reverse("admin_console:task_template_list"),
        "types": template_fields.TYPES,
        "limits": template_fields,
        "preview": _preview(formset),
    }
    return render(request, "admin_console/task_template_form.html", context)


@require_GET
@permission_required("TaskTemplates.Edit")
def task_template_field_row(request):
    """A new, empty field row of the given type (the builder's "Add field"), and the formset's new count."""
    try:
        index = max(0, min(int(request.GET.get("form-TOTAL_FORMS", "0")), template_fields.FIELDS_MAX + 19))
    except ValueError:
        index = 0
    kind = request.GET.get("new_type", "TEXT")
    kind = kind if kind in template_fields.TYPES else "TEXT"
    label = template_fields.TYPES[kind][0]
    row = FieldFormSet().form(
        prefix=f"form-{index}",
        initial={"type": kind, "name": label if kind in template_fields.SINGLE_USE else "", "ORDER": index + 1},
    )
    FieldFormSet().add_fields(row, index)
    return render(
        request, "admin_console/task_template_form.html#field_row",
        {"row": row, "total": index + 1, "types": template_fields.TYPES, "oob_total": True},
    )


@require_POST
@permission_required("TaskTemplates.Edit")
def task_template_preview(request):
    """The agent's Create task form as the builder's rows describe it (nothing is saved)."""
    formset = FieldFormSet(request.POST)
    return render(request, "admin_console/task_template_form.html#preview", {"preview": _preview(formset)})


def _preview(formset) -> list[dict]:
    """What the agent will see, field by field, from the builder's rows (valid rows only; invisible ones left
    out)."""
    if not formset.is_bound:
        rows = [{**row, "options": row.get("options", "").splitlines()} for row in formset.initial or []]
    else:
        formset.is_valid()
        rows = []
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data.get("name") or data.get("DELETE"):
                continue
            rows.append({**data, "order": data.get("ORDER") or 0})
        rows.sort(key=lambda r: r["order"])
    return [
        {**row, "control": _CONTROLS.get(row.get("type"), "text")}
        for row in rows
        if row.get("name") and not row.get("invisible")
    ]


# Field type → the control the agent's form uses for it (mirrors ccp.panel.forms).
_CONTROLS = {
    "NAME": "text", "TEXT": "text", "URL": "url", "NUMBER": "number", "EMAIL": "email",
    "DESCRIPTION": "textarea", "TEXT_AREA": "textarea",
    "SCHEDULED_TIME": "datetime-local", "DATE_TIME": "datetime-local",
    "BOOLEAN": "checkbox", "SELF_ASSIGN": "checkbox",
    "SINGLE_SELECT": "select", "QUICK_CONNECT": "quick-connect", "EXPIRY_DURATION": "minutes",
}


@require_http_methods(["GET", "POST"])
@permission_required("TaskTemplates.Edit")
def task_template_delete(request, pk):
    template = _template(request, pk)

    def delete():
        task_templates.task_template_delete(template=template, actor=request.user)

    return delete_response(
        request,
        template,
        delete=delete,
        noun="Task template",
        success_url=reverse("admin_console:task_template_list"),
    )
