from django.db import models


class LambdaFunction(models.Model):
    """Invoke AWS Lambda function: here a function ARN is mapped by the admin to an HTTP endpoint.

    Associated through the API (AssociateLambdaFunction) it has no endpoint yet, until an admin gives its URL on
    the console's Integrations page; a flow calling it meanwhile takes the block's error branch."""

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="lambda_functions")
    arn = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, blank=True, default="")
    description = models.CharField(max_length=250, blank=True, default="")
    # The endpoint's own deadline (1–8 s, Amazon Connect's range); a block's InvocationTimeLimitSeconds may be lower.
    timeout_seconds = models.PositiveSmallIntegerField(default=8)
    # The HMAC secret our calls are signed with (X-TaskCenter-Signature), encrypted like API secrets
    # (ccp.signing); empty for a function associated through the API and not yet given one.
    signing_secret_encrypted = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "arn"], name="lambda_arn_unique")]

    def __str__(self) -> str:
        return self.arn
