"""Forms for the Channels and flows section: contact flows (task templates: admin_console.forms.task_templates)."""

import json

from django import forms

from admin_console.forms.base import TenantModelForm
from ccp.models import ContactFlow


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
