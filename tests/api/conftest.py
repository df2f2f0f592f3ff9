"""The API tests drive boto3 against a live server (Django's LiveServerThread: our API is plain
middleware, so it serves the same under WSGI as under daphne). The people: an instance with a key
(`connect`), and an outsider instance with its own key and rows that must never be reachable."""

import json

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from ccp.api.throttle import throttle_reset
from ccp.models import FlowType
from ccp.services.api_keys import api_key_create
from ccp.services.configuration.flows import flow_create
from tests.api.wire import client_for, counts
from tests.factories import InstanceFactory, QueueFactory


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


@pytest.fixture
def connect(live_server, key):
    api_key, secret = key
    return client_for(live_server.url, api_key.access_key_id, secret)


@pytest.fixture
def task(connect, instance, task_flow):
    """Start a task on the task flow through boto3 and return its ContactId."""

    def make(**extra):
        params = {"InstanceId": instance.id, "ContactFlowId": task_flow.id, "Name": "Call back", **extra}
        return connect.start_task_contact(**params)["ContactId"]

    return make


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


@pytest.fixture
def nothing_written():
    """Call it after the request: asserts the counts are what they were when the test began."""
    before = counts()

    def check():
        assert counts() == before

    return check


@pytest.fixture
def nothing_written_after():
    """Snapshot the counts now; the returned check asserts nothing changed since."""

    def snapshot():
        before = counts()

        def check():
            assert counts() == before

        return check

    return snapshot


class _WideServer(ThreadedWSGIServer):
    # Django's test server listens with a backlog of 10; fifty simultaneous connects need more.
    request_queue_size = 128


class _WideServerThread(LiveServerThread):
    server_class = _WideServer


@pytest.fixture
def wide_server(transactional_db):
    """A live server that accepts many simultaneous connections (the ClientToken race tests)."""
    thread = _WideServerThread("localhost", _StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://localhost:{thread.port}"
    thread.terminate()
