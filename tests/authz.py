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
}

# Django's admin site: only staff (the admin role) get in; everyone else is sent to its log-in.
ADMIN_SITE = only({"admin"}, denied=302, anonymous=302)

# --- API operations, by "METHOD /path" as in the OpenAPI document ----------------------------
API: dict[str, Rule] = {
    "GET /api/v1/regions": Rule(SIGNED_IN_API),
    "GET /api/v1/regions/lookup": Rule(SIGNED_IN_API, data=lambda w: {"q": "Konsel"}),
    "GET /api/v1/regions/{code}": Rule(SIGNED_IN_API, kwargs=lambda w: {"code": "74.71"}),
}
