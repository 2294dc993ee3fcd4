"""The audit trail: who did what, when, from where, with the values before and after.

Changes to tracked models are recorded automatically from model signals, so no
service can forget them; bulk writes (imports) bypass signals and record one
event per batch through :func:`record`. The request context (user, IP, API token,
channel) is set once per request by :class:`AuditContextMiddleware` or by the
API token authentication, and defaults to "system" for commands.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest

from berdaya.core.models import AuditAction, AuditEvent, Channel

M = TypeVar("M", bound=type[models.Model])


@dataclass(frozen=True)
class AuditContext:
    user: Any = None
    channel: str = Channel.SYSTEM
    ip: str | None = None
    token_label: str = ""


_context: contextvars.ContextVar[AuditContext] = contextvars.ContextVar(
    "berdaya_audit_context",
    default=AuditContext(),  # noqa: B039 (frozen dataclass: immutable)
)


def current() -> AuditContext:
    return _context.get()


@contextmanager
def acting(**changes: Any) -> Iterator[AuditContext]:
    """Run a block as someone/through some channel (commands, tasks, tests)."""
    token = _context.set(replace(_context.get(), **changes))
    try:
        yield _context.get()
    finally:
        _context.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    # Behind the office's reverse proxy the first X-Forwarded-For hop is the client;
    # REMOTE_ADDR is used when there is no proxy (see docs/deployment.md).
    from django.conf import settings

    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        token = _context.set(AuditContext(user=user, channel=Channel.WEB, ip=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            _context.reset(token)


def set_api_context(request: HttpRequest, user: Any, token_label: str) -> None:
    """Called by the API token authentication once it knows the token's owner."""
    _context.set(AuditContext(user=user, channel=Channel.API, ip=client_ip(request), token_label=token_label))


# --- tracked models -------------------------------------------------------------------


@dataclass(frozen=True)
class Tracking:
    exclude: frozenset[str] = frozenset()
    mask: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    permission_fields: frozenset[str] = frozenset()
    region: Callable[[Any], str] | None = None


_TRACKED: dict[type[models.Model], Tracking] = {}
_PENDING_BEFORE = "_audit_before"


def track(
    *,
    exclude: Iterable[str] = (),
    mask: dict[str, Callable[[Any], Any]] | None = None,
    permission_fields: Iterable[str] = (),
    region: Callable[[Any], str] | None = None,
) -> Callable[[M], M]:
    """Class decorator: audit every create/update/delete of this model.

    ``mask`` maps personal fields to a function giving what the trail may keep
    (e.g. a masked NIK); ``permission_fields`` turn an update into a
    "permission change" event; ``region`` locates the record for district views.
    """

    def register(model: M) -> M:
        _TRACKED[model] = Tracking(frozenset(exclude), dict(mask or {}), frozenset(permission_fields), region)
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"audit-pre-{model._meta.label}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"audit-post-{model._meta.label}")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"audit-del-{model._meta.label}")
        return model

    return register


def tracked_models() -> dict[type[models.Model], Tracking]:
    return dict(_TRACKED)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "<biner>"
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _snapshot(instance: models.Model, tracking: Tracking) -> dict[str, Any]:
    values = {}
    for f in instance._meta.concrete_fields:
        if f.name in tracking.exclude or f.attname in tracking.exclude:
            continue
        value = getattr(instance, f.attname)
        if f.name in tracking.mask:
            value = tracking.mask[f.name](value) if value not in (None, "") else value
        values[f.name] = _jsonable(value)
    return values


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [before.get(name), after.get(name)]
        for name in after.keys() | before.keys()
        if before.get(name) != after.get(name)
    }


def _before_save(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    tracking = _TRACKED[sender]
    old = sender._base_manager.filter(pk=instance.pk).first()
    setattr(instance, _PENDING_BEFORE, _snapshot(old, tracking) if old else None)


def _after_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    tracking = _TRACKED[sender]
    after = _snapshot(instance, tracking)
    before = None if created else getattr(instance, _PENDING_BEFORE, None)
    if hasattr(instance, _PENDING_BEFORE):
        delattr(instance, _PENDING_BEFORE)
    changes = _diff(before or {}, after)
    if not created and not changes:
        return  # a save that changed nothing is not an event
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    if not created and tracking.permission_fields & changes.keys():
        action = AuditAction.PERMISSION_CHANGE
    record(action, instance, changes=changes)


def _after_delete(sender, instance, **kwargs):
    tracking = _TRACKED[sender]
    record(AuditAction.DELETE, instance, changes=_diff(_snapshot(instance, tracking), {}))


def _is_owner(user: Any) -> bool:
    return getattr(user, "role", None) == "pelaku_usaha"


def record(
    action: str,
    instance: models.Model | None = None,
    *,
    changes: dict | None = None,
    extra: dict | None = None,
    actor: Any = None,
    actor_label: str | None = None,
    object_repr: str | None = None,
    region_code: str | None = None,
) -> AuditEvent:
    """Write one audit event in the current context (request, API token or command)."""
    ctx = current()
    user = actor if actor is not None else ctx.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    content_type = object_id = None
    if instance is not None:
        content_type = ContentType.objects.get_for_model(instance, for_concrete_model=True)
        object_id = str(instance.pk)
        tracking = _TRACKED.get(type(instance))
        if region_code is None and tracking and tracking.region:
            region_code = tracking.region(instance) or ""
    return AuditEvent.objects.create(
        actor=user,
        actor_label=actor_label if actor_label is not None else (user.get_username() if user else ""),
        actor_role=getattr(user, "role", "") or "",
        on_behalf_of_owner=_is_owner(user),
        channel=ctx.channel,
        ip=ctx.ip,
        token_label=ctx.token_label,
        action=action,
        content_type=content_type,
        object_id=object_id or "",
        object_repr=(object_repr if object_repr is not None else str(instance) if instance else "")[:200],
        region_code=region_code or "",
        changes=changes or {},
        extra=extra or {},
    )


# The columns record_many() writes (the id is the database's).
_MANY_COLUMNS = (
    "at",
    "actor_id",
    "actor_label",
    "actor_role",
    "on_behalf_of_owner",
    "channel",
    "ip",
    "token_label",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "region_code",
    "changes",
    "extra",
)


def record_many(
    action: str,
    model: type[models.Model],
    entries: Iterable[tuple[Any, str, str, dict, dict]],
    *,
    actor: Any = None,
) -> int:
    """One event per record for bulk work (an import), written in one statement.

    ``entries`` are ``(pk, repr, region_code, changes, extra)``. Bulk writes skip the
    save signals, so without this an imported record would have no "Riwayat perubahan";
    ``bulk_create`` of the events would cost as much as the import itself.
    """
    from berdaya.core.bulk import RowWriter

    ctx = current()
    user = actor if actor is not None else ctx.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    writer = RowWriter()
    head = (
        writer.now,
        user.pk if user else None,
        user.get_username() if user else "",
        getattr(user, "role", "") or "",
        _is_owner(user),
        ctx.channel,
        ctx.ip,
        ctx.token_label,
        action,
        content_type.pk,
    )
    rows = [
        (*head, str(pk), text[:200], region or "", _json(changes), _json(extra))
        for pk, text, region, changes, extra in entries
    ]
    return writer.write(AuditEvent, _MANY_COLUMNS, rows)


def _json(value: dict) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def history(instance: models.Model) -> models.QuerySet[AuditEvent]:
    """Every event about one record, newest first ("Riwayat perubahan")."""
    content_type = ContentType.objects.get_for_model(instance, for_concrete_model=True)
    return AuditEvent.objects.filter(content_type=content_type, object_id=str(instance.pk)).select_related(
        "actor"
    )
