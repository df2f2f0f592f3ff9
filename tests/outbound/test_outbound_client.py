"""The guarded outbound client (ccp.outbound) against real local HTTP servers: schemes, redirects, private
addresses, the answer's size cap, one deadline for the whole call, and error text that keeps the endpoint's
answer to itself."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ccp.outbound import OutboundError, address_allowed, outbound_post

SECRET = b"Traceback at db-internal.corp 10.0.0.5: password=hunter2"
CAP = 1_000


class Endpoint(BaseHTTPRequestHandler):
    """Answers by path; records each path it was asked for."""

    paths: list[str] = []

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Endpoint.paths.append(self.path)
        if self.path == "/ok":
            self._answer(200, b'{"ok": true}')
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://example.com/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/error":
            self._answer(500, SECRET)
        elif self.path == "/exactly-the-cap":
            self._answer(200, b"x" * CAP)
        elif self.path == "/one-byte-over":
            self._answer(200, b"x" * (CAP + 1))
        elif self.path == "/over-without-length":
            # No Content-Length: the client only finds out by reading.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"x" * (CAP * 5))
        elif self.path == "/trickle":
            # Fifty bytes, one every 0.1 s: each read is quick, the whole answer takes five seconds.
            self.send_response(200)
            self.send_header("Content-Length", "50")
            self.end_headers()
            for _ in range(50):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)

    def _answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Endpoint.paths = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def private_allowed(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True


def refusal(url, **kwargs) -> OutboundError:
    kwargs.setdefault("timeout", 5)
    kwargs.setdefault("max_bytes", CAP)
    with pytest.raises(OutboundError) as refused:
        outbound_post(url, b"{}", **kwargs)
    return refused.value


def test_an_allowed_endpoint_gives_its_status_and_answer(endpoint, private_allowed):
    answer = outbound_post(f"{endpoint}/ok", b"{}", timeout=5)
    assert (answer.status, answer.body) == (200, b'{"ok": true}')


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://example.com/", "example.com"])
def test_only_http_and_https_urls_are_called(url):
    assert refusal(url).reason == "refused-url"


def test_a_url_carrying_credentials_is_refused(endpoint, private_allowed):
    assert refusal(endpoint.replace("http://", "http://user:pw@") + "/ok").reason == "refused-url"
    assert Endpoint.paths == []


def test_a_loopback_endpoint_is_refused_unless_the_operator_allows_private_addresses(endpoint):
    refused = refusal(f"{endpoint}/ok")
    assert refused.reason == "refused-address"
    assert Endpoint.paths == [], "the request never left"
    assert "127.0.0.1" not in refused.message


def test_a_host_name_that_resolves_to_loopback_is_refused(endpoint):
    assert refusal(endpoint.replace("127.0.0.1", "localhost") + "/ok").reason == "refused-address"
    assert Endpoint.paths == []


def test_the_operator_setting_lets_a_loopback_endpoint_be_called(endpoint, private_allowed):
    outbound_post(f"{endpoint}/ok", b"{}", timeout=5)
    assert Endpoint.paths == ["/ok"]


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.1",
     "100.64.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "240.0.0.1"],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(address, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    assert address_allowed(address)


@pytest.mark.parametrize("address", ["0.0.0.0", "224.0.0.1", "::"])
def test_unspecified_and_multicast_addresses_stay_refused_even_when_private_ones_are_allowed(address):
    assert not address_allowed(address, allow_private=True)


def test_a_redirect_is_not_followed(endpoint, private_allowed):
    refused = refusal(f"{endpoint}/redirect")
    assert (refused.reason, refused.status) == ("status", 302)
    assert Endpoint.paths == ["/redirect"]
    assert "example.com" not in refused.message


def test_an_answer_at_the_cap_is_read_and_one_byte_over_is_refused(endpoint, private_allowed):
    assert len(outbound_post(f"{endpoint}/exactly-the-cap", b"{}", timeout=5, max_bytes=CAP).body) == CAP
    assert refusal(f"{endpoint}/one-byte-over").reason == "too-large"


def test_an_answer_over_the_cap_without_a_length_is_cut_off_while_reading(endpoint, private_allowed):
    assert refusal(f"{endpoint}/over-without-length").reason == "too-large"


def test_a_server_that_trickles_its_answer_is_cut_off_at_the_total_deadline(endpoint, private_allowed):
    # Every single read gets a byte within 0.1 s, so a per-read timeout would wait the whole five seconds.
    refused = refusal(f"{endpoint}/trickle", timeout=1)
    assert refused.reason == "timeout"
    assert refused.message == "The endpoint did not answer within 1 seconds."


def test_an_answer_that_completes_after_the_deadline_on_the_clock_is_too_late(endpoint, private_allowed):
    ticks = iter([0.0, 0.1, 0.2, 0.3])

    def clock():
        return next(ticks, 100.0)  # after a few steps the call's clock reads far past its 5 s deadline

    assert refusal(f"{endpoint}/ok", clock=clock).reason == "timeout"


def test_an_error_status_is_reported_without_the_endpoints_answer(endpoint, private_allowed):
    refused = refusal(f"{endpoint}/error")
    assert refused.message == "The endpoint answered with status 500."
    for leaked in (b"Traceback", b"10.0.0.5", b"hunter2", b"db-internal"):
        assert leaked.decode() not in refused.message


def test_a_closed_port_is_reported_without_its_address(private_allowed):
    refused = refusal("http://127.0.0.1:9/")
    assert refused.reason == "unreachable"
    assert "127.0.0.1" not in refused.message
