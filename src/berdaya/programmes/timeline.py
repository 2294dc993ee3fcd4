"""Interventions on the entity's timeline (riwayat pembinaan)."""

from __future__ import annotations

from collections.abc import Iterable

from berdaya.core.money import format_rupiah
from berdaya.registry.timeline import TimelineItem, source

ICONS = {
    "hibah": "cash-coin",
    "kur": "bank",
    "pelatihan": "mortarboard",
    "digitalisasi": "phone",
    "pameran": "shop",
    "katalog": "journal-richtext",
    "kemitraan": "people",
    "konsultasi": "chat-square-text",
    "legalitas": "patch-check",
}


@source
def interventions(entity) -> Iterable[TimelineItem]:
    for item in entity.interventions.all():
        detail = item.get_kind_display()
        if item.amount:
            detail = f"{detail} · {format_rupiah(item.amount)}"
        yield TimelineItem(item.delivered_on, "intervention", item.title, detail, ICONS.get(item.kind, "dot"))
