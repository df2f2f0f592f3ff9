from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac

from ccp.models.instance import new_id
from ccp.models.security import ADMIN_PERMISSION, ANALYTICS_PERMISSIONS


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
    # Several profiles a user; their permissions add up (`may`).
    security_profiles = models.ManyToManyField("ccp.SecurityProfile", related_name="users", blank=True)
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
    # UpdateUserPhoneConfig (and the console's user page). auto_accept: a task or a call offered to this agent is
    # accepted at once (ccp.services.offers.contact_offer, ccp_route_offer); after_contact_work_time_limit > 0:
    # after-contact work ends by itself after that many seconds (an ACW_TIMEOUT timer).
    phone_type = models.CharField(max_length=10, default="SOFT_PHONE")
    auto_accept = models.BooleanField(default=False)
    after_contact_work_time_limit = models.PositiveIntegerField(default=0)
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            # Routing: Available agents of one instance. idle_since is left out on purpose: every offer moves it,
            # and with no index on it that update is a HOT update that writes no index entries.
            models.Index(fields=["instance", "status"], name="user_routing_idx"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def security_held(self) -> tuple[tuple[str, ...], frozenset[str]]:
        """The ids of the user's security profiles and the permissions they add up to: one query, kept on this
        object (a request's user, a socket's check) until `security_forget`."""
        cached = getattr(self, "_security_cache", None)
        if cached is None:
            rows = list(self.security_profiles.order_by("id").values_list("id", "permissions")) if self.pk else []
            cached = (tuple(pk for pk, _ in rows), frozenset(name for _, names in rows for name in names or ()))
            self._security_cache = cached
        return cached

    def security_forget(self) -> None:
        """Read the profiles again next time (after they changed)."""
        self.__dict__.pop("_security_cache", None)

    @property
    def permissions(self) -> frozenset[str]:
        """Every permission the user's security profiles give."""
        return self.security_held()[1]

    def may(self, *names: str) -> bool:
        """Whether the user's profiles give every one of `names`: the one answer to "may this user do X"."""
        return self.is_active and set(names) <= self.permissions

    def may_any(self, names) -> bool:
        """Whether the user's profiles give at least one of `names`."""
        return self.is_active and not self.permissions.isdisjoint(names)

    def _get_session_auth_hash(self, secret=None):
        """Django's session hash, over the security profiles as well as the password: changing either signs
        the user out everywhere (their sessions stop verifying, and their panel sockets close)."""
        profiles = ",".join(self.security_held()[0])
        return salted_hmac(
            "ccp.models.User.get_session_auth_hash",
            f"{self.password}\x00{profiles}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_admin(self) -> bool:
        """May edit security profiles, so may give themselves anything (`admin_required`)."""
        return self.may(ADMIN_PERMISSION)

    @property
    def is_supervisor(self) -> bool:
        """May open the console's analytics (`analytics_required`): contact search or metrics."""
        return self.may_any(ANALYTICS_PERMISSIONS)


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
