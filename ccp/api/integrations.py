"""Handlers for the Lambda function associations: AssociateLambdaFunction, DisassociateLambdaFunction,
ListLambdaFunctions. An ARN associated here has no endpoint until an admin gives its URL on the console's
Integrations page (a flow calling it meanwhile takes its error branch)."""

from ccp.api.paging import page
from ccp.errors import InvalidRequest, ResourceConflict, ResourceInUse
from ccp.models import LambdaFunction
from ccp.services.integrations import arn_check, lambda_function_associate, lambda_function_disassociate


def associate_lambda_function(*, instance, params) -> dict:
    """AssociateLambdaFunction: PUT /instance/{InstanceId}/lambda-function."""
    arn = arn_check(params["FunctionArn"], field="FunctionArn")
    if LambdaFunction.objects.filter(instance=instance, arn=arn).exists():
        raise ResourceConflict(f"Lambda function {arn!r} is already associated with this instance.")
    lambda_function_associate(instance=instance, arn=arn)
    return {}


def disassociate_lambda_function(*, instance, params) -> dict:
    """DisassociateLambdaFunction: refused while a published flow calls the function (naming the flows);
    the operation's errors have no ResourceInUseException, so it is an InvalidRequestException."""
    try:
        lambda_function_disassociate(instance=instance, arn=params["FunctionArn"])
    except ResourceInUse as refusal:
        raise InvalidRequest(refusal.message) from None
    return {}


def list_lambda_functions(*, instance, params) -> dict:
    """ListLambdaFunctions: the instance's function ARNs, 25 a page unless MaxResults says fewer."""
    functions = LambdaFunction.objects.filter(instance=instance).order_by("arn", "pk")
    rows, token = page(
        functions.values_list("arn", flat=True),
        next_token=params.get("NextToken"),
        max_results=params.get("MaxResults"),
        default=25,
    )
    return {"LambdaFunctions": list(rows), "NextToken": token}
