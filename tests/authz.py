"""The authorisation matrix: every route × every role → the expected status code.

``tests/test_authz_matrix.py`` walks the URL configuration and the OpenAPI document;
a route or API operation without a rule here fails the test, so a new view cannot
ship without someone deciding who may reach it. Each rule is written out by hand
(not derived from the permission table) so that the table and the views are both
checked against an independent statement of intent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = (
    "anonymous",
    "admin",
    "dinas_provinsi",
    "dinas_kabkota",  # Kota Kendari (74.71): the sample records live there
    "dinas_kabkota_muna",  # Kabupaten Muna (74.03): another district, sees none of them
    "pendamping",
    "konsultan",
    "mitra",
    "pelaku_usaha",
    "pimpinan",
)
SIGNED_IN = ROLES[1:]


def expect(default: int, anonymous: int | None = None, **by_role: int) -> dict[str, int]:
    table = dict.fromkeys(SIGNED_IN, default)
    table["anonymous"] = default if anonymous is None else anonymous
    for role, status in by_role.items():
        assert role in ROLES, role
        table[role] = status
    return table


def only(roles: set[str], *, ok: int = 200, denied: int = 403, anonymous: int = 302, **by_role: int):
    """Signed-in roles in ``roles`` get ``ok``, other signed-in roles ``denied``."""
    table = {role: (ok if role in roles else denied) for role in SIGNED_IN}
    table["anonymous"] = anonymous
    table.update(by_role)
    return table


PUBLIC = expect(200)
SIGNED_IN_PAGE = expect(200, anonymous=302)
SIGNED_IN_API = expect(200, anonymous=401)


@dataclass(frozen=True)
class Rule:
    expected: dict[str, int]
    method: str = "get"
    kwargs: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})
    data: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})


# --- web routes, by URL name --------------------------------------------------------------
ROUTES: dict[str, Rule] = {
    "home": Rule(SIGNED_IN_PAGE),
    "login": Rule(expect(302, anonymous=200)),  # signed-in users are sent on to the home page
    "logout": Rule(expect(405)),  # POST only (a link cannot log anyone out)
    "set_language": Rule(expect(302)),
    "healthz": Rule(PUBLIC),
    "readyz": Rule(PUBLIC),
    "regions:list": Rule(expect(302)),
    "regions:detail": Rule(SIGNED_IN_PAGE, kwargs=lambda w: {"code": "74.71"}),
    "api:openapi-json": Rule(PUBLIC),
    "api:openapi-view": Rule(PUBLIC),
    "api:api-root": Rule(expect(404)),
    "regions:boundaries": Rule(SIGNED_IN_PAGE),
    # --- accounts and audit (Part 2) ---
    "accounts:user_list": Rule(only({"admin"})),
    "accounts:user_create": Rule(only({"admin"})),
    "accounts:user_edit": Rule(only({"admin"}), kwargs=lambda w: {"pk": w.users.pendamping.pk}),
    "accounts:user_reset_password": Rule(only({"admin"}), kwargs=lambda w: {"pk": w.users.pendamping.pk}),
    # POST-only actions: a GET is 405 for the admin, refused before that for everyone else
    "accounts:user_set_active": Rule(only({"admin"}, ok=405), kwargs=lambda w: {"pk": w.users.pendamping.pk}),
    "accounts:user_unlock": Rule(only({"admin"}, ok=405), kwargs=lambda w: {"pk": w.users.pendamping.pk}),
    "accounts:partner_list": Rule(only({"admin"})),
    "accounts:partner_create": Rule(only({"admin"})),
    "accounts:partner_edit": Rule(only({"admin"}), kwargs=lambda w: {"pk": w.bank.pk}),
    "accounts:token_list": Rule(SIGNED_IN_PAGE),
    "accounts:token_create": Rule(SIGNED_IN_PAGE),
    "accounts:token_revoke": Rule(expect(405, anonymous=302), kwargs=lambda w: {"pk": w.owner_token.pk}),
    "accounts:password_change": Rule(SIGNED_IN_PAGE),
    "core:audit_list": Rule(only({"admin"})),
}

# Django's admin site: only staff (the admin role) get in; everyone else is sent to its log-in.
ADMIN_SITE = only({"admin"}, denied=302, anonymous=302)

# --- API operations, by "METHOD /path" as in the OpenAPI document ----------------------------
API: dict[str, Rule] = {
    "GET /api/v1/regions": Rule(SIGNED_IN_API),
    "GET /api/v1/regions/lookup": Rule(SIGNED_IN_API, data=lambda w: {"q": "Konsel"}),
    "GET /api/v1/regions/{code}": Rule(SIGNED_IN_API, kwargs=lambda w: {"code": "74.71"}),
    # --- accounts (Part 2) ---
    "GET /api/v1/me": Rule(SIGNED_IN_API),
    "GET /api/v1/tokens": Rule(SIGNED_IN_API),
    "POST /api/v1/tokens": Rule(
        expect(201, anonymous=401), method="post", data=lambda w: {"name": "matriks"}
    ),
    # a token is its owner's alone: everyone else, admins included, gets 404
    "DELETE /api/v1/tokens/{token_id}": Rule(
        expect(404, anonymous=401, pelaku_usaha=204),
        method="delete",
        kwargs=lambda w: {"token_id": w.owner_token.pk},
    ),
}
