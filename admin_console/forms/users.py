"""Forms for the Users section: users and agent statuses."""

from django import forms
from django.contrib.auth import password_validation

from admin_console.forms.base import TIMEZONE_CHOICES, TenantModelForm
from ccp.models import AgentStatus, RoutingProfile, SecurityProfile, User
from ccp.models.security import ADMIN_PERMISSION, CONSOLE_PERMISSIONS


def profiles_permissions(profiles) -> set[str]:
    return {name for profile in profiles or () for name in profile.permissions}


class UserForm(TenantModelForm):
    scoped_fields = {
        "routing_profile": lambda t: RoutingProfile.objects.filter(instance=t).order_by("name"),
        "security_profiles": lambda t: SecurityProfile.objects.filter(instance=t).order_by("name"),
    }

    security_profiles = forms.ModelMultipleChoiceField(
        queryset=SecurityProfile.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="What the user may do: the permissions of every profile picked add up.",
    )

    timezone = forms.ChoiceField(
        choices=[("", "The instance's timezone"), *TIMEZONE_CHOICES],
        required=False,
        help_text="Dates in the agent's panel are shown in this zone.",
    )
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        required=False,
        strip=False,
    )

    # Amazon Connect's PhoneConfig, as UpdateUserPhoneConfig sets it.
    phone_type = forms.ChoiceField(
        choices=[("SOFT_PHONE", "Soft phone"), ("DESK_PHONE", "Desk phone")],
        initial="SOFT_PHONE",
        required=False,
        label="Phone type",
    )
    after_contact_work_time_limit = forms.IntegerField(
        min_value=0,
        max_value=2_147_483_647,
        initial=0,
        required=False,
        label="After-contact work time limit (seconds)",
        help_text="After-contact work ends by itself after this many seconds; 0 = until the agent closes it.",
    )

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "security_profiles",
            "routing_profile",
            "phone_number",
            "timezone",
            "phone_type",
            "auto_accept",
            "after_contact_work_time_limit",
            "is_active",
        ]
        labels = {"is_active": "Can sign in", "auto_accept": "Auto-accept"}
        help_texts = {
            "username": "Used to sign in; unique across the installation.",
            "routing_profile": "Which queues and how many tasks at once this agent is offered.",
            "auto_accept": "Tasks and calls offered to this agent are accepted at once, without ringing.",
        }

    def __init__(self, *args, editor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editor = editor
        adding = self.instance._state.adding
        self.fields["password"].required = adding
        self.fields["password"].help_text = (
            "At least 8 characters." if adding else "Leave empty to keep the current password."
        )

    # Left out of a post (an older form, a script): the user keeps what they have.
    def clean_phone_type(self):
        return self.cleaned_data.get("phone_type") or self.instance.phone_type or "SOFT_PHONE"

    def clean_after_contact_work_time_limit(self):
        limit = self.cleaned_data.get("after_contact_work_time_limit")
        return self.instance.after_contact_work_time_limit if limit is None else limit

    def clean(self):
        data = super().clean()
        granted = profiles_permissions(data.get("security_profiles"))
        agent_only = "BasicAgentAccess" in granted and granted.isdisjoint(CONSOLE_PERMISSIONS)
        if agent_only and not data.get("routing_profile"):
            self.add_error("routing_profile", "An agent needs a routing profile to be offered tasks.")
        if self.editor is not None and self.instance.pk == self.editor.pk:
            # An admin can't lock themselves out of the console.
            if "security_profiles" in data and ADMIN_PERMISSION not in granted:
                self.add_error("security_profiles", "You can't remove your own permission to edit security profiles.")
            if not data.get("is_active"):
                self.add_error("is_active", "You can't disable your own sign-in.")
        password = data.get("password")
        if password:
            try:
                password_validation.validate_password(password, self.instance)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class AgentStatusForm(TenantModelForm):
    type = forms.ChoiceField(
        choices=[(v, label) for v, label in AgentStatus.Type.choices if v != AgentStatus.Type.MISSED],
        help_text="Routable statuses receive tasks; custom ones (Break, Lunch) do not.",
    )

    class Meta:
        model = AgentStatus
        fields = ["name", "description", "type", "state", "display_order"]
        help_texts = {
            "display_order": "Lower numbers are listed first in the agent's status menu.",
            "state": "A disabled status is not offered in the agent's status menu (custom statuses only).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].required = False
        if self.instance.type == AgentStatus.Type.MISSED:
            # The system sets Missed after a missed offer; its type stays.
            self.fields["type"].choices = [(AgentStatus.Type.MISSED, "MISSED")]
            self.fields["type"].disabled = True

    def clean_state(self):
        # Left out of a post: the status keeps its state (a new one is enabled).
        return self.cleaned_data.get("state") or self.instance.state or "ENABLED"
