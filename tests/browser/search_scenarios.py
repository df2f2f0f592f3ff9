"""Live-server functions for the contact search browser test (reached through tests/browser/scenarios.py)."""

import datetime as dt

from django.utils import timezone

from ccp.models import SecurityProfile
from tests.factories import ContactFactory, InstanceFactory, QueueFactory, UserFactory

SUPERVISOR_PASSWORD = "Search-supervisor-pw-1"


def search_setup(*, alias: str) -> dict:
    """An instance with a supervisor and a two-task chain: an ended first task and its active follow-up."""
    instance = InstanceFactory(alias=alias)
    queue = QueueFactory(instance=instance, name="Support")
    supervisor = UserFactory(
        instance=instance, username=f"{alias}-sam", security_profile=SecurityProfile.SUPERVISOR
    )
    supervisor.set_password(SUPERVISOR_PASSWORD)
    supervisor.save()
    now = timezone.now()
    first = ContactFactory(
        instance=instance,
        name=f"Billing dispute {alias}",
        state="ENDED",
        disconnect_reason="AGENT_DISCONNECT",
        queue=queue,
        initiation_timestamp=now - dt.timedelta(hours=2),
        disconnect_timestamp=now - dt.timedelta(hours=1),
    )
    follow_up = ContactFactory(
        instance=instance,
        name=f"Billing follow-up {alias}",
        queue=queue,
        previous_contact=first,
        initial_contact=first,
        initiation_timestamp=now - dt.timedelta(minutes=30),
    )
    return {
        "username": supervisor.username,
        "password": SUPERVISOR_PASSWORD,
        "first": first.id,
        "follow_up": follow_up.id,
    }
