"""Handlers for the task template operations."""

from ccp.api.contacts import instance_get
from ccp.api.paging import page
from ccp.api.render import task_template_render, task_template_summary
from ccp.errors import InvalidParameter
from ccp.models import TaskTemplate
from ccp.services.task_templates import task_template_create, task_template_delete, task_template_update


def _text(params, key: str, model_field: str):
    value = params.get(key)
    limit = TaskTemplate._meta.get_field(model_field).max_length
    if value is not None and len(value) > limit:
        raise InvalidParameter(f"{key} must be at most {limit} characters.", field=key)
    return value


def create_task_template(*, instance, params) -> dict:
    """CreateTaskTemplate: PUT /instance/{InstanceId}/task/template."""
    template = task_template_create(
        instance=instance,
        name=_text(params, "Name", "name"),
        description=_text(params, "Description", "description") or "",
        flow_id=params.get("ContactFlowId"),
        fields=params["Fields"],
        constraints=params.get("Constraints"),
        defaults=params.get("Defaults"),
        status=params.get("Status"),
        actor_label="API",
    )
    return {"Id": template.id, "Arn": f"{instance.arn}/task-template/{template.id}"}


def get_task_template(*, instance, params) -> dict:
    """GetTaskTemplate."""
    template = instance_get(TaskTemplate, instance=instance, pk=params["TaskTemplateId"], label="Task template")
    return task_template_render(template)


def list_task_templates(*, instance, params) -> dict:
    """ListTaskTemplates, optionally by status and exact name."""
    queryset = TaskTemplate.objects.filter(instance=instance).select_related("instance").order_by("name", "id")
    if params.get("Status"):
        queryset = queryset.filter(status=params["Status"])
    if params.get("Name"):
        queryset = queryset.filter(name=params["Name"])
    rows, next_token = page(queryset, next_token=params.get("NextToken"), max_results=params.get("MaxResults"))
    return {"TaskTemplates": [task_template_summary(t) for t in rows], "NextToken": next_token}


def update_task_template(*, instance, params) -> dict:
    """UpdateTaskTemplate: only the given members change."""
    template = instance_get(TaskTemplate, instance=instance, pk=params["TaskTemplateId"], label="Task template")
    template = task_template_update(
        template=template,
        name=_text(params, "Name", "name"),
        description=_text(params, "Description", "description"),
        flow_id=params.get("ContactFlowId"),
        fields=params.get("Fields"),
        constraints=params.get("Constraints"),
        defaults=params.get("Defaults"),
        status=params.get("Status"),
        actor_label="API",
    )
    return task_template_render(template)


def delete_task_template(*, instance, params) -> dict:
    """DeleteTaskTemplate."""
    template = instance_get(TaskTemplate, instance=instance, pk=params["TaskTemplateId"], label="Task template")
    task_template_delete(template=template, actor_label="API")
    return {}
