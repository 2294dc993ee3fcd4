"""Every read of the diagnosis app, already narrowed to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from berdaya.accounts.permissions import has_permission
from berdaya.core.scoping import visible
from berdaya.diagnosis import recommend
from berdaya.diagnosis.models import Assessment, Instrument, Purpose, SectionScore
from berdaya.registry.models import Entity

TREND_POINTS = 8


@dataclass(frozen=True)
class SectionView:
    code: str
    name: str
    score: Decimal | None
    weak: bool
    is_factor: bool


def sections_of(assessment: Assessment) -> list[SectionView]:
    scores = {row.section: row for row in assessment.section_scores.all()}
    shown = []
    for section in assessment.version.spec.sections:
        row = scores.get(section.code)
        shown.append(
            SectionView(section.code, section.name, row.score if row else None, bool(row and row.weak), section.is_factor)
        )
    return shown


def assessable_instruments(user: Any, entity: Entity) -> list[Instrument]:
    if not has_permission(user, "diagnosis.assess"):
        return []
    return [i for i in Instrument.objects.filter(active=True) if i.fits(entity)]


def entity_panel(user: Any, entity: Entity) -> dict[str, Any]:
    """What the profile shows: per instrument the latest result, its trend and recommendations."""
    latest = recommend.latest_assessments(entity)
    history = (
        visible(user, Assessment)
        .filter(entity=entity)
        .order_by("instrument_id", "-assessed_on", "-id")
        .values("instrument_id", "assessed_on", "overall_score", "pk")
    )
    trends: dict[int, list[dict]] = {}
    for row in history:
        points = trends.setdefault(row["instrument_id"], [])
        if len(points) < TREND_POINTS:
            points.append(row)
    results = []
    for assessment in latest:
        points = list(reversed(trends.get(assessment.instrument_id, [])))
        results.append(
            {
                "assessment": assessment,
                "band": assessment.band_spec,
                "sections": sections_of(assessment),
                "recommendations": recommend.for_assessment(assessment),
                "trend": points,
                "change": (points[-1]["overall_score"] - points[-2]["overall_score"]) if len(points) > 1 else None,
            }
        )
    return {"entity": entity, "results": results, "instruments": assessable_instruments(user, entity)}


def assessments(user: Any) -> QuerySet[Assessment]:
    return visible(user, Assessment).select_related("entity", "instrument", "version", "assessed_by")


def worklist(
    user: Any,
    *,
    instrument: Instrument,
    factor: str = "",
    kabkota: str = "",
    kecamatan: str = "",
    size_class: str = "",
    kind: str = "",
    kbli_category: str = "",
    not_served: bool = False,
) -> QuerySet[Assessment]:
    """Latest assessments ranked by need: most weak factors first, then the lowest score.

    With a factor chosen, only entities weak in it, the weakest first.
    """
    qs = visible(user, Assessment).filter(instrument=instrument, is_latest=True, weak_count__gt=0)
    if kabkota:
        qs = qs.filter(entity__kabkota_id=kabkota)
    if kecamatan:
        qs = qs.filter(entity__kecamatan_id=kecamatan)
    if kind:
        qs = qs.filter(entity__kind=kind)
    if size_class:
        qs = qs.filter(entity__umkm__size_class=size_class)
    if kbli_category:
        qs = qs.filter(entity__kbli_category=kbli_category)
    if not_served:
        qs = qs.filter(~recommend.served_since_assessment())
    order = ["-weak_count", "overall_score", "entity_id"]
    if factor:
        factor_score = SectionScore.objects.filter(assessment_id=OuterRef("pk"), section=factor).values("score")[:1]
        qs = qs.filter(recommend.weak_in(factor)).annotate(factor_score=Subquery(factor_score))
        order = ["factor_score", "-weak_count", "overall_score", "entity_id"]
    return qs.select_related("entity", "entity__kabkota", "version").order_by(*order)


def weak_factor_counts(user: Any, instrument: Instrument) -> list[dict[str, Any]]:
    """Latest assessments per (kab/kota, KBLI category, factor): assessed and weak. One GROUP BY."""
    return list(
        visible(user, SectionScore)
        .filter(instrument=instrument, is_latest=True, is_factor=True, score__isnull=False)
        .values(kabkota=F("entity__kabkota_id"), category=F("entity__kbli_category"), factor=F("section"))
        .annotate(assessed=Count("id"), weak=Count("id", filter=Q(weak=True)))
        .order_by()
    )


def vulnerability_instrument() -> Instrument | None:
    return Instrument.objects.filter(purpose=Purpose.VULNERABILITY, active=True).order_by("code").first()
