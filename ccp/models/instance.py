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
    # Default service-level thresholds per channel, in seconds (1 … 7 days): the historical report's and the
    # real-time page's SL when they name none. Tasks are measured in hours or days, calls in seconds.
    service_level_voice_seconds = models.PositiveIntegerField(default=20)
    service_level_chat_seconds = models.PositiveIntegerField(default=60)
    service_level_task_seconds = models.PositiveIntegerField(default=86_400)
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
