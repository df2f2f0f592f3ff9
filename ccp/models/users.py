from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac

from ccp.models.instance import new_id


class SecurityProfile(models.TextChoices):
    ADMIN = "Admin"
    SUPERVISOR = "CallCenterManager"
    AGENT = "Agent"


class AgentStatus(models.Model):
    """An agent status: Available (routable), Offline, custom ones such as Break, and the system's Missed."""

    class Type(models.TextChoices):
        ROUTABLE = "ROUTABLE"
        OFFLINE = "OFFLINE"
        CUSTOM = "CUSTOM"
        # Set by the system after a missed offer; an agent can't pick it.
        MISSED = "MISSED"

    id = models.CharField(primary_key=True, max_length=100, default=new_id)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="agent_statuses")
    name = models.CharField(max_length=127)
    type = models.CharField(max_length=10, choices=Type.choices)
    display_order = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=250, blank=True, default="")
    # Amazon Connect's State: a DISABLED status is not offered in the agent's status menu.
    state = models.CharField(
        max_length=10, choices=[("ENABLED", "ENABLED"), ("DISABLED", "DISABLED")], default="ENABLED"
    )
    # Amazon Connect tags (TagResource, SearchFilter.TagFilter): at most 50 keys; keys up to 128, values up to 256.
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["display_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["instance", "name"], name="agent_status_name_unique"),
            models.CheckConstraint(
                condition=models.Q(type__in=["ROUTABLE", "OFFLINE", "CUSTOM", "MISSED"]), name="agent_status_type"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person in one instance: admin, supervisor (CallCenterManager) or agent.

    Usernames are unique across the installation so a login needs no instance picker.
    """

    id = models.CharField(primary_key=True, max_length=100, default=new_id)
    # Indexed by user_routing_idx, which leads with it.
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="users", db_index=False)
    security_profile = models.CharField(max_length=20, choices=SecurityProfile.choices, default=SecurityProfile.AGENT)
    routing_profile = models.ForeignKey(
        "ccp.RoutingProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    status = models.ForeignKey("ccp.AgentStatus", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status_since = models.DateTimeField(null=True, blank=True)
    # When the agent last had a free slot opened (went Available or finished a contact): idle-longest routing.
    idle_since = models.DateTimeField(null=True, blank=True)
    # The last moment one of the agent's browser tabs was connected; drives the auto-Offline grace period.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Websocket tabs open right now, across web processes.
    open_tabs = models.IntegerField(default=0)
    timezone = models.CharField(max_length=64, blank=True, default="")
    phone_number = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(security_profile__in=["Admin", "CallCenterManager", "Agent"]),
                name="user_security_profile",
            ),
        ]
        indexes = [
            # Routing: Available agents of one instance. idle_since is left out on purpose: every offer moves it,
            # and with no index on it that update is a HOT update that writes no index entries.
            models.Index(fields=["instance", "status"], name="user_routing_idx"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret=None):
        """Django's session hash, over the security profile as well as the password: changing either signs
        the user out everywhere (their sessions stop verifying, and their panel sockets close)."""
        return salted_hmac(
            "ccp.models.User.get_session_auth_hash",
            f"{self.password}\x00{self.security_profile}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_admin(self) -> bool:
        return self.security_profile == SecurityProfile.ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.security_profile in (SecurityProfile.ADMIN, SecurityProfile.SUPERVISOR)


class AgentEvent(models.Model):
    """The audit trail of an agent's status changes (the concurrency proofs and reports read it)."""

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="status_events")
    at = models.DateTimeField()
    status_name = models.CharField(max_length=127)
    status_type = models.CharField(max_length=10)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # An agent's status history, in order.
            models.Index(fields=["user", "at"], name="agent_event_user_idx"),
        ]
