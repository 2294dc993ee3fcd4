"""Every read of the registry, already narrowed to the user's scope (core/scoping.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from berdaya.core.scoping import get_visible_or_404, visible
from berdaya.registry import rules, search
from berdaya.registry.models import Entity, EntityKind, Koperasi

# Sort keys a user may ask for → the ORDER BY that serves it (ties broken by id).
SORTS: dict[str, tuple[str, ...]] = {
    "nama": ("name_search", "id"),
    "-nama": ("-name_search", "-id"),
    "wilayah": ("kabkota_id", "kecamatan_id", "name_search", "id"),
    "-wilayah": ("-kabkota_id", "-kecamatan_id", "-name_search", "-id"),
    "baru": ("-id",),
    "lama": ("id",),
}
DEFAULT_SORT = "nama"


@dataclass
class RegistryFilters:
    """What the registry list can be filtered by; every field is optional."""

    q: str = ""
    kind: str = ""
    kabkota: str = ""
    kecamatan: str = ""
    size_class: str = ""
    kbli_category: str = ""
    jenis: str = ""
    legal_status: str = ""
    rat: str = ""  # "patuh" (RAT in the window) | "tidak" (not)
    has_nib: str = ""  # "ya" | "tidak"
    sort: str = DEFAULT_SORT

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def active(self) -> dict[str, str]:
        return {
            name: value for name in self.field_names() if (value := getattr(self, name)) and name != "sort"
        }


def entities(
    user, filters: RegistryFilters | None = None, *, today: dt.date | None = None
) -> QuerySet[Entity]:
    """The registry list: scoped, filtered, searched and sorted, ready to paginate."""
    f = filters or RegistryFilters()
    today = today or timezone.localdate()
    qs = visible(user, Entity).select_related("kabkota", "kecamatan")
    if f.kind in EntityKind.values:
        qs = qs.filter(kind=f.kind)
    if f.kabkota:
        qs = qs.filter(kabkota_id=f.kabkota)
    if f.kecamatan:
        qs = qs.filter(kecamatan_id=f.kecamatan)
    if f.kbli_category:
        qs = qs.filter(kbli_category=f.kbli_category.upper()[:1])
    if f.size_class:
        qs = qs.filter(umkm__size_class=f.size_class)
    if f.has_nib == "ya":
        qs = qs.filter(umkm__nib__isnull=False)
    elif f.has_nib == "tidak":
        qs = qs.filter(kind=EntityKind.UMKM, umkm__nib__isnull=True)
    if f.jenis:
        qs = qs.filter(koperasi__jenis=f.jenis)
    if f.legal_status:
        qs = qs.filter(koperasi__legal_status=f.legal_status)
    if f.rat == "patuh":
        qs = qs.filter(rules.koperasi_active_q(today, prefix="koperasi__"))
    elif f.rat == "tidak":
        qs = qs.filter(kind=EntityKind.KOPERASI).exclude(rules.koperasi_active_q(today, prefix="koperasi__"))
    if f.q:
        qs = search.search(qs, f.q, ranked=f.sort == DEFAULT_SORT)
        if f.sort == DEFAULT_SORT:
            return qs  # best matches first
    if (f.q or f.size_class or f.has_nib) and f.sort in ("nama", "-nama"):
        return qs.order_by(*search.matches_by_name(descending=f.sort == "-nama"))
    return qs.order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


# What a row of the registry list shows: loading only these keeps the ciphertexts and
# the dozens of other columns of 50 entities (and their regions) out of every page.
LIST_FIELDS = (
    "id",
    "kind",
    "name",
    "kbli_category",
    "kabkota",
    "kabkota__name",
    "kecamatan",
    "kecamatan__name",
)


def for_list(qs: QuerySet[Entity]) -> QuerySet[Entity]:
    return qs.only(*LIST_FIELDS)


def count_capped(qs: QuerySet, cap: int = 10_000) -> tuple[int, bool]:
    """How many rows, counting at most ``cap`` + 1: an exact total over a million rows
    costs more than the page itself, and "more than 10.000" is what a clerk needs."""
    n = qs.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def entity_detail(user, pk: int) -> Entity:
    return get_visible_or_404(
        user,
        Entity.objects.select_related(
            "region", "kabkota", "kecamatan", "kbli", "umkm", "umkm__owner", "koperasi"
        ),
        pk=pk,
    )


def rat_compliance_by_district(user, *, today: dt.date | None = None) -> list[dict]:
    """Per kab/kota: koperasi, how many held RAT in the window, the share — one grouped query."""
    today = today or timezone.localdate()
    active = rules.koperasi_active_q(today)
    rows = (
        visible(user, Koperasi)
        .values("entity__kabkota_id", "entity__kabkota__name")
        .annotate(
            total=Count("pk"),
            compliant=Count("pk", filter=active),
            no_rat=Count("pk", filter=Q(last_rat_year__isnull=True)),
        )
        .order_by("entity__kabkota_id")
    )
    out = []
    for row in rows:
        total = row["total"]
        out.append(
            {
                "code": row["entity__kabkota_id"],
                "name": row["entity__kabkota__name"],
                "total": total,
                "compliant": row["compliant"],
                "not_compliant": total - row["compliant"],
                "never": row["no_rat"],
                "share": round(100 * row["compliant"] / total, 1) if total else 0.0,
            }
        )
    return out


METRIC_COLUMNS = (
    ("sales", "Omzet"),
    ("assets", "Aset"),
    ("modal", "Modal"),
    ("business_volume", "Volume usaha"),
    ("shu", "SHU"),
)


def profile(user, entity: Entity, *, today: dt.date | None = None) -> dict:
    """Everything the entity page shows, in a handful of queries."""
    from berdaya.registry import timeline

    today = today or timezone.localdate()
    metrics = list(entity.year_metrics.order_by("year"))
    context: dict = {
        "entity": entity,
        "metrics": metrics,
        "chart": _metrics_chart(metrics),
        "timeline": timeline.for_entity(entity),
        "age": rules.business_age(entity.year_founded, today) if entity.year_founded else None,
        "umkm": None,
        "koperasi": None,
    }
    if entity.kind == EntityKind.UMKM and hasattr(entity, "umkm"):
        context["umkm"] = entity.umkm
    if entity.kind == EntityKind.KOPERASI and hasattr(entity, "koperasi"):
        koperasi = entity.koperasi
        context["koperasi"] = koperasi
        context["koperasi_active"] = rules.koperasi_is_active(koperasi.last_rat_year, today)
        context["rat_window_start"] = rules.earliest_qualifying_book_year(today)
        context["officers"] = koperasi.officers.select_related("person").order_by("role", "since")
        context["rat_records"] = koperasi.rat_records.order_by("-book_year")
    return context


def _metrics_chart(metrics: list, width: int = 560, height: int = 160) -> dict | None:
    """Bar geometry for the omzet/volume history (an inline SVG: no chart library needed)."""
    series = [(m.year, m.sales if m.sales is not None else m.business_volume) for m in metrics]
    series = [(year, value) for year, value in series if value is not None]
    if len(series) < 2:
        return None
    top = max(value for _, value in series) or 1
    gap = 12
    bar = (width - gap * (len(series) + 1)) / len(series)
    bars = []
    for i, (year, value) in enumerate(series):
        h = round((height - 30) * value / top, 1)
        x = round(gap + i * (bar + gap), 1)
        bars.append(
            {"year": year, "value": value, "x": x, "y": round(height - 20 - h, 1), "w": round(bar, 1), "h": h}
        )
    return {"width": width, "height": height, "bars": bars}
