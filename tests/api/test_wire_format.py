"""The REST-JSON wire format: malformed bodies are 400s, unknown fields are ignored, unknown operations
are named, wrong types are InvalidParameterException, and errors carry message and Message."""

import json

import pytest

from ccp.models import Contact
from tests.api.wire import send, signed_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signed(live_server, key):
    api_key, secret = key

    def make(method, path, body=b"", query=""):
        request = signed_request(
            live_server.url,
            method=method,
            path=path,
            body=body,
            query=query,
            access_key_id=api_key.access_key_id,
            secret=secret,
        )
        return send(request)

    return make


def test_malformed_json_is_a_400_not_a_500(signed, nothing_written):
    status, error, payload = signed("PUT", "/contact/task", b'{"Name": "x",')
    assert (status, error) == (400, "SerializationException")
    assert payload["message"] == payload["Message"]
    nothing_written()


def test_a_json_array_body_is_a_400(signed, nothing_written):
    assert signed("PUT", "/contact/task", b"[1, 2]")[:2] == (400, "SerializationException")
    nothing_written()


def test_unknown_fields_are_ignored(signed, instance, task_flow):
    body = {"InstanceId": instance.id, "ContactFlowId": task_flow.id, "Name": "x", "NotAField": {"deep": [1]}}
    status, _, payload = signed("PUT", "/contact/task", json.dumps(body).encode())
    assert status == 200 and Contact.objects.filter(pk=payload["ContactId"]).exists()


def test_a_wrong_type_is_an_invalid_parameter(signed, instance, task_flow, nothing_written):
    body = {"InstanceId": instance.id, "ContactFlowId": task_flow.id, "Name": 12}
    status, error, payload = signed("PUT", "/contact/task", json.dumps(body).encode())
    assert (status, error) == (400, "InvalidParameterException") and "Name" in payload["message"]
    nothing_written()


def test_a_lone_surrogate_or_nul_in_a_string_is_an_invalid_parameter(signed, instance, task_flow, nothing_written):
    for name in ('"\\ud800"', '"a\\u0000b"'):
        body = f'{{"InstanceId": "{instance.id}", "ContactFlowId": "{task_flow.id}", "Name": {name}}}'
        assert signed("PUT", "/contact/task", body.encode())[:2] == (400, "InvalidParameterException")
    nothing_written()


def test_a_connect_operation_this_server_does_not_implement_is_named(signed, instance):
    status, error, payload = signed("GET", f"/vocabulary/{instance.id}/some-vocabulary")
    assert (status, error) == (400, "UnknownOperationException") and "DescribeVocabulary" in payload["message"]


def test_a_garbage_query_value_for_a_number_is_an_invalid_parameter(signed, instance):
    status, error, _ = signed("GET", f"/queues-summary/{instance.id}", query="maxResults=lots")
    assert (status, error) == (400, "InvalidParameterException")


def test_responses_carry_a_request_id(live_server, key):
    request = signed_request(
        live_server.url, method="GET", path="/api-ping", access_key_id=key[0].access_key_id, secret=key[1]
    )
    import urllib3

    response = urllib3.PoolManager().request("GET", request.url, headers=dict(request.headers.items()))
    assert response.status == 200 and response.headers["x-amzn-RequestId"]
