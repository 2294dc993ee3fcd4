"""The entity's timeline, "Riwayat pembinaan": what happened to it and what it received.

Each source registers one function; the registry adds its own facts (founding,
legal registration, RAT, status changes) and every programme kind of later parts
adds its interventions the same way, so the profile page never changes when a
pillar is added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class TimelineItem:
    date: dt.date
    kind: str  # a short key, also the CSS/icon hook: "registry", "rat", "status", "grant", …
    title: str
    detail: str = ""
    icon: str = "dot"


Source = Callable[[object], Iterable[TimelineItem]]
_SOURCES: list[Source] = []


def source(fn: Source) -> Source:
    _SOURCES.append(fn)
    return fn


def for_entity(entity) -> list[TimelineItem]:
    items = [item for fn in _SOURCES for item in fn(entity)]
    return sorted(items, key=lambda item: item.date, reverse=True)


@source
def registry_facts(entity) -> Iterable[TimelineItem]:
    if entity.year_founded:
        yield TimelineItem(dt.date(entity.year_founded, 1, 1), "registry", _("Usaha berdiri"), "", "flag")
    koperasi = getattr(entity, "koperasi", None) if entity.kind == "koperasi" else None
    if koperasi is None:
        return
    if koperasi.tanggal_badan_hukum:
        yield TimelineItem(
            koperasi.tanggal_badan_hukum,
            "registry",
            _("Badan hukum disahkan"),
            koperasi.nomor_badan_hukum,
            "bank2",
        )
    for rat in koperasi.rat_records.all():
        yield TimelineItem(
            rat.held_on or dt.date(rat.book_year + 1, 6, 30),
            "rat",
            _("RAT tahun buku %(year)s") % {"year": rat.book_year},
            "",
            "people",
        )
    for change in koperasi.status_changes.all():
        yield TimelineItem(
            change.date,
            "status",
            _("Status: %(from)s → %(to)s")
            % {"from": change.get_from_status_display(), "to": change.get_to_status_display()},
            change.reason,
            "arrow-left-right",
        )
