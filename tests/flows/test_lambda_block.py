"""Invoke AWS Lambda function against a real local HTTP endpoint."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ccp.models import LambdaFunction
from tests.flows.conftest import action

pytestmark = pytest.mark.django_db

ARN = "arn:aws:lambda:us-east-1:123456789012:function:crm-lookup"


class Endpoint(BaseHTTPRequestHandler):
    """Answers by path: /ok, /nested, /error, /slow, /text. /slow holds its answer until the test sets
    `release` (or 30 s pass), so "too late" never depends on how fast the machine is."""

    received: list[dict] = []
    release = threading.Event()

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Endpoint.received.append(body)
        answers = {
            "/ok": (200, {"tier": "gold", "account": "A-17", "score": 9}),
            "/nested": (200, {"customer": {"tier": "gold"}}),
            "/error": (500, {"errorMessage": "boom"}),
            "/text": (200, None),
        }
        if self.path == "/slow":
            Endpoint.release.wait(30)
            status, answer = 200, {"tier": "late"}
        else:
            status, answer = answers[self.path]
        payload = b"not json" if answer is None else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Endpoint.received = []
    Endpoint.release = threading.Event()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    Endpoint.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def local_endpoints(settings):
    """The endpoints here listen on 127.0.0.1, which only an operator's OUTBOUND_ALLOW_PRIVATE lets flows call."""
    settings.OUTBOUND_ALLOW_PRIVATE = True


@pytest.fixture
def start(start, django_capture_on_commit_callbacks):
    """Start a task as the API does: the flow's calls happen once the start has committed (run here, since the
    test's own transaction never commits)."""

    def make(flow, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            contact = start(flow, **kwargs)
        contact.refresh_from_db()
        return contact

    return make


def lambda_flow(publish, *, timeout="3", response_type="STRING_MAP"):
    return publish([
        action("lookup", "InvokeLambdaFunction", {
            "LambdaFunctionARN": ARN,
            "InvocationTimeLimitSeconds": timeout,
            "LambdaInvocationAttributes": {"customer": "$.Attributes.customer"},
            "ResponseValidation": {"ResponseType": response_type},
        }, next_action="store", errors={"NoMatchingError": "failed"}),
        action("store", "UpdateContactAttributes",
               {"Attributes": {"tier": "$.External.tier", "score": "$.External.score"}}, next_action="hang up"),
        action("failed", "UpdateContactAttributes", {"Attributes": {"tier": "unknown"}}, next_action="hang up"),
    ])


def mapped(instance, url):
    return LambdaFunction.objects.create(instance=instance, arn=ARN, url=url)


def test_lambda_answer_becomes_external_values(publish, start, instance, endpoint):
    mapped(instance, f"{endpoint}/ok")
    contact = start(lambda_flow(publish), attributes={"customer": "C-42"})
    assert contact.attributes["tier"] == "gold"
    assert contact.attributes["score"] == "9"


def test_lambda_receives_the_contacts_data_and_parameters(publish, start, instance, endpoint):
    mapped(instance, f"{endpoint}/ok")
    contact = start(lambda_flow(publish), attributes={"customer": "C-42"})
    event = Endpoint.received[0]
    assert event["Name"] == "ContactFlowEvent"
    assert event["Details"]["Parameters"] == {"customer": "C-42"}
    assert event["Details"]["ContactData"]["ContactId"] == contact.id
    assert event["Details"]["ContactData"]["Channel"] == "TASK"
    assert event["Details"]["ContactData"]["Attributes"]["customer"] == "C-42"


def test_lambda_json_response_allows_nested_values(publish, start, instance, endpoint):
    mapped(instance, f"{endpoint}/nested")
    flow = publish([
        action("lookup", "InvokeLambdaFunction", {
            "LambdaFunctionARN": ARN, "InvocationTimeLimitSeconds": "3",
            "ResponseValidation": {"ResponseType": "JSON"},
        }, next_action="store", errors={"NoMatchingError": "hang up"}),
        action("store", "UpdateContactAttributes", {"Attributes": {"tier": "$.External.customer.tier"}},
               next_action="hang up"),
    ])
    assert start(flow).attributes["tier"] == "gold"


def test_lambda_nested_answer_under_string_map_takes_the_error_branch(publish, start, instance, endpoint):
    mapped(instance, f"{endpoint}/nested")
    assert start(lambda_flow(publish)).attributes["tier"] == "unknown"


def test_lambda_server_error_takes_the_error_branch(publish, start, instance, endpoint):
    mapped(instance, f"{endpoint}/error")
    assert start(lambda_flow(publish)).attributes["tier"] == "unknown"


def test_lambda_that_has_not_answered_when_its_time_limit_ends_takes_the_error_branch(
    publish, start, instance, endpoint
):
    mapped(instance, f"{endpoint}/slow")
    contact = start(lambda_flow(publish, timeout="1"))
    # The endpoint had the request and was still holding its answer when the flow moved on.
    assert len(Endpoint.received) == 1 and not Endpoint.release.is_set()
    assert contact.attributes["tier"] == "unknown"


def test_lambda_answer_given_while_the_flow_still_waits_is_used(publish, start, instance, endpoint):
    mapped(instance, f"{endpoint}/slow")
    # Released only once the request has arrived, so the flow is waiting when the answer comes.
    threading.Thread(target=_release_once_received, daemon=True).start()
    contact = start(lambda_flow(publish, timeout="8"))
    assert contact.attributes["tier"] == "late"


def _release_once_received():
    while not Endpoint.received:
        threading.Event().wait(0.01)
    Endpoint.release.set()


@pytest.mark.parametrize("seconds", ["1", "8"])
def test_lambda_time_limit_from_one_to_eight_seconds_publishes(publish, seconds):
    assert lambda_flow(publish, timeout=seconds).status == "PUBLISHED"


@pytest.mark.parametrize("seconds", ["0", "9"])
def test_lambda_time_limit_just_outside_one_to_eight_seconds_is_refused_at_publish(publish, seconds):
    from ccp.errors import InvalidFlow

    with pytest.raises(InvalidFlow) as refused:
        lambda_flow(publish, timeout=seconds)
    assert refused.value.problems[0]["action"] == "lookup"


def test_lambda_answer_that_is_not_json_takes_the_error_branch(publish, start, instance, endpoint):
    mapped(instance, f"{endpoint}/text")
    assert start(lambda_flow(publish)).attributes["tier"] == "unknown"


def test_lambda_with_no_endpoint_mapped_takes_the_error_branch(publish, start):
    assert start(lambda_flow(publish)).attributes["tier"] == "unknown"


def test_lambda_endpoint_that_refuses_connections_takes_the_error_branch(publish, start, instance):
    mapped(instance, "http://127.0.0.1:9/")
    assert start(lambda_flow(publish)).attributes["tier"] == "unknown"


def test_lambda_time_limit_over_eight_seconds_is_refused_at_publish(publish):
    from ccp.errors import InvalidFlow

    with pytest.raises(InvalidFlow) as refused:
        lambda_flow(publish, timeout="30")
    assert refused.value.problems[0]["action"] == "lookup"
