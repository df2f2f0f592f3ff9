"""Presigned URLs (SigV4 in the query string, signed by botocore's own SigV4QueryAuth): accepted for
their X-Amz-Expires (at most 7 days), refused with the header signatures' error names (403) when
tampered with, expired, not yet valid, signed by an unknown, revoked or other instance's key, or
incomplete; nothing is written."""

import datetime as dt
import json
import time
import urllib.parse
from unittest import mock

import pytest
import urllib3
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ccp.api import sigv4
from ccp.models import Contact
from ccp.services.api_keys import api_key_revoke
from tests.api.wire import REGION, counts, signed_request

pytestmark = pytest.mark.django_db(transaction=True)


def presign(url, *, access_key_id, secret, method="GET", expires=3600, signed_at=None, token=None):
    """A presigned URL made by botocore's SigV4QueryAuth, optionally as if signed at `signed_at`."""
    request = AWSRequest(method=method, url=url)
    signer = SigV4QueryAuth(Credentials(access_key_id, secret, token), "connect", REGION, expires=expires)
    if signed_at is None:
        signer.add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at.replace(tzinfo=None)):
            signer.add_auth(request)
    return request.url


def get(url, *, method="GET", body=None, headers=None):
    response = urllib3.PoolManager().request(method, url, body=body, headers=headers, retries=False)
    return response.status, response.headers.get("x-amzn-ErrorType", ""), json.loads(response.data or b"{}")


def ago(**delta):
    return dt.datetime.now(dt.UTC) - dt.timedelta(**delta)


@pytest.fixture
def contact_id(connect, instance, task_flow):
    return connect.start_task_contact(
        InstanceId=instance.id, ContactFlowId=task_flow.id, Name="Shared link", Attributes={"case": "42"}
    )["ContactId"]


@pytest.fixture
def attributes_url(live_server, instance, contact_id):
    return f"{live_server.url}/contact/attributes/{instance.id}/{contact_id}"


@pytest.fixture
def signed_by_us(key):
    api_key, secret = key
    return lambda url, **kw: presign(url, access_key_id=api_key.access_key_id, secret=secret, **kw)


def test_a_presigned_get_contact_attributes_is_answered(signed_by_us, attributes_url):
    assert get(signed_by_us(attributes_url)) == (200, "", {"Attributes": {"case": "42"}})


def test_a_presigned_describe_contact_is_answered(signed_by_us, live_server, instance, contact_id):
    status, error, body = get(signed_by_us(f"{live_server.url}/contacts/{instance.id}/{contact_id}"))
    assert (status, error) == (200, "") and body["Contact"]["Id"] == contact_id


@pytest.fixture
def server_time(monkeypatch):
    """The server's clock stopped on a whole second, so a URL can be signed exactly at a limit."""
    now = dt.datetime.fromtimestamp(int(time.time()), dt.UTC)
    monkeypatch.setattr(sigv4, "server_now", lambda: now.timestamp())
    return now


@pytest.mark.parametrize("expires", [60, 604800])
def test_a_presigned_url_is_valid_up_to_the_last_second_of_its_expiry(
    signed_by_us, attributes_url, server_time, expires
):
    # A week-old URL signed for a week: far past the 5 minutes a header signature gets.
    url = signed_by_us(attributes_url, expires=expires, signed_at=server_time - dt.timedelta(seconds=expires))
    assert get(url)[:2] == (200, "")


@pytest.mark.parametrize("expires", [60, 604800])
def test_a_presigned_url_one_second_past_its_expiry_is_refused(signed_by_us, attributes_url, server_time, expires):
    signed_at = server_time - dt.timedelta(seconds=expires + 1)
    status, error, body = get(signed_by_us(attributes_url, expires=expires, signed_at=signed_at))
    assert (status, error) == (403, "InvalidSignatureException")
    assert "Request has expired" in body["message"] and "Signature expired" in body["message"]


def test_a_presigned_url_signed_five_minutes_ahead_of_the_server_is_accepted(
    signed_by_us, attributes_url, server_time
):
    url = signed_by_us(attributes_url, signed_at=server_time + dt.timedelta(seconds=300))
    assert get(url)[:2] == (200, "")


def test_a_presigned_url_signed_a_second_more_than_five_minutes_ahead_is_refused(
    signed_by_us, attributes_url, server_time
):
    status, error, body = get(signed_by_us(attributes_url, signed_at=server_time + dt.timedelta(seconds=301)))
    assert (status, error) == (403, "InvalidSignatureException") and "not yet current" in body["message"]


def test_x_amz_expires_over_a_week_is_refused(signed_by_us, attributes_url):
    status, error, body = get(signed_by_us(attributes_url, expires=604801))
    assert (status, error) == (403, "IncompleteSignatureException") and "604800" in body["message"]


def test_a_presigned_url_for_another_contact_is_an_invalid_signature(signed_by_us, attributes_url, contact_id):
    url = signed_by_us(attributes_url).replace(contact_id, "someone-else")
    assert get(url)[:2] == (403, "InvalidSignatureException")


def test_a_tampered_signature_is_an_invalid_signature(signed_by_us, attributes_url):
    url = signed_by_us(attributes_url)
    forged = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert get(forged)[:2] == (403, "InvalidSignatureException")


def test_an_added_query_parameter_is_an_invalid_signature(signed_by_us, attributes_url):
    assert get(signed_by_us(attributes_url) + "&extra=1")[:2] == (403, "InvalidSignatureException")


def test_a_wrong_secret_is_an_invalid_signature(key, attributes_url):
    url = presign(attributes_url, access_key_id=key[0].access_key_id, secret="not-the-secret")
    assert get(url)[:2] == (403, "InvalidSignatureException")


def test_an_unknown_key_is_unrecognized(attributes_url):
    url = presign(attributes_url, access_key_id="AKIANOSUCHKEY0000000", secret="whatever")
    assert get(url)[:2] == (403, "UnrecognizedClientException")


def test_a_revoked_key_is_unrecognized(signed_by_us, key, attributes_url):
    url = signed_by_us(attributes_url)
    api_key_revoke(api_key=key[0])
    assert get(url)[:2] == (403, "UnrecognizedClientException")


def test_a_session_token_is_unrecognized_as_no_key_here_has_one(signed_by_us, attributes_url):
    assert get(signed_by_us(attributes_url, token="session-token"))[:2] == (403, "UnrecognizedClientException")


def test_another_instances_key_is_access_denied(outsider, attributes_url):
    url = presign(attributes_url, access_key_id=outsider["key"].access_key_id, secret=outsider["secret"])
    assert get(url)[:2] == (403, "AccessDeniedException")


@pytest.mark.parametrize("dropped", ["X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Credential"])
def test_a_presigned_url_missing_a_parameter_is_incomplete(signed_by_us, attributes_url, dropped):
    url = signed_by_us(attributes_url)
    base, query = url.split("?", 1)
    kept = "&".join(p for p in query.split("&") if not p.startswith(dropped + "="))
    status, error, body = get(f"{base}?{kept}")
    assert (status, error) == (403, "IncompleteSignatureException") and "X-Amz-Expires" in body["message"]


def test_a_header_signature_and_a_presigned_url_together_are_refused(live_server, key, signed_by_us, instance):
    url = signed_by_us(f"{live_server.url}/api-ping")
    header_signed = signed_request(
        live_server.url, method="GET", path="/api-ping", access_key_id=key[0].access_key_id, secret=key[1]
    )
    status, error, _ = get(url, headers=dict(header_signed.headers.items()))
    assert (status, error) == (403, "IncompleteSignatureException")


def test_a_body_sent_to_a_presigned_url_is_an_invalid_signature_and_writes_nothing(
    signed_by_us, live_server, instance, task_flow
):
    # The presigned PUT covers an empty body; a StartTaskContact body slipped in must not run.
    url = signed_by_us(f"{live_server.url}/contact/task", method="PUT")
    body = json.dumps({"InstanceId": instance.id, "ContactFlowId": task_flow.id, "Name": "Smuggled"}).encode()
    before = counts()
    status, error, _ = get(url, method="PUT", body=body, headers={"Content-Type": "application/json"})
    assert (status, error) == (403, "InvalidSignatureException")
    assert counts() == before and not Contact.objects.filter(name="Smuggled").exists()


def test_refused_presigned_writes_leave_the_contact_untouched(signed_by_us, live_server, instance, contact_id):
    url = signed_by_us(f"{live_server.url}/contact/stop", method="POST", signed_at=ago(hours=2))
    body = json.dumps({"InstanceId": instance.id, "ContactId": contact_id}).encode()
    before = counts()
    assert get(url, method="POST", body=body)[:2] == (403, "InvalidSignatureException")
    assert counts() == before and Contact.objects.get(pk=contact_id).state == "QUEUED"


def test_a_query_without_signature_parameters_still_goes_to_the_web_app(live_server):
    query = urllib.parse.urlencode({"q": "X-Amz-nothing"})
    response = urllib3.PoolManager().request("GET", f"{live_server.url}/?{query}", retries=False)
    assert "x-amzn-ErrorType" not in response.headers
