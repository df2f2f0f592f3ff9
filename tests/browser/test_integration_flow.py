"""An admin configures an integration (an HTTP endpoint standing in for a Lambda function) on the integrations
page, presses Test and reads the endpoint's answer; then a task whose flow invokes that function runs, the
endpoint receives the call signed with the secret the page showed once, and the task follows the success branch
(seen on the contact's summary)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from ccp.signing import SIGNATURE_HEADER, signature_verify
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

ARN = "arn:aws:lambda:us-east-1:123456789012:function:crm-lookup"


class CrmLookup(BaseHTTPRequestHandler):
    """The admin's service: records every call (body and signature header) and answers a customer's tier."""

    calls: list[dict] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        CrmLookup.calls.append({"body": body, "signature": self.headers.get(SIGNATURE_HEADER, "")})
        answer = json.dumps({"tier": "gold", "account": "A-17"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def crm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), CrmLookup)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    CrmLookup.calls = []
    yield f"http://127.0.0.1:{server.server_address[1]}/lookup"
    server.shutdown()
    server.server_close()



def test_an_admin_configures_an_integration_tests_it_and_a_flow_calls_it_signed(page, live, live_cast, crm):
    users, password = live_cast["users"], live_cast["password"]
    sign_in(page, live, users["admin"], password)

    page.goto(live.url + "/console/integrations/")
    page.get_by_role("link", name="Add integration").click()
    page.get_by_label("Function ARN").fill(ARN)
    page.get_by_label("Endpoint URL").fill(crm)
    page.get_by_label("Timeout (seconds)").fill("5")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Integration created")).to_be_visible()
    secret = page.locator("#signing-secret").inner_text().strip()
    assert len(secret) >= 32
    page.get_by_role("link", name="I have stored the secret").click()

    row = page.get_by_role("row").filter(has_text=ARN)
    expect(row).to_contain_text("Yes")  # signed
    row.get_by_role("button", name="Test").click()
    result = page.locator("[data-test-result]")
    expect(result).to_contain_text("Answered 200")
    expect(result).to_contain_text('"tier": "gold"')
    assert len(CrmLookup.calls) == 1
    test_call = CrmLookup.calls[0]
    assert signature_verify(secret, test_call["body"], test_call["signature"])

    task_id = live.call("lambda_flow_task", alias=live_cast["alias"], arn=ARN, name="Upgrade request")
    page.goto(f"{live.url}/console/contacts/{task_id}/")
    attributes = page.get_by_role("heading", name="Attributes").locator("..")
    expect(attributes).to_contain_text("answered")
    expect(attributes.get_by_role("row", name="Tier")).to_contain_text("gold")
    assert len(CrmLookup.calls) == 2
    flow_call = CrmLookup.calls[1]
    assert signature_verify(secret, flow_call["body"], flow_call["signature"])
    # A wrong secret does not verify: the header really is the HMAC over this body with that secret.
    assert not signature_verify("not the secret", flow_call["body"], flow_call["signature"])
    event = json.loads(flow_call["body"])
    assert event["Details"]["ContactData"]["ContactId"] == task_id
    assert live.call("contact_get", contact_id=task_id)["state"] in ("QUEUED", "CONNECTING", "CONNECTED")
