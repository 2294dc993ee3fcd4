"""Demo grant programmes: two past ones and the current one, with applications at every stage.

``seed_programmes(seed)`` runs after the registry and the demo assessments. Candidates are
drawn from each programme's own eligibility (the same set-wise SQL as the candidate list), so
every demo application is one the rules admit. Rows are written in bulk (a few thousand in
all); the programme totals and district quotas are the sums of what was approved, so the
integrity the approval service keeps (never over budget or quota) holds for the demo as well.
Deterministic for a given seed, registry and day.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from berdaya.accounts.models import Role, User
from berdaya.core.audit import record
from berdaya.core.models import AuditAction
from berdaya.programmes import eligibility
from berdaya.programmes.models import (
    Application,
    ApplicationEvent,
    Channel,
    DistrictQuota,
    FundingSource,
    Intervention,
    InterventionKind,
    Programme,
    ProgrammeKind,
    ProgrammeStatus,
    Stage,
)
from berdaya.registry.models import Entity

JUTA = 1_000_000

# The stages an application passed through, in order, to reach each final stage.
PATH = {
    Stage.SUBMITTED: [Stage.SUBMITTED],
    Stage.VERIFIED: [Stage.SUBMITTED, Stage.VERIFIED],
    Stage.APPROVED: [Stage.SUBMITTED, Stage.VERIFIED, Stage.APPROVED],
    Stage.DELIVERED: [Stage.SUBMITTED, Stage.VERIFIED, Stage.APPROVED, Stage.DELIVERED],
    Stage.REPORTED: [Stage.SUBMITTED, Stage.VERIFIED, Stage.APPROVED, Stage.DELIVERED, Stage.REPORTED],
    Stage.CLOSED: [
        Stage.SUBMITTED,
        Stage.VERIFIED,
        Stage.APPROVED,
        Stage.DELIVERED,
        Stage.REPORTED,
        Stage.CLOSED,
    ],
    Stage.REJECTED: [Stage.SUBMITTED, Stage.REJECTED],
    Stage.WITHDRAWN: [Stage.SUBMITTED, Stage.WITHDRAWN],
}
AWARDED = (Stage.APPROVED, Stage.DELIVERED, Stage.REPORTED, Stage.CLOSED)
REJECTIONS = (
    "Dokumen NIB tidak sesuai dengan nama usaha.",
    "Usaha tidak ditemukan saat verifikasi lapangan.",
    "Sudah menerima bantuan sejenis dari kabupaten.",
    "Rencana penggunaan tidak sesuai ketentuan.",
)
PURPOSES = (
    "Pembelian bahan baku",
    "Pembelian peralatan produksi",
    "Perbaikan tempat usaha",
    "Pengemasan dan label produk",
    "Modal kerja",
)


@dataclass(frozen=True)
class Plan:
    name: str
    years_ago: int
    status: str
    budget: int
    ceiling: int
    rules: list[dict[str, Any]]
    stages: dict[str, int]  # final stage → how many applications
    unit: str = "Bidang Pemberdayaan Usaha Mikro"
    funding: str = FundingSource.APBD_PROVINSI


def plans() -> list[Plan]:
    return [
        Plan(
            "Bantuan Permodalan Usaha Mikro",
            2,
            ProgrammeStatus.COMPLETED,
            1_500 * JUTA,
            10 * JUTA,
            [
                {"field": "kind", "op": "in", "value": ["umkm"]},
                {"field": "size_class", "op": "in", "value": ["mikro"]},
                {"field": "has_nib", "op": "is", "value": True},
            ],
            {Stage.CLOSED: 150, Stage.REPORTED: 20, Stage.REJECTED: 35, Stage.WITHDRAWN: 5},
        ),
        Plan(
            "Hibah Penguatan Modal Koperasi",
            1,
            ProgrammeStatus.COMPLETED,
            1_000 * JUTA,
            25 * JUTA,
            [
                {"field": "kind", "op": "in", "value": ["koperasi"]},
                {"field": "koperasi_active", "op": "is", "value": True},
            ],
            {Stage.CLOSED: 30, Stage.REPORTED: 8, Stage.DELIVERED: 2, Stage.REJECTED: 10},
            unit="Bidang Kelembagaan Koperasi",
        ),
        Plan(
            "Bantuan Permodalan Usaha Mikro",
            0,
            ProgrammeStatus.OPEN,
            2_500 * JUTA,
            10 * JUTA,
            [
                {"field": "kind", "op": "in", "value": ["umkm"]},
                {"field": "size_class", "op": "in", "value": ["mikro"]},
                {"field": "has_nib", "op": "is", "value": True},
                {"field": "weak_factor", "op": "is", "value": True, "factor": "permodalan"},
                {"field": "no_intervention", "op": "none", "kind": "hibah", "years": 3},
            ],
            {
                Stage.SUBMITTED: 140,
                Stage.VERIFIED: 90,
                Stage.APPROVED: 60,
                Stage.DELIVERED: 45,
                Stage.REPORTED: 15,
                Stage.CLOSED: 5,
                Stage.REJECTED: 25,
                Stage.WITHDRAWN: 6,
            },
        ),
    ]


@dataclass
class ProgrammeSeedStats:
    programmes: int = 0
    applications: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    interventions: int = 0


def _users() -> dict[str, Any]:
    def first(role: str, region: str | None = None):
        qs = User.objects.filter(role=role, is_active=True)
        if region:
            qs = qs.filter(region_id=region)
        return qs.order_by("pk").first()

    return {
        "province": first(Role.DINAS_PROVINSI) or first(Role.ADMIN),
        "district": first(Role.DINAS_KABKOTA),
    }


def _when(start: dt.date, step: int, rng: random.Random, today: dt.date) -> dt.date:
    day = start + dt.timedelta(days=step * rng.randint(7, 30))
    return min(day, today)


@transaction.atomic
def seed_programmes(seed: int = 2026, *, today: dt.date | None = None) -> ProgrammeSeedStats:
    today = today or timezone.localdate()
    rng = random.Random(seed)
    stats = ProgrammeSeedStats()
    if Programme.objects.exists():
        return stats
    users = _users()
    province = settings.BERDAYA_PROVINCE
    taken: set[int] = set()
    for plan in plans():
        year = today.year - plan.years_ago
        opens = dt.date(year, 3, 1) if plan.years_ago else today - dt.timedelta(days=60)
        closes = dt.date(year, 10, 31) if plan.years_ago else today + dt.timedelta(days=45)
        programme = Programme.objects.create(
            kind=ProgrammeKind.GRANT,
            name=f"{plan.name} {year}",
            year=year,
            funding_source=plan.funding,
            region_id=province,
            total_budget=plan.budget,
            ceiling=plan.ceiling,
            opens_on=opens,
            closes_on=closes,
            unit=plan.unit,
            description="Data demo.",
            status=plan.status,
            eligibility=plan.rules,
            created_by=users["province"],
        )
        stats.programmes += 1
        _applications(programme, plan, rng, today, users, taken, stats)
    record(AuditAction.OTHER, None, object_repr="seed_programmes", extra={"programmes": stats.programmes})
    return stats


def _applications(
    programme: Programme,
    plan: Plan,
    rng: random.Random,
    today: dt.date,
    users: dict[str, Any],
    taken: set[int],
    stats: ProgrammeSeedStats,
) -> None:
    conditions = eligibility.parse(plan.rules)
    asof = min(today, programme.closes_on)
    pool = list(
        eligibility.eligible(Entity.objects.order_by(), conditions, asof)
        .exclude(pk__in=taken)
        .values_list(
            "pk",
            "kabkota_id",
            "name",
            "kind",
            "address",
            "kabkota__name",
            "umkm__nib",
            "koperasi__nik_koperasi",
        )[:20_000]
    )
    wanted = sum(plan.stages.values())
    chosen = rng.sample(pool, k=min(wanted, len(pool)))
    finals: list[str] = [stage for stage, n in plan.stages.items() for _ in range(n)][: len(chosen)]
    rng.shuffle(finals)
    apps: list[Application] = []
    events: list[tuple[int, list[str], dt.date]] = []
    approved_by_district: dict[str, int] = {}
    total = 0
    for (pk, kabkota, name, kind, address, kabkota_name, nib, nik_koperasi), final in zip(
        chosen, finals, strict=False
    ):
        requested = rng.choice((3, 5, 5, 7, 10)) * JUTA
        requested = min(requested, plan.ceiling)
        if final in AWARDED and total + requested > plan.budget:
            final = Stage.VERIFIED if plan.status == ProgrammeStatus.OPEN else Stage.REJECTED
        awarded = final in AWARDED
        if awarded:
            total += requested
            approved_by_district[kabkota] = approved_by_district.get(kabkota, 0) + 1
        started = programme.opens_on + dt.timedelta(days=rng.randint(0, 40))
        started = min(started, today)
        apps.append(
            Application(
                programme=programme,
                entity_id=pk,
                kabkota_id=kabkota,
                stage=final,
                channel=rng.choice((Channel.NOMINATED, Channel.NOMINATED, Channel.PORTAL)),
                amount_requested=requested,
                amount_approved=requested if awarded else None,
                purpose=rng.choice(PURPOSES),
                rejected_at_stage=Stage.SUBMITTED if final == Stage.REJECTED else "",
                reason=rng.choice(REJECTIONS) if final == Stage.REJECTED else "",
                frozen=(
                    {
                        "entity_name": name,
                        "kind": kind,
                        "kabkota": kabkota,
                        "kabkota_name": kabkota_name,
                        "address": address,
                        "nib": nib,
                        "nik_koperasi": nik_koperasi,
                        "amount_requested": requested,
                        "amount_approved": requested,
                        "source": "demo",
                    }
                    if awarded
                    else {}
                ),
                created_by=users["district"],
            )
        )
        events.append((pk, PATH[final], started))
        taken.add(pk)
    Application.objects.bulk_create(apps, batch_size=1000)
    by_entity = {
        a.entity_id: a
        for a in Application.objects.filter(programme=programme).only("pk", "entity_id", "stage")
    }
    event_rows: list[ApplicationEvent] = []
    ledger: list[Intervention] = []
    for pk, path, started in events:
        app = by_entity[pk]
        day = started
        for n, stage in enumerate(path):
            day = _when(started, n, rng, today)
            actor = users["district"] if stage in (Stage.SUBMITTED, Stage.VERIFIED) else users["province"]
            event_rows.append(
                ApplicationEvent(
                    application_id=app.pk,
                    from_stage=path[n - 1] if n else "",
                    to_stage=stage,
                    actor=actor,
                    note=app.reason if stage == Stage.REJECTED else "",
                )
            )
            if stage == Stage.DELIVERED:
                ledger.append(
                    Intervention(
                        entity_id=pk,
                        kind=InterventionKind.GRANT,
                        delivered_on=day,
                        title=programme.name,
                        amount=next(a.amount_approved for a in apps if a.entity_id == pk),
                        programme=programme,
                        application_id=app.pk,
                    )
                )
        stats.by_stage[app.stage] = stats.by_stage.get(app.stage, 0) + 1
    ApplicationEvent.objects.bulk_create(event_rows, batch_size=2000)
    Intervention.objects.bulk_create(ledger, batch_size=1000)
    stats.applications += len(apps)
    stats.interventions += len(ledger)
    approved = sum(approved_by_district.values())
    Programme.objects.filter(pk=programme.pk).update(approved_total=total, approved_count=approved)
    if plan.status == ProgrammeStatus.OPEN:
        # quotas for the current programme: what was approved plus room, per kab/kota
        DistrictQuota.objects.bulk_create(
            [
                DistrictQuota(programme=programme, kabkota_id=code, quota=n + 10, approved=n)
                for code, n in sorted(approved_by_district.items())
            ]
        )
