"""Sign-ins in the audit log: a successful one names the user; a failed one the username tried, with the
client's address in the entry's detail. A failed attempt for a username nobody has belongs to no instance,
so it is not recorded (the throttle still counts it)."""

from ccp.models import AuditEntry, User
from ccp.services.audit import audit_record
from ccp.services.transactions import entry_transaction


def sign_in_record(*, user: User, address: str) -> None:
    """Record that `user` signed in from `address`."""
    with entry_transaction():
        audit_record(
            user.instance_id,
            actor=user,
            action=AuditEntry.Action.LOGIN,
            resource_type="user",
            resource_id=user.pk,
            resource_name=user.username,
            detail=f"from {address or 'an unknown address'}",
        )


def sign_in_failure_record(*, username: str, address: str, throttled: bool = False) -> None:
    """Record a refused sign-in for `username` (wrong password, disabled user, or throttled)."""
    user = User.objects.filter(username=username).only("id", "instance_id", "username").first()
    if user is None:
        return
    why = "throttled: too many failed attempts" if throttled else "wrong password or disabled user"
    with entry_transaction():
        audit_record(
            user.instance_id,
            actor_label=username,
            action=AuditEntry.Action.LOGIN_FAILED,
            resource_type="user",
            resource_id=user.pk,
            resource_name=user.username,
            detail=f"from {address or 'an unknown address'}; {why}",
        )
