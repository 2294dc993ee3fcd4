"""Weak factors → recommended interventions, from the office's rules (``RecommendationRule``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef

from berdaya.diagnosis.models import AppliesTo, Assessment, Instrument, RecommendationRule, SectionScore
from berdaya.programmes.models import Intervention, InterventionKind

# The defaults installed with the shipped instruments (SPEC §1's table); the office edits them.
# (instrument, section, intervention, topic, priority)
DEFAULT_RULES: tuple[tuple[str, str, str, str, int], ...] = (
    ("kerentanan", "permodalan", InterventionKind.GRANT, "Bantuan permodalan usaha", 10),
    ("kerentanan", "permodalan", InterventionKind.KUR_REFERRAL, "Rujukan Kredit Usaha Rakyat (KUR)", 20),
    ("kerentanan", "permodalan", InterventionKind.TRAINING, "Pembukuan dan pengelolaan keuangan usaha", 30),
    ("kerentanan", "keterampilan", InterventionKind.TRAINING, "Manajemen usaha dan perhitungan HPP", 10),
    ("kerentanan", "keterampilan", InterventionKind.TRAINING, "Peningkatan mutu dan standar produk", 20),
    ("kerentanan", "pemasaran", InterventionKind.EVENT, "Keikutsertaan pameran / bazar UMKM", 10),
    ("kerentanan", "pemasaran", InterventionKind.CATALOGUE, "Pendaftaran produk di katalog", 20),
    ("kerentanan", "pemasaran", InterventionKind.PARTNERSHIP, "Temu kemitraan dengan pembeli", 30),
    (
        "kerentanan",
        "teknologi",
        InterventionKind.DIGITAL_TRAINING,
        "Pemasaran digital dan pembayaran QRIS",
        10,
    ),
    ("kerentanan", "teknologi", InterventionKind.CONSULTATION, "Konsultasi teknologi produksi", 20),
    ("kerentanan", "legalitas", InterventionKind.LEGALITY, "Pendampingan NIB, sertifikat halal, P-IRT", 10),
    (
        "kesehatan_ksp_2016",
        "permodalan",
        InterventionKind.CONSULTATION,
        "Pendampingan penguatan modal sendiri",
        10,
    ),
    (
        "kesehatan_ksp_2016",
        "kualitas_aktiva_produktif",
        InterventionKind.TRAINING,
        "Manajemen risiko pinjaman",
        10,
    ),
    ("kesehatan_ksp_2016", "manajemen", InterventionKind.TRAINING, "Tata kelola dan manajemen koperasi", 10),
    ("kesehatan_ksp_2016", "efisiensi", InterventionKind.CONSULTATION, "Efisiensi biaya operasional", 10),
    ("kesehatan_ksp_2016", "likuiditas", InterventionKind.CONSULTATION, "Pengelolaan likuiditas", 10),
    (
        "kesehatan_ksp_2016",
        "kemandirian_pertumbuhan",
        InterventionKind.TRAINING,
        "Perencanaan usaha koperasi",
        10,
    ),
    (
        "kesehatan_ksp_2016",
        "jatidiri_koperasi",
        InterventionKind.TRAINING,
        "Pendidikan perkoperasian bagi anggota",
        10,
    ),
)


def install_default_rules() -> int:
    """Add the default rules of each shipped instrument that has no rules yet."""
    created = 0
    for instrument in Instrument.objects.filter(rules__isnull=True):
        rules = [
            RecommendationRule(
                instrument=instrument, section=section, intervention=kind, topic=topic, priority=priority
            )
            for code, section, kind, topic, priority in DEFAULT_RULES
            if code == instrument.code
        ]
        RecommendationRule.objects.bulk_create(rules)
        created += len(rules)
    return created


@dataclass(frozen=True)
class Recommendation:
    rule: RecommendationRule
    section: str
    section_name: str
    score: Decimal | None
    served: bool  # an intervention of this kind was delivered on or after the assessment

    @property
    def intervention_label(self) -> str:
        return str(InterventionKind(self.rule.intervention).label)


def for_assessment(
    assessment: Assessment, rules: list[RecommendationRule] | None = None
) -> list[Recommendation]:
    """The rules matching this assessment's weak sections, most urgent first."""
    spec = assessment.version.spec
    names = {section.code: section.name for section in spec.sections}
    scores = {row.section: row.score for row in assessment.section_scores.all()}
    if rules is None:
        rules = list(RecommendationRule.objects.filter(instrument_id=assessment.instrument_id, active=True))
    served_kinds = set(
        Intervention.objects.filter(entity_id=assessment.entity_id, delivered_on__gte=assessment.assessed_on)
        .values_list("kind", flat=True)
        .distinct()
    )
    kind = assessment.entity.kind
    found = []
    for rule in rules:
        if rule.applies_to not in (AppliesTo.ALL, kind):
            continue
        score = scores.get(rule.section)
        threshold = rule.threshold(spec.weak_below)
        if score is None or threshold is None or score >= threshold:
            continue
        found.append(
            Recommendation(
                rule,
                rule.section,
                names.get(rule.section, rule.section),
                score,
                rule.intervention in served_kinds,
            )
        )
    found.sort(key=lambda r: (r.served, r.score if r.score is not None else 100, r.rule.priority))
    return found


def latest_assessments(entity: Any) -> list[Assessment]:
    return list(
        Assessment.objects.filter(entity=entity, is_latest=True)
        .select_related("instrument", "version", "entity")
        .prefetch_related("section_scores")
        .order_by("instrument__purpose", "instrument__code")
    )


def served_since_assessment() -> Exists:
    """For a queryset of assessments: an intervention was delivered to the entity since then."""
    return Exists(
        Intervention.objects.filter(
            entity_id=OuterRef("entity_id"), delivered_on__gte=OuterRef("assessed_on")
        )
    )


def weak_in(section: str) -> Exists:
    return Exists(SectionScore.objects.filter(assessment_id=OuterRef("pk"), section=section, weak=True))
