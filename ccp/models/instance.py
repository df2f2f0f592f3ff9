import uuid

from django.core.validators import MinValueValidator
from django.db import models


def new_id() -> str:
    return str(uuid.uuid4())


class Instance(models.Model):
    """The tenant: one contact center. Every other row belongs to exactly one instance."""

    id = models.CharField(primary_key=True, max_length=100, default=new_id)
    alias = models.SlugField(max_length=62, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    # Amazon Connect's default quota of concurrent active tasks per instance.
    active_task_quota = models.PositiveIntegerField(default=2500, validators=[MinValueValidator(1)])
    # Token bucket per instance and API operation: refill rate and burst size.
    api_rate_per_second = models.PositiveIntegerField(default=50)
    api_burst = models.PositiveIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(active_task_quota__gte=1), name="instance_quota_positive"),
        ]

    def __str__(self) -> str:
        return self.alias

    @property
    def arn(self) -> str:
        from django.conf import settings

        return f"arn:aws:connect:{settings.AWS_REGION}:000000000000:instance/{self.id}"
