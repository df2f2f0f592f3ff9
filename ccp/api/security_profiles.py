"""Handlers for the security profile operations: CreateSecurityProfile, DescribeSecurityProfile,
ListSecurityProfiles, UpdateSecurityProfile, DeleteSecurityProfile, ListSecurityProfilePermissions.

Permissions are Amazon Connect's API names (ccp/models/security.py lists the ones this server has; others are
refused with InvalidParameterException). The access-control members (AllowedAccessControlTags,
TagRestrictedResources, Applications, hierarchy restrictions) are accepted and not stored: nothing here is
restricted by tags or hierarchy."""

from django.conf import settings

from ccp.api.contacts import instance_get
from ccp.api.paging import page
from ccp.models import SecurityProfile
from ccp.services.configuration.security_profiles import (
    security_profile_create,
    security_profile_delete,
    security_profile_update,
)

API = "API"


def _get(instance, params) -> SecurityProfile:
    return instance_get(SecurityProfile, instance=instance, pk=params["SecurityProfileId"], label="Security profile")


def _arn(instance, profile) -> str:
    return f"{instance.arn}/security-profile/{profile.id}"


def create_security_profile(*, instance, params) -> dict:
    """CreateSecurityProfile: PUT /security-profiles/{InstanceId}."""
    profile = security_profile_create(
        instance=instance,
        name=params["SecurityProfileName"],
        description=params.get("Description", ""),
        permissions=params.get("Permissions", []),
        tags=params.get("Tags"),
        actor_label=API,
    )
    return {"SecurityProfileId": profile.id, "SecurityProfileArn": _arn(instance, profile)}


def describe_security_profile(*, instance, params) -> dict:
    """DescribeSecurityProfile."""
    profile = _get(instance, params)
    described = {
        "Id": profile.id,
        "OrganizationResourceId": instance.id,
        "Arn": _arn(instance, profile),
        "SecurityProfileName": profile.name,
        "Description": profile.description,
        "LastModifiedTime": profile.last_modified,
        "LastModifiedRegion": settings.AWS_REGION,
    }
    if profile.tags:
        described["Tags"] = profile.tags
    return {"SecurityProfile": described}


def list_security_profiles(*, instance, params) -> dict:
    """ListSecurityProfiles."""
    rows, token = page(
        SecurityProfile.objects.filter(instance=instance).order_by("name", "id"),
        next_token=params.get("NextToken"),
        max_results=params.get("MaxResults"),
    )
    items = [
        {
            "Id": p.id,
            "Arn": _arn(instance, p),
            "Name": p.name,
            "LastModifiedTime": p.last_modified,
            "LastModifiedRegion": settings.AWS_REGION,
        }
        for p in rows
    ]
    return {"SecurityProfileSummaryList": items, "NextToken": token}


def update_security_profile(*, instance, params) -> dict:
    """UpdateSecurityProfile: Description and Permissions (the whole list) when given."""
    security_profile_update(
        profile=_get(instance, params),
        description=params.get("Description"),
        permissions=params.get("Permissions"),
        actor_label=API,
    )
    return {}


def delete_security_profile(*, instance, params) -> dict:
    """DeleteSecurityProfile: ResourceInUseException while users hold it."""
    security_profile_delete(profile=_get(instance, params), actor_label=API)
    return {}


def list_security_profile_permissions(*, instance, params) -> dict:
    """ListSecurityProfilePermissions: the profile's permission names, paged."""
    profile = _get(instance, params)
    offset_rows, token = _list_page(list(profile.permissions), params)
    return {
        "Permissions": offset_rows,
        "NextToken": token,
        "LastModifiedTime": profile.last_modified,
        "LastModifiedRegion": settings.AWS_REGION,
    }


def _list_page(items: list, params) -> tuple[list, str | None]:
    """`page` over a Python list (it slices like a queryset)."""
    return page(items, next_token=params.get("NextToken"), max_results=params.get("MaxResults"))
