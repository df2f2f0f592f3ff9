"""Writes to task templates (Create/Update/DeleteTaskTemplate), checked against Amazon Connect's shapes:
field names unique, constraints and defaults naming existing fields, defaults valid for their type,
single-select fields with options, the flow in the same instance."""

from ccp import template_fields
from ccp.errors import QuotaExceeded, ResourceNotFound, ServiceError
from ccp.models import ContactFlow, Instance, TaskTemplate
from ccp.services.audit import audit_changes, audit_record
from ccp.services.transactions import entry_transaction

# Amazon Connect: up to 50 fields per template (ccp.template_fields has the other limits).
TEMPLATE_FIELDS_MAX = template_fields.FIELDS_MAX
CONSTRAINT_KINDS = ("RequiredFields", "ReadOnlyFields", "InvisibleFields")


class PropertyValidation(ServiceError):
    """PropertyValidationException: one or more properties of the template are not valid."""

    code = "PropertyValidationException"
    status = 400

    def __init__(self, message: str, *, property_list: list[dict]):
        super().__init__(message)
        self.property_list = property_list


def _problem(path: str, reason: str, message: str) -> dict:
    return {"PropertyPath": path, "Reason": reason, "Message": message}


def _field_name(item) -> str | None:
    return template_fields.field_name(item)


def task_template_check(*, fields: list, constraints: dict, defaults: dict) -> None:
    """Raise PropertyValidation listing every problem of a template's fields, constraints and defaults (the API
    and the console's builder run this same check)."""
    problems = [_problem(*p) for p in template_fields.field_problems(fields)]
    by_name: dict[str, dict] = {}
    for field in fields if isinstance(fields, list) else []:
        name = _field_name(field)
        if name and name not in by_name:
            by_name[name] = field
    for kind in CONSTRAINT_KINDS:
        for i, item in enumerate((constraints or {}).get(kind) or []):
            name = _field_name(item)
            if name not in by_name:
                problems.append(
                    _problem(f"Constraints.{kind}[{i}]", "REFERENCED_RESOURCE_NOT_FOUND", f"No field named {name!r}.")
                )
    for i, item in enumerate((defaults or {}).get("DefaultFieldValues") or []):
        name = _field_name(item)
        if name not in by_name:
            problems.append(_problem(f"Defaults[{i}]", "REFERENCED_RESOURCE_NOT_FOUND", f"No field named {name!r}."))
            continue
        value = item.get("DefaultValue") or ""
        if not isinstance(value, str):
            problems.append(_problem(f"Defaults[{i}].DefaultValue", "INVALID_FORMAT", "A default is a string."))
            continue
        reason = value and template_fields.value_problem(by_name[name], value)
        if reason:
            problems.append(_problem(f"Defaults[{i}].DefaultValue", "INVALID_FORMAT", f"Default of {name!r} {reason}."))
    if problems:
        raise PropertyValidation(problems[0]["Message"], property_list=problems)


def _audit_view(template: TaskTemplate) -> dict:
    """What an audit entry records of a template."""
    return {
        "name": template.name,
        "description": template.description,
        "status": template.status,
        "flow": template.flow_id or "",
        "fields": template.fields,
        "constraints": template.constraints,
        "defaults": template.defaults,
    }


def _flow(instance, flow_id):
    if not flow_id:
        return None
    flow = ContactFlow.objects.filter(instance=instance, pk=flow_id).first()
    if flow is None:
        raise ResourceNotFound(f"Flow {flow_id[:100]!r} was not found in this instance.")
    return flow


def _name_check(instance, name: str, *, exclude_pk=None) -> None:
    others = TaskTemplate.objects.filter(instance=instance, name=name)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise PropertyValidation(
            f"A task template named {name!r} already exists.",
            property_list=[_problem("Name", "RESOURCE_NAME_ALREADY_EXISTS", "The name is taken.")],
        )


def task_template_create(
    *,
    instance,
    name: str,
    fields: list,
    description="",
    flow_id=None,
    constraints=None,
    defaults=None,
    status=None,
    actor=None,
    actor_label: str = "",
) -> TaskTemplate:
    """Create a task template after checking its shape; an audit entry records it."""
    constraints, defaults = constraints or {}, defaults or {}
    task_template_check(fields=fields, constraints=constraints, defaults=defaults)
    with entry_transaction():
        # Amazon Connect: 500 task templates per instance. The instance row is locked so two creations cannot
        # both take the last one.
        Instance.objects.select_for_update().filter(pk=instance.pk).first()
        if TaskTemplate.objects.filter(instance=instance).count() >= template_fields.TEMPLATES_PER_INSTANCE_MAX:
            raise QuotaExceeded(
                f"This instance already has {template_fields.TEMPLATES_PER_INSTANCE_MAX} task templates, "
                "Amazon Connect's limit; delete one first."
            )
        _name_check(instance, name)
        template = TaskTemplate.objects.create(
            instance=instance,
            name=name,
            description=description or "",
            flow=_flow(instance, flow_id),
            fields=fields,
            constraints=constraints,
            defaults=defaults,
            status=status or TaskTemplate.Status.ACTIVE,
        )
        audit_record(
            instance, actor=actor, actor_label=actor_label, action="CREATE", resource_type="task_template",
            resource_id=template.id, resource_name=template.name, after=_audit_view(template),
        )
        return template


def task_template_update(*, template: TaskTemplate, actor=None, actor_label: str = "", **changes) -> TaskTemplate:
    """Change the given parts of a template (name, description, flow_id, fields, constraints, defaults, status);
    an audit entry records what changed."""
    with entry_transaction():
        template = TaskTemplate.objects.select_for_update().get(pk=template.pk)
        before = _audit_view(template)
        if changes.get("name") is not None and changes["name"] != template.name:
            _name_check(template.instance, changes["name"], exclude_pk=template.pk)
            template.name = changes["name"]
        if changes.get("description") is not None:
            template.description = changes["description"]
        if changes.get("flow_id") is not None:
            template.flow = _flow(template.instance, changes["flow_id"])
        for key in ("fields", "constraints", "defaults", "status"):
            if changes.get(key) is not None:
                setattr(template, key, changes[key])
        task_template_check(fields=template.fields, constraints=template.constraints, defaults=template.defaults)
        template.save()
        old, new = audit_changes(before, _audit_view(template))
        if old or new:
            audit_record(
                template.instance, actor=actor, actor_label=actor_label, action="UPDATE",
                resource_type="task_template", resource_id=template.id, resource_name=template.name,
                before=old, after=new,
            )
    return template


def task_template_delete(*, template: TaskTemplate, actor=None, actor_label: str = "") -> None:
    """Delete a template; tasks created from it keep their data."""
    with entry_transaction():
        audit_record(
            template.instance, actor=actor, actor_label=actor_label, action="DELETE", resource_type="task_template",
            resource_id=template.id, resource_name=template.name, before=_audit_view(template),
        )
        template.delete()
