"""The security profile form: a name, a description and the permissions matrix, grouped by area."""

from django import forms

from admin_console.forms.base import TenantModelForm
from ccp.models import SecurityProfile
from ccp.models.security import PERMISSIONS


def _grouped_choices() -> list:
    groups: dict[str, list] = {}
    for permission in PERMISSIONS:
        groups.setdefault(permission.group, []).append((permission.name, f"{permission.label} ({permission.name})"))
    return list(groups.items())


class SecurityProfileForm(TenantModelForm):
    permissions = forms.MultipleChoiceField(
        choices=_grouped_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Edit includes creating and deleting, and comes with View. README: Security profiles says what "
        "each permission allows.",
    )

    class Meta:
        model = SecurityProfile
        fields = ["name", "description", "permissions"]
        help_texts = {"name": "Letters, digits, spaces, _, @ and -; up to 127 characters."}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
