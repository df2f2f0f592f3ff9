"""Forms of the agent panel. They parse and shape input; the services validate the documented limits."""

import datetime as dt

from django import forms

from ccp.models import TaskTemplate

REFERENCE_TYPES = [("URL", "URL"), ("STRING", "Text"), ("NUMBER", "Number"), ("EMAIL", "Email"), ("DATE", "Date")]
# Template field types → the reference type a value of that field is stored as.
TEMPLATE_REFERENCE_TYPES = {
    "URL": "URL",
    "NUMBER": "NUMBER",
    "EMAIL": "EMAIL",
    "DATE": "DATE",
    "DATE_TIME": "DATE",
    "STRING": "STRING",
    "TEXT": "STRING",
    "TEXT_AREA": "STRING",
}
INPUT_TYPES = {"URL": "url", "NUMBER": "text", "EMAIL": "email", "DATE": "text", "STRING": "text"}
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
        for i, spec in enumerate(template.fields or []):
            field_name = spec.get("Id", {}).get("Name", "")
            field_type = spec.get("Type", "STRING")
            if not field_name or field_name in invisible:
                continue
            if field_type == "NAME" or field_name == "Name":
                key = "name"
            elif field_type == "DESCRIPTION" or field_name == "Description":
                key = "description"
            elif field_type == "SCHEDULED_TIME":
                key = "scheduled"
            elif field_type == "QUICK_CONNECT":
                key = "quick_connect"
            elif field_type in TEMPLATE_REFERENCE_TYPES:
                key = f"tref_{i}"
                ref_type = TEMPLATE_REFERENCE_TYPES[field_type]
                self.fields[key] = forms.CharField(label=field_name, required=False, max_length=4096)
                self.fields[key].widget.input_type = INPUT_TYPES[ref_type]
                self.reference_fields.append((key, field_name, ref_type))
            else:
                continue
            field = self.fields[key]
            field.label = field_name if key.startswith("tref_") else field.label
            field.required = field_name in required
            if spec.get("Description"):
                field.help_text = spec["Description"]
            if field_name in defaults and key not in ("scheduled", "quick_connect"):
                field.initial = defaults[field_name]
            if field_name in read_only and key not in ("scheduled", "quick_connect"):
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
        for key, ref_name, ref_type in self.reference_fields:
            value = (data.get(key) or "").strip()
            if value:
                refs[ref_name] = {"Type": ref_type, "Value": value}
        return refs

    def scheduled_time(self) -> dt.datetime | None:
        return _as_utc(self.cleaned_data.get("scheduled"), self.tz)
