"""Rules (Channels and flows → Rules) and third-party integrations (Settings → Integrations): admins only.

The editor writes the Function from plain fields (or takes it as JSON), saves through ccp/services/rules.py, and
shows the rule's Test panel and its history of firings."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from admin_console.access import permission_required
from admin_console.forms.rules import DYNAMIC_VALUES, IntegrationForm, RuleForm, RuleTestForm, rule_initial
from admin_console.views.crud import delete_response, form_error, list_response
from ccp.errors import ServiceError
from ccp.models import Integration, Rule, RuleFiring
from ccp.services import applications as integration_service
from ccp.services import rules as rule_service

HISTORY_PAGE = 25


def _rule(request, pk) -> Rule:
    return get_object_or_404(Rule, pk=pk, instance=request.user.instance)


@require_GET
@permission_required("Rules.View")
def rule_list(request):
    rules = Rule.objects.filter(instance=request.user.instance)
    return list_response(
        request,
        rules,
        template="admin_console/rule_list.html",
        search=["name", "event_source"],
        sorts={"name": "name", "trigger": "event_source", "status": "publish_status", "updated": "updated_at"},
        default_sort="name",
    )


@require_http_methods(["GET", "POST"])
@permission_required("Rules.Edit")
def rule_edit(request, pk=None):
    rule = _rule(request, pk) if pk else None
    tenant = request.user.instance
    if request.method == "POST":
        form = RuleForm(request.POST, tenant=tenant, rule=rule)
        if form.is_valid():
            try:
                if rule is None:
                    saved = rule_service.rule_create(instance=tenant, data=form.rule_input(), actor=request.user)
                else:
                    saved = rule_service.rule_update(rule=rule, data=form.rule_input(), actor=request.user)
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, f"Rule “{saved.name}” {'saved' if rule else 'created'}.")
                return redirect("admin_console:rule_edit", saved.pk)
    else:
        form = RuleForm(initial=rule_initial(rule) if rule else None, tenant=tenant, rule=rule)
    context = {
        "form": form,
        "object": rule,
        "dynamic_values": DYNAMIC_VALUES,
        "cancel_url": reverse("admin_console:rule_list"),
        "test_form": RuleTestForm(),
        "third_party": bool(rule and rule.integration_id),
    }
    if rule is not None:
        firings = RuleFiring.objects.filter(rule=rule).order_by("-fired_at", "-id")
        context["history"] = Paginator(firings, HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(request, "admin_console/rule_form.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("Rules.Edit")
def rule_delete(request, pk):
    rule = _rule(request, pk)
    return delete_response(
        request,
        rule,
        delete=lambda: rule_service.rule_delete(rule=rule, actor=request.user),
        noun="Rule",
        success_url=reverse("admin_console:rule_list"),
        consequences="Its history of firings goes with it; tasks it created stay.",
    )


@require_POST
@permission_required("Rules.Edit")
def rule_publish(request, pk, action):
    """Publish or unpublish (the list's and the editor's buttons)."""
    rule = _rule(request, pk)
    if action not in ("publish", "unpublish"):
        return render(request, "404.html", status=404)
    try:
        rule_service.rule_set_published(rule=rule, published=action == "publish", actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Rule “{rule.name}” published: it applies to contacts that start from now on."
            if action == "publish"
            else f"Rule “{rule.name}” is a draft again and no longer fires.",
        )
    if request.POST.get("next") == "list":
        return redirect("admin_console:rule_list")
    return redirect("admin_console:rule_edit", rule.pk)


@require_POST
@permission_required("Rules.Edit")
def rule_test(request, pk):
    """Run the saved rule against a pasted transcript or payload; shows what it would do, writes nothing."""
    rule = _rule(request, pk)
    form = RuleTestForm(request.POST)
    result, error = None, ""
    if form.is_valid():
        try:
            result = rule_service.rule_test(
                rule=rule, transcript=form.cleaned_data["transcript"], payload_text=form.cleaned_data["payload"]
            )
        except ServiceError as refused:
            error = refused.message
    else:
        error = "The transcript or payload is too long (100,000 characters at most)."
    status = 400 if error else 200
    return render(request, "admin_console/_rule_test_result.html", {"result": result, "error": error}, status=status)


# Integrations --------------------------------------------------------------------------------------------


@require_GET
@permission_required("Rules.View")
def integration_list(request):
    return list_response(
        request,
        Integration.objects.filter(instance=request.user.instance),
        template="admin_console/application_list.html",
        search=["name", "application"],
        sorts={"name": "name", "application": "application", "created": "created_at"},
        default_sort="name",
    )


@require_http_methods(["GET", "POST"])
@permission_required("Rules.Edit")
def integration_add(request):
    """Create an integration and show its signing secret in this one response."""
    form = IntegrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            integration, secret = integration_service.integration_create(
                instance=request.user.instance,
                name=form.cleaned_data["name"],
                application=form.cleaned_data["application"],
                actor=request.user,
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            url = request.build_absolute_uri(reverse("webhook", args=[integration.id]))
            response = render(
                request,
                "admin_console/application_created.html",
                {"integration": integration, "secret": secret, "webhook_url": url},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "admin_console/application_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@permission_required("Rules.Edit")
def integration_delete(request, pk):
    integration = get_object_or_404(Integration, pk=pk, instance=request.user.instance)
    return delete_response(
        request,
        integration,
        delete=lambda: integration_service.integration_delete(integration=integration, actor=request.user),
        noun="Integration",
        success_url=reverse("admin_console:application_list"),
        consequences="Webhooks signed with its secret will be refused.",
    )
