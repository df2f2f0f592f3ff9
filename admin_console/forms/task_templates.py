"""The task template builder: the template's settings, and one row per field (a formset) in the agent's order.

The rows become Amazon Connect's Fields, Constraints and Defaults; the same check the API runs
(ccp.services.task_templates.task_template_check) then judges them, and each problem it finds is put beside the
row and input it concerns."""

import re

from django import forms

from admin_console.forms.base import TenantModelForm
from ccp import template_fields
from ccp.models import ContactFlow, TaskTemplate

TYPE_CHOICES = [(kind, f"{label} ({kind})") for kind, (label, _) in template_fields.TYPES.items()]
FLAGS = (("required", "RequiredFields"), ("read_only", "ReadOnlyFields"), ("invisible", "InvisibleFields"))


class TaskTemplateForm(TenantModelForm):
    scoped_fields = {"flow": lambda t: ContactFlow.objects.filter(instance=t).order_by("name")}

    class Meta:
        model = TaskTemplate
        fields = ["name", "description", "status", "flow"]
        labels = {"flow": "Contact flow", "status": "Status"}
        help_texts = {
            "flow": "The flow a task created from this template runs. Without one, the agent chooses who gets it.",
            "name": f"Up to {template_fields.TEMPLATE_NAME_MAX} characters.",
            "description": f"Up to {template_fields.TEMPLATE_DESCRIPTION_MAX} characters; agents see it.",
        }
        widgets = {"description": forms.TextInput()}


class FieldRowForm(forms.Form):
    """One field of the template, as the builder edits it."""

    name = forms.CharField(label="Field name", max_length=template_fields.FIELD_NAME_MAX, required=False)
    type = forms.ChoiceField(label="Type", choices=TYPE_CHOICES, initial="TEXT")
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=template_fields.FIELD_DESCRIPTION_MAX,
        help_text=f"Shown under the field; up to {template_fields.FIELD_DESCRIPTION_MAX} characters.",
    )
    options = forms.CharField(
        label="Options",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Single select: one option a line, up to {template_fields.OPTIONS_MAX} options "
        f"of up to {template_fields.OPTION_MAX} characters.",
    )
    default = forms.CharField(
        label="Default value",
        required=False,
        max_length=template_fields.DEFAULT_VALUE_MAX,
        help_text="Checkboxes: true or false. Dates: ISO 8601 (2026-05-01T09:00:00Z). Expiry: minutes.",
    )
    required = forms.BooleanField(label="Required", required=False)
    read_only = forms.BooleanField(label="Read-only", required=False)
    invisible = forms.BooleanField(label="Invisible", required=False)

    def clean_options(self):
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("name") and not data.get("default") and not data.get("options")


class BaseFieldFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        kept = [f for f in self.forms if not self._should_delete_form(f) and not f.is_blank()]
        if len(kept) > template_fields.FIELDS_MAX:
            raise forms.ValidationError(
                f"A template has at most {template_fields.FIELDS_MAX} fields (Amazon Connect's limit); "
                f"this one has {len(kept)}."
            )


FieldFormSet = forms.formset_factory(
    FieldRowForm,
    formset=BaseFieldFormSet,
    extra=0,
    can_order=True,
    can_delete=True,
    max_num=template_fields.FIELDS_MAX,
    absolute_max=template_fields.FIELDS_MAX + 20,
)


def field_rows_initial(template: TaskTemplate | None) -> list[dict]:
    """A saved template as the builder's rows."""
    if template is None:
        return [
            {"name": "Name", "type": "NAME", "required": True},
            {"name": "Description", "type": "DESCRIPTION"},
        ]
    required, read_only = set(template.required_fields), set(template.read_only_fields)
    invisible, defaults = set(template.invisible_fields), template.default_values
    rows = []
    for field in template.fields or []:
        name = template_fields.field_name(field) or ""
        kind = field.get("Type") or "TEXT"
        rows.append({
            "name": name,
            # Older rows spelled text fields as reference types; the builder shows the field type.
            "type": {"STRING": "TEXT", "DATE": "DATE_TIME"}.get(kind, kind),
            "description": field.get("Description") or "",
            "options": "\n".join(field.get("SingleSelectOptions") or []),
            "default": defaults.get(name, ""),
            "required": name in required,
            "read_only": name in read_only,
            "invisible": name in invisible,
        })
    return rows


def rows_in_order(formset) -> list:
    """The kept rows (not removed, not blank) in the order the admin put them."""
    return [form for form in formset.ordered_forms if not form.is_blank()]


def template_parts(rows) -> tuple[list, dict, dict, dict]:
    """Fields, Constraints and Defaults in Amazon Connect's shape, and where each default came from."""
    fields, constraints, defaults, default_rows = [], {k: [] for _, k in FLAGS}, [], {}
    for row in rows:
        data = row.cleaned_data
        field = {"Id": {"Name": data["name"]}, "Type": data["type"]}
        if data["description"]:
            field["Description"] = data["description"]
        if data["type"] == "SINGLE_SELECT":
            field["SingleSelectOptions"] = data["options"]
        fields.append(field)
        for flag, key in FLAGS:
            if data[flag]:
                constraints[key].append({"Id": {"Name": data["name"]}})
        if data["default"]:
            default_rows[len(defaults)] = row
            defaults.append({"Id": {"Name": data["name"]}, "DefaultValue": data["default"]})
    constraints = {k: v for k, v in constraints.items() if v}
    return fields, constraints, ({"DefaultFieldValues": defaults} if defaults else {}), default_rows


# PropertyPath → the row input it concerns.
_FIELD_PATH = re.compile(r"^Fields\[(\d+)\](?:\.(Id\.Name|Type|Description|SingleSelectOptions))?$")
_DEFAULT_PATH = re.compile(r"^Defaults\[(\d+)\]")
_INPUT = {"Id.Name": "name", "Type": "type", "Description": "description", "SingleSelectOptions": "options"}


def problems_beside_fields(problems: list[dict], *, rows, default_rows, formset) -> None:
    """Put each problem the service found beside the row and input it concerns."""
    for problem in problems:
        path, message = problem["PropertyPath"], problem["Message"]
        field_match, default_match = _FIELD_PATH.match(path), _DEFAULT_PATH.match(path)
        if field_match and int(field_match.group(1)) < len(rows):
            rows[int(field_match.group(1))].add_error(_INPUT.get(field_match.group(2), None) or "name", message)
        elif default_match and int(default_match.group(1)) in default_rows:
            default_rows[int(default_match.group(1))].add_error("default", message)
        else:
            formset._non_form_errors = formset.error_class([*formset.non_form_errors(), message])
