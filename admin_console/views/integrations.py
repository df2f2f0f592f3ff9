"""Integrations: the endpoints that stand in for Lambda functions — list, add, edit, delete, and a Test that
calls one with a sample event and shows what it answered."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from admin_console.access import permission_required
from admin_console.forms.integrations import LambdaFunctionForm
from admin_console.views.crud import delete_response, form_error, list_response
from ccp.errors import ServiceError
from ccp.models import LambdaFunction
from ccp.services import integrations

FIELDS = ("arn", "url", "timeout_seconds", "description")


def _function(request, pk):
    return get_object_or_404(LambdaFunction, pk=pk, instance=request.user.instance)


def _secret_page(request, function, secret, *, created: bool):
    response = render(
        request, "admin_console/integration_secret.html", {"function": function, "secret": secret, "created": created}
    )
    response["Cache-Control"] = "no-store"  # the secret must not linger in a browser or proxy cache
    return response


@require_http_methods(["GET"])
@permission_required("LambdaFunctions.View")
def integration_list(request):
    functions = LambdaFunction.objects.filter(instance=request.user.instance)
    return list_response(
        request,
        functions,
        template="admin_console/integration_list.html",
        search=["arn", "url", "description"],
        sorts={"arn": "arn", "url": "url", "timeout": "timeout_seconds"},
        default_sort="arn",
    )


@require_http_methods(["GET", "POST"])
@permission_required("LambdaFunctions.Edit")
def integration_edit(request, pk=None):
    function = _function(request, pk) if pk else None
    list_url = reverse("admin_console:integration_list")
    form = LambdaFunctionForm(request.POST or None, function=function)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in FIELDS}
        try:
            if function is None:
                saved, secret = integrations.lambda_function_create(instance=request.user.instance, **data)
            else:
                saved, secret = integrations.lambda_function_update(
                    function=function, new_secret=form.cleaned_data.get("new_secret", False), **data
                )
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Integration “{saved}” {'saved' if function else 'created'}.")
            if secret is not None:
                return _secret_page(request, saved, secret, created=function is None)
            return redirect(list_url)
    context = {"form": form, "object": function, "noun": "Integration", "cancel_url": list_url}
    return render(request, "admin_console/form.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("LambdaFunctions.Edit")
def integration_delete(request, pk):
    function = _function(request, pk)
    return delete_response(
        request,
        function,
        delete=lambda: integrations.lambda_function_delete(function=function),
        noun="Integration",
        success_url=reverse("admin_console:integration_list"),
        consequences="Flows that name this ARN take their error branch from now on.",
    )


@require_POST
@permission_required("LambdaFunctions.Edit")
def integration_test(request, pk):
    """Call the endpoint with a sample event; the answer (or the error) replaces the row's result area."""
    function = _function(request, pk)
    result = integrations.lambda_function_test(function=function)
    context = {"function": function, "result": result}
    if request.htmx:
        return render(request, "admin_console/integration_list.html#test_result", context)
    return render(request, "admin_console/integration_test.html", context)
