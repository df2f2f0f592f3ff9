"""Invoke AWS Lambda function: here an HTTP endpoint the admin maps to the function ARN.

The contact's data is POSTed as JSON in Amazon Connect's event shape
({"Details": {"ContactData": ..., "Parameters": ...}, "Name": "ContactFlowEvent"}) and must answer
within InvocationTimeLimitSeconds with a JSON object; its keys become $.External.*. A missing
mapping, a refused connection, a non-2xx status, a timeout or a body that is not an object take
the error branch.
"""

import json
import urllib.error
import urllib.request

from ccp.flows.blocks.base import Outcome, block, one_of, static_int
from ccp.flows.paths import is_dynamic, text_resolve
from ccp.models import LambdaFunction

MAX_RESPONSE_BYTES = 32_768


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
            raise ValueError(f"STRING_MAP response has a nested value at {key!r}.")
        flat[str(key)] = "" if value is None else str(value)
    return flat


@block("InvokeLambdaFunction", validate=_validate, holds=True)
def lambda_invoke(ctx, action) -> Outcome:
    """POST the contact's data to the mapped endpoint; its answer becomes $.External."""
    params = action.parameters
    contact = ctx.contact
    arn = text_resolve(contact, params.get("LambdaFunctionARN", ""))
    function = LambdaFunction.objects.filter(instance=contact.instance, arn=arn).first()
    if function is None:
        return Outcome.error(f"No endpoint is mapped to Lambda function {arn!r}.")
    parameters = {
        (text_resolve(contact, k) if is_dynamic(k) else k): text_resolve(contact, v)
        for k, v in (params.get("LambdaInvocationAttributes") or {}).items()
    }
    body = json.dumps(lambda_event(contact, parameters)).encode()
    request = urllib.request.Request(  # noqa: S310 - the admin configures http(s) endpoints only
        function.url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    timeout = int(params.get("InvocationTimeLimitSeconds", 8))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        return Outcome.error(f"Lambda {arn} answered HTTP {exc.code}.")
    except TimeoutError:
        return Outcome.error(f"Lambda {arn} did not answer within {timeout} seconds.")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            return Outcome.error(f"Lambda {arn} did not answer within {timeout} seconds.")
        return Outcome.error(f"Lambda {arn} could not be reached: {reason}.")
    if len(raw) > MAX_RESPONSE_BYTES:
        return Outcome.error(f"Lambda {arn} answered more than {MAX_RESPONSE_BYTES} bytes.")
    try:
        result = json.loads(raw or b"null")
        if not isinstance(result, dict):
            raise ValueError("the answer is not a JSON object")
        response_type = (params.get("ResponseValidation") or {}).get("ResponseType", "STRING_MAP")
        external = _flatten(result, response_type)
    except ValueError as exc:
        return Outcome.error(f"Lambda {arn} gave an answer the flow cannot use: {exc}.")
    contact.flow_state["external"] = external
    return Outcome.success()
