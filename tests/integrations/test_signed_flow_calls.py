"""A flow's Invoke AWS Lambda function call carries X-TaskCenter-Signature, which the endpoint verifies with the
secret the console showed; an endpoint associated through the API but never given a URL is not called."""

import json

import pytest

from ccp.models import LambdaFunction
from ccp.services.integrations import lambda_function_associate, lambda_function_create
from ccp.signing import SIGNATURE_HEADER, signature_verify
from tests.integrations.endpoint import Recorder
from tests.integrations.test_integrations_page import ARN, lambda_flow

pytestmark = pytest.mark.django_db


def test_a_flows_call_is_signed_with_the_endpoints_secret(cast, endpoint, django_capture_on_commit_callbacks):
    _function, secret = lambda_function_create(instance=cast.instance, arn=ARN, url=f"{endpoint}/ok", timeout_seconds=3)
    flow = lambda_flow(cast.instance)
    with django_capture_on_commit_callbacks(execute=True):
        contact = cast.task("Look me up", contact_flow=flow)
    headers, body = Recorder.calls[-1]
    assert signature_verify(secret, body, headers[SIGNATURE_HEADER.lower()])
    assert not signature_verify("tcsig_someone-else", body, headers[SIGNATURE_HEADER.lower()])
    assert json.loads(body)["Details"]["ContactData"]["ContactId"] == contact.pk


def test_an_arn_associated_without_an_endpoint_takes_the_error_branch_without_a_call(
    cast, endpoint, django_capture_on_commit_callbacks
):
    lambda_function_associate(instance=cast.instance, arn=ARN)
    flow = lambda_flow(cast.instance)
    with django_capture_on_commit_callbacks(execute=True):
        cast.task("Look me up", contact_flow=flow)
    assert Recorder.calls == [] and LambdaFunction.objects.get().url == ""


def test_a_secret_the_current_key_cannot_open_is_never_sent_unsigned(
    cast, endpoint, settings, caplog, django_capture_on_commit_callbacks
):
    from cryptography.fernet import Fernet

    from ccp.services.integrations import lambda_function_test

    settings.API_KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()
    function, _secret = lambda_function_create(
        instance=cast.instance, arn=ARN, url=f"{endpoint}/ok", timeout_seconds=3
    )
    settings.API_KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()  # changed, the secrets not re-encrypted
    flow = lambda_flow(cast.instance)
    with django_capture_on_commit_callbacks(execute=True):
        contact = cast.task("Look me up", contact_flow=flow)
    # The flow takes the block's error branch (and ends), the endpoint hears nothing, the log names the fix.
    contact.refresh_from_db()
    assert Recorder.calls == [] and contact.state == "ENDED"
    assert "rotate_api_key_encryption" in caplog.text
    # The console's Test button says the same instead of failing.
    tested = lambda_function_test(function=function)
    assert not tested.ok and "rotate_api_key_encryption" in tested.error and Recorder.calls == []
