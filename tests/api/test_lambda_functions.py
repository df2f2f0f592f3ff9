"""AssociateLambdaFunction, DisassociateLambdaFunction and ListLambdaFunctions through boto3: the ARNs of the
instance only, paged; a bad ARN, a second association, an unknown ARN and a function a published flow calls
are refused with AWS errors, and nothing is written."""

import json

import pytest
from botocore.exceptions import ClientError

from ccp.models import AuditEntry, ContactFlow, LambdaFunction
from ccp.services.configuration.flows import flow_create

pytestmark = pytest.mark.django_db(transaction=True)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:crm-{}"


def error_code(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_associated_functions_are_listed_in_pages(connect, instance, key):
    for n in range(5):
        connect.associate_lambda_function(InstanceId=instance.id, FunctionArn=ARN.format(n))
    first = connect.list_lambda_functions(InstanceId=instance.id, MaxResults=2)
    assert first["LambdaFunctions"] == [ARN.format(0), ARN.format(1)]
    seen = list(first["LambdaFunctions"])
    token = first.get("NextToken")
    while token:
        page = connect.list_lambda_functions(InstanceId=instance.id, MaxResults=2, NextToken=token)
        seen += page["LambdaFunctions"]
        token = page.get("NextToken")
    assert seen == [ARN.format(n) for n in range(5)]
    assert LambdaFunction.objects.get(arn=ARN.format(0)).url == ""  # no endpoint until an admin gives one
    entry = AuditEntry.objects.filter(resource_type="lambda_function").first()
    assert entry.actor_label == f"API key {key[0].access_key_id}"


def test_a_bad_arn_and_a_second_association_are_refused(connect, instance):
    code, message = error_code(lambda: connect.associate_lambda_function(InstanceId=instance.id, FunctionArn="crm"))
    assert code == "InvalidParameterException" and "arn:aws:lambda" in message
    connect.associate_lambda_function(InstanceId=instance.id, FunctionArn=ARN.format(1))
    code, _ = error_code(lambda: connect.associate_lambda_function(InstanceId=instance.id, FunctionArn=ARN.format(1)))
    assert code == "ResourceConflictException"
    assert LambdaFunction.objects.count() == 1


def test_disassociating_removes_the_function_unless_a_published_flow_calls_it(connect, instance):
    connect.associate_lambda_function(InstanceId=instance.id, FunctionArn=ARN.format(1))
    content = json.dumps(
        {
            "Version": "2019-10-30",
            "StartAction": "lookup",
            "Actions": [
                {
                    "Identifier": "lookup",
                    "Type": "InvokeLambdaFunction",
                    "Parameters": {"LambdaFunctionARN": ARN.format(1), "InvocationTimeLimitSeconds": "3"},
                    "Transitions": {
                        "NextAction": "end",
                        "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}],
                    },
                },
                {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
            ],
        }
    )
    flow = flow_create(instance=instance, name="CRM lookup flow", type="CONTACT_FLOW", content=content)
    code, message = error_code(
        lambda: connect.disassociate_lambda_function(InstanceId=instance.id, FunctionArn=ARN.format(1))
    )
    assert code == "InvalidRequestException" and "CRM lookup flow" in message
    ContactFlow.objects.filter(pk=flow.pk).delete()
    connect.disassociate_lambda_function(InstanceId=instance.id, FunctionArn=ARN.format(1))
    assert connect.list_lambda_functions(InstanceId=instance.id)["LambdaFunctions"] == []


def test_an_unknown_arn_and_another_instances_function_are_not_found(connect, instance, outsider):
    LambdaFunction.objects.create(instance=outsider["instance"], arn=ARN.format(9), url="https://x.example.com")
    code, _ = error_code(
        lambda: connect.disassociate_lambda_function(InstanceId=instance.id, FunctionArn=ARN.format(9))
    )
    assert code == "ResourceNotFoundException"
    assert connect.list_lambda_functions(InstanceId=instance.id)["LambdaFunctions"] == []
    assert LambdaFunction.objects.filter(instance=outsider["instance"]).count() == 1
