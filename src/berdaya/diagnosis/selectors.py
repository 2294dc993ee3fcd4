"""Every read of the diagnosis app, already narrowed to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

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
            SectionView(
                section.code,
                section.name,
                row.score if row else None,
                bool(row and row.weak),
                section.is_factor,
            )
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
        .values("instrument_id", "assessed_on", "book_year", "overall_score", "pk")
    )
    trends: dict[int, list[dict]] = {}
    for row in history:
        points = trends.setdefault(row["instrument_id"], [])
        if len(points) < TREND_POINTS:
            points.append(row)
    results = []
    for assessment in latest:
        points = list(reversed(trends.get(assessment.instrument_id, [])))
        if assessment.instrument.purpose == Purpose.KOPERASI_HEALTH:
            points.sort(key=lambda p: (p["book_year"] or 0, p["assessed_on"], p["pk"]))  # by book year
        results.append(
            {
                "assessment": assessment,
                "band": assessment.band_spec,
                "sections": sections_of(assessment),
                "recommendations": recommend.for_assessment(assessment),
                "trend": points,
                "change": (points[-1]["overall_score"] - points[-2]["overall_score"])
                if len(points) > 1
                else None,
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
        factor_score = SectionScore.objects.filter(assessment_id=OuterRef("pk"), section=factor).values(
            "score"
        )[:1]
        qs = qs.filter(recommend.weak_in(factor)).annotate(factor_score=Subquery(factor_score))
        order = ["factor_score", "-weak_count", "overall_score", "entity_id"]
    return qs.select_related("entity", "entity__kabkota", "version").order_by(*order)


def weak_factor_counts(user: Any, instrument: Instrument) -> list[dict[str, Any]]:
    """Latest assessments per (kab/kota, KBLI category, factor): assessed and weak. One GROUP BY
    over the section scores alone (kab/kota and category are copied onto them, D18)."""
    rows = (
        visible(user, SectionScore)
        .filter(instrument=instrument, is_latest=True, is_factor=True, score__isnull=False)
        .values_list("kabkota_id", "kbli_category", "section")
        .annotate(assessed=Count("id"), weak=Count("id", filter=Q(weak=True)))
        .order_by()
    )
    return [
        {"kabkota": kabkota, "category": category, "factor": factor, "assessed": assessed, "weak": weak}
        for kabkota, category, factor, assessed, weak in rows
    ]


def vulnerability_instrument() -> Instrument | None:
    return Instrument.objects.filter(purpose=Purpose.VULNERABILITY, active=True).order_by("code").first()


def count_capped(qs: QuerySet, cap: int = 10_000) -> tuple[int, bool]:
    from berdaya.registry.selectors import count_capped as registry_count_capped

    return registry_count_capped(qs, cap)


def section_names(instrument: Instrument) -> dict[str, str]:
    version = instrument.current_version()
    return {s.code: s.name for s in version.spec.sections} if version else {}


def worklist_rows(assessments, names: dict[str, str]) -> list[dict[str, Any]]:
    """The worklist page/export rows: weak factors by name and the interventions worth offering."""
    page = list(assessments)
    weak: dict[int, list[str]] = {}
    for assessment_id, section in SectionScore.objects.filter(
        assessment_id__in=[a.pk for a in page], weak=True
    ).values_list("assessment_id", "section"):
        weak.setdefault(assessment_id, []).append(section)
    rules: dict[int, list] = {}
    rows = []
    for assessment in page:
        if assessment.instrument_id not in rules:  # one query per instrument, not per row
            rules[assessment.instrument_id] = list(
                recommend.RecommendationRule.objects.filter(
                    instrument_id=assessment.instrument_id, active=True
                )
            )
        instrument_rules = rules[assessment.instrument_id]
        codes = weak.get(assessment.pk, [])
        seen: list[str] = []
        for rule in instrument_rules:
            if rule.section in codes and rule.applies_to in ("semua", assessment.entity.kind):
                label = str(recommend.InterventionKind(rule.intervention).label)
                if label not in seen:
                    seen.append(label)
        band = assessment.band_spec
        rows.append(
            {
                "assessment": assessment,
                "weak_codes": codes,
                "weak_names": [names.get(code, code) for code in codes],
                "interventions": seen,
                "band_label": band.label if band else assessment.band,
                "band_tone": band.tone if band else "secondary",
            }
        )
    return rows


@dataclass(frozen=True)
class FormQuestion:
    question: Any
    value: Any
    error: str

    @property
    def name(self) -> str:
        return f"q-{self.question.code}"

    @property
    def scale_points(self) -> list[int]:
        scale = self.question.scale
        return list(range(scale.min, scale.max + 1)) if scale else []

    @property
    def shown_value(self) -> str:
        return "" if self.value is None else str(self.value)


@dataclass(frozen=True)
class FormSection:
    section: Any
    questions: list[FormQuestion]

    @property
    def error_count(self) -> int:
        return sum(1 for q in self.questions if q.error)


def form_sections(spec, values: dict[str, Any], errors: dict[str, str]) -> list[FormSection]:
    return [
        FormSection(
            section,
            [FormQuestion(q, values.get(q.code), errors.get(q.code, "")) for q in section.questions],
        )
        for section in spec.sections
    ]


def answer_rows(spec, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Each question with the stored answer shown as the assessor saw it, and its score."""
    from berdaya.diagnosis import scoring

    rows = []
    for section in spec.sections:
        for question in section.questions:
            value = answers.get(question.code)
            shown = "–"
            points = None
            if value is not None:
                points = scoring.round2(scoring.question_score(question, value))
                if question.options:
                    shown = next((o.label for o in question.options if o.value == value), str(value))
                else:
                    shown = f"{value} {question.unit}".strip()
            rows.append({"section": section.name, "question": question, "answer": shown, "score": points})
    return rows
