"""Task template fields: Amazon Connect's 14 field types, their limits, and what a value of each type must be.

One catalogue for the service that stores templates (ccp.services.task_templates), the service that creates tasks
from them (ccp.services.tasks), the console's template builder and the agent's Create task form, so the four can
never disagree about a type. Lengths come from botocore's connect model (TaskTemplateFieldName 1-100,
TaskTemplateFieldDescription 1-255, TaskTemplateSingleSelectOption 1-100, TaskTemplateFieldValue 0-4096,
TaskTemplateName 1-100, TaskTemplateDescription 1-255); counts from Amazon Connect's service quotas.
"""

import datetime as dt

from ccp import validation
from ccp.errors import ServiceError

# Amazon Connect service quotas: 500 task templates per instance, 50 fields per template.
TEMPLATES_PER_INSTANCE_MAX = 500
FIELDS_MAX = 50
# Our own ceiling on a single-select field's options (Amazon Connect documents none); a list longer than this is
# no longer a usable drop-down.
OPTIONS_MAX = 100
FIELD_NAME_MAX = 100
FIELD_DESCRIPTION_MAX = 255
OPTION_MAX = 100
DEFAULT_VALUE_MAX = 4096
TEMPLATE_NAME_MAX = 100
TEMPLATE_DESCRIPTION_MAX = 255
# EXPIRY_DURATION is in minutes: at least one, at most the 7 days a task may live (validation.TASK_MAX_DURATION).
EXPIRY_MINUTES_MAX = int(validation.TASK_MAX_DURATION.total_seconds() // 60)

# type → (label in the builder, what the agent gets)
TYPES = {
    "NAME": ("Name", "The task's name (a text box)."),
    "DESCRIPTION": ("Description", "The task's description (a text area)."),
    "SCHEDULED_TIME": ("Scheduled time", "When the task starts, in the agent's timezone."),
    "QUICK_CONNECT": ("Assign to", "The quick connect the task goes to."),
    "URL": ("URL", "A link (http or https)."),
    "NUMBER": ("Number", "A number."),
    "TEXT": ("Text", "One line of text."),
    "TEXT_AREA": ("Text area", "Several lines of text."),
    "DATE_TIME": ("Date and time", "A date and time, in the agent's timezone."),
    "BOOLEAN": ("Checkbox", "Yes or no (a checkbox)."),
    "SINGLE_SELECT": ("Single select", "One of a list of options."),
    "EMAIL": ("Email", "An email address."),
    "SELF_ASSIGN": ("Assign to me", "A checkbox: the task goes to the agent who creates it."),
    "EXPIRY_DURATION": ("Expires after", "Minutes until the task expires (at most 7 days)."),
}
# Types a template may have at most once: each fills one part of the task rather than a reference.
SINGLE_USE = ("NAME", "DESCRIPTION", "SCHEDULED_TIME", "QUICK_CONNECT", "SELF_ASSIGN", "EXPIRY_DURATION")
# A value of these types is kept on the task as a reference of this type (as Amazon Connect shows template fields
# among the task's references); the single-use types fill the task itself.
REFERENCE_TYPE = {
    "URL": "URL",
    "NUMBER": "NUMBER",
    "EMAIL": "EMAIL",
    "DATE_TIME": "DATE",
    "TEXT": "STRING",
    "TEXT_AREA": "STRING",
    "BOOLEAN": "STRING",
    "SINGLE_SELECT": "STRING",
    # Older templates of this project used the reference types themselves as field types.
    "STRING": "STRING",
    "DATE": "DATE",
}


def field_name(item) -> str | None:
    """The name in {"Id": {"Name": ...}}, or None."""
    ident = item.get("Id") if isinstance(item, dict) else None
    name = ident.get("Name") if isinstance(ident, dict) else None
    return name if isinstance(name, str) and name else None


def value_problem(field: dict, value: str) -> str | None:
    """Why `value` cannot be a value of this field ("must be …"), or None. Empty values are the caller's concern
    (required or not)."""
    kind = field.get("Type")
    text = value.strip()
    if len(value) > DEFAULT_VALUE_MAX:
        return f"must be at most {DEFAULT_VALUE_MAX} characters"
    if kind == "URL" and not validation.is_safe_url(text):
        return "must be an http or https URL"
    if kind == "NUMBER" and not validation.NUMBER_RE.match(text):
        return "must be a number"
    if kind == "EMAIL" and not validation.EMAIL_RE.match(text):
        return "must be an email address"
    if kind in ("DATE_TIME", "SCHEDULED_TIME", "DATE"):
        try:
            validation.parse_reference_date(text)
        except ServiceError:
            return "must be a date and time (ISO 8601 or epoch)"
    if kind in ("BOOLEAN", "SELF_ASSIGN") and text not in ("true", "false"):
        return "must be true or false"
    if kind == "SINGLE_SELECT" and value not in (field.get("SingleSelectOptions") or []):
        return "must be one of the field's options"
    if kind == "EXPIRY_DURATION":
        if not text.isdigit() or not 1 <= int(text) <= EXPIRY_MINUTES_MAX:
            return f"must be a whole number of minutes from 1 to {EXPIRY_MINUTES_MAX}"
    return None


def expiry_after(minutes: str) -> dt.timedelta | None:
    """An EXPIRY_DURATION value as a duration (None when empty or not valid)."""
    text = (minutes or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= EXPIRY_MINUTES_MAX:
        return None
    return dt.timedelta(minutes=int(text))


def field_problems(fields) -> list[tuple[str, str, str]]:
    """(property path, reason, message) for every problem of a template's field list, in order."""
    if not isinstance(fields, list):
        return [("Fields", "INVALID_FORMAT", "Fields must be a list.")]
    problems = []
    if len(fields) > FIELDS_MAX:
        problems.append(("Fields", "INVALID_FORMAT", f"A template has at most {FIELDS_MAX} fields."))
    seen, used = set(), set()
    for i, field in enumerate(fields):
        path = f"Fields[{i}]"
        name = field_name(field)
        if not name:
            problems.append((f"{path}.Id.Name", "REQUIRED_PROPERTY_MISSING", "A field needs a name."))
            continue
        if len(name) > FIELD_NAME_MAX:
            problems.append(
                (f"{path}.Id.Name", "INVALID_FORMAT", f"A field name has at most {FIELD_NAME_MAX} characters.")
            )
        if name in seen:
            problems.append((path, "UNIQUE_CONSTRAINT_VIOLATED", f"Field {name!r} is repeated."))
        seen.add(name)
        kind = field.get("Type")
        if kind is not None and kind not in TYPES and kind not in REFERENCE_TYPE:
            problems.append(
                (f"{path}.Type", "INVALID_FORMAT", f"Field {name!r} has an unknown type {str(kind)[:40]!r}.")
            )
        if kind in SINGLE_USE:
            if kind in used:
                problems.append((f"{path}.Type", "UNIQUE_CONSTRAINT_VIOLATED", f"A template has one {kind} field."))
            used.add(kind)
        description = field.get("Description")
        if description is not None and (not isinstance(description, str) or len(description) > FIELD_DESCRIPTION_MAX):
            problems.append(
                (
                    f"{path}.Description",
                    "INVALID_FORMAT",
                    f"A description has at most {FIELD_DESCRIPTION_MAX} characters.",
                )
            )
        options = field.get("SingleSelectOptions")
        if kind == "SINGLE_SELECT":
            problems += _option_problems(path, name, options)
        elif options:
            problems.append(
                (f"{path}.SingleSelectOptions", "INVALID_FORMAT", "Only single-select fields have options.")
            )
    return problems


def _option_problems(path: str, name: str, options) -> list[tuple[str, str, str]]:
    if not options:
        return [(path, "REQUIRED_PROPERTY_MISSING", f"Single-select field {name!r} needs options.")]
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        return [(f"{path}.SingleSelectOptions", "INVALID_FORMAT", "Options must be a list of strings.")]
    problems = []
    if len(options) > OPTIONS_MAX:
        problems.append((f"{path}.SingleSelectOptions", "INVALID_FORMAT", f"At most {OPTIONS_MAX} options."))
    if any(not o.strip() or len(o) > OPTION_MAX for o in options):
        problems.append(
            (f"{path}.SingleSelectOptions", "INVALID_FORMAT", f"An option has 1 to {OPTION_MAX} characters.")
        )
    if len(set(options)) != len(options):
        problems.append((f"{path}.SingleSelectOptions", "UNIQUE_CONSTRAINT_VIOLATED", "Options must differ."))
    return problems
