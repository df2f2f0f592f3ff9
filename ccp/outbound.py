"""The one guarded outbound HTTP client: every call this server makes to an address a tenant typed (Lambda
endpoints now, webhooks later) goes through `outbound_post`.

A tenant's admin chooses the URL, so the call must not become a way into the operator's own network or a
way to hold a web process:

- http and https only; redirects are not followed (a 3xx is an error), so an allowed host cannot bounce
  the call somewhere else.
- The host is resolved once and every address it resolves to is checked with `ipaddress`: private,
  loopback, link-local, reserved, multicast and unspecified addresses are refused unless the operator sets
  `OUTBOUND_ALLOW_PRIVATE=true`. The connection goes to the address that was checked (TLS still verifies
  the host name), so a DNS answer that changes between the check and the connect (rebinding) is not used.
- One total deadline covers connect, send and read together, not each socket read: a server that trickles
  a byte at a time is cut off when the deadline passes (each blocking step gets only the time left, and a
  watchdog shuts the socket at the deadline).
- The answer is read up to a cap; a bigger one is refused.
- A failure is an `OutboundError` whose message is generic and safe to show a tenant or store on a contact
  ("the endpoint answered with status 500", "did not answer within 8 seconds"): never the response body,
  never a resolved address. The exception behind it goes to the log at DEBUG.

Standard library only (http.client, ssl, socket): no new dependency.
"""

import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 256 * 1024  # a webhook or function answer bigger than this is not an answer
_CHUNK = 16 * 1024


class OutboundError(Exception):
    """A call that did not give a usable answer; `message` is safe to show the tenant.

    `reason` is a short machine word: refused-url, refused-address, unreachable, timeout, status, too-large."""

    def __init__(self, message: str, *, reason: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes


def address_allowed(address: str, *, allow_private: bool | None = None) -> bool:
    """Whether a call may connect to this IP address (the operator may allow private networks)."""
    if allow_private is None:
        allow_private = settings.OUTBOUND_ALLOW_PRIVATE
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        return False  # never a server, whatever the operator allows
    if allow_private:
        return True
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or not ip.is_global)


def _resolve(host: str, port: int) -> str:
    """The one address to connect to; every address the host resolves to must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        logger.debug("outbound: resolving %s failed: %s", host, exc)
        raise OutboundError("The endpoint's host name could not be resolved.", reason="unreachable")
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise OutboundError("The endpoint's host name could not be resolved.", reason="unreachable")
    if not all(address_allowed(a) for a in addresses):
        raise OutboundError(
            "The endpoint is on a private, loopback or link-local address, which this server does not call.",
            reason="refused-address",
        )
    return addresses[0]


class _Pinned:
    """Connect to the checked address, not to whatever the host name resolves to next."""

    address: str

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTP(_Pinned, http.client.HTTPConnection):
    pass


class _PinnedHTTPS(_Pinned, http.client.HTTPSConnection):
    def connect(self):
        super().connect()
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


def _seconds(seconds: float) -> str:
    return f"{seconds:g}"


def outbound_post(
    url: str,
    body: bytes,
    *,
    timeout: float,
    headers: dict | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    clock=time.monotonic,
) -> OutboundResponse:
    """POST `body` to `url` and return a 2xx answer; anything else raises OutboundError.

    `timeout` is the whole call's deadline in seconds (resolve, connect, send, wait, read)."""
    start = clock()
    deadline = start + timeout

    def left() -> float:
        remaining = deadline - clock()
        if remaining <= 0:
            raise OutboundError(f"The endpoint did not answer within {_seconds(timeout)} seconds.", reason="timeout")
        return remaining

    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError("The endpoint's URL must start with http:// or https://.", reason="refused-url")
    if parts.username or parts.password:
        raise OutboundError("The endpoint's URL must not carry a user name or password.", reason="refused-url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutboundError("The endpoint's URL has an invalid port.", reason="refused-url")
    host = parts.hostname
    address = _resolve(host, port)
    if parts.scheme == "https":
        conn = _PinnedHTTPS(host, port, timeout=left(), context=ssl.create_default_context())
    else:
        conn = _PinnedHTTP(host, port, timeout=left())
    conn.address = address
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    # The watchdog ends a call that is still blocked when the deadline passes (a trickling server).
    watchdog = threading.Timer(left(), _shut, args=(conn,))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request("POST", path, body=body, headers={"Content-Length": str(len(body)), **(headers or {})})
        _set_timeout(conn, left())
        response = conn.getresponse()
        status = response.status
        if 300 <= status < 400:
            raise OutboundError(
                f"The endpoint answered with a redirect (status {status}), which this server does not follow.",
                reason="status",
                status=status,
            )
        if not 200 <= status < 300:
            raise OutboundError(f"The endpoint answered with status {status}.", reason="status", status=status)
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise _too_large(max_bytes)
        chunks, size = [], 0
        while True:
            _set_timeout(conn, left())
            chunk = response.read1(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            chunks.append(chunk)
        left()  # an answer finished after the deadline is still too late
        return OutboundResponse(status=status, body=b"".join(chunks))
    except OutboundError:
        raise
    except TimeoutError as exc:
        logger.debug("outbound: %s timed out: %s", host, exc)
        raise OutboundError(f"The endpoint did not answer within {_seconds(timeout)} seconds.", reason="timeout")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        logger.debug("outbound: %s failed: %s", host, exc)
        if clock() >= deadline:  # the watchdog shut the socket
            raise OutboundError(f"The endpoint did not answer within {_seconds(timeout)} seconds.", reason="timeout")
        raise OutboundError("The endpoint could not be reached or closed the connection.", reason="unreachable")
    finally:
        watchdog.cancel()
        conn.close()


def _set_timeout(conn, seconds: float) -> None:
    if conn.sock is not None:
        conn.sock.settimeout(seconds)


def _shut(conn) -> None:
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _too_large(max_bytes: int) -> OutboundError:
    return OutboundError(f"The endpoint answered more than {max_bytes:,} bytes.", reason="too-large")
