"""A refusal to delete something still in use reaches boto3 as Amazon Connect's ResourceInUseException."""

import botocore.session
from botocore.parsers import RestJSONParser

from ccp.api.errors import service_error_response
from ccp.errors import ResourceInUse


def test_a_resource_in_use_refusal_is_a_409_resource_in_use_exception_with_its_message():
    response = service_error_response(ResourceInUse("“Support” is still in use.", blockers=["Queue “Tasks”"]))
    model = botocore.session.get_session().get_service_model("connect").operation_model("DeleteQueue")
    headers = {name.lower(): value for name, value in response.headers.items()}
    parsed = RestJSONParser().parse(
        {"status_code": response.status_code, "headers": headers, "body": response.content}, model.output_shape
    )
    assert response.status_code == 409
    assert parsed["Error"]["Code"] == "ResourceInUseException"
    assert parsed["Error"]["Message"] == "“Support” is still in use."
