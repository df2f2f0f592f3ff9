"""Forms for the Routing section: queues, routing profiles, quick connects, hours of operation."""

from django import forms
from django.forms import inlineformset_factory

from admin_console.forms.base import TIMEZONE_CHOICES, TenantModelForm
from ccp.models import Channel, ContactFlow, HoursOfOperation, Queue, QuickConnect, RoutingProfile, User
from ccp.models.routing import RoutingProfileQueue


def standard_queues(tenant):
    return Queue.objects.filter(instance=tenant, queue_type=Queue.Type.STANDARD).order_by("name")


class QueueForm(TenantModelForm):
    status = forms.ChoiceField(
        choices=Queue.Status.choices,
        required=False,
        initial=Queue.Status.ENABLED,
        help_text="Amazon Connect's queue status (UpdateQueueStatus): recorded; routing does not read it yet.",
    )
    scoped_fields = {
        "hours": lambda t: HoursOfOperation.objects.filter(instance=t).order_by("name"),
        "quick_connects": lambda t: QuickConnect.objects.filter(instance=t).order_by("name"),
    }

    class Meta:
        model = Queue
        fields = ["name", "description", "hours", "max_contacts", "status", "quick_connects"]
        labels = {"hours": "Hours of operation", "max_contacts": "Maximum contacts in queue"}
        help_texts = {
            "max_contacts": "Beyond this many waiting contacts, Transfer to queue takes its “at capacity” "
            "branch. Leave empty for no limit.",
            "quick_connects": "Shown to agents when they transfer a contact from this queue.",
        }
        widgets = {"quick_connects": forms.CheckboxSelectMultiple}

    def clean_status(self):
        # Left out of a post (an older page, a script): the queue keeps its status.
        return self.cleaned_data.get("status") or self.instance.status or Queue.Status.ENABLED


class RoutingProfileForm(TenantModelForm):
    scoped_fields = {"default_outbound_queue": standard_queues}

    voice_concurrency = forms.IntegerField(
        min_value=0, max_value=1, initial=1, help_text="0 (voice not handled) or 1."
    )
    chat_concurrency = forms.IntegerField(min_value=0, max_value=10, initial=0, help_text="0 to 10.")
    task_concurrency = forms.IntegerField(
        label="Task concurrency",
        min_value=1,
        max_value=10,
        initial=1,
        help_text="How many tasks an agent can hold at once: 1 to 10.",
    )
    task_offer_timeout_seconds = forms.IntegerField(
        label="Offer timeout (seconds)",
        min_value=5,
        max_value=3600,
        initial=30,
        help_text="How long an offered task rings before it counts as missed.",
    )

    class Meta:
        model = RoutingProfile
        fields = [
            "name",
            "description",
            "default_outbound_queue",
            "task_concurrency",
            "task_offer_timeout_seconds",
            "task_auto_accept",
            "chat_concurrency",
            "voice_concurrency",
        ]
        labels = {"task_auto_accept": "Auto-accept tasks"}
        help_texts = {"task_auto_accept": "Offered tasks connect at once, without the agent pressing Accept."}


class RoutingProfileQueueForm(forms.ModelForm):
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.TASK)
    priority = forms.IntegerField(min_value=1, max_value=99, initial=1, help_text="1 is served first.")
    delay_seconds = forms.IntegerField(label="Delay (seconds)", min_value=0, max_value=9999, initial=0)

    class Meta:
        model = RoutingProfileQueue
        fields = ["queue", "channel", "priority", "delay_seconds"]


class BaseQueueConfigFormSet(forms.BaseInlineFormSet):
    """The routing profile's queues; each queue appears at most once per channel."""

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        for form in self.forms:
            form.fields["queue"].queryset = standard_queues(tenant)

    @property
    def empty_form(self):
        form = super().empty_form
        form.fields["queue"].queryset = (
            self.forms[0].fields["queue"].queryset if self.forms else Queue.objects.none()
        )
        return form

    def clean(self):
        # Checked before Django's own unique check, whose message does not say which row is wrong.
        seen, duplicated = set(), False
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE") or not form.has_changed():
                continue
            key = (form.cleaned_data.get("queue"), form.cleaned_data.get("channel"))
            if None in key:
                continue
            if key in seen:
                form.add_error("queue", f"{key[0]} is already listed for {key[1]}.")
                duplicated = True
            seen.add(key)
        if duplicated:
            raise forms.ValidationError("Each queue can be listed once per channel.")
        super().clean()


QueueConfigFormSet = inlineformset_factory(
    RoutingProfile,
    RoutingProfileQueue,
    form=RoutingProfileQueueForm,
    formset=BaseQueueConfigFormSet,
    extra=2,
    can_delete=True,
)


class QuickConnectForm(TenantModelForm):
    scoped_fields = {
        "user": lambda t: User.objects.filter(instance=t, is_active=True).order_by("first_name", "username"),
        "queue": standard_queues,
        "flow": lambda t: ContactFlow.objects.filter(instance=t).order_by("name"),
    }

    class Meta:
        model = QuickConnect
        fields = ["name", "description", "type", "user", "queue", "phone_number", "flow"]
        labels = {"user": "Agent", "flow": "Transfer flow"}
        help_texts = {"type": "An agent, a queue, or an external phone number."}

    def clean(self):
        data = super().clean()
        kind = data.get("type")
        # The model's check constraint: exactly the target that matches the type.
        required = {
            QuickConnect.Type.USER: "user",
            QuickConnect.Type.QUEUE: "queue",
            QuickConnect.Type.PHONE_NUMBER: "phone_number",
        }.get(kind)
        if required and not data.get(required):
            self.add_error(required, "Required for this type of quick connect.")
        for field in ("user", "queue", "phone_number"):
            if field != required:
                data[field] = "" if field == "phone_number" else None
        return data


DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


class HoursForm(TenantModelForm):
    """Hours of operation: one open range per day.

    Amazon Connect allows several ranges a day; this form shows and keeps only the first.
    """

    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, initial="UTC")

    class Meta:
        model = HoursOfOperation
        fields = ["name", "description", "timezone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        existing = {}
        for entry in self.instance.config or []:
            existing.setdefault(entry["Day"], entry)
        for day in DAYS:
            entry = existing.get(day)
            label = day.capitalize()
            self.fields[f"{day}_open"] = forms.BooleanField(label=label, required=False, initial=bool(entry))
            self.fields[f"{day}_start"] = forms.TimeField(
                label=f"{label} opens",
                required=False,
                initial=_time(entry, "StartTime") if entry else "09:00",
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"{day}_end"] = forms.TimeField(
                label=f"{label} closes",
                required=False,
                initial=_time(entry, "EndTime") if entry else "17:00",
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )

    def day_rows(self):
        return [(self[f"{d}_open"], self[f"{d}_start"], self[f"{d}_end"]) for d in DAYS]

    def clean(self):
        data = super().clean()
        config = []
        for day in DAYS:
            if not data.get(f"{day}_open"):
                continue
            start, end = data.get(f"{day}_start"), data.get(f"{day}_end")
            if start is None:
                self.add_error(f"{day}_start", "Give the opening time.")
                continue
            if end is None:
                self.add_error(f"{day}_end", "Give the closing time.")
                continue
            if end <= start:
                self.add_error(f"{day}_end", "Closes before it opens.")
                continue
            config.append(
                {
                    "Day": day,
                    "StartTime": {"Hours": start.hour, "Minutes": start.minute},
                    "EndTime": {"Hours": end.hour, "Minutes": end.minute},
                }
            )
        self.instance.config = config
        data["config"] = config
        return data


def _time(entry, key):
    return f"{entry[key]['Hours']:02d}:{entry[key]['Minutes']:02d}"
