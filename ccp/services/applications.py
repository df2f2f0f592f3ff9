"""Third-party applications (Zendesk, Salesforce, generic JSON) whose signed webhooks raise rule events.

An integration has a signing secret, shown once when it is created and stored encrypted (the API keys' Fernet).
A webhook is verified before anything is read from it:
- Zendesk, with Zendesk's own headers: `X-Zendesk-Webhook-Signature` is base64(HMAC-SHA256(secret, timestamp +
  body)) where the timestamp is `X-Zendesk-Webhook-Signature-Timestamp` (ISO 8601, as Zendesk sends it);
- Salesforce and generic JSON, with ours: `X-TaskCenter-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." +
  body)>` and `X-TaskCenter-Timestamp: <Unix seconds>`.
A signature that does not verify, a timestamp more than 5 minutes from now, or a payload that is not what the event
needs is refused (WebhookRefused: 401 or 400), logged, and nothing is written. A verified event is handed to the
rules engine, whose RuleFiring rows make a redelivered event a no-op."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.db import IntegrityError
from django.utils import timezone

from ccp.errors import InvalidRequest, ResourceInUse
from ccp.models import Integration, Rule
from ccp.rules.function import THIRD_PARTY_SOURCES
from ccp.services.api_keys import api_key_fernet
from ccp.services.audit import audit_record
from ccp.services.rule_engine import rules_on_event
from ccp.services.transactions import entry_transaction

log = logging.getLogger(__name__)

# A webhook signed longer ago (or further ahead) than this is refused: a captured request can't be replayed later.
TIMESTAMP_TOLERANCE = dt.timedelta(minutes=5)
BODY_MAX = 256 * 1024
NAME_MAX = 100
# EventType as a webhook names it → the rule event source it raises.
EVENT_TYPES = {
    "TicketCreate": "OnZendeskTicketCreate",
    "TicketStatusUpdate": "OnZendeskTicketStatusUpdate",
    "CaseCreate": "OnSalesforceCaseCreate",
    **{source: source for source in THIRD_PARTY_SOURCES},
}
APPLICATION_SOURCES = {
    Integration.Application.ZENDESK: ("OnZendeskTicketCreate", "OnZendeskTicketStatusUpdate"),
    Integration.Application.SALESFORCE: ("OnSalesforceCaseCreate",),
    Integration.Application.GENERIC: tuple(THIRD_PARTY_SOURCES),
}


class WebhookRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def integration_create(*, instance, name: str, application: str, actor=None) -> tuple[Integration, str]:
    """A new integration and its signing secret (returned once; stored encrypted)."""
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidRequest(f"Name must be 1 to {NAME_MAX} characters.")
    if application not in Integration.Application.values:
        raise InvalidRequest("Application must be Zendesk, Salesforce or generic JSON.")
    secret = secrets.token_urlsafe(32)
    try:
        with entry_transaction():
            integration = Integration.objects.create(
                instance=instance,
                name=name,
                application=application,
                secret_encrypted=api_key_fernet().encrypt(secret.encode()).decode(),
                created_at=timezone.now(),
            )
            audit_record(
                instance,
                actor=actor,
                action="CREATE",
                resource_type="Integration",
                resource_id=integration.id,
                resource_name=name,
                after={"name": name, "application": application},
            )
    except IntegrityError:
        raise InvalidRequest(f"An integration named {name!r} already exists.")
    return integration, secret


def integration_delete(*, integration: Integration, actor=None) -> None:
    """Delete an integration no rule uses (a rule listening to it is named instead)."""
    with entry_transaction():
        users = list(Rule.objects.filter(integration=integration).values_list("name", flat=True)[:6])
        if users:
            raise ResourceInUse(
                f"Integration {integration.name!r} is used by rules: "
                + ", ".join(users[:5])
                + (" and more" if len(users) > 5 else "")
                + ". Delete or change those rules first.",
                blockers=[f"Rule “{name}”" for name in users[:5]],
            )
        Integration.objects.filter(pk=integration.pk).delete()
        audit_record(
            integration.instance,
            actor=actor,
            action="DELETE",
            resource_type="Integration",
            resource_id=integration.id,
            resource_name=integration.name,
            before={"name": integration.name, "application": integration.application},
        )


def integration_secret(integration: Integration) -> str:
    return api_key_fernet().decrypt(integration.secret_encrypted.encode()).decode()


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's webhook signature: base64 of HMAC-SHA256(secret, timestamp + body)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def our_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Our webhook signature (Salesforce, generic JSON): "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _when(timestamp: str, *, zendesk: bool) -> dt.datetime:
    try:
        if zendesk:
            parsed = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        return dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise WebhookRefused(401, "The signature timestamp is not a valid time.")


def _verify(integration: Integration, headers, body: bytes, now: dt.datetime) -> None:
    zendesk = integration.application == Integration.Application.ZENDESK
    if zendesk:
        signature = headers.get("X-Zendesk-Webhook-Signature", "")
        timestamp = headers.get("X-Zendesk-Webhook-Signature-Timestamp", "")
        names = "X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp"
    else:
        signature = headers.get("X-TaskCenter-Signature", "")
        timestamp = headers.get("X-TaskCenter-Timestamp", "")
        names = "X-TaskCenter-Signature and X-TaskCenter-Timestamp"
    if not signature or not timestamp:
        raise WebhookRefused(401, f"The webhook must be signed: {names} are required.")
    try:
        secret = integration_secret(integration)
    except InvalidToken:
        # API_KEY_ENCRYPTION_KEY changed and the secrets were not re-encrypted: the operator's to fix, not the sender's.
        log.error(
            "integration %s: its signing secret can't be decrypted with the configured key; "
            "run manage.py rotate_api_key_encryption with the previous key",
            integration.id,
        )
        raise WebhookRefused(
            401, "The webhook signature cannot be checked: this integration's secret is unreadable on the server."
        )
    expected = zendesk_signature(secret, timestamp, body) if zendesk else our_signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise WebhookRefused(401, "The webhook signature does not match this integration's secret.")
    # Checked after the signature, so the timestamp itself is known to come from the sender.
    if abs(now - _when(timestamp, zendesk=zendesk)) > TIMESTAMP_TOLERANCE:
        raise WebhookRefused(401, "The webhook's timestamp is more than 5 minutes from now; it is refused as stale.")


@dataclass(frozen=True)
class WebhookEvent:
    event_source: str
    event_id: str
    payload: dict


def webhook_event(integration: Integration, body: bytes) -> WebhookEvent:
    """The event a verified body describes; WebhookRefused(400) names what is missing."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise WebhookRefused(400, "The body is not valid JSON.")
    if not isinstance(payload, dict):
        raise WebhookRefused(400, "The body must be a JSON object.")
    allowed = APPLICATION_SOURCES[integration.application]
    kind = payload.get("EventType", allowed[0] if len(allowed) == 1 else None)
    source = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if source not in allowed:
        names = [k for k, v in EVENT_TYPES.items() if v in allowed and k not in THIRD_PARTY_SOURCES]
        raise WebhookRefused(400, "EventType must be one of " + ", ".join(names) + ".")
    ticket_id = payload.get("Id")
    if not isinstance(ticket_id, (str, int)) or isinstance(ticket_id, bool) or str(ticket_id) == "":
        raise WebhookRefused(400, "The event needs an Id (the ticket's or case's id).")
    event_id = payload.get("EventId")
    if event_id is not None and (not isinstance(event_id, str) or not event_id or len(event_id) > 200):
        raise WebhookRefused(400, "EventId, when given, must be a string of 1 to 200 characters.")
    if not event_id:
        # Without an EventId the event is known by what it is about: a ticket is created once, a status
        # update once per status and update time.
        if source == "OnZendeskTicketStatusUpdate":
            status = payload.get("Status")
            if not isinstance(status, str) or not status:
                raise WebhookRefused(400, "A TicketStatusUpdate event needs the ticket's Status.")
            event_id = f"status:{ticket_id}:{status}:{payload.get('UpdatedAt', '')}"
        else:
            event_id = f"{source}:{ticket_id}"
    return WebhookEvent(event_source=source, event_id=str(event_id)[:300], payload=payload)


def webhook_receive(*, integration_id: str, headers, body: bytes, now: dt.datetime | None = None):
    """Verify a webhook and fire the rules its event satisfies; returns their firings. Refused (logged, nothing
    written) with WebhookRefused."""
    now = now or timezone.now()
    integration = Integration.objects.filter(pk=integration_id).select_related("instance").first()
    try:
        if integration is None:
            raise WebhookRefused(404, "No integration has this id.")
        if len(body) > BODY_MAX:
            raise WebhookRefused(413, f"The body is larger than {BODY_MAX // 1024} KB.")
        _verify(integration, headers, body, now)
        event = webhook_event(integration, body)
    except WebhookRefused as refused:
        log.warning(
            "webhook for integration %s refused (%s): %s", integration_id[:200], refused.status, refused.message
        )
        raise
    return rules_on_event(
        integration=integration, event_source=event.event_source, event_id=event.event_id, payload=event.payload
    )
