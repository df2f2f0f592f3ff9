"""The documented limits of a task, checked in one place for the API, the panel, the console, flows and rules.

Numbers come from the StartTaskContact reference (../shared/seeds/003) and the rules guide (002).
"""

import datetime as dt
import re
from email.utils import parseaddr
from urllib.parse import urlsplit

from ccp.errors import InvalidParameter, InvalidRequest

NAME_MAX = 512
DESCRIPTION_MAX = 4096
ATTRIBUTES_MAX_BYTES = 32768
REFERENCE_NAME_MAX = 4096
REFERENCE_VALUE_MAX = 4096
CLIENT_TOKEN_MAX = 500
# Tasks linked through PreviousContactId: at most 12 in one chain.
PREVIOUS_CONTACT_CHAIN_MAX = 12
# A task can be scheduled up to 6 days ahead; it lives at most 7 days.
SCHEDULE_MAX_AHEAD = dt.timedelta(days=6)
TASK_MAX_DURATION = dt.timedelta(days=7)
MAX_TRANSFERS = 11
ROUTING_PRIORITY_MAX = 2**31 - 1
# Routing-age adjustments: one change and the running total stay within ten years either way.
ROUTING_AGE_MAX_SECONDS = 10 * 365 * 86400
REFERENCE_TYPES_AT_CREATION = ("URL", "NUMBER", "STRING", "DATE", "EMAIL")
# At most 25 references on one contact: the number Amazon Connect lets you add to a task ("You can add up to 25
# references", the rules guide, seeds 002). UpdateContact merges new references into the contact's, so the cap holds
# for the merged set; before it, one task took 300 references of 4 KB (1.2 MB rewritten on every save of the row).
REFERENCES_MAX = 25
# A rule's CREATE_TASK: its default reference (the source contact's URL) plus up to 25 more (the rules guide: "Task
# reference name" and "You can add up to 25 references"), so a task a rule makes holds up to 26.
RULE_TASK_EXTRA_REFERENCES_MAX = 25
RULE_TASK_REFERENCES_MAX = RULE_TASK_EXTRA_REFERENCES_MAX + 1
# A contact's flow trace (the steps shown on its summary page) keeps its first 1,000 entries — a flow run stops
# after 1,000 steps anyway (ccp/flows/runner.py STEP_BUDGET) and ordinary contacts log a few dozen. Past the cap
# further steps are not logged, so a queue flow looping on a Wait for 7 days can't grow the row without bound;
# the contact's events (ContactEvent) are still all recorded.
FLOW_TRACE_MAX = 1000

# Conversations (StartChatContact, StartOutboundVoiceContact and their transcripts). A chat lasts
# ChatDurationInMinutes, 60 to 10,080 (7 days), 1,500 (25 hours) when not given, as Amazon Connect's API says;
# a call left open ends after 7 days, as a task does. DisplayName 1-256 and a chat message 1-16,384 characters
# (botocore's DisplayName and ChatContent); phone numbers in E.164 (its PhoneNumber pattern).
CHAT_DURATION_DEFAULT_MINUTES = 1500
CHAT_DURATION_MIN_MINUTES = 60
CHAT_DURATION_MAX_MINUTES = 10080
CONVERSATION_MAX_DURATION = dt.timedelta(days=7)
DISPLAY_NAME_MAX = 256
# A chat's InitialMessage: the text types Amazon Connect takes for a message (no attachments or interactive ones).
CHAT_CONTENT_TYPES = ("text/plain", "text/markdown")
E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")
# Transcript segments (PUT /contact-analysis/{InstanceId}/{ContactId}/segments), in Contact Lens's Transcript
# shape: ids 1-256 characters (TranscriptId, ParticipantId), Content 1-16,384 (a chat message's limit: one
# utterance is at most one message), offsets 0 to 2^31-1 ms with End >= Begin. 1-100 segments a request (a page of
# ListRealtimeContactAnalysisSegments holds 100); a contact keeps at most 10,000, so a sender stuck in a loop
# can't grow a conversation without bound (a two-hour call transcribed line by line is ~2,000).
SEGMENT_ID_MAX = 256
TRANSCRIPT_CONTENT_MAX = 16384
OFFSET_MILLIS_MAX = 2**31 - 1
SEGMENTS_PER_REQUEST_MAX = 100
TRANSCRIPT_SEGMENTS_MAX = 10_000
PARTICIPANT_ROLES = ("AGENT", "CUSTOMER")
SENTIMENTS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")

ATTRIBUTE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


def validate_name(name) -> str:
    if not isinstance(name, str):
        raise InvalidParameter("Name is required and must be a string.", field="Name")
    if not name.strip():
        raise InvalidParameter("Name is required.", field="Name")
    if len(name) > NAME_MAX:
        raise InvalidParameter(f"Name must be at most {NAME_MAX} characters.", field="Name")
    return name


def validate_description(description) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise InvalidParameter("Description must be a string.", field="Description")
    if len(description) > DESCRIPTION_MAX:
        raise InvalidParameter(f"Description must be at most {DESCRIPTION_MAX} characters.", field="Description")
    return description


def validate_attributes(attributes) -> dict[str, str]:
    """Keys of letters, digits, '-' and '_'; at most 32,768 UTF-8 bytes across all keys and values."""
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise InvalidParameter("Attributes must be a map of strings to strings.", field="Attributes")
    total = 0
    for key, value in attributes.items():
        if not isinstance(key, str) or not ATTRIBUTE_KEY_RE.fullmatch(key):
            raise InvalidParameter(
                f"Attribute key {str(key)[:100]!r} may contain only letters, digits, '-' and '_'.",
                field="Attributes",
            )
        if not isinstance(value, str):
            raise InvalidParameter(f"Attribute {key!r} must have a string value.", field="Attributes")
        total += len(key.encode()) + len(value.encode())
    if total > ATTRIBUTES_MAX_BYTES:
        raise InvalidParameter(
            f"Attributes total {total} UTF-8 bytes; the limit is {ATTRIBUTES_MAX_BYTES} across all keys and values.",
            field="Attributes",
        )
    return dict(attributes)


def is_safe_url(value: str) -> bool:
    """Only http and https URLs with a host become links; javascript: and friends never do."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check_reference_value(name: str, ref_type: str, value: str) -> None:
    if ref_type == "URL" and not is_safe_url(value):
        raise InvalidParameter(f"Reference {name!r} must be an http or https URL.", field="References")
    if ref_type == "NUMBER" and not NUMBER_RE.fullmatch(value.strip()):
        raise InvalidParameter(f"Reference {name!r} must be a number.", field="References")
    if ref_type == "EMAIL" and not (EMAIL_RE.fullmatch(value.strip()) and parseaddr(value)[1]):
        raise InvalidParameter(f"Reference {name!r} must be an email address.", field="References")
    if ref_type == "DATE":
        parse_reference_date(value, name=name)


def parse_reference_date(value: str, *, name: str = "") -> dt.datetime:
    """A DATE reference: ISO 8601 (date or date-time) or epoch seconds/milliseconds."""
    text = value.strip()
    try:
        if NUMBER_RE.fullmatch(text):
            number = float(text)
            if number > 1e11:  # milliseconds
                number /= 1000
            return dt.datetime.fromtimestamp(number, tz=dt.UTC)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise InvalidParameter(f"Reference {name!r} must be a date (ISO 8601 or epoch).", field="References")


def validate_references(
    references, *, at_creation: bool = True, limit: int = REFERENCES_MAX
) -> dict[str, dict[str, str]]:
    """References map name → {Type, Value}; ATTACHMENT is refused when a task is created. `limit`: at most this
    many (REFERENCES_MAX; a rule's task RULE_TASK_REFERENCES_MAX, its default reference and 25 more)."""
    if references is None:
        return {}
    if not isinstance(references, dict):
        raise InvalidParameter("References must be a map of names to {Type, Value}.", field="References")
    if len(references) > limit:
        raise InvalidParameter(f"A contact can have at most {limit} references.", field="References")
    clean = {}
    for name, ref in references.items():
        if not isinstance(name, str) or not name or len(name) > REFERENCE_NAME_MAX:
            raise InvalidParameter(f"Reference names must be 1 to {REFERENCE_NAME_MAX} characters.", field="References")
        if not isinstance(ref, dict):
            raise InvalidParameter(f"Reference {name!r} must have a Type and a Value.", field="References")
        ref_type, value = ref.get("Type"), ref.get("Value")
        if ref_type == "ATTACHMENT" and at_creation:
            raise InvalidParameter("ATTACHMENT references can't be added when a task is created.", field="References")
        if ref_type not in REFERENCE_TYPES_AT_CREATION:
            raise InvalidParameter(
                f"Reference {name!r} has type {str(ref_type)[:50]!r}; use one of "
                + ", ".join(REFERENCE_TYPES_AT_CREATION)
                + ".",
                field="References",
            )
        if not isinstance(value, str) or len(value) > REFERENCE_VALUE_MAX:
            raise InvalidParameter(
                f"Reference {name!r} needs a Value of at most {REFERENCE_VALUE_MAX} characters.", field="References"
            )
        _check_reference_value(name, ref_type, value)
        clean[name] = {"Type": ref_type, "Value": value}
    return clean


def references_merge(existing: dict | None, references) -> dict[str, dict[str, str]]:
    """UpdateContact: the contact's references with the new ones checked and merged in, at most REFERENCES_MAX
    (a rule's task that has more, its default reference and 25 others, may change them but not add one)."""
    merged = {**(existing or {}), **validate_references(references)}
    limit = max(REFERENCES_MAX, len(existing or {}))
    if len(merged) > limit:
        raise InvalidParameter(
            f"A contact can have at most {limit} references; it has {len(existing or {})} and this update "
            f"would bring it to {len(merged)}.",
            field="References",
        )
    return merged


def flow_trace_full(trace) -> bool:
    """Whether a contact's flow trace has reached FLOW_TRACE_MAX entries (later steps are not logged)."""
    return len(trace or []) >= FLOW_TRACE_MAX


def validate_client_token(token) -> str:
    if token is None:
        return ""
    if not isinstance(token, str) or len(token) > CLIENT_TOKEN_MAX:
        raise InvalidParameter(f"ClientToken must be at most {CLIENT_TOKEN_MAX} characters.", field="ClientToken")
    return token


def validate_scheduled_time(scheduled: dt.datetime | None, *, now: dt.datetime) -> dt.datetime | None:
    """Not in the past (a second of clock slack), at most 6 days ahead."""
    if scheduled is None:
        return None
    if scheduled < now - dt.timedelta(seconds=1):
        raise InvalidParameter("ScheduledTime can't be in the past.", field="ScheduledTime")
    if scheduled > now + SCHEDULE_MAX_AHEAD:
        raise InvalidParameter("ScheduledTime must be at most 6 days in the future.", field="ScheduledTime")
    return scheduled


def validate_routing_priority(priority) -> int:
    if not isinstance(priority, int) or isinstance(priority, bool) or not 1 <= priority <= ROUTING_PRIORITY_MAX:
        raise InvalidParameter("Routing priority must be a whole number, 1 being the highest.", field="priority")
    return priority


def validate_routing_age(age_seconds, *, current: int) -> int:
    """A QueueTimeAdjustmentSeconds change; returns the new total, which stays within the bound."""
    if not isinstance(age_seconds, int) or isinstance(age_seconds, bool):
        raise InvalidParameter("Routing age must be a whole number of seconds.", field="QueueTimeAdjustmentSeconds")
    if abs(age_seconds) > ROUTING_AGE_MAX_SECONDS or abs(current + age_seconds) > ROUTING_AGE_MAX_SECONDS:
        raise InvalidParameter(
            f"Routing age can move a contact by at most {ROUTING_AGE_MAX_SECONDS} seconds in total.",
            field="QueueTimeAdjustmentSeconds",
        )
    return current + age_seconds


def require_one_flow_source(*, contact_flow, quick_connect, task_template) -> None:
    """One flow to run: exactly one of ContactFlowId, QuickConnectId and TaskTemplateId — except that a
    template without a flow of its own comes with one ContactFlowId or QuickConnectId that supplies it."""
    others = [x for x in (contact_flow, quick_connect) if x is not None]
    if task_template is not None and task_template.flow_id is None:
        if len(others) == 1:
            return
        raise InvalidRequest(
            "The task template has no flow: give it with exactly one ContactFlowId or QuickConnectId."
        )
    if len(others) + (task_template is not None) != 1:
        raise InvalidRequest(
            "Give exactly one of ContactFlowId, QuickConnectId and TaskTemplateId, so the task has one flow to run."
        )


# Service-level thresholds: 1 second … 7 days (Amazon Connect's SERVICE_LEVEL Threshold limit).
SERVICE_LEVEL_MAX_SECONDS = 604_800
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


def duration_parse(text: str) -> int | None:
    """Seconds from "90", "90s", "15m", "4h" or "2d" (spaces and case ignored); None if it is not one."""
    text = (text or "").strip().lower().replace(" ", "")
    unit = _DURATION_UNITS.get(text[-1:], None) if text else None
    number = text[:-1] if unit else text
    if not number.isascii() or not number.isdigit() or len(number) > 9:
        return None
    return int(number) * (unit or 1)


def duration_format(seconds: int) -> str:
    """The largest whole unit: 86400 → "1d", 14400 → "4h", 90 → "90s"."""
    for suffix, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{suffix}"
    return f"{seconds}s"


def validate_chat_display_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameter("ParticipantDetails.DisplayName is required.", field="ParticipantDetails")
    if len(name) > DISPLAY_NAME_MAX:
        raise InvalidParameter(
            f"ParticipantDetails.DisplayName must be at most {DISPLAY_NAME_MAX} characters.", field="ParticipantDetails"
        )
    return name.strip()


def validate_chat_duration(minutes) -> int:
    if minutes is None:
        return CHAT_DURATION_DEFAULT_MINUTES
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not (
        CHAT_DURATION_MIN_MINUTES <= minutes <= CHAT_DURATION_MAX_MINUTES
    ):
        raise InvalidParameter(
            f"ChatDurationInMinutes must be {CHAT_DURATION_MIN_MINUTES} to {CHAT_DURATION_MAX_MINUTES}.",
            field="ChatDurationInMinutes",
        )
    return minutes


def validate_chat_content_type(content_type) -> str:
    if content_type not in CHAT_CONTENT_TYPES:
        raise InvalidParameter(
            "InitialMessage.ContentType must be " + " or ".join(CHAT_CONTENT_TYPES) + ".", field="InitialMessage"
        )
    return content_type


def validate_e164(number, *, field: str) -> str:
    if not isinstance(number, str) or not E164_RE.match(number):
        raise InvalidParameter(f"{field} must be a phone number in E.164 format, such as +12065550100.", field=field)
    return number


def validate_transcript_content(content, *, where: str = "InitialMessage.Content") -> str:
    if not isinstance(content, str) or not content.strip():
        raise InvalidParameter(f"{where} must be text that is not blank.", field=where)
    if len(content) > TRANSCRIPT_CONTENT_MAX:
        raise InvalidParameter(f"{where} must be at most {TRANSCRIPT_CONTENT_MAX} characters.", field=where)
    if "\x00" in content:
        raise InvalidParameter(f"{where} must not contain NUL characters.", field=where)
    return content


def _segment_text(value, *, where: str, maximum: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > maximum or "\x00" in value:
        raise InvalidParameter(f"{where} must be 1 to {maximum} characters, not blank.", field=where)
    return value


def _offset(value, *, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= OFFSET_MILLIS_MAX:
        raise InvalidParameter(
            f"{where} must be a whole number of milliseconds, 0 to {OFFSET_MILLIS_MAX}.", field=where
        )
    return value


def validate_segment(segment, *, where: str) -> None:
    """One Transcript segment (ccp.services.conversations.SegmentIn) within its limits."""
    _segment_text(segment.segment_id, where=f"{where}.Id", maximum=SEGMENT_ID_MAX)
    _segment_text(segment.participant_id, where=f"{where}.ParticipantId", maximum=SEGMENT_ID_MAX)
    if segment.participant_role not in PARTICIPANT_ROLES:
        raise InvalidParameter(f"{where}.ParticipantRole must be AGENT or CUSTOMER.", field=f"{where}.ParticipantRole")
    validate_transcript_content(segment.content, where=f"{where}.Content")
    begin = _offset(segment.begin_offset_millis, where=f"{where}.BeginOffsetMillis")
    end = _offset(segment.end_offset_millis, where=f"{where}.EndOffsetMillis")
    if end < begin:
        raise InvalidParameter(f"{where}.EndOffsetMillis must not be before BeginOffsetMillis.", field=f"{where}")
    if segment.sentiment not in ("", *SENTIMENTS):
        raise InvalidParameter(
            f"{where}.Sentiment must be one of {', '.join(SENTIMENTS)}.", field=f"{where}.Sentiment"
        )
