from zoneinfo import available_timezones

from django import forms

TIMEZONE_CHOICES = [(name, name) for name in sorted(available_timezones())]


class TenantModelForm(forms.ModelForm):
    """A ModelForm for a row of one instance.

    Every related-object choice is limited to the instance (`scoped_fields`), and the per-instance
    unique name is checked here so a duplicate is an inline error (the model's UniqueConstraint
    involves `instance`, which is not a form field, so Django skips it). The form never writes: the
    view passes its cleaned data to a configuration service, which checks again and saves.
    """

    scoped_fields: dict[str, callable] = {}

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        for name, queryset in self.scoped_fields.items():
            if name in self.fields:
                self.fields[name].queryset = queryset(tenant)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        model = self._meta.model
        taken = model.objects.filter(instance=self.tenant, name=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"Another {model._meta.verbose_name} is already called “{name}”.")
        return name

    def save(self, commit=True):
        raise NotImplementedError(
            "Console forms only validate; pass cleaned_data to the service in ccp.services.configuration."
        )
