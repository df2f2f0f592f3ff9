"""https through the guarded client: the connection goes to the checked address and TLS still verifies the
certificate against the URL's host."""

import datetime as dt
import ipaddress
import ssl
import threading
from http.server import ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ccp.outbound import OutboundError, outbound_post
from tests.outbound.test_outbound_client import Endpoint


def self_signed(folder):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_endpoint(tmp_path, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    cert_path, key_path = self_signed(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Endpoint.paths = []
    yield f"https://127.0.0.1:{server.server_address[1]}", cert_path
    server.shutdown()
    server.server_close()


def test_an_https_endpoint_with_a_trusted_certificate_answers(tls_endpoint, monkeypatch):
    url, cert_path = tls_endpoint
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))  # the default context trusts this one certificate
    answer = outbound_post(f"{url}/ok", b"{}", timeout=5)
    assert (answer.status, answer.body) == (200, b'{"ok": true}')


def test_an_https_endpoint_whose_certificate_is_not_trusted_is_refused(tls_endpoint, monkeypatch, tmp_path):
    url, _ = tls_endpoint
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-bundle.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    with pytest.raises(OutboundError) as refused:
        outbound_post(f"{url}/ok", b"{}", timeout=5)
    assert refused.value.reason == "unreachable"
    assert Endpoint.paths == [], "nothing was sent over an unverified connection"
