"""Forms for the Settings section: the instance and its API keys."""

from django import forms
from django.conf import settings

from admin_console.forms.base import TIMEZONE_CHOICES
from ccp.models import Instance
from ccp.validation import SERVICE_LEVEL_MAX_SECONDS, duration_format, duration_parse


class DurationField(forms.CharField):
    """Seconds, typed as "20s", "15m", "4h" or "2d" (a bare number is seconds), 1 s … 7 days; left empty,
    the setting keeps its value."""

    def prepare_value(self, value):
        return duration_format(value) if isinstance(value, int) else value

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        seconds = duration_parse(text)
        if seconds is None or not 1 <= seconds <= SERVICE_LEVEL_MAX_SECONDS:
            raise forms.ValidationError("A duration from 1s to 7d, such as 20s, 15m, 4h or 2d.")
        return seconds


class InstanceForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, help_text="Every time in the console is shown in this zone.")
    active_task_quota = forms.IntegerField(
        label="Active task quota",
        min_value=1,
        help_text="Open tasks the instance may hold at once; StartTaskContact is refused beyond it.",
    )
    api_rate_per_second = forms.IntegerField(
        label="API rate (requests per second)", min_value=1, help_text="Per API operation."
    )
    api_burst = forms.IntegerField(label="API burst", min_value=1, help_text="Requests allowed in a burst.")
    service_level_task_seconds = DurationField(
        required=False,
        label="Service level for tasks",
        help_text="Answered within this time counts as in service level (reports and real time): e.g. 4h, 1d.",
    )
    service_level_chat_seconds = DurationField(
        required=False, label="Service level for chats", help_text="For example 60s."
    )
    service_level_voice_seconds = DurationField(
        required=False, label="Service level for calls", help_text="For example 20s."
    )

    class Meta:
        model = Instance
        fields = [
            "timezone",
            "active_task_quota",
            "api_rate_per_second",
            "api_burst",
            "service_level_task_seconds",
            "service_level_chat_seconds",
            "service_level_voice_seconds",
        ]

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        # The operator's ceilings (ccp.settings); the service refuses more, this only says so up front.
        for name, ceiling in (
            ("active_task_quota", settings.MAX_ACTIVE_TASK_QUOTA),
            ("api_rate_per_second", settings.MAX_API_RATE_PER_SECOND),
            ("api_burst", settings.MAX_API_BURST),
        ):
            self.fields[name].help_text = f"{self.fields[name].help_text} At most {ceiling:,}.".strip()

    def clean(self):
        data = super().clean()
        rate, burst = data.get("api_rate_per_second"), data.get("api_burst")
        if rate and burst and burst < rate:
            self.add_error("api_burst", "The burst can't be smaller than the rate per second.")
        return data


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, required=False, help_text="What uses this key, so you know which one to revoke."
    )
