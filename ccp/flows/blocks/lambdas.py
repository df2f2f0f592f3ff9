"""Invoke AWS Lambda function: here an HTTP endpoint the admin maps to the function ARN.

The contact's data is POSTed as JSON in Amazon Connect's event shape
({"Details": {"ContactData": ..., "Parameters": ...}, "Name": "ContactFlowEvent"}) and must answer
within InvocationTimeLimitSeconds (at most 8, as Amazon Connect) with a JSON object; its keys become
$.External.*. A missing mapping, a refused connection, a non-2xx status, a timeout or a body that is not an
object take the error branch.

The block itself only checks that a function is mapped and asks the runner to call it (`Outcome.invoke`):
the call is made after the run so far has committed, with no transaction open (`lambda_call`, from
ccp.flows.runner), through the guarded outbound client (ccp.outbound: public addresses only unless the
operator allows private ones, one deadline for the whole call, a capped answer, error text that never
repeats the endpoint's answer or address), signed with the endpoint's secret (`X-TaskCenter-Signature`,
ccp.signing) and within the endpoint's own timeout as well as the block's.
"""

import json
import logging

from ccp.flows.blocks.base import Outcome, block, one_of, static_int
from ccp.flows.paths import is_dynamic, text_resolve
from ccp.models import LambdaFunction
from ccp.outbound import OutboundError, outbound_post
from ccp.signing import SecretUnreadable, signature_headers

log = logging.getLogger(__name__)

# Amazon Connect refuses a synchronous Lambda response over 32 KB in a flow.
MAX_RESPONSE_BYTES = 32_768
MAX_SECONDS = 8  # InvocationTimeLimitSeconds' upper bound in Amazon Connect


def _validate(params: dict) -> list[str]:
    problems = []
    arn = params.get("LambdaFunctionARN")
    if not isinstance(arn, str) or not arn.strip():
        problems.append("LambdaFunctionARN is required.")
    problems += static_int(params, "InvocationTimeLimitSeconds", low=1, high=8, required=True)
    problems += one_of(params, "InvocationType", ("SYNCHRONOUS", "ASYNCHRONOUS"), required=False)
    attrs = params.get("LambdaInvocationAttributes", {})
    if not isinstance(attrs, dict) or any(not isinstance(v, str) for v in attrs.values()):
        problems.append("LambdaInvocationAttributes must be an object of string values.")
    validation = params.get("ResponseValidation")
    if validation is not None:
        if not isinstance(validation, dict):
            problems.append("ResponseValidation must be an object.")
        else:
            problems += one_of(validation, "ResponseType", ("STRING_MAP", "JSON"), required=False)
    return problems


def lambda_event(contact, parameters: dict) -> dict:
    """The JSON a function receives: Amazon Connect's ContactFlowEvent for this contact."""
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "ContactId": contact.id,
                "InitialContactId": contact.initial_contact_id or contact.id,
                "PreviousContactId": contact.previous_contact_id or "",
                "Channel": contact.channel,
                "InitiationMethod": contact.initiation_method,
                "InstanceARN": contact.instance.arn,
                "Name": contact.name,
                "Description": contact.description,
                "Attributes": dict(contact.attributes or {}),
                "References": dict(contact.references or {}),
                "Queue": {"Name": contact.queue.name, "ARN": contact.queue.arn} if contact.queue else None,
            },
            "Parameters": parameters,
        },
    }


def _flatten(response: dict, response_type: str) -> dict:
    if response_type == "JSON":
        return response
    flat = {}
    for key, value in response.items():
        if isinstance(value, dict | list):
            raise ValueError("STRING_MAP response has a nested value.")
        flat[str(key)] = "" if value is None else str(value)
    return flat


def _function(contact, params: dict):
    arn = text_resolve(contact, params.get("LambdaFunctionARN", ""))
    return arn, LambdaFunction.objects.filter(instance=contact.instance, arn=arn).first()


def lambda_seconds(params: dict) -> int:
    """The block's own time limit for one call (1–8 s; publishing refuses anything else)."""
    try:
        return max(1, min(MAX_SECONDS, int(params.get("InvocationTimeLimitSeconds", MAX_SECONDS))))
    except (TypeError, ValueError):
        return MAX_SECONDS


@block("InvokeLambdaFunction", validate=_validate, holds=True)
def lambda_invoke(ctx, action) -> Outcome:
    """Check a function is mapped; the runner then makes the call outside the transaction (lambda_call)."""
    arn, function = _function(ctx.contact, action.parameters)
    if function is None or not function.url:
        return Outcome.error(f"No endpoint is mapped to Lambda function {arn!r}.")
    return Outcome.invoke(min(lambda_seconds(action.parameters), function.timeout_seconds))


def lambda_call(contact, action, *, seconds: float) -> Outcome:
    """Make the call for this action, with no transaction open: the contact is a plain read of the committed
    row. Success carries the values for $.External in `result`; errors say what happened in words safe to
    keep on the contact."""
    params = action.parameters
    arn, function = _function(contact, params)
    if function is None or not function.url:
        return Outcome.error(f"No endpoint is mapped to Lambda function {arn!r}.")
    parameters = {
        (text_resolve(contact, k) if is_dynamic(k) else k): text_resolve(contact, v)
        for k, v in (params.get("LambdaInvocationAttributes") or {}).items()
    }
    body = json.dumps(lambda_event(contact, parameters)).encode()
    # Signed with the endpoint's secret (X-TaskCenter-Signature, ccp.signing), so it can tell our calls apart.
    try:
        headers = {"Content-Type": "application/json", **signature_headers(function.signing_secret_encrypted, body)}
    except SecretUnreadable as exc:
        log.error("Lambda %s of instance %s: %s", arn, function.instance_id, exc)
        return Outcome.error(f"Lambda {arn}: {exc}.")
    try:
        response = outbound_post(
            function.url,
            body,
            timeout=min(seconds, function.timeout_seconds),
            headers=headers,
            max_bytes=MAX_RESPONSE_BYTES,
        )
    except OutboundError as exc:
        return Outcome.error(f"Lambda {arn}: {exc.message}")
    try:
        result = json.loads(response.body or b"null")
    except ValueError:
        return Outcome.error(f"Lambda {arn} gave an answer the flow cannot use: it is not JSON.")
    if not isinstance(result, dict):
        return Outcome.error(f"Lambda {arn} gave an answer the flow cannot use: it is not a JSON object.")
    response_type = (params.get("ResponseValidation") or {}).get("ResponseType", "STRING_MAP")
    try:
        external = _flatten(result, response_type)
    except ValueError:
        return Outcome.error(
            f"Lambda {arn} gave an answer the flow cannot use: STRING_MAP allows no nested values."
        )
    return Outcome.success(external)
