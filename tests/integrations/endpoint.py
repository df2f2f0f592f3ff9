"""A real local HTTP endpoint for integration tests: it records each call's headers and raw body and answers
by path (/ok, /big, /error, /html)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Recorder(BaseHTTPRequestHandler):
    calls: list[tuple[dict, bytes]] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
        answers = {
            "/ok": (200, json.dumps({"tier": "gold"}).encode()),
            "/big": (200, json.dumps({"blob": "x" * 5000}).encode()),
            "/error": (500, b'{"errorMessage": "boom"}'),
            "/html": (200, b"<script>alert(1)</script>"),
        }
        status, payload = answers.get(self.path, (404, b""))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def endpoint_start():
    """Start the endpoint; returns (base URL, stop function)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Recorder.calls = []

    def stop():
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}", stop
