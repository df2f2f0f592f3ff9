"""Writes to task templates (Create/Update/DeleteTaskTemplate), checked against Amazon Connect's shapes:
field names unique, constraints and defaults naming existing fields, defaults valid for their type,
single-select fields with options, the flow in the same instance."""

from ccp import validation
from ccp.errors import ResourceNotFound, ServiceError
from ccp.models import ContactFlow, TaskTemplate
from ccp.services.audit import audit_created, audit_deleted, audit_snapshot, audit_updated
from ccp.services.transactions import entry_transaction

# What an audit entry records of a task template.
AUDITED = ("name", "description", "flow", "status", "fields", "constraints", "defaults")

# Amazon Connect: up to 50 fields per template.
TEMPLATE_FIELDS_MAX = 50
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
    ident = item.get("Id") if isinstance(item, dict) else None
    return ident.get("Name") if isinstance(ident, dict) else None


def _default_problem(field: dict, value: str) -> str | None:
    kind = field.get("Type")
    try:
        if kind == "URL" and not validation.is_safe_url(value):
            return "must be an http or https URL"
        if kind == "NUMBER" and not validation.NUMBER_RE.match(value.strip()):
            return "must be a number"
        if kind == "EMAIL" and not validation.EMAIL_RE.match(value.strip()):
            return "must be an email address"
        if kind == "DATE_TIME":
            validation.parse_reference_date(value)
        if kind == "BOOLEAN" and value not in ("true", "false"):
            return "must be true or false"
        if kind == "SINGLE_SELECT" and value not in (field.get("SingleSelectOptions") or []):
            return "must be one of the field's options"
    except ServiceError:
        return "must be a date (ISO 8601 or epoch)"
    return None


def task_template_check(*, fields: list, constraints: dict, defaults: dict) -> None:
    """Raise PropertyValidation listing every problem of a template's fields, constraints and defaults."""
    problems = []
    if len(fields) > TEMPLATE_FIELDS_MAX:
        problems.append(_problem("Fields", "INVALID_FORMAT", f"At most {TEMPLATE_FIELDS_MAX} fields."))
    by_name: dict[str, dict] = {}
    for i, field in enumerate(fields):
        name = _field_name(field)
        if not name:
            problems.append(_problem(f"Fields[{i}].Id.Name", "REQUIRED_PROPERTY_MISSING", "A field needs a name."))
            continue
        if name in by_name:
            problems.append(_problem(f"Fields[{i}]", "UNIQUE_CONSTRAINT_VIOLATED", f"Field {name!r} is repeated."))
        if field.get("Type") == "SINGLE_SELECT" and not field.get("SingleSelectOptions"):
            problems.append(
                _problem(f"Fields[{i}]", "REQUIRED_PROPERTY_MISSING", f"Single-select field {name!r} needs options.")
            )
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
        reason = _default_problem(by_name[name], item.get("DefaultValue") or "")
        if reason:
            problems.append(_problem(f"Defaults[{i}].DefaultValue", "INVALID_FORMAT", f"Default of {name!r} {reason}."))
    if problems:
        raise PropertyValidation(problems[0]["Message"], property_list=problems)


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
    *, instance, name: str, fields: list, description="", flow_id=None, constraints=None, defaults=None, status=None
) -> TaskTemplate:
    """Create a task template after checking its shape."""
    constraints, defaults = constraints or {}, defaults or {}
    task_template_check(fields=fields, constraints=constraints, defaults=defaults)
    with entry_transaction():
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
        audit_created(template, resource_type="task_template", fields=AUDITED)
    return template


def task_template_update(*, template: TaskTemplate, **changes) -> TaskTemplate:
    """Change the given parts of a template (name, description, flow_id, fields, constraints, defaults, status)."""
    with entry_transaction():
        template = TaskTemplate.objects.select_for_update().get(pk=template.pk)
        before = audit_snapshot(template, AUDITED)
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
        audit_updated(template, before, resource_type="task_template", fields=AUDITED)
    return template


def task_template_delete(*, template: TaskTemplate) -> None:
    """Delete a template; tasks created from it keep their data."""
    with entry_transaction():
        before, template_id = audit_snapshot(template, AUDITED), template.pk
        template.delete()
        audit_deleted(template, before, resource_type="task_template", resource_id=template_id)
