"""The contact search filters: every one kept in the URL, turned into the selector's ContactSearchFilters."""

import datetime as dt

from django import forms
from django.utils import timezone

from ccp.models import Channel, DisconnectReason, InitiationMethod, Queue, RoutingProfile, TaskTemplate, User
from ccp.selectors.contacts import ContactSearchFilters

TIME_TYPES = [
    ("INITIATION_TIMESTAMP", "Initiated"),
    ("SCHEDULED_TIMESTAMP", "Scheduled for"),
    ("ENQUEUE_TIMESTAMP", "Enqueued"),
    ("CONNECTED_TO_AGENT_TIMESTAMP", "Connected to agent"),
    ("DISCONNECT_TIMESTAMP", "Disconnected"),
]
# URL sort keys (a leading "-" for descending) → SearchContacts' sortable fields.
SORT_KEYS = {
    "initiated": "INITIATION_TIMESTAMP",
    "scheduled": "SCHEDULED_TIMESTAMP",
    "connected": "CONNECTED_TO_AGENT_TIMESTAMP",
    "disconnected": "DISCONNECT_TIMESTAMP",
    "method": "INITIATION_METHOD",
    "channel": "CHANNEL",
}
SORT_LABELS = {
    "initiated": "Initiated",
    "scheduled": "Scheduled for",
    "connected": "Connected to agent",
    "disconnected": "Disconnected",
    "method": "Initiation method",
    "channel": "Channel",
}
SORT_CHOICES = [
    choice
    for key, label in SORT_LABELS.items()
    for choice in ((f"-{key}", f"{label}, descending"), (key, f"{label}, ascending"))
]
DEFAULT_SORT = "-initiated"
DEFAULT_WINDOW = dt.timedelta(hours=24)


def _choices(empty: str, choices) -> list:
    return [("", empty), *choices]


class ContactSearchForm(forms.Form):
    time_type = forms.ChoiceField(required=False, choices=TIME_TYPES, label="Time range by")
    start = forms.DateTimeField(
        required=False, label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(required=False, label="To", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    contact_id = forms.CharField(required=False, label="Contact ID", max_length=256)
    q = forms.CharField(required=False, label="Name or description", max_length=512)
    match = forms.ChoiceField(
        required=False, label="Name match", choices=[("contains", "Contains"), ("exact", "Exact name")]
    )
    channel = forms.ChoiceField(required=False, choices=_choices("Any channel", Channel.choices))
    method = forms.ChoiceField(
        required=False, label="Initiation method", choices=_choices("Any method", InitiationMethod.choices)
    )
    queue = forms.ModelChoiceField(required=False, queryset=Queue.objects.none(), empty_label="Any queue")
    agent = forms.ModelChoiceField(required=False, queryset=User.objects.none(), empty_label="Any agent")
    profile = forms.ModelChoiceField(
        required=False, label="Routing profile", queryset=RoutingProfile.objects.none(), empty_label="Any profile"
    )
    state = forms.ChoiceField(
        required=False,
        choices=[("", "Any state"), ("active", "Active"), ("scheduled", "Scheduled"), ("ended", "Ended")],
    )
    reason = forms.ChoiceField(
        required=False, label="Disconnect reason", choices=_choices("Any reason", DisconnectReason.choices)
    )
    template = forms.ModelChoiceField(
        required=False, label="Task template", queryset=TaskTemplate.objects.none(), empty_label="Any template"
    )
    attrs = forms.CharField(
        required=False,
        label="Attributes",
        help_text="key = value, one a line",
        widget=forms.Textarea(attrs={"rows": 1, "placeholder": "tier = gold"}),
    )
    attrs_match = forms.ChoiceField(
        required=False, label="Attributes match", choices=[("all", "All of them"), ("any", "Any of them")]
    )

    categories = forms.CharField(
        required=False,
        label="Categories",
        max_length=2000,
        help_text="names a rule assigned, separated by commas",
        widget=forms.TextInput(attrs={"placeholder": "Billing dispute, Churn risk"}),
    )
    categories_match = forms.ChoiceField(
        required=False, label="Categories match", choices=[("all", "All of them"), ("any", "Any of them")]
    )
    transcript = forms.CharField(
        required=False,
        label="Words in the transcript",
        max_length=2000,
        help_text="words or phrases, separated by commas",
        widget=forms.TextInput(attrs={"placeholder": "refund, cancel my account"}),
    )
    transcript_role = forms.ChoiceField(
        required=False,
        label="Said by",
        choices=[("", "Anyone"), ("AGENT", "Agent"), ("CUSTOMER", "Customer"), ("SYSTEM", "System")],
    )
    transcript_match = forms.ChoiceField(
        required=False, label="Transcript match", choices=[("any", "Any of them"), ("all", "All of them")]
    )

    sort = forms.ChoiceField(required=False, label="Sort by", choices=SORT_CHOICES)

    def __init__(self, data, *, tenant):
        data = data.copy()
        now = timezone.localtime()
        # The default window: the last 24 hours, in the instance's timezone (the view overrides the zone).
        data.setdefault("start", (now - DEFAULT_WINDOW).strftime("%Y-%m-%dT%H:%M"))
        data.setdefault("end", "")
        super().__init__(data)
        self.fields["queue"].queryset = Queue.objects.filter(instance=tenant).order_by("queue_type", "name")
        self.fields["agent"].queryset = User.objects.filter(instance=tenant).order_by("first_name", "username")
        self.fields["profile"].queryset = RoutingProfile.objects.filter(instance=tenant).order_by("name")
        self.fields["template"].queryset = TaskTemplate.objects.filter(instance=tenant).order_by("name")

    def clean_attrs(self) -> list[dict]:
        criteria: dict[str, list[str]] = {}
        for line in self.cleaned_data["attrs"].splitlines():
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise forms.ValidationError(f"“{line.strip()}” is not key = value.")
            criteria.setdefault(key.strip(), []).append(value.strip())
        return [{"Key": key, "Values": values} for key, values in criteria.items()]

    def clean_categories(self) -> list[str]:
        return _phrases(self.cleaned_data["categories"], longest=200, what="A category name")

    def clean_transcript(self) -> list[str]:
        # SearchText's limit in Amazon Connect's API: 128 characters a phrase.
        return _phrases(self.cleaned_data["transcript"], longest=128, what="A word or phrase")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "“To” is before “From”.")
        return data

    def filters(self, sort: str) -> ContactSearchFilters:
        """The selector's filters (call after is_valid); `sort` is a URL sort key such as "-initiated"."""
        data = self.cleaned_data
        text_match = "MATCH_EXACT" if data.get("match") == "exact" else "MATCH_ALL"
        return ContactSearchFilters(
            time_field=data.get("time_type") or "INITIATION_TIMESTAMP",
            start=data.get("start"),
            end=data.get("end"),
            contact_id=data.get("contact_id", "").strip(),
            channels=[data["channel"]] if data.get("channel") else [],
            initiation_methods=[data["method"]] if data.get("method") else [],
            queue_ids=[data["queue"].pk] if data.get("queue") else [],
            agent_ids=[data["agent"].pk] if data.get("agent") else [],
            routing_profile_ids=[data["profile"].pk] if data.get("profile") else [],
            states=[data["state"]] if data.get("state") else [],
            disconnect_reasons=[data["reason"]] if data.get("reason") else [],
            task_template_ids=[data["template"].pk] if data.get("template") else [],
            attribute_criteria=data.get("attrs") or [],
            attribute_match="MATCH_ANY" if data.get("attrs_match") == "any" else "MATCH_ALL",
            texts=[data["q"].strip()] if data.get("q", "").strip() else [],
            text_match=text_match,
            categories=data.get("categories") or [],
            category_match="MATCH_ANY" if data.get("categories_match") == "any" else "MATCH_ALL",
            transcript_criteria=[
                {
                    "ParticipantRole": data.get("transcript_role") or "",
                    "SearchText": data["transcript"],
                    "MatchType": "MATCH_ALL" if data.get("transcript_match") == "all" else "MATCH_ANY",
                }
            ]
            if data.get("transcript")
            else [],
            sort_field=SORT_KEYS[sort.lstrip("-")],
            sort_descending=sort.startswith("-"),
        )


def _phrases(text: str, *, longest: int, what: str) -> list[str]:
    """Comma-separated phrases, trimmed, without blanks or repeats."""
    phrases = list(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    for phrase in phrases:
        if len(phrase) > longest:
            raise forms.ValidationError(f"{what} is at most {longest} characters: “{phrase[:40]}…”.")
    return phrases


def sort_key(value: str | None) -> str:
    """The URL's sort key if it is one we know, else newest initiated first."""
    if value and value.lstrip("-") in SORT_KEYS and value.count("-") <= 1:
        return value
    return DEFAULT_SORT
