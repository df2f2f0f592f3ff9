"""Security profiles: named sets of permissions, as Amazon Connect has them. A user holds one or more profiles
and may do what any of them allows (permissions add up).

The permission names are Amazon Connect's API names (what ListSecurityProfilePermissions returns) where Connect
has one for the thing; a few name what this server has and Connect does not (marked "this server" below).
`Area.Edit` covers creating, changing and deleting, and always comes with `Area.View`.

The catalogue below is the one list of what a permission allows; `User.may` (ccp/models/users.py) answers
"may this user do X", and every page, action, socket and console view asks it (README: Security profiles).
"""

from dataclasses import dataclass

from django.db import models

from ccp.models.instance import new_id


@dataclass(frozen=True)
class Permission:
    name: str
    group: str
    label: str
    allows: str
    # True where Amazon Connect has no permission of this name (ours, documented as such).
    ours: bool = False


def _area(group: str, prefix: str, noun: str, what: str, *, ours: bool = False) -> tuple[Permission, Permission]:
    return (
        Permission(f"{prefix}.View", group, f"{noun} - View", f"See {what}.", ours),
        Permission(f"{prefix}.Edit", group, f"{noun} - Edit", f"Create, change and delete {what}.", ours),
    )


AGENT_APPS, ANALYTICS, ROUTING, USERS, FLOWS, SETTINGS = (
    "Agent applications",
    "Analytics",
    "Routing",
    "Users and permissions",
    "Channels and flows",
    "Settings",
)

PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        "BasicAgentAccess",
        AGENT_APPS,
        "Contact Control Panel - Access",
        "Open the agent panel (with a routing profile): set a status, accept, work and end the tasks offered.",
    ),
    Permission("Tasks.Create", AGENT_APPS, "Tasks - Create", "Create tasks from the agent panel.", ours=True),
    Permission(
        "Tasks.Transfer",
        AGENT_APPS,
        "Tasks - Transfer",
        "Transfer a task from the agent panel to a quick connect (Amazon Connect lets agents with Quick connects -"
        " View do it; here the console's quick connect page stays apart).",
        ours=True,
    ),
    Permission(
        "OutboundCallAccess",
        AGENT_APPS,
        "Contact Control Panel - Make outbound calls",
        "Use the number pad to call out from a task.",
    ),
    Permission(
        "ContactSearch.View",
        ANALYTICS,
        "Contact search - View",
        "Search contacts, open a contact's summary and export search results.",
    ),
    Permission(
        "ContactActions.Edit",
        ANALYTICS,
        "Contact actions - Edit",
        "On a contact's summary: end, transfer, change routing priority, reschedule or cancel it.",
        ours=True,
    ),
    Permission(
        "RealTimeMetrics.View",
        ANALYTICS,
        "Real-time metrics - View",
        "Open the real-time metrics page (and its live updates); set an agent Offline from it.",
        ours=True,
    ),
    Permission(
        "HistoricalMetrics.View",
        ANALYTICS,
        "Historical metrics - View",
        "Run, save and open historical metrics reports.",
        ours=True,
    ),
    *_area(ROUTING, "Queues", "Queues", "queues"),
    *_area(ROUTING, "RoutingPolicies", "Routing profiles", "routing profiles"),
    *_area(ROUTING, "TransferDestinations", "Quick connects", "quick connects"),
    *_area(ROUTING, "HoursOfOperation", "Hours of operation", "hours of operation"),
    *_area(USERS, "Users", "Users", "users and the security profiles they hold"),
    *_area(USERS, "SecurityProfiles", "Security profiles", "security profiles"),
    *_area(USERS, "AgentStates", "Agent statuses", "agent statuses"),
    *_area(FLOWS, "ContactFlows", "Flows", "flows"),
    *_area(FLOWS, "TaskTemplates", "Task templates", "task templates"),
    *_area(FLOWS, "Rules", "Rules", "rules"),
    *_area(
        FLOWS,
        "LambdaFunctions",
        "Integrations",
        "integrations (the endpoints that stand in for Lambda functions)",
        ours=True,
    ),
    *_area(SETTINGS, "InstanceSettings", "Instance settings", "the instance's settings and parked timers", ours=True),
    *_area(SETTINGS, "ApiKeys", "API keys", "API keys", ours=True),
    Permission("AuditLog.View", SETTINGS, "Audit log - View", "Read the audit log.", ours=True),
)
# The panel's Transfer.
TRANSFER = "Tasks.Transfer"

PERMISSION_NAMES: frozenset[str] = frozenset(p.name for p in PERMISSIONS)
BY_NAME: dict[str, Permission] = {p.name: p for p in PERMISSIONS}
ALL_PERMISSIONS: tuple[str, ...] = tuple(p.name for p in PERMISSIONS)

# The console's analytics pages: any one of these lets a user into the console's Analytics section.
ANALYTICS_PERMISSIONS = frozenset(
    {"ContactSearch.View", "RealTimeMetrics.View", "HistoricalMetrics.View", "ContactActions.Edit"}
)
# Whoever may edit security profiles can give themselves anything: such a user is an admin (`User.is_admin`,
# `admin_required`).
ADMIN_PERMISSION = "SecurityProfiles.Edit"
# Any permission that opens a console page (everything but the agent panel's).
CONSOLE_PERMISSIONS = frozenset(p.name for p in PERMISSIONS if p.group != AGENT_APPS)


def permissions_normalize(names) -> list[str]:
    """The permissions in catalogue order, each Edit with its View; unknown names are the caller's to refuse."""
    wanted = set(names)
    for name in list(wanted):
        if name.endswith(".Edit") and name[: -len("Edit")] + "View" in PERMISSION_NAMES:
            wanted.add(name[: -len("Edit")] + "View")
    return [name for name in ALL_PERMISSIONS if name in wanted]


# The profiles every instance starts with, as Amazon Connect ships them.
ADMIN, SUPERVISOR, AGENT, QUALITY_ANALYST = "Admin", "CallCenterManager", "Agent", "QualityAnalyst"
AGENT_DEFAULTS = ("BasicAgentAccess", "Tasks.Create", TRANSFER, "OutboundCallAccess")
DEFAULT_PROFILES: dict[str, tuple[str, tuple[str, ...]]] = {
    ADMIN: ("Every permission.", ALL_PERMISSIONS),
    # What a CallCenterManager could do before profiles were data: the panel and every analytics page, with the
    # contact actions. Give it routing and user permissions in the console where managers need them.
    SUPERVISOR: (
        "Contact center managers: the agent panel, contact search and actions, real-time and historical metrics.",
        tuple(permissions_normalize({*AGENT_DEFAULTS, *ANALYTICS_PERMISSIONS})),
    ),
    AGENT: ("Agents: the Contact Control Panel.", AGENT_DEFAULTS),
    QUALITY_ANALYST: (
        "Quality analysts: contact search and metrics, no changes.",
        ("ContactSearch.View", "RealTimeMetrics.View", "HistoricalMetrics.View"),
    ),
}


class SecurityProfile(models.Model):
    """A named set of permissions in one instance. The four defaults (Admin, CallCenterManager, Agent,
    QualityAnalyst) are made with the instance and can be changed like any other."""

    # The default profiles' names, kept as class attributes: `SecurityProfile.ADMIN` reads as before.
    ADMIN, SUPERVISOR, AGENT, QUALITY_ANALYST = ADMIN, SUPERVISOR, AGENT, QUALITY_ANALYST

    id = models.CharField(primary_key=True, max_length=100, default=new_id)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="security_profiles")
    # Amazon Connect: 1–127 characters of letters, digits, space, _ @ -.
    name = models.CharField(max_length=127)
    description = models.CharField(max_length=250, blank=True, default="")
    # Permission names from PERMISSIONS, in catalogue order.
    permissions = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    last_modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "security profile"
        constraints = [
            models.UniqueConstraint(fields=["instance", "name"], name="security_profile_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return f"{self.instance.arn}/security-profile/{self.id}"
