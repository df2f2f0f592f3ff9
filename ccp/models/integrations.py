from django.db import models


class LambdaFunction(models.Model):
    """Invoke AWS Lambda function: here a function ARN is mapped by the admin to an HTTP endpoint."""

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="lambda_functions")
    arn = models.CharField(max_length=500)
    url = models.URLField(max_length=1000)
    description = models.CharField(max_length=250, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "arn"], name="lambda_arn_unique")]

    def __str__(self) -> str:
        return self.arn
