from __future__ import annotations

from django import template
from django.db import models

from berdaya.core import audit
from berdaya.core.audit_display import describe
from berdaya.core.money import format_rupiah, spell_rupiah

register = template.Library()

HISTORY_LIMIT = 50


@register.filter
def rupiah(value: int | None) -> str:
    """``{{ amount|rupiah }}`` → ``Rp 1.500.000``."""
    return format_rupiah(value)


@register.filter
def terbilang(value: int) -> str:
    """``{{ amount|terbilang }}`` → ``satu juta lima ratus ribu rupiah``."""
    return spell_rupiah(value)


@register.simple_tag
def history_of(obj: models.Model, limit: int = HISTORY_LIMIT) -> dict:
    """``{% history_of record as history %}``: the newest events about one record, readable.

    Only use it on a page that already passed the record's scope check: the trail itself
    is not scoped (see core/models.py AuditEvent).
    """
    events = list(audit.history(obj)[: limit + 1])
    return {
        "events": describe(events[:limit]),
        "more": len(events) > limit,
        "limit": limit,
        "content_type_id": events[0].content_type_id if events else None,
        "object_id": str(obj.pk),
    }
