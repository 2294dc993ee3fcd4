"""The audit trail as people read it: field labels, choice labels and related names
instead of the raw values stored in ``AuditEvent.changes``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from berdaya.core.models import AuditAction, AuditEvent

EMPTY = "–"


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class EventView:
    event: AuditEvent
    changes: list[FieldChange]
    note: str
    actor_role: str

    @property
    def is_create(self) -> bool:
        return self.event.action == AuditAction.CREATE


class _Related:
    """Looks up each related record once per rendering, however many events mention it."""

    def __init__(self) -> None:
        self._seen: dict[tuple[type[models.Model], Any], str] = {}

    def label(self, model: type[models.Model], pk: Any) -> str:
        key = (model, pk)
        if key not in self._seen:
            obj = model._base_manager.filter(pk=pk).first()
            self._seen[key] = str(obj) if obj is not None else str(pk)
        return self._seen[key]


def _display(field: models.Field | None, value: Any, related: _Related) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if field is None:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation and field.related_model is not None:
        return related.label(field.related_model, value)
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    if isinstance(value, list | dict):
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return str(value)


def _note(event: AuditEvent) -> str:
    extra = event.extra or {}
    if event.action == AuditAction.PASSWORD_RESET:
        if extra.get("generated"):
            return _("Administrator membuat kata sandi sementara.")
        return _("Administrator menetapkan kata sandi sementara.")
    if event.action == AuditAction.LOGIN_UNLOCK:
        return _("Kunci masuk dibuka oleh administrator.")
    if extra.get("file") and extra.get("row"):  # written by an import, one event per row
        return _("Dari impor berkas %(file)s, baris %(row)s (batch #%(batch)s).") % {
            "file": extra["file"],
            "row": extra["row"],
            "batch": extra.get("import_batch") or "–",
        }
    if event.action == AuditAction.LOGIN_FAILED and extra.get("username"):
        return _("Nama pengguna yang dicoba: %(name)s") % {"name": extra["username"]}
    return ""


def _role_labels() -> dict[str, str]:
    try:
        field = get_user_model()._meta.get_field("role")
    except FieldDoesNotExist:
        return {}
    return {value: str(label) for value, label in field.flatchoices}


def describe(events: Iterable[AuditEvent]) -> list[EventView]:
    related = _Related()
    roles = _role_labels()
    out = []
    for event in events:
        model = event.content_type.model_class() if event.content_type_id else None
        changes = []
        order = {f.name: i for i, f in enumerate(model._meta.concrete_fields)} if model else {}
        items = sorted((event.changes or {}).items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
        for name, pair in items:  # in the order of the model's fields, as on its form
            before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
            field = None
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    field = None
            if field is not None and field.primary_key:
                continue  # the record's id is in the heading already
            if event.action == AuditAction.CREATE and after in (None, "", False):
                continue  # a new record's empty fields say nothing
            label = capfirst(str(field.verbose_name)) if field is not None else name
            changes.append(
                FieldChange(name, label, _display(field, before, related), _display(field, after, related))
            )
        role = roles.get(event.actor_role, event.actor_role)  # the role held at the time
        out.append(EventView(event, changes, _note(event), role))
    return out
