"""Security profiles: the list, the permissions matrix (add and edit) and a delete refused while users hold the
profile."""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from admin_console.access import permission_required
from admin_console.forms.security_profiles import SecurityProfileForm
from admin_console.views.crud import delete_response, form_response, list_response, pick
from ccp.models import SecurityProfile
from ccp.services.configuration import security_profiles

FIELDS = ("name", "description", "permissions")


def _profile(request, pk):
    return get_object_or_404(SecurityProfile, pk=pk, instance=request.user.instance)


@require_GET
@permission_required("SecurityProfiles.View")
def security_profile_list(request):
    profiles = SecurityProfile.objects.filter(instance=request.user.instance).annotate(user_count=Count("users"))
    return list_response(
        request,
        profiles,
        template="admin_console/security_profile_list.html",
        search=["name", "description"],
        sorts={"name": "name"},
        default_sort="name",
    )


@require_http_methods(["GET", "POST"])
@permission_required("SecurityProfiles.Edit")
def security_profile_edit(request, pk=None):
    profile = _profile(request, pk) if pk else None

    def save(data):
        if profile is None:
            return security_profiles.security_profile_create(
                instance=request.user.instance, actor=request.user, **pick(data, *FIELDS)
            )
        return security_profiles.security_profile_update(profile=profile, actor=request.user, **pick(data, *FIELDS))

    return form_response(
        request,
        SecurityProfileForm,
        obj=profile,
        save=save,
        template="admin_console/security_profile_form.html",
        noun="Security profile",
        success_url=reverse("admin_console:security_profile_list"),
    )


@require_http_methods(["GET", "POST"])
@permission_required("SecurityProfiles.Edit")
def security_profile_delete(request, pk):
    profile = _profile(request, pk)
    return delete_response(
        request,
        profile,
        delete=lambda: security_profiles.security_profile_delete(profile=profile, actor=request.user),
        noun="Security profile",
        success_url=reverse("admin_console:security_profile_list"),
        consequences="Nobody holds it any more; its permissions go with it.",
    )
