"""What each role may do (SPEC §2). Which records it may do it to is core/scoping.py.

One table, read by the auth backend, so ``user.has_perm("registry.change")`` and
``{% if perms.registry.change %}`` work everywhere, and by :func:`permission_required`
for views and :func:`require` for API endpoints and services.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from berdaya.accounts.models import Role

ALL = frozenset(Role)
OFFICE = frozenset({Role.ADMIN, Role.DINAS_PROVINSI, Role.DINAS_KABKOTA})

PERMISSIONS: dict[str, frozenset[str]] = {
    # reference data and the shell
    "regions.view": ALL,
    "accounts.use_api_tokens": ALL,
    # administration
    "accounts.manage_users": frozenset({Role.ADMIN}),
    "accounts.manage_partners": frozenset({Role.ADMIN}),
    "audit.view_all": frozenset({Role.ADMIN}),
    # personal data (SPEC §6): who may see an unmasked NIK / phone
    "personal_data.unmask": OFFICE,
    # registry (Part 3)
    "registry.view": OFFICE | {Role.PENDAMPING, Role.PIMPINAN, Role.PELAKU_USAHA},
    "registry.create": OFFICE,
    "registry.change": OFFICE | {Role.PELAKU_USAHA},
    "registry.export": OFFICE | {Role.PIMPINAN},
    # every field of an entity (identifiers, region, kind-specific data), its RAT and legal
    # status; "registry.change" alone (pelaku_usaha) edits the owner's limited set of fields
    "registry.manage": OFFICE,
    # self-service (Part 3 item 5): a pelaku usaha claims their business, the office verifies
    "registry.claim": frozenset({Role.PELAKU_USAHA}),
    "registry.verify_claims": OFFICE,
    # import and export (Part 4): district spreadsheets in; rolling a batch back is the admin's
    "registry.import": OFFICE,
    "registry.import_rollback": frozenset({Role.ADMIN}),
    # diagnosis (Part 5): field facilitators and offices assess; the owner sees their own result
    "diagnosis.view": OFFICE | {Role.PENDAMPING, Role.PIMPINAN, Role.PELAKU_USAHA},
    "diagnosis.assess": OFFICE | {Role.PENDAMPING},
    "diagnosis.worklist": OFFICE | {Role.PENDAMPING, Role.PIMPINAN},
    "diagnosis.import": OFFICE,
    # the questionnaires and the recommendation rules are the province's policy
    "diagnosis.manage": frozenset({Role.ADMIN, Role.DINAS_PROVINSI}),
    # programmes (Part 6): the province runs programmes and approves within the budget, the
    # district verifies, officers and pendamping nominate, owners apply through the portal
    "programmes.view": OFFICE | {Role.PENDAMPING, Role.PIMPINAN},
    "programmes.manage": frozenset({Role.ADMIN, Role.DINAS_PROVINSI}),
    "programmes.nominate": OFFICE | {Role.PENDAMPING},
    "programmes.apply": frozenset({Role.PELAKU_USAHA}),
    "programmes.verify": frozenset({Role.ADMIN, Role.DINAS_KABKOTA}),
    "programmes.approve": frozenset({Role.ADMIN, Role.DINAS_PROVINSI}),
    "programmes.disburse": frozenset({Role.ADMIN, Role.DINAS_PROVINSI}),
    "programmes.report_use": OFFICE | {Role.PELAKU_USAHA},
    "programmes.withdraw": OFFICE | {Role.PELAKU_USAHA},
    "programmes.export": frozenset({Role.ADMIN, Role.DINAS_PROVINSI, Role.PIMPINAN}),
}


def has_permission(user: Any, perm: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    try:
        roles = PERMISSIONS[perm]
    except KeyError:
        raise KeyError(f"unknown permission {perm!r}: add it to accounts/permissions.py") from None
    return user.role in roles


def require(user: Any, perm: str) -> None:
    if not has_permission(user, perm):
        raise PermissionDenied(perm)


def permission_required(perm: str) -> Callable:
    """View decorator: anonymous → log-in page (302), signed in without the right → 403."""
    if perm not in PERMISSIONS:
        raise KeyError(f"unknown permission {perm!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, perm)
            return view(request, *args, **kwargs)

        wrapped.required_permission = perm  # read by the authorisation matrix test
        return wrapped

    return decorator


class RoleBackend(ModelBackend):
    """Django auth backend: passwords as usual, permissions from the role table."""

    def has_perm(self, user_obj, perm, obj=None):
        if perm in PERMISSIONS:
            return has_permission(user_obj, perm)
        if _is_active_admin(user_obj):
            return True  # Django's own model permissions (admin site): the admin role has them all
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return _is_active_admin(user_obj) or super().has_module_perms(user_obj, app_label)


def _is_active_admin(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "role", None) == Role.ADMIN)
