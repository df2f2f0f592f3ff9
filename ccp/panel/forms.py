"""Forms of the agent panel. They parse and shape input; the services validate the documented limits."""

import datetime as dt

from django import forms

from ccp import template_fields, validation
from ccp.errors import ServiceError
from ccp.models import TaskTemplate

REFERENCE_TYPES = [("URL", "URL"), ("STRING", "Text"), ("NUMBER", "Number"), ("EMAIL", "Email"), ("DATE", "Date")]
FREE_REFERENCE_ROWS = 3


class StatusForm(forms.Form):
    status = forms.CharField(max_length=100)


class TransferForm(forms.Form):
    quick_connect = forms.CharField(max_length=100, error_messages={"required": "Choose who gets the task."})


class CallForm(forms.Form):
    phone_number = forms.CharField(max_length=40, required=False)


def _wall_clock_field(label: str, *, required: bool) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "Choose a date and time.", "invalid": "Enter a date and time."},
    )


def _as_utc(value: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    """datetime-local carries no zone: it is the agent's wall-clock time."""
    if value is None:
        return None
    return value.replace(tzinfo=None).replace(tzinfo=tz).astimezone(dt.UTC)


class RescheduleForm(forms.Form):
    scheduled = _wall_clock_field("New time", required=True)

    def __init__(self, *args, tz: dt.tzinfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz

    def scheduled_time(self) -> dt.datetime:
        return _as_utc(self.cleaned_data["scheduled"], self.tz)


def _typed_field(spec: dict, *, tz: dt.tzinfo) -> forms.Field:
    """The control an agent gets for a template field of this type; the value rules are ccp.template_fields'."""
    kind = spec.get("Type") or "STRING"
    if kind in ("BOOLEAN", "SELF_ASSIGN"):
        return forms.BooleanField(required=False)
    if kind == "SINGLE_SELECT":
        options = [(o, o) for o in spec.get("SingleSelectOptions") or []]
        return forms.ChoiceField(choices=[("", "Choose…"), *options], required=False)
    if kind in ("DATE_TIME", "DATE"):
        return _wall_clock_field(spec["Id"]["Name"], required=False)
    if kind == "EXPIRY_DURATION":
        return forms.IntegerField(
            required=False,
            min_value=1,
            max_value=template_fields.EXPIRY_MINUTES_MAX,
            widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric", "placeholder": "minutes"}),
        )
    if kind == "TEXT_AREA":
        return forms.CharField(required=False, max_length=4096, widget=forms.Textarea(attrs={"rows": 3}))
    field = _CheckedField(spec=spec, required=False, max_length=4096)
    field.widget.input_type = {"URL": "url", "EMAIL": "email", "NUMBER": "number"}.get(kind, "text")
    if kind == "NUMBER":
        field.widget.attrs["step"] = "any"
    return field


class _CheckedField(forms.CharField):
    """A text-like template field whose value must suit its type (a URL http/https only, a number, an email)."""

    def __init__(self, *, spec: dict, **kwargs):
        self.spec = spec
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        problem = value and template_fields.value_problem(self.spec, value)
        if problem:
            raise forms.ValidationError(f"The value {problem}.")


def _initial(kind: str, default: str, tz: dt.tzinfo):
    """A template default as the control's initial value."""
    if kind in ("BOOLEAN", "SELF_ASSIGN"):
        return default == "true"
    if kind in ("DATE_TIME", "DATE"):
        try:
            return validation.parse_reference_date(default).astimezone(tz).replace(tzinfo=None)
        except ServiceError:
            return None
    return default


def _as_value(kind: str, value, tz: dt.tzinfo) -> str:
    """A cleaned control value as the text a reference keeps (a date in UTC ISO 8601, a checkbox true/false)."""
    if kind in ("BOOLEAN", "SELF_ASSIGN"):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return _as_utc(value, tz).strftime("%Y-%m-%dT%H:%M:%SZ")
    if value is None:
        return ""
    return str(value).strip()


class TaskCreateForm(forms.Form):
    """Create task: with a template its fields come in its order, required marked, read-only fixed,
    invisible absent, defaults filled in; without one, name, description and a few references."""

    template = forms.CharField(required=False)
    name = forms.CharField(label="Name", max_length=512, required=False)
    description = forms.CharField(
        label="Description", required=False, max_length=4096, widget=forms.Textarea(attrs={"rows": 3})
    )
    scheduled = _wall_clock_field("Scheduled time", required=False)
    quick_connect = forms.CharField(label="Assign to", required=False)

    def __init__(self, *args, template: TaskTemplate | None, tz: dt.tzinfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.task_template = template
        self.tz = tz
        self.reference_fields: list[tuple[str, str, str]] = []  # (form field, reference name, type)
        self.read_only: dict[str, str] = {}
        if template is None:
            self.fields["name"].required = True
            for i in range(FREE_REFERENCE_ROWS):
                self.fields[f"ref_name_{i}"] = forms.CharField(label="Reference name", required=False, max_length=4096)
                self.fields[f"ref_type_{i}"] = forms.ChoiceField(
                    label="Type", choices=REFERENCE_TYPES, required=False, initial="URL"
                )
                self.fields[f"ref_value_{i}"] = forms.CharField(label="Value", required=False, max_length=4096)
            return
        self._template_fields(template)

    def _template_fields(self, template: TaskTemplate) -> None:
        required, read_only = set(template.required_fields), set(template.read_only_fields)
        invisible, defaults = set(template.invisible_fields), template.default_values
        self.order: list[str] = []
        self.control_fields: list[tuple[str, str, str]] = []  # (form field, template field name, type)
        for i, spec in enumerate(template.fields or []):
            field_name = spec.get("Id", {}).get("Name", "")
            field_type = spec.get("Type") or "STRING"
            if not field_name or field_name in invisible:
                continue
            if field_type == "NAME" or (field_name == "Name" and field_type not in template_fields.SINGLE_USE):
                key = "name"
            elif field_type == "DESCRIPTION" or (
                field_name == "Description" and field_type not in template_fields.SINGLE_USE
            ):
                key = "description"
            elif field_type == "SCHEDULED_TIME":
                key = "scheduled"
            elif field_type == "QUICK_CONNECT":
                key = "quick_connect"
            elif field_type in template_fields.REFERENCE_TYPE or field_type in ("SELF_ASSIGN", "EXPIRY_DURATION"):
                key = f"tref_{i}"
                self.fields[key] = _typed_field(spec, tz=self.tz)
                if field_type in ("SELF_ASSIGN", "EXPIRY_DURATION"):
                    self.control_fields.append((key, field_name, field_type))
                else:
                    self.reference_fields.append((key, field_name, field_type))
            else:
                continue
            field = self.fields[key]
            field.label = field_name if key.startswith("tref_") else field.label
            # A checkbox always has a value (true or false); "required" is shown but cannot be left empty.
            field.required = field_name in required and not isinstance(field, forms.BooleanField)
            if spec.get("Description"):
                field.help_text = spec["Description"]
            if field_name in defaults and key not in ("scheduled", "quick_connect"):
                field.initial = _initial(field_type, defaults[field_name], self.tz)
            if field_name in read_only and key not in ("scheduled", "quick_connect"):
                if isinstance(field, (forms.BooleanField, forms.ChoiceField, forms.DateTimeField)):
                    # Checkboxes, selects and pickers cannot be read-only in HTML: disabled, the default stands.
                    field.disabled = True
                else:
                    field.widget.attrs["readonly"] = True
                    self.read_only[key] = defaults.get(field_name, "")
            self.order.append(key)
        for key in ("name", "description"):
            if key not in self.order:
                # Invisible or absent: the template's default (if any) fills it in the service.
                self.fields[key].required = False
        self.hidden_keys = [k for k in ("name", "description", "scheduled", "quick_connect") if k not in self.order]

    def clean(self):
        data = super().clean()
        for key, value in self.read_only.items():
            data[key] = value
        return data

    def template_rows(self) -> list:
        """The template's visible fields in its order (bound fields), for the template."""
        return [self[k] for k in getattr(self, "order", []) if k != "quick_connect"]

    def free_reference_rows(self) -> list[tuple]:
        if self.task_template is not None:
            return []
        return [
            (self[f"ref_name_{i}"], self[f"ref_type_{i}"], self[f"ref_value_{i}"]) for i in range(FREE_REFERENCE_ROWS)
        ]

    def references(self) -> dict[str, dict[str, str]]:
        refs = {}
        data = self.cleaned_data
        if self.task_template is None:
            for i in range(FREE_REFERENCE_ROWS):
                name, value = data.get(f"ref_name_{i}", "").strip(), data.get(f"ref_value_{i}", "").strip()
                if name or value:
                    refs[name or f"Reference {i + 1}"] = {"Type": data.get(f"ref_type_{i}") or "STRING", "Value": value}
        for key, ref_name, field_type in [*self.reference_fields, *getattr(self, "control_fields", [])]:
            value = _as_value(field_type, data.get(key), self.tz)
            if value:
                refs[ref_name] = {"Type": template_fields.REFERENCE_TYPE.get(field_type, "STRING"), "Value": value}
        return refs

    def self_assigned(self) -> bool:
        """The template's SELF_ASSIGN box is ticked (or fixed to true)."""
        return any(t == "SELF_ASSIGN" and self.cleaned_data.get(k) for k, _, t in getattr(self, "control_fields", []))

    def scheduled_time(self) -> dt.datetime | None:
        return _as_utc(self.cleaned_data.get("scheduled"), self.tz)
