"""The agent whisper flow (Set whisper flow: the AgentWhisper event hook) runs when an agent accepts the task: it
sets attributes, invokes an endpoint after the accepting transaction commits, and leaves the agent a message on
the task's tile; it cannot queue, wait or disconnect the task."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ccp.models import ContactEvent, ContactState, FlowType, LambdaFunction
from ccp.services.configuration.flows import flow_create
from ccp.services.offers import contact_accept
from tests.flows.conftest import action, document

pytestmark = pytest.mark.django_db(transaction=True)
HX = {"HTTP_HX_REQUEST": "true"}
ARN = "arn:aws:lambda:us-east-1:123456789012:function:tier-lookup"


class TierEndpoint(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802
        TierEndpoint.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        body = json.dumps({"tier": "gold", "message": "VIP customer: tier gold"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint(settings, cast):
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the endpoint listens on 127.0.0.1
    server = ThreadingHTTPServer(("127.0.0.1", 0), TierEndpoint)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    TierEndpoint.received = []
    LambdaFunction.objects.create(
        instance=cast.instance, arn=ARN, url=f"http://127.0.0.1:{server.server_address[1]}/tier"
    )
    yield
    server.shutdown()
    server.server_close()


@pytest.fixture
def publish_in(cast):
    def make(actions, *, name, type_=FlowType.CONTACT_FLOW):
        return flow_create(instance=cast.instance, name=name, type=type_, content=document(actions))

    return make


def task_with_whisper(cast, publish_in, whisper_actions):
    whisper = publish_in(whisper_actions, name="Whisper", type_=FlowType.AGENT_WHISPER)
    inbound = publish_in(
        [
            action(
                "hook", "UpdateContactEventHooks", {"EventHooks": {"AgentWhisper": whisper.id}}, next_action="target"
            ),
            action("target", "UpdateContactTargetQueue", {"QueueId": cast.queue.id}, next_action="queue"),
            action("queue", "TransferContactToQueue", next_action="end", errors={"NoMatchingError": "end"}),
            action("end", "DisconnectParticipant"),
        ],
        name="Inbound with whisper",
    )
    cast.available(cast.alice)
    task = cast.task(contact_flow=inbound)
    assert task.state == ContactState.CONNECTING and task.agent_id == cast.alice.id
    assert "whispered" not in task.attributes  # nothing runs before the agent accepts
    return task


def test_accepting_a_task_runs_its_whisper_flow_and_shows_its_message(client, cast, publish_in, endpoint):
    task = task_with_whisper(
        cast,
        publish_in,
        [
            action("mark", "UpdateContactAttributes", {"Attributes": {"whispered": "yes"}}, next_action="lookup"),
            action(
                "lookup",
                "InvokeLambdaFunction",
                {"LambdaFunctionARN": ARN, "InvocationTimeLimitSeconds": "3"},
                next_action="say",
                errors={"NoMatchingError": "say"},
            ),
            action("say", "MessageParticipant", {"Text": "$.External.message"}, next_action="done"),
            action("done", "EndFlowExecution"),
        ],
    )
    client.force_login(cast.alice)
    client.post(f"/ccp/contacts/{task.id}/accept/", **HX)
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTED  # the whisper flow ending does not end the task
    assert task.attributes["whispered"] == "yes"
    assert (
        len(TierEndpoint.received) == 1 and TierEndpoint.received[0]["Details"]["ContactData"]["ContactId"] == task.id
    )
    assert task.flow_state["whisper"] == "VIP customer: tier gold"
    assert ContactEvent.objects.filter(contact=task, event="WHISPER_FLOW").exists()
    html = client.get("/ccp/", **HX).content.decode()
    assert "VIP customer: tier gold" in html and "data-whisper" in html


def test_a_whisper_flow_cannot_queue_or_disconnect_the_task(cast, publish_in):
    task = task_with_whisper(
        cast,
        publish_in,
        [
            action("drop", "DisconnectParticipant", errors={"NoMatchingError": "requeue"}),
            action("requeue", "TransferContactToQueue", errors={"NoMatchingError": "note"}),
            action("note", "UpdateContactAttributes", {"Attributes": {"refused": "both"}}),
        ],
    )
    contact_accept(contact_id=task.id, agent=cast.alice)
    task.refresh_from_db()
    assert task.state == ContactState.CONNECTED and task.agent_id == cast.alice.id
    assert task.attributes["refused"] == "both"


def test_a_message_is_escaped_on_the_tile(client, cast, publish_in):
    task = task_with_whisper(
        cast,
        publish_in,
        [
            action("say", "MessageParticipant", {"Text": "<img src=x onerror=alert(1)>"}),
        ],
    )
    contact_accept(contact_id=task.id, agent=cast.alice)
    client.force_login(cast.alice)
    html = client.get("/ccp/", **HX).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
