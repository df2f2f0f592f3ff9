"""The Integrations page: an admin adds an endpoint for a Lambda ARN and sees its signing secret once, edits it,
tests it (status, time, the answer cut and escaped, or the error in words) and deletes it unless a published
flow calls it; every change is in the audit log; other instances' endpoints are out of reach."""

import json
import re

import pytest
from django.urls import reverse

from ccp.models import AuditEntry, ContactFlow, LambdaFunction
from ccp.signing import SIGNATURE_HEADER, secret_open, signature_verify
from tests.cast import flow_publish
from tests.integrations.endpoint import Recorder

pytestmark = pytest.mark.django_db

ARN = "arn:aws:lambda:us-east-1:123456789012:function:crm-lookup"
LIST = reverse("admin_console:integration_list")
ADD = reverse("admin_console:integration_add")


def add(client, url, arn=ARN, **extra):
    return client.post(ADD, {"arn": arn, "url": url, "timeout_seconds": 3, "description": "CRM", **extra})


def shown_secret(response) -> str:
    return re.search(r'id="signing-secret">([^<]+)<', response.content.decode())[1]


def lambda_flow(instance, arn=ARN, name="Looks up the customer"):
    content = json.dumps(
        {
            "Version": "2019-10-30",
            "StartAction": "lookup",
            "Actions": [
                {
                    "Identifier": "lookup",
                    "Type": "InvokeLambdaFunction",
                    "Parameters": {"LambdaFunctionARN": arn, "InvocationTimeLimitSeconds": "3"},
                    "Transitions": {
                        "NextAction": "end",
                        "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}],
                    },
                },
                {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
            ],
        }
    )
    return flow_publish(instance, name, content)


@pytest.fixture
def admin(client, cast):
    client.force_login(cast.admin)
    return client


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(admin, cast):
    response = add(admin, "https://crm.example.com/lookup")
    secret = shown_secret(response)
    function = LambdaFunction.objects.get(instance=cast.instance)
    assert (function.arn, function.url, function.timeout_seconds) == (ARN, "https://crm.example.com/lookup", 3)
    assert secret.startswith("tcsig_") and secret not in function.signing_secret_encrypted
    assert secret_open(function.signing_secret_encrypted) == secret
    assert response["Cache-Control"] == "no-store"
    listing = admin.get(LIST).content.decode()
    assert ARN in listing and secret not in listing
    entry = AuditEntry.objects.get(resource_type="lambda_function")
    assert (entry.action, entry.actor, entry.after["url"]) == ("CREATE", cast.admin, "https://crm.example.com/lookup")
    assert secret not in json.dumps(entry.after)


def test_a_new_secret_replaces_the_old_one_and_is_shown_once(admin, cast):
    old = shown_secret(add(admin, "https://crm.example.com/lookup"))
    function = LambdaFunction.objects.get(instance=cast.instance)
    edit = reverse("admin_console:integration_edit", args=[function.pk])
    response = admin.post(
        edit,
        {
            "arn": ARN,
            "url": "https://crm.example.com/v2",
            "timeout_seconds": 8,
            "description": "CRM",
            "new_secret": "on",
        },
    )
    new = shown_secret(response)
    function.refresh_from_db()
    assert new != old and secret_open(function.signing_secret_encrypted) == new
    assert function.url == "https://crm.example.com/v2"
    entry = AuditEntry.objects.get(resource_type="lambda_function", action="UPDATE")
    assert entry.after == {"secret": "••••", "timeout_seconds": 8, "url": "https://crm.example.com/v2"}
    # Saved without asking for one: no secret page, back to the list.
    assert admin.post(edit, {"arn": ARN, "url": "https://crm.example.com/v3", "timeout_seconds": 8}).status_code == 302


@pytest.mark.parametrize(
    "arn,url,field",
    [
        ("not-an-arn", "https://crm.example.com", "arn"),
        ("arn:aws:lambda:us-east-1:12:function:x", "https://crm.example.com", "arn"),
        (ARN, "javascript:alert(1)", "url"),
        (ARN, "ftp://crm.example.com", "url"),
        (ARN, "https://user:pw@crm.example.com", "url"),
    ],
)
def test_a_bad_arn_or_url_is_refused_beside_its_field_and_nothing_is_written(admin, cast, arn, url, field):
    response = add(admin, url, arn=arn)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert not LambdaFunction.objects.exists() and not AuditEntry.objects.exists()


def test_the_same_arn_twice_is_refused(admin, cast):
    add(admin, "https://crm.example.com/a")
    response = add(admin, "https://crm.example.com/b")
    assert "already has this function ARN" in response.content.decode()
    assert LambdaFunction.objects.count() == 1


def test_test_shows_the_status_time_and_answer_and_the_call_is_signed(admin, cast, endpoint):
    secret = shown_secret(add(admin, f"{endpoint}/ok"))
    function = LambdaFunction.objects.get()
    response = admin.post(reverse("admin_console:integration_test", args=[function.pk]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Answered 200" in html and "gold" in html and "<form" not in html
    headers, body = Recorder.calls[-1]
    assert signature_verify(secret, body, headers[SIGNATURE_HEADER.lower()])
    event = json.loads(body)
    assert event["Name"] == "ContactFlowEvent" and event["Details"]["ContactData"]["Channel"] == "TASK"


def test_a_long_answer_is_cut_and_markup_is_escaped(admin, cast, endpoint):
    add(admin, f"{endpoint}/big")
    add(admin, f"{endpoint}/html", arn=ARN + "-html")
    big, html_function = LambdaFunction.objects.order_by("arn")
    page = admin.post(reverse("admin_console:integration_test", args=[big.pk])).content.decode()
    assert "cut at 2,000 characters" in page and "x" * 5000 not in page
    page = admin.post(reverse("admin_console:integration_test", args=[html_function.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_a_failing_endpoint_is_a_clear_error(admin, cast, endpoint):
    add(admin, f"{endpoint}/error")
    function = LambdaFunction.objects.get()
    page = admin.post(reverse("admin_console:integration_test", args=[function.pk])).content.decode()
    assert "The test call failed" in page and "answered with status 500" in page and "boom" not in page


def test_a_private_address_is_refused_unless_the_operator_allows_it(admin, cast, settings):
    add(admin, "http://127.0.0.1:9/x")
    settings.OUTBOUND_ALLOW_PRIVATE = False
    function = LambdaFunction.objects.get()
    page = admin.post(reverse("admin_console:integration_test", args=[function.pk])).content.decode()
    assert "private, loopback or link-local" in page


def test_an_endpoint_a_published_flow_calls_is_not_deleted_and_the_flow_is_named(admin, cast):
    add(admin, "https://crm.example.com/lookup")
    function = LambdaFunction.objects.get()
    lambda_flow(cast.instance)
    response = admin.post(reverse("admin_console:integration_delete", args=[function.pk]))
    assert response.status_code == 409 and "Looks up the customer" in response.content.decode()
    assert LambdaFunction.objects.filter(pk=function.pk).exists()
    ContactFlow.objects.filter(name="Looks up the customer").delete()
    assert admin.post(reverse("admin_console:integration_delete", args=[function.pk])).status_code == 302
    assert not LambdaFunction.objects.exists()
    assert AuditEntry.objects.filter(resource_type="lambda_function", action="DELETE").count() == 1


def test_the_empty_page_says_what_integrations_are_for(admin, cast):
    assert "No integrations yet" in admin.get(LIST).content.decode()


def test_another_instances_endpoint_is_not_found_and_supervisors_are_refused(client, cast):
    theirs = LambdaFunction.objects.create(instance=cast.outsider.instance, arn=ARN, url="https://x.example.com")
    client.force_login(cast.admin)
    for name in ("integration_edit", "integration_delete"):
        assert client.get(reverse(f"admin_console:{name}", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("admin_console:integration_test", args=[theirs.pk])).status_code == 404
    assert ARN not in client.get(LIST).content.decode()
    client.force_login(cast.supervisor)
    assert client.get(LIST).status_code == 403
