"""Every role × every route and API operation gets the answer that tests/authz.py states."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from berdaya.api.api import api
from tests import authz

pytestmark = pytest.mark.django_db


def named_routes() -> list[str]:
    names: list[str] = []

    def walk(patterns, namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                walk(pattern.url_patterns, f"{namespace}{ns}:" if ns else namespace)
            elif isinstance(pattern, URLPattern):
                if not pattern.name:
                    names.append(f"{namespace}<unnamed {pattern.pattern}>")
                else:
                    names.append(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    return names


def api_operations() -> list[str]:
    schema = api.get_openapi_schema()
    return [f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops]


def test_every_route_has_a_rule():
    missing = [
        name
        for name in named_routes()
        if not name.startswith("admin:")
        and name not in authz.ROUTES
        # ninja registers one URL pattern per path; its operations are checked below
        and not (
            name.startswith("api:") and name not in {"api:openapi-json", "api:openapi-view", "api:api-root"}
        )
    ]
    assert not missing, f"routes without a rule in tests/authz.py: {missing}"
    stale = [name for name in authz.ROUTES if name not in named_routes()]
    assert not stale, f"rules for routes that no longer exist: {stale}"


def test_every_api_operation_has_a_rule():
    operations = api_operations()
    missing = [op for op in operations if op not in authz.API]
    assert not missing, f"API operations without a rule in tests/authz.py: {missing}"
    stale = [op for op in authz.API if op not in operations]
    assert not stale, f"rules for API operations that no longer exist: {stale}"


@pytest.fixture
def world(db):
    """The personas and the sample records the rules refer to."""
    from tests import scenario

    return scenario.build()


def _client_for(role: str, world, client):
    if role != "anonymous":
        client.force_login(getattr(world.users, role))
    return client


def _call(client, method: str, url: str, data: dict):
    if method == "get":
        return client.get(url, data)
    return getattr(client, method)(url, data, content_type="application/json")


@pytest.mark.parametrize("role", authz.ROLES)
def test_web_routes(role, world, client):
    client = _client_for(role, world, client)
    wrong = []
    for name, rule in authz.ROUTES.items():
        url = reverse(name, kwargs=rule.kwargs(world))
        status = _call(client, rule.method, url, rule.data(world)).status_code
        if status != rule.expected[role]:
            wrong.append(f"{rule.method.upper()} {url} ({name}): {status}, expected {rule.expected[role]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", authz.ROLES)
def test_api_operations(role, world, client):
    client = _client_for(role, world, client)
    wrong = []
    for operation, rule in authz.API.items():
        method, path = operation.split(" ", 1)
        kwargs = rule.kwargs(world)
        url = re.sub(r"{(\w+)}", lambda m, kw=kwargs: str(kw[m.group(1)]), path)
        status = _call(client, method.lower(), url, rule.data(world)).status_code
        if status != rule.expected[role]:
            wrong.append(f"{operation} → {url}: {status}, expected {rule.expected[role]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", authz.ROLES)
def test_admin_site(role, world, client):
    client = _client_for(role, world, client)
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    wrong = [
        f"{url}: {status}"
        for url in urls
        if (status := client.get(url).status_code) != authz.ADMIN_SITE[role]
    ]
    assert not wrong, f"expected {authz.ADMIN_SITE[role]}: " + ", ".join(wrong)


def test_personas_have_the_roles_their_names_say(world):
    for role in authz.SIGNED_IN:
        user = getattr(world.users, role)
        assert user.role == role.removesuffix("_muna")
    assert world.users.dinas_kabkota.region_id == "74.71"
    assert world.users.dinas_kabkota_muna.region_id == "74.03"
