"""The audit log's filters, kept in the URL and turned into the selector's AuditFilters."""

from django import forms

from ccp.models import AuditEntry
from ccp.selectors.audit import AuditFilters, audit_resource_types


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, label="Who", max_length=200)
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *AuditEntry.Action.choices])
    resource_type = forms.ChoiceField(required=False, label="Resource", choices=[("", "Any resource")])
    q = forms.CharField(required=False, label="Name, id or detail contains", max_length=512)
    start = forms.DateTimeField(
        required=False, label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(required=False, label="To", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = audit_resource_types(instance_id=tenant.pk)
        self.fields["resource_type"].choices = [("", "Any resource"), *((k, k.replace("_", " ")) for k in kinds)]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "The end is before the start.")
        for name in ("actor", "q"):
            if "\x00" in (data.get(name) or ""):
                self.add_error(name, "Remove the NUL character.")
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            actor=data.get("actor") or "",
            action=data.get("action") or "",
            resource_type=data.get("resource_type") or "",
            text=data.get("q") or "",
            start=data.get("start"),
            end=data.get("end"),
        )
