"""Forms for the Channels and flows section: contact flows and task templates."""

import json

from django import forms

from admin_console.forms.base import TenantModelForm
from ccp.models import ContactFlow, TaskTemplate

# Amazon Connect's task template field types.
FIELD_TYPES = {
    "NAME",
    "DESCRIPTION",
    "SCHEDULED_TIME",
    "QUICK_CONNECT",
    "URL",
    "NUMBER",
    "TEXT",
    "TEXT_AREA",
    "DATE_TIME",
    "BOOLEAN",
    "SINGLE_SELECT",
    "EMAIL",
    "SELF_ASSIGN",
    "EXPIRY_DURATION",
}
CONSTRAINT_KEYS = ("RequiredFields", "ReadOnlyFields", "InvisibleFields")


class FlowForm(TenantModelForm):
    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "false", "class": "code"}),
        help_text="The flow in Amazon Connect's flow language (JSON), kept exactly as you enter it.",
    )

    class Meta:
        model = ContactFlow
        fields = ["name", "description", "type", "content"]

    def clean_content(self):
        content = self.cleaned_data["content"]
        try:
            document = json.loads(content)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
            )
        if not isinstance(document, dict) or "Actions" not in document or "StartAction" not in document:
            raise forms.ValidationError("A flow is a JSON object with “StartAction” and “Actions”.")
        return content


class JSONTextField(forms.CharField):
    """A JSON document edited as text; cleans to the parsed value."""

    def __init__(self, *, empty, **kwargs):
        self.empty = empty
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "code"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return json.dumps(value if value is not None else self.empty, indent=2, ensure_ascii=False)

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return self.empty
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
            )


class TaskTemplateForm(TenantModelForm):
    scoped_fields = {"flow": lambda t: ContactFlow.objects.filter(instance=t).order_by("name")}

    fields = JSONTextField(
        empty=[],
        label="Fields",
        help_text='A list such as [{"Id": {"Name": "Customer"}, "Type": "TEXT", "Description": ""}].',
    )
    constraints = JSONTextField(
        empty={},
        label="Constraints",
        help_text='{"RequiredFields": [{"Id": {"Name": "Customer"}}], "ReadOnlyFields": [], '
        '"InvisibleFields": []}',
    )
    defaults = JSONTextField(
        empty={},
        label="Default values",
        help_text='{"DefaultFieldValues": [{"Id": {"Name": "Customer"}, "DefaultValue": "ACME"}]}',
    )

    class Meta:
        model = TaskTemplate
        fields = ["name", "description", "status", "flow", "fields", "constraints", "defaults"]
        labels = {"flow": "Contact flow"}
        help_texts = {"flow": "The flow a task created from this template runs."}

    def clean_fields(self):
        value = self.cleaned_data["fields"]
        if not isinstance(value, list):
            raise forms.ValidationError("Fields must be a JSON list.")
        names = []
        for position, field in enumerate(value, start=1):
            name = _field_name(field)
            if name is None:
                raise forms.ValidationError(f"Field {position} needs an Id with a Name.")
            if field.get("Type") not in FIELD_TYPES:
                raise forms.ValidationError(
                    f"Field “{name}” has type {field.get('Type')!r}; "
                    f"use one of {', '.join(sorted(FIELD_TYPES))}."
                )
            if name in names:
                raise forms.ValidationError(f"Field “{name}” appears twice.")
            names.append(name)
        return value

    def clean_constraints(self):
        value = self.cleaned_data["constraints"]
        if not isinstance(value, dict) or set(value) - set(CONSTRAINT_KEYS):
            raise forms.ValidationError(
                f"Constraints must be an object with only {', '.join(CONSTRAINT_KEYS)}."
            )
        for key, entries in value.items():
            if not isinstance(entries, list) or any(_field_name(e) is None for e in entries):
                raise forms.ValidationError(f'{key} must be a list of {{"Id": {{"Name": …}}}}.')
        return value

    def clean_defaults(self):
        value = self.cleaned_data["defaults"]
        entries = value.get("DefaultFieldValues", []) if isinstance(value, dict) else None
        if not isinstance(entries, list) or any(
            _field_name(e) is None or not isinstance(e.get("DefaultValue"), str) for e in entries
        ):
            raise forms.ValidationError(
                'Defaults must be {"DefaultFieldValues": [{"Id": {"Name": …}, "DefaultValue": "…"}]}.'
            )
        return value

    def clean(self):
        data = super().clean()
        names = {_field_name(f) for f in data.get("fields") or []}
        for key in CONSTRAINT_KEYS:
            for entry in (data.get("constraints") or {}).get(key, []):
                if _field_name(entry) not in names:
                    self.add_error(
                        "constraints", f"{key} names “{_field_name(entry)}”, which is not a field."
                    )
        for entry in (data.get("defaults") or {}).get("DefaultFieldValues", []):
            if _field_name(entry) not in names:
                self.add_error(
                    "defaults", f"A default is set for “{_field_name(entry)}”, which is not a field."
                )
        return data


def _field_name(entry):
    try:
        name = entry["Id"]["Name"]
    except (TypeError, KeyError):
        return None
    return name if isinstance(name, str) and name else None
