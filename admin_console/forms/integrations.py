"""The Integrations page's form: an HTTP endpoint that stands in for a Lambda function."""

from django import forms

from ccp.services.integrations import ARN_MAX, TIMEOUT_RANGE


class LambdaFunctionForm(forms.Form):
    arn = forms.CharField(
        label="Function ARN",
        max_length=ARN_MAX,
        help_text="The ARN flows name in Invoke AWS Lambda function, e.g. "
        "arn:aws:lambda:us-east-1:123456789012:function:crm-lookup.",
    )
    url = forms.CharField(
        label="Endpoint URL",
        max_length=1000,
        help_text="Where the call is POSTed (http:// or https://), with Amazon Connect's event as JSON.",
        widget=forms.URLInput,
    )
    timeout_seconds = forms.IntegerField(
        label="Timeout (seconds)",
        min_value=TIMEOUT_RANGE[0],
        max_value=TIMEOUT_RANGE[1],
        initial=8,
        help_text="1 to 8; a block's own InvocationTimeLimitSeconds may be shorter.",
    )
    description = forms.CharField(max_length=250, required=False)

    def __init__(self, *args, function=None, **kwargs):
        if function is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "arn": function.arn,
                "url": function.url,
                "timeout_seconds": function.timeout_seconds,
                "description": function.description,
            }
        super().__init__(*args, **kwargs)
        if function is not None:
            self.fields["new_secret"] = forms.BooleanField(
                required=False,
                label="Generate a new signing secret",
                help_text="The old one stops working at once; the new one is shown once, after saving."
                if function.signing_secret_encrypted
                else "This function has no signing secret yet; saving gives it one.",
            )

    def clean(self):
        data = super().clean()
        for name in ("arn", "url", "description"):
            if "\x00" in (data.get(name) or ""):
                self.add_error(name, "Remove the NUL character.")
        return data
