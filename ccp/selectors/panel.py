"""Reads for the agent panel: the agent's whole current state (status, tiles, the details of each open
contact), the quick connects they may use, and the templates they may create tasks from.

The state is rebuilt from the database every time (page load, htmx request, websocket push), so
every tab of an agent shows the same thing and a reconnect never duplicates anything.
"""

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from ccp.errors import InvalidParameter
from ccp.models import (
    AgentStatus,
    Channel,
    Contact,
    ContactState,
    InitiationMethod,
    Notification,
    QuickConnect,
    TaskTemplate,
    User,
)
from ccp.models.contacts import AGENT_SLOT_STATES
from ccp.selectors.conversations import Transcript, transcript_latest
from ccp.validation import is_safe_url, parse_reference_date

# Stricter than what the API accepts: only plain addresses become mailto: links.
LINKABLE_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")

STATE_LABELS = {
    ContactState.CONNECTING: "Incoming",
    ContactState.CONNECTED: "Connected",
    ContactState.AFTER_CONTACT_WORK: "After contact work",
    ContactState.SCHEDULED: "Scheduled",
    ContactState.QUEUED: "Queued",
    ContactState.IN_FLOW: "In flow",
    ContactState.ENDED: "Ended",
}


CHANNEL_LABELS = {Channel.TASK: "Task", Channel.CHAT: "Chat", Channel.VOICE: "Call"}


def user_is_agent(user) -> bool:
    """Who may use the panel: a user whose security profiles give BasicAgentAccess, with a routing profile."""
    if not getattr(user, "is_authenticated", False) or user.routing_profile_id is None:
        return False
    return user.may("BasicAgentAccess")


def agent_timezone(user: User) -> dt.tzinfo:
    for name in (user.timezone, getattr(user.instance, "timezone", ""), "UTC"):
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return dt.UTC


@dataclass
class ReferenceRow:
    name: str
    type: str
    value: str
    href: str = ""
    display: str = ""


@dataclass
class Tile:
    contact: Contact
    state_label: str
    since: dt.datetime | None
    is_offer: bool = False
    is_call: bool = False
    # A task the agent scheduled: it starts (runs its flow) at `starts_at` and can be moved or cancelled.
    is_scheduled: bool = False
    starts_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    offer_seconds: int = 0
    references: list[ReferenceRow] = field(default_factory=list)
    linked: list[Contact] = field(default_factory=list)
    # A chat or a call (routed, or the number pad's): its transcript shows once the agent has accepted it.
    is_conversation: bool = False
    transcript: Transcript | None = None

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.contact.channel, self.contact.channel)

    @property
    def id(self) -> str:
        return self.contact.id

    @property
    def whisper(self) -> str:
        """The message the task's agent whisper flow left for the agent (Play prompt), if any."""
        return (self.contact.flow_state or {}).get("whisper", "")


@dataclass
class PanelState:
    user: User
    status: AgentStatus | None
    statuses: list[AgentStatus]
    tiles: list[Tile]
    scheduled: list[Tile]
    tasks_open: int
    task_capacity: int
    tz: dt.tzinfo
    now: dt.datetime
    # A rule's SEND_NOTIFICATION messages the agent has not dismissed, newest first.
    notifications: list = field(default_factory=list)

    @property
    def status_type(self) -> str:
        return self.status.type if self.status else AgentStatus.Type.OFFLINE

    @property
    def tz_name(self) -> str:
        return str(self.tz)

    @property
    def offers(self) -> list[Tile]:
        return [t for t in self.tiles if t.is_offer]

    @property
    def panes(self) -> list[Tile]:
        """Every tile that opens a details pane: open contacts, then scheduled tasks."""
        return [*self.tiles, *self.scheduled]


def reference_rows(references: dict, tz: dt.tzinfo) -> list[ReferenceRow]:
    """References as labelled rows; only http(s) URLs and well-formed emails become links."""
    rows = []
    for name, ref in (references or {}).items():
        if not isinstance(ref, dict):
            continue
        ref_type, value = str(ref.get("Type", "STRING")), str(ref.get("Value", ""))
        row = ReferenceRow(name=str(name), type=ref_type, value=value, display=value)
        if ref_type == "URL" and is_safe_url(value):
            row.href = value.strip()
        elif ref_type == "EMAIL" and LINKABLE_EMAIL_RE.match(value.strip()):
            row.href = "mailto:" + quote(value.strip(), safe="@.+-_")
        elif ref_type == "DATE":
            try:
                when = parse_reference_date(value, name=name).astimezone(tz)
                row.display = when.strftime("%d %b %Y, %H:%M %Z")
            except InvalidParameter:
                pass
        rows.append(row)
    return rows


def _linked_contacts(contact: Contact) -> list[Contact]:
    """Contacts linked to this one: its related/previous contact and calls or tasks that name it."""
    ids = [i for i in (contact.related_contact_id, contact.previous_contact_id) if i]
    return list(
        Contact.objects.filter(instance_id=contact.instance_id)
        .filter(Q(pk__in=ids) | Q(related_contact_id=contact.id))
        .only("id", "name", "channel", "state", "phone_number", "initiation_method")
        .order_by("initiation_timestamp")
    )


def is_number_pad_call(contact: Contact) -> bool:
    """A call the agent dialled from a task's number pad (services/conversations.agent_call_start): outbound,
    linked to the task, queued in the agent's own queue (calls made before it ran a flow have none)."""
    if contact.channel != Channel.VOICE:
        return False
    if contact.flow_id is None:
        return True
    return bool(
        contact.initiation_method == InitiationMethod.OUTBOUND
        and contact.related_contact_id
        and contact.queue
        and contact.queue.agent_id == contact.agent_id
    )


def _tile(contact: Contact, *, timeout: int, tz, with_details: bool) -> Tile:
    since = {
        ContactState.CONNECTING: contact.offered_at,
        ContactState.CONNECTED: contact.connected_to_agent_timestamp,
        ContactState.AFTER_CONTACT_WORK: contact.after_contact_work_start_timestamp,
    }.get(contact.state) or contact.initiation_timestamp
    tile = Tile(
        contact=contact,
        state_label=STATE_LABELS.get(contact.state, contact.state),
        since=since,
        is_offer=contact.state == ContactState.CONNECTING,
        # The number pad's call: the agent's own, connected at once and hung up from its tile. A call routed
        # from a queue is ended like a task (after-contact work, then Close).
        is_call=is_number_pad_call(contact),
        is_conversation=contact.channel in (Channel.VOICE, Channel.CHAT),
    )
    if tile.is_offer and contact.offered_at:
        tile.offer_seconds = timeout
        tile.expires_at = contact.offered_at + dt.timedelta(seconds=timeout)
    if with_details:
        tile.references = reference_rows(contact.references, tz)
        tile.linked = _linked_contacts(contact)
        if tile.is_conversation and not tile.is_offer:
            tile.transcript = transcript_latest(contact=contact)
    return tile


def panel_state(*, user_id: str, with_details: bool = True, security=None) -> PanelState:
    """Everything the agent's panel shows, read fresh.

    `now` is taken before the reads: the panel keeps the state with the latest one, so an action's answer
    that arrives after a newer push (both carry the whole state) cannot put an older state back."""
    now = timezone.now()
    user = User.objects.select_related("instance", "status", "routing_profile").get(pk=user_id)
    if security is not None:
        user._security_cache = security
    tz = agent_timezone(user)
    rp = user.routing_profile
    timeout = rp.task_offer_timeout_seconds if rp else 30
    contacts = (
        Contact.objects.filter(agent_id=user.id, instance_id=user.instance_id, state__in=AGENT_SLOT_STATES)
        .select_related("queue", "related_contact")
        .annotate(tile_order=Coalesce("offered_at", "initiation_timestamp"))
        .order_by("tile_order", "id")
    )
    tiles = [_tile(c, timeout=timeout, tz=tz, with_details=with_details) for c in contacts]
    scheduled = [
        Tile(
            contact=c,
            state_label=STATE_LABELS[ContactState.SCHEDULED],
            since=None,
            is_scheduled=True,
            starts_at=c.scheduled_timestamp,
            references=reference_rows(c.references, tz) if with_details else [],
        )
        for c in scheduled_by(user).select_related("queue")[:SCHEDULED_SHOWN]
    ]
    statuses = [
        s
        for s in AgentStatus.objects.filter(instance_id=user.instance_id)
        # Missed is the system's; a DISABLED status is not offered (Amazon Connect's State), unless the agent is in it.
        if (s.type != AgentStatus.Type.MISSED and s.state != "DISABLED") or s.id == user.status_id
    ]
    return PanelState(
        user=user,
        status=user.status,
        statuses=statuses,
        tiles=tiles,
        scheduled=scheduled,
        tasks_open=sum(1 for t in tiles if t.contact.channel == Channel.TASK),
        task_capacity=rp.task_concurrency if rp else 0,
        tz=tz,
        now=now,
        notifications=list(
            Notification.objects.filter(user_id=user.id, read_at__isnull=True).order_by("-created_at", "-id")[
                :NOTIFICATIONS_SHOWN
            ]
        ),
    )


# The panel shows the newest unread notifications (rules' SEND_NOTIFICATION).
NOTIFICATIONS_SHOWN = 5
# The panel shows the agent's next scheduled tasks, soonest first.
SCHEDULED_SHOWN = 10


def scheduled_by(user: User):
    """Tasks this user created that are still waiting for their scheduled time, soonest first.

    A contact has exactly one CREATED event, so the join yields each contact once (no DISTINCT, which
    would also rule out locking the rows)."""
    return Contact.objects.filter(
        instance_id=user.instance_id,
        state=ContactState.SCHEDULED,
        events__event="CREATED",
        events__actor_id=user.id,
    ).order_by("scheduled_timestamp", "id")


def panel_contact(*, user: User, contact_id: str) -> Contact | None:
    """A contact of the agent's instance (any agent's: the services decide whether they may act on it)."""
    return Contact.objects.filter(pk=contact_id, instance_id=user.instance_id).select_related("queue").first()


@dataclass
class QuickConnectOption:
    quick_connect: QuickConnect
    available: bool | None = None
    is_self: bool = False


def _with_availability(qcs, user: User) -> dict[str, list[QuickConnectOption]]:
    agents, queues = [], []
    for qc in qcs:
        if qc.type == QuickConnect.Type.USER:
            status = qc.user.status if qc.user else None
            agents.append(
                QuickConnectOption(
                    qc,
                    available=bool(status and status.type == AgentStatus.Type.ROUTABLE),
                    is_self=qc.user_id == user.id,
                )
            )
        elif qc.type == QuickConnect.Type.QUEUE:
            queues.append(QuickConnectOption(qc))
    agents.sort(key=lambda o: (not o.is_self, o.quick_connect.name.lower()))
    return {"agents": agents, "queues": queues}


def quick_connects_for_transfer(*, contact: Contact, user: User) -> dict[str, list[QuickConnectOption]]:
    """Agents and queues shown for the task's queue (Queue.quick_connects), never the agent themselves."""
    qcs = (
        QuickConnect.objects.filter(instance_id=user.instance_id, shown_in_queues=contact.queue_id)
        .filter(type__in=[QuickConnect.Type.USER, QuickConnect.Type.QUEUE])
        .exclude(user_id=user.id)
        .select_related("user__status", "queue")
        .distinct()
        .order_by("name")
    )
    return _with_availability(qcs if contact.queue_id else [], user)


def quick_connects_for_create(*, user: User) -> dict[str, list[QuickConnectOption]]:
    """Who a new task can go to: the agent themselves first, then the quick connects of the agent's queues."""
    queue_ids = (
        list(user.routing_profile.queue_configs.values_list("queue_id", flat=True)) if user.routing_profile else []
    )
    if user.routing_profile:
        queue_ids.append(user.routing_profile.default_outbound_queue_id)
    qcs = (
        QuickConnect.objects.filter(instance_id=user.instance_id, type__in=["USER", "QUEUE"])
        .filter(Q(shown_in_queues__in=queue_ids) | Q(user_id=user.id))
        .select_related("user__status", "queue")
        .distinct()
        .order_by("name")
    )
    return _with_availability(qcs, user)


def task_templates_for_create(*, user: User) -> list[TaskTemplate]:
    return list(TaskTemplate.objects.filter(instance_id=user.instance_id, status=TaskTemplate.Status.ACTIVE))
