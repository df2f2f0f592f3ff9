"""Every console and panel URL, found through Django's URL resolver (so a URL added later is walked too), asked by
someone whose security profile lacks what the view requires — a 403 with the product's page, and nothing written —
and by someone whose profile gives exactly that — not a 403.

A view says what it requires through `permission_required(...)` (console) or `agent_required`/`agent_may` (panel);
a console or panel URL whose view says nothing fails here."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ccp.models import SecurityProfile, User
from ccp.models.security import ALL_PERMISSIONS, permissions_normalize
from tests.api.test_hostile_input import every_table_count
from tests.factories import RoutingProfileFactory

pytestmark = pytest.mark.django_db

WALKED_NAMESPACES = ("admin_console", "panel")
# Values for a path's parameters: ids of nothing (a permitted request then gets a 404, never a 403).
PARAMETER_VALUES = {"int": "987654", "str": "no-such-id", "slug": "no-such-id", "path": "no-such-id"}


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield namespace, f"{namespace}:{entry.name}", prefix + str(entry.pattern), entry.callback


def concrete(route: str) -> str:
    """A path for `route`, its parameters filled in (contact actions get the name of a real action)."""

    def fill(match):
        converter, name = match.group(1) or "str", match.group(2)
        if name == "action":
            return "end"
        return PARAMETER_VALUES.get(converter, "no-such-id")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


URLS = [
    pytest.param(path_, callback, id=name)
    for namespace, name, route, callback in walk(get_resolver().url_patterns)
    if namespace in WALKED_NAMESPACES
    for path_ in [concrete(route)]
]


@pytest.fixture
def person(instance):
    """Someone in the instance holding a custom profile with exactly `permissions` (and a routing profile, so
    the panel's own rule is met and only the security profile decides)."""
    routing = RoutingProfileFactory(instance=instance)
    made: dict[frozenset, Client] = {}

    def make(permissions) -> Client:
        key = frozenset(permissions)
        if key not in made:
            n = len(made)
            profile = SecurityProfile.objects.create(
                instance=instance, name=f"Walk {n}", permissions=permissions_normalize(key)
            )
            user = User.objects.create(instance=instance, username=f"walker{n}", routing_profile=routing)
            user.security_profiles.set([profile])
            client = Client()
            client.force_login(user)
            made[key] = client
        return made[key]

    return make


def with_edits(names) -> set[str]:
    """`names` and the Edit of each View among them (an Edit always brings its View back)."""
    return set(names) | {n.removesuffix(".View") + ".Edit" for n in names if n.endswith(".View")}


def ask(client: Client, path: str):
    """GET, or POST when the view answers only POST (405 to a GET)."""
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path, {})
    return response


def test_the_walk_finds_the_console_and_the_panel():
    names = {p.id for p in URLS}
    assert {
        "admin_console:security_profile_list",
        "admin_console:queue_list",
        "panel:panel",
        "panel:task_create",
    } <= names
    assert len(URLS) > 50


@pytest.mark.parametrize(("path", "view"), URLS)
def test_every_url_is_refused_without_its_permission_and_opens_with_it(person, path, view):
    required = getattr(view, "permissions_required", None)
    assert required, f"{path}: its view declares no permission (use permission_required / agent_required)"
    any_of = getattr(view, "permissions_any", False)

    # Without: everything else in the catalogue (every permission but the ones the page needs).
    lacking = (
        [set(ALL_PERMISSIONS) - with_edits(required)]
        if any_of
        else [set(ALL_PERMISSIONS) - with_edits({p}) for p in required]
    )
    for permissions in lacking:
        client = person(permissions)
        before = every_table_count()
        response = ask(client, path)
        assert response.status_code == 403, (path, sorted(set(ALL_PERMISSIONS) - permissions))
        assert "This page is not part of your security profile" in response.content.decode()
        assert every_table_count() == before

    # With: exactly what it needs (each one alone, for a page that needs any one of them).
    enough = [{p} for p in sorted(required)] if any_of else [set(required)]
    for permissions in enough:
        response = ask(person(permissions), path)
        assert response.status_code != 403, (path, sorted(permissions))
