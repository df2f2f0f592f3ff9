"""The API tests drive boto3 against a live server (Django's LiveServerThread: our API is plain
middleware, so it serves the same under WSGI as under daphne). The people: an instance with a key
(`connect`), and an outsider instance with its own key and rows that must never be reachable."""

import json
import urllib.parse

import boto3
import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from ccp.api.throttle import throttle_reset
from ccp.flows.publish import flow_create
from ccp.models import Contact, ContactEvent, FlowType, IdempotencyToken
from ccp.services.api_keys import api_key_create
from tests.factories import InstanceFactory, QueueFactory

REGION = "us-east-1"


def flow_document(queue_id: str) -> str:
    """A task flow: set the working queue, transfer to it, hang up."""
    return json.dumps(
        {
            "Version": "2019-10-30",
            "StartAction": "set queue",
            "Actions": [
                {
                    "Identifier": "set queue",
                    "Type": "UpdateContactTargetQueue",
                    "Parameters": {"QueueId": queue_id},
                    "Transitions": {
                        "NextAction": "queue it",
                        "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}],
                    },
                },
                {
                    "Identifier": "queue it",
                    "Type": "TransferContactToQueue",
                    "Parameters": {},
                    "Transitions": {
                        "NextAction": "end",
                        "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}],
                    },
                },
                {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
            ],
        }
    )


@pytest.fixture(autouse=True)
def _fresh_buckets():
    throttle_reset()
    yield
    throttle_reset()


@pytest.fixture
def instance(transactional_db):
    return InstanceFactory(alias="acme", api_rate_per_second=1000, api_burst=1000)


@pytest.fixture
def queue(instance):
    return QueueFactory(instance=instance, name="Support")


@pytest.fixture
def task_flow(instance, queue):
    return flow_create(
        instance=instance, name="Tasks to Support", type=FlowType.CONTACT_FLOW, content=flow_document(queue.id)
    )


@pytest.fixture
def key(instance):
    return api_key_create(instance=instance, name="tests")


def client_for(url: str, access_key_id: str, secret: str, *, validate: bool = True):
    return boto3.client(
        "connect",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret,
        config=Config(parameter_validation=validate, retries={"total_max_attempts": 1}),
    )


@pytest.fixture
def connect(live_server, key):
    api_key, secret = key
    return client_for(live_server.url, api_key.access_key_id, secret)


@pytest.fixture
def raw_connect(live_server, key):
    """A client that sends whatever it is given (botocore's own parameter checks are off)."""
    api_key, secret = key
    return client_for(live_server.url, api_key.access_key_id, secret, validate=False)


@pytest.fixture
def outsider(transactional_db):
    other = InstanceFactory(alias="outsider")
    queue = QueueFactory(instance=other, name="Elsewhere")
    flow = flow_create(instance=other, name="Their flow", type=FlowType.CONTACT_FLOW, content=flow_document(queue.id))
    api_key, secret = api_key_create(instance=other)
    return {"instance": other, "flow": flow, "queue": queue, "key": api_key, "secret": secret}


def counts() -> tuple[int, int, int]:
    """Rows a failed request must not write: contacts, contact events, idempotency tokens."""
    return Contact.objects.count(), ContactEvent.objects.count(), IdempotencyToken.objects.count()


@pytest.fixture
def nothing_written():
    """Call it after the request: asserts the counts are what they were when the test began."""
    before = counts()

    def check():
        assert counts() == before

    return check


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
