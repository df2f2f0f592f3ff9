"""Conversations: chat and voice contacts (StartChatContact, StartOutboundVoiceContact) and their transcripts.

A chat or an outbound call is a contact of channel CHAT or VOICE that runs its flow, queues and is routed like a
task, with the routing profile's concurrency per channel (ccp/routing/decide.py). There is no media and no
participant messaging here: the conversation is its transcript, which arrives in Contact Lens's segment shape
through PUT /contact-analysis/{InstanceId}/{ContactId}/segments (`transcript_segments_add`). A chat's
InitialMessage is its first CUSTOMER segment.

After commit, new segments go to `rule_triggers.on_segments_added` (the real-time rules) and to the agent's
panel; a chat or call that disconnects goes to `rule_triggers.on_contact_ended` (services/contacts.py).
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ccp import validation
from ccp.compiled import CompiledQuery, CompiledShapes, fetch_together
from ccp.errors import InvalidParameter, InvalidRequest, QuotaExceeded, ResourceNotFound
from ccp.held_writes import contact_rows_save, contact_writes_held
from ccp.models import (
    Channel,
    Contact,
    ContactFlow,
    ContactState,
    FlowType,
    InitiationMethod,
    Instance,
    Queue,
    QuickConnect,
    TimerKind,
    TranscriptSegment,
    User,
)
from ccp.models.contacts import AGENT_SLOT_STATES
from ccp.realtime.publish import agent_refresh
from ccp.services import rule_triggers
from ccp.services.contact_events import contact_record_event, contact_set_state
from ccp.services.contacts import contact_queue, contact_run_flow, contact_whisper_flow_run
from ccp.services.idempotency import RequestFields, contact_create_once
from ccp.services.timers import timer_schedule
from ccp.services.transactions import entry_transaction

log = logging.getLogger(__name__)

# The customer's participant id of a chat: derived from the contact, so nothing more is stored for it.
CUSTOMER_PARTICIPANT = uuid.UUID("6c1d3f0e-8a52-4c59-9a7e-2f1b0c4d5e6f")


def customer_participant_id(contact_id: str) -> str:
    """The ParticipantId StartChatContact answers with, and its InitialMessage segment carries."""
    return str(uuid.uuid5(CUSTOMER_PARTICIPANT, contact_id))


def _flow_check(flow: ContactFlow) -> ContactFlow:
    """A chat or call starts on a published inbound flow (Amazon Connect: a CONTACT_FLOW)."""
    if flow.type != FlowType.CONTACT_FLOW:
        raise InvalidRequest(f"Flow {flow.name!r} is a {flow.type} flow; a chat or call starts on a contact flow.")
    if not flow.is_published:
        raise InvalidRequest(f"Flow {flow.name!r} is saved but not published; publish it to start contacts on it.")
    return flow


def _same_instance(instance: Instance, *rows) -> None:
    for row in rows:
        if row is not None and row.instance_id != instance.id:
            raise ResourceNotFound("A referenced resource was not found in this instance.")


@dataclass(frozen=True)
class ChatRequest(RequestFields):
    """What StartChatContact asks for: every field is part of its ClientToken fingerprint."""

    contact_flow: ContactFlow
    display_name: str
    attributes: dict | None = None
    initial_message: str = ""
    initial_content_type: str = ""
    duration_minutes: int | None = None
    related_contact: Contact | None = None


@dataclass(frozen=True)
class OutboundVoiceRequest(RequestFields):
    """What StartOutboundVoiceContact asks for: every field is part of its ClientToken fingerprint."""

    contact_flow: ContactFlow
    destination: str
    source: str = ""
    queue: Queue | None = None
    name: str = ""
    description: str = ""
    attributes: dict | None = None
    references: dict | None = None
    related_contact: Contact | None = None


def chat_start(*, instance: Instance, request: ChatRequest, client_token: str = "", actor_type: str = "api") -> Contact:
    """StartChatContact: a CHAT contact runs its flow (which queues it); idempotent per ClientToken for 7 days."""
    return _start_once(
        instance=instance,
        operation="StartChatContact",
        request=request,
        client_token=client_token,
        differs="flow, participant, attributes, initial message or duration",
        create=lambda token, now: _chat_create(
            instance=instance, request=request, client_token=token, actor_type=actor_type, now=now
        ),
    )


def _start_once(*, instance: Instance, operation: str, request, client_token: str, differs: str, create) -> Contact:
    """One contact per ClientToken (contact_create_once): `create(token, now)` runs only for a new token."""
    client_token = validation.validate_client_token(client_token)
    now = timezone.now()
    return contact_create_once(
        instance_id=instance.id,
        operation=operation,
        token=client_token,
        fingerprint=client_token and request.fingerprint(),
        mismatch=f"ClientToken was already used with a different request ({differs} differ).",
        now=now,
        durable=True,
        create=lambda: create(client_token, now),
    )


def _chat_create(*, instance, request: ChatRequest, client_token: str, actor_type: str, now) -> Contact:
    flow = _flow_check(request.contact_flow)
    _same_instance(instance, flow, request.related_contact)
    name = validation.validate_chat_display_name(request.display_name)
    minutes = validation.validate_chat_duration(request.duration_minutes)
    message = ""
    if request.initial_message or request.initial_content_type:
        validation.validate_chat_content_type(request.initial_content_type)
        message = validation.validate_transcript_content(request.initial_message)
    contact = _conversation_create(
        instance=instance,
        channel=Channel.CHAT,
        initiation_method=InitiationMethod.API,
        name=name,
        attributes=validation.validate_attributes(request.attributes),
        flow=flow,
        related_contact=request.related_contact,
        client_token=client_token,
        actor_type=actor_type,
        now=now,
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    if message:
        # The customer's first message is the transcript's first line (offset 0, as the chat began).
        segment = TranscriptSegment.objects.create(
            instance=instance,
            contact=contact,
            segment_id=f"initial-{contact.id}",
            participant_id=customer_participant_id(contact.id),
            participant_role=TranscriptSegment.Role.CUSTOMER,
            content=message,
            begin_offset_millis=0,
            end_offset_millis=0,
            received_at=now,
        )
        _after_commit_segments(contact, [segment])
    return contact


def outbound_voice_start(
    *, instance: Instance, request: OutboundVoiceRequest, client_token: str = "", actor_type: str = "api"
) -> Contact:
    """StartOutboundVoiceContact: the customer answers at once (there is no telephony), the VOICE contact runs
    its flow, which queues it; QueueId, when given, is its working queue. Idempotent per ClientToken."""
    return _start_once(
        instance=instance,
        operation="StartOutboundVoiceContact",
        request=request,
        client_token=client_token,
        differs="number, flow, queue, name, attributes or references",
        create=lambda token, now: _voice_create(
            instance=instance, request=request, client_token=token, actor_type=actor_type, now=now
        ),
    )


def _voice_create(*, instance, request: OutboundVoiceRequest, client_token: str, actor_type: str, now) -> Contact:
    flow = _flow_check(request.contact_flow)
    _same_instance(instance, flow, request.queue, request.related_contact)
    destination = validation.validate_e164(request.destination, field="DestinationPhoneNumber")
    if request.source:
        validation.validate_e164(request.source, field="SourcePhoneNumber")
    name = validation.validate_name(request.name) if request.name else f"Call {destination}"
    return _conversation_create(
        instance=instance,
        channel=Channel.VOICE,
        initiation_method=InitiationMethod.OUTBOUND,
        name=name,
        description=validation.validate_description(request.description),
        attributes=validation.validate_attributes(request.attributes),
        references=validation.validate_references(request.references),
        flow=flow,
        queue=request.queue,
        related_contact=request.related_contact,
        phone_number=destination,
        client_token=client_token,
        actor_type=actor_type,
        now=now,
        expires_at=now + validation.CONVERSATION_MAX_DURATION,
    )


def agent_call_start(*, task_id: str, agent: User, phone_number: str) -> Contact:
    """The panel's number pad: an OUTBOUND VOICE contact linked to the agent's connected task (RelatedContactId),
    made as StartOutboundVoiceContact makes one (`_conversation_create`: CREATED event, expiry, its flow's run,
    which queues it). Its flow is the agent's own quick connect's (as a self-assigned task's) and its working
    queue the agent's personal queue, so the flow's Transfer to queue queues it there (an agent without a quick
    connect of their own: it is queued there without a flow). A call queued for the agent who dialled it is
    then connected to them at once (they placed it: no ring). A flow that routes it elsewhere is obeyed: the
    call is then offered by routing like any other."""
    number = "".join(ch for ch in phone_number if ch.isdigit() or ch in "+*#")
    if not 3 <= len(number) <= 20:
        raise InvalidRequest("Enter a phone number of 3 to 20 digits.", field="phone_number")
    with entry_transaction():
        task = Contact.objects.select_for_update().filter(pk=task_id, instance_id=agent.instance_id).first()
        if task is None or task.agent_id != agent.id or task.state != ContactState.CONNECTED:
            raise InvalidRequest("Open a connected task to dial from the number pad.")
        if Contact.objects.filter(agent=agent, channel=Channel.VOICE, state__in=AGENT_SLOT_STATES).exists():
            raise InvalidRequest("You are already on a call; hang up first.")
        personal = Queue.objects.filter(instance_id=agent.instance_id, agent_id=agent.pk).first()
        own = (
            QuickConnect.objects.select_related("flow")
            .filter(instance_id=agent.instance_id, type=QuickConnect.Type.USER, user_id=agent.pk)
            .first()
        )
        if personal is None:
            raise InvalidRequest("You have no agent queue to receive your calls; ask an admin to add one.")
        flow = own.flow if own is not None else None
        if flow is not None and not flow.is_published:
            raise InvalidRequest(f"Flow {flow.name!r} is saved but not published; publish it to place calls.")
        now = timezone.now()
        call = _conversation_create(
            instance=agent.instance,
            channel=Channel.VOICE,
            initiation_method=InitiationMethod.OUTBOUND,
            name=f"Call {number}",
            attributes=task.attributes,
            flow=flow,
            queue=personal,
            related_contact=task,
            phone_number=number,
            client_token="",
            actor_type="agent",
            now=now,
            expires_at=now + validation.CONVERSATION_MAX_DURATION,
        )
        call = Contact.objects.select_for_update().get(pk=call.pk)
        if call.state == ContactState.QUEUED and call.queue_id == personal.id:
            call.agent = agent
            call.offered_at = call.connected_to_agent_timestamp = timezone.now()
            contact_set_state(
                contact=call,
                state=ContactState.CONNECTED,
                event="CONNECTED",
                actor_type="agent",
                actor=agent,
                reason="dialled",
                fields=("agent", "offered_at", "connected_to_agent_timestamp"),
            )
            contact_whisper_flow_run(contact=call)
        contact_record_event(
            contact=call,
            event="OUTBOUND_CALL",
            actor_type="agent",
            actor=agent,
            detail={"related_contact_id": task.id, "phone_number": number},
        )
        contact_record_event(
            contact=task, event="LINKED_CALL", actor_type="agent", actor=agent, detail={"call_contact_id": call.id}
        )
        agent_refresh(user_id=agent.id, reason="call", contact_id=call.id)
    return call


def _conversation_create(
    *,
    instance,
    channel,
    initiation_method,
    name,
    flow,
    now,
    expires_at,
    client_token,
    actor_type,
    description="",
    attributes=None,
    references=None,
    queue=None,
    related_contact=None,
    phone_number="",
) -> Contact:
    """The contact row, its CREATED event and its expiry, then its flow's first run (held writes, as a task's);
    without a flow (only the number pad's, see agent_call_start) it goes straight to its working queue."""
    contact = Contact(
        instance=instance,
        channel=channel,
        initiation_method=initiation_method,
        state=ContactState.IN_FLOW,
        name=name,
        description=description,
        attributes=attributes or {},
        references=references or {},
        related_contact=related_contact,
        queue=queue,
        flow=flow,
        client_token=client_token,
        phone_number=phone_number,
        initiation_timestamp=now,
        last_update_timestamp=now,
    )
    contact.initial_contact_id = contact.id
    with contact_writes_held(contact, insert=True):
        contact_record_event(
            contact=contact,
            event="CREATED",
            actor_type=actor_type,
            to_state=contact.state,
            detail={"initiation_method": initiation_method, "flow_id": flow.id if flow else "", "channel": channel},
        )
        # A conversation left open ends by itself (a chat after its ChatDurationInMinutes).
        timer_schedule(instance=instance, kind=TimerKind.EXPIRY, due_at=expires_at, contact=contact)
        if flow is not None:
            contact_run_flow(contact=contact, flow=flow, actor_type=actor_type)
        else:  # a number pad call of an agent without a quick connect: straight to its working queue
            contact_queue(contact=contact, queue=queue, actor_type=actor_type)
    return contact


@dataclass(frozen=True)
class SegmentIn:
    """One Transcript segment as it arrives (Contact Lens's shape)."""

    segment_id: str
    participant_id: str
    participant_role: str
    content: str
    begin_offset_millis: int
    end_offset_millis: int
    sentiment: str = ""


def segments_check(segments: list[SegmentIn]) -> list[SegmentIn]:
    """Every field of every segment within its limits, or InvalidParameter naming the first one that is not."""
    if not 1 <= len(segments) <= validation.SEGMENTS_PER_REQUEST_MAX:
        raise InvalidParameter(
            f"Send 1 to {validation.SEGMENTS_PER_REQUEST_MAX} segments in one request.", field="Segments"
        )
    for i, segment in enumerate(segments, start=1):
        validation.validate_segment(segment, where=f"Segments.{i}.Transcript")
    return segments


# The segment path's reads, compiled once (ccp/compiled.py): each delivery of a call's transcript runs them.
_CONTACT_LOCKED = CompiledQuery(
    lambda pk, instance_id: Contact.objects.select_for_update().filter(pk=pk, instance_id=instance_id)[:1]
)
_KNOWN_SEGMENTS = CompiledShapes()


def _known_segments(count: int) -> CompiledQuery:
    """Which of `count` segment ids the contact already has."""
    return _KNOWN_SEGMENTS.get(
        count,
        lambda contact_id, *ids: (
            TranscriptSegment.objects.filter(contact_id=contact_id, segment_id__in=ids)
            .order_by()
            .values_list("segment_id")
        ),
    )


def transcript_segments_add(*, instance: Instance, contact_id: str, segments: list[SegmentIn]) -> dict:
    """Add Transcript segments to an open VOICE or CHAT contact of the instance. A segment id the contact already
    has (or one repeated in the request) is ignored, so a redelivery adds nothing. After commit the new segments
    go to the real-time rules and to the agent's panel. Returns the ids added and ignored."""
    segments_check(segments)
    with entry_transaction():
        # The row lock serialises deliveries to one contact, so two copies of a segment never both pass the check.
        # One round trip: the contact, locked, then (under the lock) which of these segments it has, and what the
        # real-time rules read after commit (the rule-set version, the rules fired, the transcript so far).
        ids = [s.segment_id for s in segments]
        contact, known_rows, *reads = fetch_together(
            (_CONTACT_LOCKED, "first", (contact_id, instance.id)),
            (_known_segments(len(ids)), "rows", (contact_id, *ids)),
            *rule_triggers.transcript_reads(contact_id=contact_id, instance_id=instance.id),
        )
        have = len(reads[-1])
        if contact is None:
            raise ResourceNotFound(f"Contact {contact_id[:256]!r} was not found in this instance.")
        if contact.channel not in (Channel.VOICE, Channel.CHAT):
            raise InvalidRequest(
                f"Contact {contact.id!r} is a {contact.channel} contact; only voice and chat contacts have transcripts."
            )
        if contact.state == ContactState.ENDED or contact.disconnect_timestamp is not None:
            raise InvalidRequest(f"Contact {contact.id!r} has disconnected; its transcript is closed.")
        contact.instance = instance  # the same row: the rules' actions need it
        known = {row[0] for row in known_rows}
        fresh, ignored = [], []
        for segment in segments:
            if segment.segment_id in known:
                ignored.append(segment.segment_id)
                continue
            known.add(segment.segment_id)
            fresh.append(segment)
        if have + len(fresh) > validation.TRANSCRIPT_SEGMENTS_MAX:
            raise QuotaExceeded(
                f"A contact keeps at most {validation.TRANSCRIPT_SEGMENTS_MAX} transcript segments; "
                f"this one has {have}."
            )
        now = timezone.now()
        rows = [
            TranscriptSegment(
                instance=instance,
                contact=contact,
                segment_id=s.segment_id,
                participant_id=s.participant_id,
                participant_role=s.participant_role,
                content=s.content,
                begin_offset_millis=s.begin_offset_millis,
                end_offset_millis=s.end_offset_millis,
                sentiment=s.sentiment,
                received_at=now,
            )
            for s in fresh
        ]
        if rows:
            # The segments and the contact's event are written together, in one round trip (ccp.held_writes).
            with contact_writes_held(contact):
                contact_rows_save(contact, rows)
                contact_record_event(
                    contact=contact,
                    event="TRANSCRIPT",
                    actor_type="api",
                    detail={"added": len(rows), "ignored": len(ignored)},
                )
            _after_commit_segments(contact, rows, rule_triggers.transcript_seen(*reads, added=rows))
    return {"added": [r.segment_id for r in rows], "ignored": ignored}


def _after_commit_segments(contact: Contact, rows: list[TranscriptSegment], seen=None) -> None:
    """New segments reach the agent's panel and the real-time rules once the transaction commits."""
    if contact.agent_id and contact.state in AGENT_SLOT_STATES:
        agent_refresh(user_id=contact.agent_id, reason="transcript", contact_id=contact.id)

    def run():
        try:
            rule_triggers.on_segments_added(contact, rows, seen)
        except Exception:  # the segments are stored either way; a failing rule must not fail their sender
            log.exception("on_segments_added failed for contact %s", contact.pk)

    transaction.on_commit(run)
