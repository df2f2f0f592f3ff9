"""Thousands of generated bad requests: never a 500, never a row written.

Each property sends API_FUZZ_EXAMPLES requests (default 250) through the live server, signed with
botocore's signer. Raise it for a longer hunt: API_FUZZ_EXAMPLES=5000 pytest tests/api/test_properties.py
"""

import json
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.wire import counts, send, signed_request

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "250"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
ids = st.text(min_size=0, max_size=120)


@pytest.fixture
def fire(live_server, key, instance):
    """Send a signed request; returns (status, error type)."""
    api_key, secret = key
    instance.api_rate_per_second = instance.api_burst = 100_000
    instance.save()

    def call(method: str, path: str, body: bytes):
        request = signed_request(
            live_server.url, method=method, path=path, body=body, access_key_id=api_key.access_key_id, secret=secret
        )
        status, error, _ = send(request)
        return status, error

    return call


@FUZZ
@given(data=st.data())
def test_random_start_task_bodies_are_refused_without_a_500_or_a_write(fire, instance, data):
    before = counts()
    body = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "InstanceId": st.just(instance.id) | ids,
                "Name": json_values,
                "Description": json_values,
                "Attributes": json_values,
                "References": json_values,
                "ContactFlowId": ids | json_values,
                "QuickConnectId": ids,
                "TaskTemplateId": ids,
                "PreviousContactId": ids,
                "RelatedContactId": ids,
                "ScheduledTime": json_values,
                "ClientToken": json_values,
            },
        )
    )
    status, error = fire("PUT", "/contact/task", json.dumps(body).encode())
    assert 400 <= status < 500 and status != 403, (status, error, body)
    assert counts() == before


def _mutations(task_flow_id):
    now = int(time.time())
    bad_key = st.text(min_size=1, max_size=10).filter(
        lambda k: any(not (c.isascii() and (c.isalnum() or c in "-_")) for c in k)
    )
    ref = lambda t, v: {"r": {"Type": t, "Value": v}}  # noqa: E731
    return st.one_of(
        st.builds(lambda n: {"Name": n}, st.text(min_size=513, max_size=600) | st.just("   ") | st.integers()),
        st.builds(lambda d: {"Description": d}, st.text(min_size=4097, max_size=4200)),
        st.builds(lambda k: {"Attributes": {k: "v"}}, bad_key),
        st.builds(lambda n: {"Attributes": {"k": "é" * n}}, st.integers(16384, 17000)),
        st.builds(lambda t: {"References": ref(t, "x")}, st.sampled_from(["ATTACHMENT", "url", "FILE", ""])),
        st.builds(
            lambda v: {"References": ref("NUMBER", v)},
            st.text(max_size=10).filter(lambda v: not v.strip().lstrip("-").replace(".", "", 1).isdigit()),
        ),
        st.builds(lambda v: {"References": ref("URL", v)}, st.sampled_from(["javascript:x", "ftp://a", "", "//a"])),
        st.builds(lambda s: {"ScheduledTime": now - s}, st.integers(60, 10**9)),
        st.builds(lambda s: {"ScheduledTime": now + 6 * 86400 + s}, st.integers(120, 10**8)),
        st.builds(lambda a, b: {"PreviousContactId": a or "x", "RelatedContactId": b or "y"}, ids, ids),
        st.builds(lambda q: {"QuickConnectId": q or "q"}, ids),
        st.builds(lambda t: {"ClientToken": t}, st.text(min_size=501, max_size=600)),
        st.just({"ContactFlowId": None}),
    )


@FUZZ
@given(data=st.data())
def test_a_valid_task_with_one_broken_field_is_refused_without_a_write(fire, instance, task_flow, data):
    before = counts()
    change = data.draw(_mutations(task_flow.id))
    body = {"InstanceId": instance.id, "ContactFlowId": task_flow.id, "Name": "Call back", **change}
    body = {k: v for k, v in body.items() if v is not None}
    status, error = fire("PUT", "/contact/task", json.dumps(body).encode())
    assert status in (400, 402, 404), (status, error, change)
    assert counts() == before


CONTACT_OPERATIONS = [
    ("PUT", "/contact/task"),
    ("POST", "/contact/stop"),
    ("POST", "/contact/attributes"),
    ("POST", "/contact/schedule"),
    ("POST", "/contact/transfer"),
    ("POST", "/search-contacts"),
    ("POST", "/contacts/{instance}/{contact}"),
    ("POST", "/contacts/{instance}/{contact}/routing-data"),
    ("GET", "/contacts/{instance}/{contact}"),
]


@FUZZ
@given(data=st.data())
def test_garbage_bodies_to_contact_operations_never_500_and_never_write(fire, instance, data):
    before = counts()
    method, template = data.draw(st.sampled_from(CONTACT_OPERATIONS))
    contact_id = data.draw(st.text(alphabet="abcdef0123456789-", min_size=1, max_size=40))
    path = template.format(instance=instance.id, contact=contact_id)
    raw = data.draw(
        st.binary(max_size=200)
        | st.builds(
            lambda d: json.dumps(d).encode(),
            st.dictionaries(
                st.sampled_from(
                    [
                        "InstanceId",
                        "ContactId",
                        "InitialContactId",
                        "Attributes",
                        "ScheduledTime",
                        "TimeRange",
                        "SearchCriteria",
                        "QueuePriority",
                        "QueueTimeAdjustmentSeconds",
                        "Name",
                        "References",
                        "MaxResults",
                        "NextToken",
                        "Sort",
                    ]
                ),
                json_values | st.just(instance.id),
                max_size=6,
            ),
        )
        | st.sampled_from([b'{"Name": "\\ud800"}', b'{"InstanceId": "\\u0000"}', b"1e999", b'{"a":' * 50])
    )
    status, error = fire(method, path, raw)
    assert status != 500 and status < 500, (status, error, method, path, raw[:200])
    assert counts() == before


@FUZZ
@given(data=st.data())
def test_any_tampering_with_a_valid_signed_request_is_refused_without_a_write(
    live_server, key, instance, task_flow, data
):
    api_key, secret = key
    before = counts()
    body = json.dumps({"InstanceId": instance.id, "ContactFlowId": task_flow.id, "Name": "Signed"}).encode()
    request = signed_request(
        live_server.url,
        method="PUT",
        path="/contact/task",
        body=body,
        access_key_id=api_key.access_key_id,
        secret=secret,
    )
    how = data.draw(st.sampled_from(["body", "signature", "date", "content-type", "key", "secret"]))
    new_body, headers = None, {}
    if how == "body":
        i = data.draw(st.integers(0, len(body) - 1))
        new_body = body[:i] + bytes([(body[i] + data.draw(st.integers(1, 255))) % 256]) + body[i + 1 :]
    elif how == "signature":
        authz = request.headers["Authorization"]
        i = data.draw(st.integers(len(authz) - 64, len(authz) - 1))
        flipped = format((int(authz[i], 16) + data.draw(st.integers(1, 15))) % 16, "x")
        headers["Authorization"] = authz[:i] + flipped + authz[i + 1 :]
    elif how == "date":
        stamp = request.headers["X-Amz-Date"]
        shifted = time.strftime(
            "%Y%m%dT%H%M%SZ",
            time.gmtime(
                time.mktime(time.strptime(stamp, "%Y%m%dT%H%M%SZ")) - time.timezone + data.draw(st.integers(1, 200))
            ),
        )
        headers["X-Amz-Date"] = shifted
    elif how == "content-type":
        headers["Content-Type"] = data.draw(st.sampled_from(["text/plain", "application/json; charset=latin-1", "x"]))
    elif how == "key":
        headers["Authorization"] = request.headers["Authorization"].replace(api_key.access_key_id, "AKIA" + "Z" * 16)
    else:
        request = signed_request(
            live_server.url,
            method="PUT",
            path="/contact/task",
            body=body,
            access_key_id=api_key.access_key_id,
            # HMAC pads its key with zero bytes, so a secret plus trailing NULs signs the same: not a tampering.
            secret=secret + data.draw(st.text(min_size=1, max_size=5).filter(lambda extra: extra.rstrip("\x00"))),
        )
    status, error, _ = send(request, body=new_body, headers=headers)
    assert status == 403, (how, status, error)
    assert counts() == before
