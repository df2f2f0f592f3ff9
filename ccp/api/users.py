"""Handlers for the user operations: CreateUser, DescribeUser, UpdateUserIdentityInfo, UpdateUserRoutingProfile,
UpdateUserSecurityProfiles, UpdateUserPhoneConfig, PutUserStatus and SearchUsers. Every change goes through
ccp/services/configuration/users.py, the service the console's user form calls (validated, audited, and a
change of security profiles signs the user out).

DeleteUser and ListUsers are in configuration.py and lists.py."""

from django.conf import settings
from django.db.models import Q, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.lookups import Exact

from ccp.api.contacts import instance_get
from ccp.api.paging import page
from ccp.errors import InvalidParameter, InvalidRequest, ResourceNotFound
from ccp.models import AgentStatus, RoutingProfile, SecurityProfile, User
from ccp.services.agents import agent_set_status
from ccp.services.configuration.users import user_change, user_create

API = "API"
# The PositiveIntegerField's range: Amazon Connect sets no upper bound on AfterContactWorkTimeLimit.
ACW_LIMIT_MAX = 2_147_483_647
# SearchUsers: the StringCondition fields this server searches (Amazon Connect's names).
STRING_FIELDS = {
    "Username": "username",
    "FirstName": "first_name",
    "LastName": "last_name",
    "ResourceId": "id",
    "RoutingProfileId": "routing_profile_id",
    "SecurityProfileId": "security_profiles__id",
}
# SearchUsers' criteria nest (AndConditions of OrConditions …); deeper than this is refused.
CRITERIA_DEPTH_MAX = 8


def _user(instance, params) -> User:
    return instance_get(User, instance=instance, pk=params["UserId"], label="User")


def _security_profiles(instance, ids) -> list[SecurityProfile]:
    found = {p.id: p for p in SecurityProfile.objects.filter(instance=instance, id__in=list(ids))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ResourceNotFound(f"Security profile {missing[0][:256]!r} was not found in this instance.")
    return [found[i] for i in dict.fromkeys(ids)]


def _routing_profile(instance, pk) -> RoutingProfile:
    return instance_get(RoutingProfile, instance=instance, pk=pk, label="Routing profile")


def _identity(info: dict) -> dict:
    """IdentityInfo as the service's fields; only the members given."""
    fields = {}
    for member, name, limit in (
        ("FirstName", "first_name", 150),
        ("LastName", "last_name", 150),
        ("Email", "email", 254),
    ):
        if member in info:
            value = info[member] or ""
            if len(value) > limit:
                raise InvalidParameter(f"IdentityInfo.{member} is at most {limit} characters here.", field=member)
            fields[name] = value
    return fields


def _phone(config: dict) -> dict:
    """PhoneConfig as the service's fields."""
    fields = {"phone_type": config.get("PhoneType", "SOFT_PHONE")}
    if "AutoAccept" in config:
        fields["auto_accept"] = bool(config["AutoAccept"])
    if "AfterContactWorkTimeLimit" in config:
        limit = config["AfterContactWorkTimeLimit"]
        if limit > ACW_LIMIT_MAX:
            raise InvalidParameter(f"AfterContactWorkTimeLimit is at most {ACW_LIMIT_MAX}.", field="PhoneConfig")
        fields["after_contact_work_time_limit"] = limit
    if "DeskPhoneNumber" in config:
        fields["phone_number"] = config["DeskPhoneNumber"] or ""
    return fields


def user_render(instance, user: User, *, profile_ids=None) -> dict:
    """The `User` shape (and, without LastModified*, `UserSearchSummary`)."""
    identity = {"FirstName": user.first_name, "LastName": user.last_name}
    if user.email:
        identity["Email"] = user.email
    phone = {
        "PhoneType": user.phone_type,
        "AutoAccept": user.auto_accept,
        "AfterContactWorkTimeLimit": user.after_contact_work_time_limit,
    }
    if user.phone_number:
        phone["DeskPhoneNumber"] = user.phone_number
    rendered = {
        "Id": user.id,
        "Arn": f"{instance.arn}/agent/{user.id}",
        "Username": user.username,
        "IdentityInfo": identity,
        "PhoneConfig": phone,
        "SecurityProfileIds": profile_ids if profile_ids is not None else [p.id for p in user.security_profiles.all()],
    }
    if user.routing_profile_id:
        rendered["RoutingProfileId"] = user.routing_profile_id
    if user.tags:
        rendered["Tags"] = user.tags
    return rendered


def create_user(*, instance, params) -> dict:
    """CreateUser: PUT /users/{InstanceId}. A password is required (there is no directory here)."""
    if not params.get("Password"):
        raise InvalidParameter("Give a Password: users here sign in with one.", field="Password")
    phone = _phone(params.get("PhoneConfig") or {})
    user = user_create(
        instance=instance,
        username=params["Username"],
        password=params["Password"],
        security_profiles=_security_profiles(instance, params["SecurityProfileIds"]),
        routing_profile=_routing_profile(instance, params["RoutingProfileId"]),
        tags=params.get("Tags"),
        actor_label=API,
        **_identity(params.get("IdentityInfo") or {}),
        **phone,
    )
    return {"UserId": user.id, "UserArn": f"{instance.arn}/agent/{user.id}"}


def describe_user(*, instance, params) -> dict:
    """DescribeUser."""
    user = _user(instance, params)
    described = user_render(instance, user)
    described["LastModifiedRegion"] = settings.AWS_REGION
    return {"User": described}


def update_user_identity_info(*, instance, params) -> dict:
    """UpdateUserIdentityInfo: the names and email given."""
    user_change(user=_user(instance, params), actor_label=API, **_identity(params["IdentityInfo"]))
    return {}


def update_user_routing_profile(*, instance, params) -> dict:
    """UpdateUserRoutingProfile: the user's next routing decision uses it."""
    user_change(
        user=_user(instance, params),
        routing_profile=_routing_profile(instance, params["RoutingProfileId"]),
        actor_label=API,
    )
    return {}


def update_user_security_profiles(*, instance, params) -> dict:
    """UpdateUserSecurityProfiles: the whole list (1–10); the user's sessions end."""
    user_change(
        user=_user(instance, params),
        security_profiles=_security_profiles(instance, params["SecurityProfileIds"]),
        actor_label=API,
    )
    return {}


def update_user_phone_config(*, instance, params) -> dict:
    """UpdateUserPhoneConfig: phone type, auto-accept, after-contact-work time limit, desk phone number (stored)."""
    user_change(user=_user(instance, params), actor_label=API, **_phone(params["PhoneConfig"]))
    return {}


def put_user_status(*, instance, params) -> dict:
    """PutUserStatus: set the agent's status, as they would in the panel (Missed is the system's)."""
    user = _user(instance, params)
    status = instance_get(AgentStatus, instance=instance, pk=params["AgentStatusId"], label="Agent status")
    if status.type == AgentStatus.Type.MISSED:
        raise InvalidRequest("Missed is set by the system after a missed offer.")
    agent_set_status(user=user, status=status)
    return {}


def _string_condition(condition: dict) -> Q:
    field = STRING_FIELDS.get(condition.get("FieldName"))
    if field is None:
        raise InvalidParameter(
            f"StringCondition.FieldName is one of {', '.join(sorted(STRING_FIELDS))}.", field="SearchCriteria"
        )
    value = condition.get("Value", "")
    comparison = condition.get("ComparisonType", "EXACT")
    lookup = {"EXACT": "exact", "CONTAINS": "icontains", "STARTS_WITH": "istartswith"}[comparison]
    return Q(**{f"{field}__{lookup}": value})


def _criteria(criteria: dict, depth: int = 0) -> Q:
    if depth > CRITERIA_DEPTH_MAX:
        raise InvalidParameter("SearchCriteria nests too deeply.", field="SearchCriteria")
    q = Q()
    if criteria.get("StringCondition"):
        q &= _string_condition(criteria["StringCondition"])
    for sub in criteria.get("AndConditions") or []:
        q &= _criteria(sub, depth + 1)
    ors = criteria.get("OrConditions") or []
    if ors:
        any_of = Q()
        for sub in ors:
            any_of |= _criteria(sub, depth + 1)
        q &= any_of
    if criteria.get("ListCondition") or criteria.get("HierarchyGroupCondition"):
        raise InvalidParameter(
            "ListCondition and HierarchyGroupCondition are not supported: users here have no proficiencies or "
            "hierarchy groups.",
            field="SearchCriteria",
        )
    return q


def _tag(condition: dict):
    return Exact(KeyTextTransform(condition.get("TagKey", ""), "tags"), Value(condition.get("TagValue", "")))


def _tag_filter(tag_filter: dict) -> Q:
    q = Q()
    if tag_filter.get("TagCondition"):
        q &= Q(_tag(tag_filter["TagCondition"]))
    for condition in tag_filter.get("AndConditions") or []:
        q &= Q(_tag(condition))
    or_groups = tag_filter.get("OrConditions") or []
    if or_groups:
        any_of = Q()
        for group in or_groups:
            all_of = Q()
            for condition in group:
                all_of &= Q(_tag(condition))
            any_of |= all_of
        q &= any_of
    return q


def search_users(*, instance, params) -> dict:
    """SearchUsers: StringCondition on Username, FirstName, LastName, ResourceId, RoutingProfileId or
    SecurityProfileId (EXACT, CONTAINS, STARTS_WITH; And/Or nesting), TagFilter on tags; paged by NextToken."""
    queryset = User.objects.filter(instance=instance)
    if params.get("SearchCriteria"):
        queryset = queryset.filter(_criteria(params["SearchCriteria"]))
    search_filter = params.get("SearchFilter") or {}
    if search_filter.get("TagFilter"):
        queryset = queryset.filter(_tag_filter(search_filter["TagFilter"]))
    if search_filter.get("UserAttributeFilter"):
        raise InvalidParameter("UserAttributeFilter is not supported; use SearchCriteria.", field="SearchFilter")
    ids = queryset.values("id").distinct()
    users = User.objects.filter(id__in=ids).order_by("username", "id").prefetch_related("security_profiles")
    rows, token = page(users, next_token=params.get("NextToken"), max_results=params.get("MaxResults"))
    return {
        "Users": [user_render(instance, u, profile_ids=[p.id for p in u.security_profiles.all()]) for u in rows],
        "NextToken": token,
        "ApproximateTotalCount": users.count(),
    }
