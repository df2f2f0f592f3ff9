"""A user's notifications from rules (SEND_NOTIFICATION): dismissing one."""

from django.utils import timezone

from ccp.models import Notification
from ccp.realtime.publish import agent_refresh
from ccp.services.transactions import entry_transaction


def notification_dismiss(*, user, notification_id: int) -> bool:
    """Mark one of the user's own notifications read (another user's id does nothing); every tab redraws."""
    with entry_transaction():
        done = Notification.objects.filter(pk=notification_id, user=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if done:
            agent_refresh(user_id=user.id, reason="notification-read")
    return bool(done)
