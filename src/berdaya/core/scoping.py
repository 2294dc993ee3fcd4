"""The one place that decides which records a user may see (SPEC §2).

Every selector, list, detail, export, report and API endpoint gets its queryset
from :func:`visible` (or :func:`get_visible_or_404`). A model opts in with one
declaration naming the field paths that locate it::

    @scoped(region="kabkota", region_depth=2, owner="memberships__user",
            assignee="assignments__user")
    class Entity(models.Model): ...

and reference/system models say why they are not scoped::

    @unscoped("Kemendagri reference data, public")
    class Region(models.Model): ...

A model that declared neither cannot be passed to :func:`visible` (it raises),
and ``tests/test_scoping_coverage.py`` fails for every model of ours that has no
declaration, so new entity data cannot slip past the layer.

Rules by role (records outside the scope behave as if they did not exist: 404):

==================  ==========================================================
admin               everything
dinas_provinsi      records located in their province (all of this deployment)
pimpinan            as dinas_provinsi, read-only (enforced by permissions)
dinas_kabkota       records located in their kabupaten/kota
pendamping          records assigned to them (``assignee`` path)
konsultan           records assigned to them (``assignee`` path)
mitra               records addressed to their institution (``partner`` path)
pelaku_usaha        their own records (``owner`` path)
==================  ==========================================================

A path that a model does not declare means "nothing" for that role: a model
without ``partner`` shows a mitra user no rows at all. A model that declares only an
``owner`` (personal API tokens) is personal for every role, admin included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

M = TypeVar("M", bound=type[models.Model])

# Role names are repeated here (not imported) so that core stays free of the accounts app.
PROVINCE_ROLES = frozenset({"admin", "dinas_provinsi", "pimpinan"})


@dataclass(frozen=True)
class Scope:
    region: str | None = None  # path to a Region FK (whose pk is the dotted code)
    region_depth: int = 4  # depth of the regions stored there (2 = always a kab/kota)
    partner: str | None = None  # path to the partner institution FK ("pk" on Partner itself)
    owner: str | None = None  # path to the owning user (pelaku_usaha)
    assignee: str | None = None  # path to the assigned user (pendamping, konsultan)


class ScopeNotDeclared(LookupError):
    pass


_SCOPES: dict[type[models.Model], Scope] = {}
_UNSCOPED: dict[type[models.Model], str] = {}


def scoped(**paths: Any) -> Callable[[M], M]:
    scope = Scope(**paths)

    def register(model: M) -> M:
        _SCOPES[model] = scope
        return model

    return register


def unscoped(reason: str) -> Callable[[M], M]:
    def register(model: M) -> M:
        _UNSCOPED[model] = reason
        return model

    return register


def scope_of(model: type[models.Model]) -> Scope:
    for klass in model.__mro__:
        if klass in _SCOPES:
            return _SCOPES[klass]
    raise ScopeNotDeclared(
        f"{model.__name__} declares no scope: decorate it with @scoped(...) or @unscoped(reason)."
    )


def declaration_of(model: type[models.Model]) -> Scope | str | None:
    """The scope, the reason it is unscoped, or None when the model declared nothing."""
    if model in _SCOPES:
        return _SCOPES[model]
    return _UNSCOPED.get(model)


def region_filter(path: str, code: str, stored_depth: int) -> Q:
    """Records whose region at ``path`` lies in region ``code`` (itself or below)."""
    depth = code.count(".") + 1
    if depth == stored_depth:
        return Q(**{f"{path}_id": code})  # equality: the index serves it directly
    if depth < stored_depth:
        return Q(**{f"{path}_id__startswith": f"{code}."})
    return Q(**{f"{path}_id": code}) | Q(**{f"{path}_id__startswith": f"{code}."})


_ALL = Q()  # "no restriction"
_NOTHING = Q(pk__in=[])


def _through(path: str, value: Any, model: type[models.Model]) -> Q:
    """``path == value`` as a semi-join when the path crosses a to-many relation.

    A plain join through memberships/assignments would repeat rows and need DISTINCT
    over the whole (possibly million-row) list; ``pk IN (subquery)`` does not.
    """
    if "__" not in path:
        return Q(**{path: value})
    return Q(pk__in=model._base_manager.filter(**{path: value}).values("pk"))


def _role_condition(user: Any, scope: Scope, model: type[models.Model]) -> Q:
    role = getattr(user, "role", None)
    if role == "admin":
        return _ALL
    if role in PROVINCE_ROLES:
        province = (user.region_id or settings.BERDAYA_PROVINCE)[:2]
        if scope.region is None or province == settings.BERDAYA_PROVINCE:
            # Every located record of this deployment lies in its province.
            return _ALL
        return region_filter(scope.region, province, scope.region_depth)
    if role == "dinas_kabkota":
        if scope.region is None or not user.region_id:
            return _NOTHING
        return region_filter(scope.region, user.region_id, scope.region_depth)
    if role in {"pendamping", "konsultan"} and scope.assignee:
        return _through(scope.assignee, user, model)
    if role == "mitra" and scope.partner and getattr(user, "partner_id", None):
        return Q(**{scope.partner: user.partner_id})
    return _NOTHING


def visible(user: Any, qs: QuerySet | type[models.Model]) -> QuerySet:
    """``qs`` narrowed to what ``user`` may see. Anonymous and inactive users see nothing.

    A user whose role gives no rows of this model sees the records tied to them by
    the ``owner`` path instead (their own API tokens; for a pelaku usaha, their own business).
    """
    if not isinstance(qs, QuerySet):
        qs = qs._default_manager.all()
    scope = scope_of(qs.model)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if scope.owner and not (scope.region or scope.partner or scope.assignee):
        # Declared by its owner alone (personal API tokens): personal for every role.
        return qs.filter(_through(scope.owner, user, qs.model))
    condition = _role_condition(user, scope, qs.model)
    if condition is _ALL:
        return qs
    if condition is _NOTHING:
        # Only a role that sees nothing else here falls back to the owner path: OR-ing a
        # semi-join onto a district's region filter would cost every list a full scan.
        if not scope.owner:
            return qs.none()
        condition = _through(scope.owner, user, qs.model)
    return qs.filter(condition)


def get_visible_or_404(user: Any, qs: QuerySet | type[models.Model], **lookup: Any) -> models.Model:
    """One record the user may see, or 404 — out of scope looks exactly like missing."""
    narrowed = visible(user, qs)
    try:
        return narrowed.get(**lookup)
    except (narrowed.model.DoesNotExist, ValueError, TypeError):
        # ValueError/TypeError: a malformed id in the URL is "not found" too.
        raise Http404 from None
