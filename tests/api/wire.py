"""Helpers of the API tests: clients, hand-signed requests, error checks and row counts."""

import json
import os
import threading
import urllib.parse

import boto3
import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from django.conf import settings

from ccp.models import Contact, ContactEvent, IdempotencyToken

REGION = "us-east-1"


def client_for(url: str, access_key_id: str, secret: str, *, validate: bool = True):
    return boto3.client(
        "connect",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret,
        config=Config(parameter_validation=validate, retries={"total_max_attempts": 1}),
    )


def counts() -> tuple[int, int, int]:
    """Rows a failed request must not write: contacts, contact events, idempotency tokens."""
    return Contact.objects.count(), ContactEvent.objects.count(), IdempotencyToken.objects.count()


def signed_request(url, *, method, path, body=b"", access_key_id, secret, region=REGION, headers=None, query=""):
    """Sign with botocore's own SigV4 signer; returns (AWSRequest) so a test can tamper before sending."""
    full = url + path + (f"?{query}" if query else "")
    request = AWSRequest(
        method=method, url=full, data=body, headers={"Content-Type": "application/json", **(headers or {})}
    )
    SigV4Auth(Credentials(access_key_id, secret), "connect", region).add_auth(request)
    return request


def send(request, *, body=None, headers=None, path=None):
    """Send a (possibly tampered) request with urllib3; returns (status, error type, json body)."""
    http = urllib3.PoolManager()
    parts = urllib.parse.urlsplit(request.url)
    url = request.url if path is None else f"{parts.scheme}://{parts.netloc}{path}"
    merged = {k: v for k, v in request.headers.items()}
    merged.update(headers or {})
    response = http.request(
        request.method, url, body=request.body if body is None else body, headers=merged, retries=False
    )
    try:
        payload = json.loads(response.data or b"{}")
    except ValueError:
        payload = {"raw": response.data.decode(errors="replace")}
    return response.status, response.headers.get("x-amzn-ErrorType", ""), payload


def expect_error(call, code: str, status: int) -> str:
    """Run a boto3 call that must fail with this AWS error code and HTTP status; returns the message."""
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    assert response["Error"]["Code"] == code, response["Error"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    return response["Error"]["Message"]


def postgres_or_skip():
    """Race tests mean something only on PostgreSQL; CI must run them there."""
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI must run this test with DATABASE_URL pointing at PostgreSQL.")
    pytest.skip("needs PostgreSQL: set DATABASE_URL")


def race(clients, call) -> tuple[list, list]:
    """Run `call(client)` for every client at the same instant (one thread each, released by a barrier);
    returns (results, errors)."""
    barrier = threading.Barrier(len(clients))
    results, errors = [], []

    def fire(client):
        barrier.wait()
        try:
            results.append(call(client))
        except Exception as exc:  # collected for the caller's assertions
            errors.append(exc)

    threads = [threading.Thread(target=fire, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def lens_client_for(url: str, access_key_id: str, secret: str, *, validate: bool = True):
    """boto3's `connect-contact-lens` client (signed as `connect`) pointed at the test server."""
    return boto3.client(
        "connect-contact-lens",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret,
        config=Config(parameter_validation=validate, retries={"total_max_attempts": 1}),
    )


def segments_put(url, *, access_key_id, secret, instance_id, contact_id, segments, raw_body=None):
    """PUT /contact-analysis/{InstanceId}/{ContactId}/segments, signed with botocore's signer; returns
    (status, error type, json body)."""
    path = f"/contact-analysis/{urllib.parse.quote(instance_id, safe='')}/{urllib.parse.quote(contact_id, safe='')}"
    body = raw_body if raw_body is not None else json.dumps({"Segments": segments}).encode()
    request = signed_request(
        url, method="PUT", path=path + "/segments", body=body, access_key_id=access_key_id, secret=secret
    )
    return send(request)


def transcript(segment_id: str, content: str, *, role="CUSTOMER", begin=0, end=None, sentiment=None, **extra):
    """One {"Transcript": …} segment as a sender posts it."""
    item = {
        "Id": segment_id,
        "ParticipantId": "agent-1" if role == "AGENT" else "customer-1",
        "ParticipantRole": role,
        "Content": content,
        "BeginOffsetMillis": begin,
        "EndOffsetMillis": begin + 900 if end is None else end,
        **extra,
    }
    if sentiment:
        item["Sentiment"] = sentiment
    return {"Transcript": item}
