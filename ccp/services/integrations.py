"""Integrations: the HTTP endpoints that stand in for AWS Lambda functions (the flow block Invoke AWS Lambda
function calls the endpoint mapped to its function ARN).

An endpoint has an ARN (unique in the instance), a URL, a timeout of 1–8 seconds and a signing secret: our
calls carry `X-TaskCenter-Signature` (ccp.signing), an HMAC of the body with that secret, so the endpoint can
tell them from anyone else's. The secret is shown once, when it is made, and stored encrypted.

The console creates, edits and deletes endpoints; the API associates a function ARN (a row with no URL until an
admin gives one), lists and disassociates. A function a published flow calls is never deleted: the refusal
names the flows. Every change writes its audit entry in the same transaction."""

import json
import re
import secrets
import time
import urllib.parse
from dataclasses import dataclass

from ccp.errors import DuplicateResource, InvalidParameter, ResourceNotFound
from ccp.flows.document import FlowDocumentError, flow_parse
from ccp.models import ContactFlow, Instance, LambdaFunction
from ccp.outbound import OutboundError, outbound_post
from ccp.services.audit import audit_created, audit_deleted, audit_snapshot, audit_snapshot_saved, audit_updated
from ccp.services.configuration.base import refuse_while_used, rows_blocking
from ccp.services.transactions import entry_transaction
from ccp.signing import SecretUnreadable, secret_seal, signature_headers

# arn:aws:lambda:<region>:<12-digit account>:function:<name>[:<version or alias>], as Lambda writes them.
ARN_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]{1,30}:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$"
)
ARN_MAX = 140  # botocore's FunctionArn: 1–140 characters
TIMEOUT_RANGE = (1, 8)  # InvocationTimeLimitSeconds in Amazon Connect
# What an audit entry records of an endpoint (the secret only as "changed").
AUDITED = ("arn", "url", "description", "timeout_seconds")
# A test call's answer shown on the page is cut to this many characters.
TEST_BODY_SHOWN = 2_000
TEST_MAX_BYTES = 32_768  # Amazon Connect's cap on a Lambda answer


def _new_secret() -> str:
    return "tcsig_" + secrets.token_urlsafe(32)


def arn_check(arn: str, *, field: str = "arn") -> str:
    arn = (arn or "").strip()
    if not arn:
        raise InvalidParameter("Give the function's ARN.", field=field)
    if len(arn) > ARN_MAX or not ARN_PATTERN.match(arn):
        raise InvalidParameter(
            "Not a Lambda function ARN: arn:aws:lambda:<region>:<account id>:function:<name>.", field=field
        )
    return arn


def _url_check(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise InvalidParameter("Give the endpoint's URL.", field="url")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameter("The URL must start with http:// or https://.", field="url")
    if parts.username or parts.password:
        raise InvalidParameter("Put no user name or password in the URL; the signature proves who calls.", field="url")
    if len(url) > 1000:
        raise InvalidParameter("At most 1,000 characters.", field="url")
    return url


def _timeout_check(seconds) -> int:
    low, high = TIMEOUT_RANGE
    if not isinstance(seconds, int) or not low <= seconds <= high:
        raise InvalidParameter(f"The timeout is {low} to {high} seconds.", field="timeout_seconds")
    return seconds


def _arn_free(instance_id: str, arn: str, *, exclude_pk=None, field: str = "arn") -> None:
    taken = LambdaFunction.objects.filter(instance_id=instance_id, arn=arn)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DuplicateResource("Another endpoint already has this function ARN.", field=field)


def lambda_function_create(
    *, instance: Instance, arn: str, url: str, timeout_seconds: int = 8, description: str = ""
) -> tuple[LambdaFunction, str]:
    """An endpoint for a function ARN, with a new signing secret; returns it and the secret (shown once)."""
    arn, url, timeout_seconds = arn_check(arn), _url_check(url), _timeout_check(timeout_seconds)
    secret = _new_secret()
    with entry_transaction():
        _arn_free(instance.pk, arn)
        function = LambdaFunction.objects.create(
            instance=instance,
            arn=arn,
            url=url,
            timeout_seconds=timeout_seconds,
            description=(description or "")[:250],
            signing_secret_encrypted=secret_seal(secret),
        )
        audit_created(
            function, resource_type="lambda_function", after={**audit_snapshot(function, AUDITED), "secret": "new"}
        )
    return function, secret


def lambda_function_update(
    *,
    function: LambdaFunction,
    arn: str,
    url: str,
    timeout_seconds: int = 8,
    description: str = "",
    new_secret: bool = False,
) -> tuple[LambdaFunction, str | None]:
    """Change an endpoint; with `new_secret` (or when it has none yet) it gets a new signing secret, returned
    once. Renaming the ARN of a function a published flow calls is refused, as deleting it is."""
    arn, url, timeout_seconds = arn_check(arn), _url_check(url), _timeout_check(timeout_seconds)
    secret = _new_secret() if new_secret or not function.signing_secret_encrypted else None
    with entry_transaction():
        before = audit_snapshot_saved(function, AUDITED)
        if arn != before["arn"]:
            refuse_while_used(function, _flows_blocking(function.instance_id, before["arn"]))
        _arn_free(function.instance_id, arn, exclude_pk=function.pk)
        function.arn, function.url, function.timeout_seconds = arn, url, timeout_seconds
        function.description = (description or "")[:250]
        if secret is not None:
            function.signing_secret_encrypted = secret_seal(secret)
        function.save()
        after = audit_snapshot(function, AUDITED)
        if secret is not None:
            before["secret"], after["secret"] = "old", "new"
        audit_updated(function, before, resource_type="lambda_function", after=after)
    return function, secret


def flows_calling(instance_id: str, arn: str) -> list[ContactFlow]:
    """The instance's published flows with an Invoke AWS Lambda function block naming `arn`."""
    candidates = ContactFlow.objects.filter(instance_id=instance_id, published_content__contains=arn)
    found = []
    for flow in candidates.exclude(published_content="").order_by("name"):
        try:
            actions = flow_parse(flow.published_content).actions.values()
        except FlowDocumentError:
            continue
        if any(a.type == "InvokeLambdaFunction" and a.parameters.get("LambdaFunctionARN") == arn for a in actions):
            found.append(flow)
    return found


def _flows_blocking(instance_id: str, arn: str) -> list[str]:
    names = [flow.pk for flow in flows_calling(instance_id, arn)]
    return rows_blocking("Published flow", ContactFlow.objects.filter(pk__in=names))


def lambda_function_delete(*, function: LambdaFunction) -> None:
    """Delete an endpoint; refused (ResourceInUse, naming them) while a published flow calls its ARN."""
    with entry_transaction():
        refuse_while_used(function, _flows_blocking(function.instance_id, function.arn))
        before, function_id = audit_snapshot(function, AUDITED), function.pk
        function.delete()
        audit_deleted(function, before, resource_type="lambda_function", resource_id=function_id)


def lambda_function_associate(*, instance: Instance, arn: str) -> LambdaFunction:
    """AssociateLambdaFunction: the ARN becomes callable by flows once an admin gives its endpoint's URL."""
    arn = arn_check(arn, field="FunctionArn")
    with entry_transaction():
        _arn_free(instance.pk, arn, field="FunctionArn")
        function = LambdaFunction.objects.create(instance=instance, arn=arn, url="")
        audit_created(function, resource_type="lambda_function", fields=AUDITED)
    return function


def lambda_function_disassociate(*, instance: Instance, arn: str) -> None:
    """DisassociateLambdaFunction: delete the instance's endpoint for `arn` (refused while a published flow
    calls it)."""
    function = LambdaFunction.objects.filter(instance=instance, arn=arn).first()
    if function is None:
        raise ResourceNotFound(f"No Lambda function {arn[:140]!r} is associated with this instance.")
    lambda_function_delete(function=function)


@dataclass(frozen=True)
class TestCall:
    """What a test call gave: the status, how long it took, and the answer (cut), or the error in words."""

    ok: bool
    seconds: float
    status: int | None = None
    body: str = ""
    truncated: bool = False
    error: str = ""


def sample_event(function: LambdaFunction) -> dict:
    """The event a test call sends: Amazon Connect's ContactFlowEvent with a made-up task."""
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "ContactId": "00000000-0000-4000-8000-000000000000",
                "InitialContactId": "00000000-0000-4000-8000-000000000000",
                "PreviousContactId": "",
                "Channel": "TASK",
                "InitiationMethod": "API",
                "InstanceARN": function.instance.arn,
                "Name": "Test task from the console",
                "Description": "A sample event sent by the Test button; no contact exists.",
                "Attributes": {"test": "true"},
                "References": {},
                "Queue": None,
            },
            "Parameters": {"test": "true"},
        },
    }


def lambda_function_test(*, function: LambdaFunction, clock=time.monotonic) -> TestCall:
    """Call the endpoint with a sample event, signed, through the guarded outbound client, outside any
    transaction; nothing is written."""
    if not function.url:
        return TestCall(ok=False, seconds=0.0, error="This function has no endpoint URL yet: give one first.")
    body = json.dumps(sample_event(function)).encode()
    try:
        headers = {"Content-Type": "application/json", **signature_headers(function.signing_secret_encrypted, body)}
    except SecretUnreadable as exc:
        return TestCall(ok=False, seconds=0.0, error=f"Not called: {exc}.")
    start = clock()
    try:
        response = outbound_post(
            function.url, body, timeout=function.timeout_seconds, headers=headers, max_bytes=TEST_MAX_BYTES
        )
    except OutboundError as error:
        return TestCall(ok=False, seconds=clock() - start, status=error.status, error=error.message)
    text = response.body.decode("utf-8", errors="replace")
    return TestCall(
        ok=True,
        seconds=clock() - start,
        status=response.status,
        body=text[:TEST_BODY_SHOWN],
        truncated=len(text) > TEST_BODY_SHOWN,
    )
