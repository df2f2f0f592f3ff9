"""SigV4 on every request: wrong secrets, unknown or revoked keys, another instance's key, tampered
bodies and headers, and clocks more than 5 minutes off are refused with 403 and write nothing."""

import datetime as dt
import io
import json
import time
from unittest import mock

import pytest
import urllib3
from django.core.management import call_command
from django.test import override_settings

from ccp.api import sigv4
from ccp.models import ApiKey
from ccp.services.api_keys import api_key_create, api_key_revoke, api_key_secret
from tests.api.wire import client_for, expect_error, send, signed_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def body(instance, task_flow):
    return json.dumps({"InstanceId": instance.id, "ContactFlowId": task_flow.id, "Name": "Signed"}).encode()


@pytest.fixture
def put_task(live_server, key, body):
    api_key, secret = key
    return signed_request(
        live_server.url,
        method="PUT",
        path="/contact/task",
        body=body,
        access_key_id=api_key.access_key_id,
        secret=secret,
    )


def start_with(client, instance, task_flow):
    return lambda: client.start_task_contact(InstanceId=instance.id, ContactFlowId=task_flow.id, Name="x")


def test_a_correctly_signed_hand_made_request_is_accepted(put_task):
    status, error, payload = send(put_task)
    assert (status, error) == (200, "") and payload["ContactId"]


def test_a_wrong_secret_is_an_invalid_signature(live_server, key, instance, task_flow, nothing_written):
    client = client_for(live_server.url, key[0].access_key_id, "not-the-secret")
    expect_error(start_with(client, instance, task_flow), "InvalidSignatureException", 403)
    nothing_written()


def test_an_unknown_key_is_unrecognized(live_server, instance, task_flow, nothing_written):
    client = client_for(live_server.url, "AKIANOSUCHKEY0000000", "whatever")
    expect_error(start_with(client, instance, task_flow), "UnrecognizedClientException", 403)
    nothing_written()


def test_a_revoked_key_is_unrecognized(connect, key, instance, task_flow, nothing_written):
    api_key_revoke(api_key=key[0])
    expect_error(start_with(connect, instance, task_flow), "UnrecognizedClientException", 403)
    nothing_written()


def test_a_key_used_for_another_instance_is_access_denied(live_server, outsider, instance, task_flow, nothing_written):
    client = client_for(live_server.url, outsider["key"].access_key_id, outsider["secret"])
    expect_error(start_with(client, instance, task_flow), "AccessDeniedException", 403)
    expect_error(lambda: client.describe_contact(InstanceId=instance.id, ContactId="x"), "AccessDeniedException", 403)
    nothing_written()


def test_a_tampered_body_is_an_invalid_signature(put_task, body, nothing_written):
    status, error, _ = send(put_task, body=body.replace(b'"Signed"', b'"Forged"'))
    assert (status, error) == (403, "InvalidSignatureException")
    nothing_written()


def test_a_tampered_signed_header_is_an_invalid_signature(put_task, nothing_written):
    status, error, _ = send(put_task, headers={"Content-Type": "text/plain"})
    assert (status, error) == (403, "InvalidSignatureException")
    nothing_written()


def test_a_tampered_signature_is_an_invalid_signature(put_task, nothing_written):
    authz = put_task.headers["Authorization"]
    forged = authz[:-1] + ("0" if authz[-1] != "0" else "1")
    status, error, _ = send(put_task, headers={"Authorization": forged})
    assert (status, error) == (403, "InvalidSignatureException")
    nothing_written()


def test_a_request_path_moved_to_another_operation_is_an_invalid_signature(put_task, nothing_written):
    status, error, _ = send(put_task, path="/contact/stop")
    assert (status, error) == (403, "InvalidSignatureException")
    nothing_written()


@pytest.fixture
def clocks(monkeypatch):
    """The server's clock stopped on a whole second; `client_off(seconds)` signs as a client whose clock
    is that far from it."""
    server = float(int(time.time()))
    monkeypatch.setattr(sigv4, "server_now", lambda: server)

    def client_off(seconds: int):
        moment = dt.datetime.fromtimestamp(server + seconds, dt.UTC).replace(tzinfo=None)
        return mock.patch("botocore.auth.get_current_datetime", return_value=moment)

    return client_off


@pytest.mark.parametrize("seconds", [-300, 300])
def test_a_clock_exactly_five_minutes_off_is_accepted(connect, instance, task_flow, clocks, seconds):
    with clocks(seconds):
        assert start_with(connect, instance, task_flow)()["ContactId"]


@pytest.mark.parametrize("seconds", [-301, 301])
def test_a_clock_one_second_more_than_five_minutes_off_is_refused(
    connect, instance, task_flow, nothing_written, clocks, seconds
):
    with clocks(seconds):
        message = expect_error(start_with(connect, instance, task_flow), "InvalidSignatureException", 403)
    assert "expired" in message.lower() and "300 seconds" in message
    nothing_written()


def test_a_request_with_an_amz_date_but_no_signature_is_refused(put_task, nothing_written):
    headers = {k: v for k, v in put_task.headers.items() if k.lower() != "authorization"}
    put_task.headers = headers
    status, error, _ = send(put_task)
    assert (status, error) == (403, "MissingAuthenticationTokenException")
    nothing_written()


def test_an_unsigned_request_goes_to_the_web_app(live_server):
    response = urllib3.PoolManager().request("GET", live_server.url + "/contact/task", retries=False)
    assert "x-amzn-ErrorType" not in response.headers and response.status != 403


def test_secrets_are_stored_encrypted_and_read_back(instance):
    api_key, secret = api_key_create(instance=instance, name="ci")
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert secret not in stored.secret_encrypted
    assert api_key_secret(stored) == secret
    assert len(api_key.access_key_id) == 20 and api_key.access_key_id.startswith("AKIA")


def test_a_configured_encryption_key_is_used_instead_of_the_derived_one(instance):
    from cryptography.fernet import Fernet

    configured = Fernet.generate_key().decode()
    with override_settings(API_KEY_ENCRYPTION_KEY=configured):
        api_key, secret = api_key_create(instance=instance)
    assert Fernet(configured.encode()).decrypt(api_key.secret_encrypted.encode()).decode() == secret


def test_the_create_api_key_command_prints_a_key_that_signs(live_server, instance, task_flow):
    out = io.StringIO()
    call_command("create_api_key", "--instance", instance.id, stdout=out)
    values = dict(line.split("=", 1) for line in out.getvalue().split())
    client = client_for(live_server.url, values["aws_access_key_id"], values["aws_secret_access_key"])
    assert start_with(client, instance, task_flow)()["ContactId"]


def test_the_ping_answers_an_empty_object_when_signed(live_server, key):
    request = signed_request(
        live_server.url, method="GET", path="/api-ping", access_key_id=key[0].access_key_id, secret=key[1]
    )
    assert send(request)[:2] == (200, "")
