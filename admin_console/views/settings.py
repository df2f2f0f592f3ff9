"""Settings: the instance's own settings and its API keys."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from admin_console.access import permission_required
from admin_console.forms.settings import ApiKeyForm, InstanceForm
from admin_console.views.crud import form_response, list_response, pick
from ccp.models import ApiKey
from ccp.services import api_keys
from ccp.services.configuration.instance_settings import instance_update

INSTANCE_FIELDS = (
    "timezone",
    "active_task_quota",
    "api_rate_per_second",
    "api_burst",
    "service_level_task_seconds",
    "service_level_chat_seconds",
    "service_level_voice_seconds",
)


@require_http_methods(["GET", "POST"])
@permission_required("InstanceSettings.Edit")
def instance_settings(request):
    def save(data):
        # A service level left empty keeps its value.
        fields = {name: value for name, value in pick(data, *INSTANCE_FIELDS).items() if value is not None}
        return instance_update(instance=request.user.instance, **fields)

    return form_response(
        request,
        InstanceForm,
        obj=request.user.instance,
        save=save,
        template="admin_console/instance_form.html",
        noun="Instance",
        success_url=reverse("admin_console:instance_settings"),
    )


@require_GET
@permission_required("ApiKeys.View")
def api_key_list(request):
    keys = ApiKey.objects.filter(instance=request.user.instance)
    return list_response(
        request,
        keys,
        template="admin_console/api_key_list.html",
        search=["name", "access_key_id"],
        sorts={"name": "name", "created": "created_at", "used": "last_used_at", "revoked": "revoked_at"},
        default_sort="-created",
    )


@require_http_methods(["GET", "POST"])
@permission_required("ApiKeys.Edit")
def api_key_create(request):
    """Create a key and show its secret in this one response; it is stored encrypted and never shown again."""
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key, secret = api_keys.api_key_create(instance=request.user.instance, name=form.cleaned_data["name"])
        messages.success(request, f"API key {key.access_key_id} created.")
        response = render(request, "admin_console/api_key_created.html", {"key": key, "secret": secret})
        # The secret must not linger in a browser or proxy cache.
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "admin_console/api_key_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@permission_required("ApiKeys.Edit")
def api_key_revoke(request, pk):
    key = get_object_or_404(ApiKey, pk=pk, instance=request.user.instance)
    list_url = reverse("admin_console:api_key_list")
    if not key.is_active:
        messages.info(request, f"API key {key.access_key_id} was already revoked.")
        return redirect(list_url)
    if request.method == "POST":
        api_keys.api_key_revoke(api_key=key)
        messages.success(request, f"API key {key.access_key_id} revoked; requests signed with it now fail.")
        return redirect(list_url)
    return render(request, "admin_console/api_key_revoke.html", {"key": key, "cancel_url": list_url})
