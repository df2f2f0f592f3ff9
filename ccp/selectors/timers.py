"""Reads of the durable timers: the parked ones, for the console's Parked timers page."""

from django.db.models import QuerySet

from ccp.models import Timer


def timers_parked(*, instance_id: str) -> QuerySet[Timer]:
    """The instance's timers parked after failing every attempt, newest first, with their contact and user."""
    return (
        Timer.objects.filter(instance_id=instance_id, parked_at__isnull=False, fired_at__isnull=True, cancelled=False)
        .select_related("contact", "user")
        .order_by("-parked_at", "-id")
    )
