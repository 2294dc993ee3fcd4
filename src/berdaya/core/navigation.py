"""The pillars of the office's work, in the order of the navigation bar.

A pillar is linked only once its pages exist (``url_name`` set): pages that are
not built yet are not shown rather than faked.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Pillar:
    key: str
    label: str | Promise
    icon: str
    url_name: str | None = None

    def url(self) -> str | None:
        if not self.url_name:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


PILLARS: tuple[Pillar, ...] = (
    Pillar("registry", _("Registri"), "building"),
    Pillar("diagnosis", _("Diagnosis"), "clipboard2-pulse"),
    Pillar("programmes", _("Program"), "cash-coin"),
    Pillar("training", _("Pelatihan"), "mortarboard"),
    Pillar("credit", _("Kredit"), "bank"),
    Pillar("marketing", _("Pemasaran"), "shop"),
    Pillar("partnerships", _("Kemitraan"), "people"),
    Pillar("consultations", _("Konsultasi"), "chat-square-text"),
    Pillar("social_security", _("BPJS"), "shield-check"),
    Pillar("awards", _("Penghargaan"), "award"),
    Pillar("insights", _("Dasbor"), "bar-chart-line"),
)

# Reference pages that exist from Part 1 on.
REFERENCE_LINKS: tuple[Pillar, ...] = (
    Pillar("regions", _("Wilayah"), "geo-alt", "regions:list"),
    Pillar("api_docs", _("API"), "code-slash", "api:openapi-view"),
)


def available(items: tuple[Pillar, ...]) -> list[tuple[Pillar, str]]:
    return [(item, url) for item in items if (url := item.url())]
