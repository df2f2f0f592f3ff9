"""The contact search filters."""

from django import forms
from django.db.models import Q

from ccp.models import Channel, ContactState, Queue, User


class ContactSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Name or description")
    start = forms.DateTimeField(
        required=False, label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(
        required=False, label="To", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    channel = forms.ChoiceField(required=False, choices=[("", "Any channel"), *Channel.choices])
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *ContactState.choices])
    queue = forms.ModelChoiceField(required=False, queryset=Queue.objects.none(), empty_label="Any queue")
    agent = forms.ModelChoiceField(required=False, queryset=User.objects.none(), empty_label="Any agent")

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = Queue.objects.filter(instance=tenant).order_by("queue_type", "name")
        self.fields["agent"].queryset = User.objects.filter(instance=tenant).order_by(
            "first_name", "username"
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "“To” is before “From”.")
        return data

    def filter(self, contacts):
        """Narrow `contacts` by the valid filters (call after is_valid)."""
        data = self.cleaned_data
        if data.get("q"):
            contacts = contacts.filter(Q(name__icontains=data["q"]) | Q(description__icontains=data["q"]))
        if data.get("start"):
            contacts = contacts.filter(initiation_timestamp__gte=data["start"])
        if data.get("end"):
            contacts = contacts.filter(initiation_timestamp__lte=data["end"])
        for field in ("channel", "state", "queue", "agent"):
            if data.get(field):
                contacts = contacts.filter(**{field: data[field]})
        return contacts
