"""Handlers for StartChatContact and StartOutboundVoiceContact: read the parsed input, find the rows, call the
conversation service (ccp/services/conversations.py), answer in botocore's output shape."""

from ccp.api.contacts import instance_get
from ccp.errors import IdempotencyConflict, InvalidRequest
from ccp.models import Contact, ContactFlow
from ccp.models import Queue as QueueModel
from ccp.services.conversations import (
    ChatRequest,
    OutboundVoiceRequest,
    chat_start,
    customer_participant_id,
    outbound_voice_start,
)


def _optional(model, *, instance, params, key: str, label: str):
    value = params.get(key)
    return instance_get(model, instance=instance, pk=value, label=label) if value else None


def start_chat_contact(*, instance, params) -> dict:
    """StartChatContact: PUT /contact/chat. No participant service runs here, so the answer has no
    ParticipantToken or connection: the conversation arrives as transcript segments instead."""
    message = params.get("InitialMessage") or {}
    request = ChatRequest(
        contact_flow=instance_get(ContactFlow, instance=instance, pk=params["ContactFlowId"], label="Flow"),
        display_name=params["ParticipantDetails"]["DisplayName"],
        attributes=params.get("Attributes"),
        initial_message=message.get("Content", ""),
        initial_content_type=message.get("ContentType", ""),
        duration_minutes=params.get("ChatDurationInMinutes"),
        related_contact=_optional(Contact, instance=instance, params=params, key="RelatedContactId", label="Contact"),
    )
    try:
        contact = chat_start(instance=instance, request=request, client_token=params.get("ClientToken", ""))
    except IdempotencyConflict as exc:
        # botocore lists no IdempotencyException for StartChatContact: a 400, as StartTaskContact answers.
        raise InvalidRequest(exc.message, field="ClientToken")
    return {"ContactId": contact.id, "ParticipantId": customer_participant_id(contact.id)}


def start_outbound_voice_contact(*, instance, params) -> dict:
    """StartOutboundVoiceContact: PUT /contact/outbound-voice."""
    request = OutboundVoiceRequest(
        contact_flow=instance_get(ContactFlow, instance=instance, pk=params["ContactFlowId"], label="Flow"),
        destination=params["DestinationPhoneNumber"],
        source=params.get("SourcePhoneNumber", ""),
        queue=_optional(QueueModel, instance=instance, params=params, key="QueueId", label="Queue"),
        name=params.get("Name", ""),
        description=params.get("Description", ""),
        attributes=params.get("Attributes"),
        references=params.get("References"),
        related_contact=_optional(Contact, instance=instance, params=params, key="RelatedContactId", label="Contact"),
    )
    try:
        contact = outbound_voice_start(instance=instance, request=request, client_token=params.get("ClientToken", ""))
    except IdempotencyConflict as exc:
        raise InvalidRequest(exc.message, field="ClientToken")
    return {"ContactId": contact.id}
