"""The reads of the programme management pages: the list, one programme, its quotas, its candidates.

Programmes and their quotas are the office's configuration (unscoped); the applications carry the
scope, so every count of applications goes through :func:`berdaya.core.scoping.visible`, and a
district officer sees the counts of their own district only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from berdaya.core.scoping import visible
from berdaya.programmes import eligibility, services
from berdaya.programmes.models import (
    ENDED_WITHOUT_AWARD,
    Application,
    DistrictQuota,
    Programme,
    ProgrammeStatus,
    Stage,
)
from berdaya.registry.forms import kabkota_choices
from berdaya.registry.models import Entity

# The stages after approval: an application there holds a recipient's place (DistrictQuota.approved).
AWARDED = (Stage.APPROVED, Stage.DELIVERED, Stage.REPORTED, Stage.CLOSED)

# How many entities a "Periksa entitas" look-up by name lists to choose from.
LOOKUP_LIMIT = 10


# --- gauges ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gauge:
    """How much of a whole is used: money (Rupiah) or recipients."""

    used: int
    total: int | None  # None: no limit (a district without a quota row)

    @property
    def percent(self) -> int:
        if not self.total:
            return 0
        return min(100, round(self.used * 100 / self.total))

    @property
    def remaining(self) -> int | None:
        return None if self.total is None else self.total - self.used

    @property
    def tone(self) -> str:
        if self.total is None:
            return "secondary"
        if self.used >= self.total:
            return "danger"
        return "warning" if self.percent >= 80 else "success"


def budget_gauge(programme: Programme) -> Gauge:
    return Gauge(programme.approved_total, programme.total_budget)


# --- the list -------------------------------------------------------------------------------------


def programmes(*, year: int | None = None, status: str = "", kind: str = "") -> QuerySet[Programme]:
    qs = Programme.objects.select_related("region")
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-year", "name", "pk")


def years() -> list[int]:
    return list(Programme.objects.order_by("-year").values_list("year", flat=True).distinct())


def stage_counts(user: Any, programme_ids: list[int]) -> dict[int, dict[str, int]]:
    """``{programme id: {stage: n}}`` of the applications the user may see: one grouped query."""
    rows = (
        visible(user, Application)
        .filter(programme_id__in=programme_ids)
        .order_by()
        .values("programme_id", "stage")
        .annotate(n=Count("pk"))
    )
    counts: dict[int, dict[str, int]] = {pk: {} for pk in programme_ids}
    for row in rows:
        counts[row["programme_id"]][row["stage"]] = row["n"]
    return counts


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    n: int


def stage_list(counts: dict[str, int], *, all_stages: bool = False) -> list[StageCount]:
    """The stages in lifecycle order; without ``all_stages`` only those with applications."""
    return [
        StageCount(value, str(label), counts.get(value, 0))
        for value, label in Stage.choices
        if all_stages or counts.get(value)
    ]


@dataclass(frozen=True)
class ProgrammeRow:
    programme: Programme
    gauge: Gauge
    stages: list[StageCount]
    total: int


def programme_rows(user: Any, page: list[Programme]) -> list[ProgrammeRow]:
    counts = stage_counts(user, [p.pk for p in page])
    return [
        ProgrammeRow(p, budget_gauge(p), stage_list(counts[p.pk]), sum(counts[p.pk].values())) for p in page
    ]


# --- one programme --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaRow:
    code: str
    name: str
    quota: int | None  # None: no quota row ("tanpa kuota")
    approved: int

    @property
    def gauge(self) -> Gauge:
        return Gauge(self.approved, self.quota)


def target_districts(programme: Programme) -> list[tuple[str, str]]:
    """The kab/kota a programme may serve: every one of the province, or its one kab/kota."""
    districts = kabkota_choices(settings.BERDAYA_PROVINCE)
    if programme.region_id and programme.region_id != settings.BERDAYA_PROVINCE:
        districts = [(code, name) for code, name in districts if code == programme.region_id]
    return districts


def quota_rows(programme: Programme) -> list[QuotaRow]:
    """Per kab/kota: its quota and how many recipients it has, for every district the programme serves.

    A district with a quota row counts with that row (kept by the approval service under its
    lock); one without counts its awarded applications (a number, not personal data).
    """
    quotas = {q.kabkota_id: q for q in DistrictQuota.objects.filter(programme=programme)}
    awarded = dict(
        Application.objects.filter(programme=programme, stage__in=AWARDED)
        .order_by()
        .values("kabkota_id")
        .annotate(n=Count("pk"))
        .values_list("kabkota_id", "n")
    )
    rows = []
    for code, name in target_districts(programme):
        quota = quotas.get(code)
        if quota is not None:
            rows.append(QuotaRow(code, name, quota.quota, quota.approved))
        else:
            rows.append(QuotaRow(code, name, None, awarded.get(code, 0)))
    return rows


@dataclass
class Rules:
    """A programme's conditions, in words; ``errors`` when the stored rules cannot be read."""

    conditions: list[eligibility.Condition] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def rules_of(programme: Programme) -> Rules:
    try:
        conditions = services.conditions_of(programme)
    except eligibility.RuleError as exc:
        return Rules(errors=exc.errors)
    return Rules(conditions, eligibility.describe(conditions))


def next_statuses(programme: Programme) -> list[str]:
    """The statuses a programme can be moved to from where it is (the same table as set_status)."""
    return {
        ProgrammeStatus.DRAFT: [ProgrammeStatus.OPEN],
        ProgrammeStatus.OPEN: [ProgrammeStatus.CLOSED],
        ProgrammeStatus.CLOSED: [ProgrammeStatus.OPEN, ProgrammeStatus.COMPLETED],
        ProgrammeStatus.COMPLETED: [],
    }[programme.status]


def accepting(programme: Programme, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return programme.status == ProgrammeStatus.OPEN and programme.opens_on <= today <= programme.closes_on


# --- candidates -----------------------------------------------------------------------------------


def candidates(user: Any, programme: Programme, *, q: str = "", kabkota: str = "") -> QuerySet[Entity]:
    """The programme's candidates the user may see (services.candidates: one query), filtered."""
    qs = services.candidates(user, programme)
    if q:
        qs = qs.filter(name__icontains=q)
    if kabkota:
        qs = qs.filter(kabkota_id=kabkota)
    return qs.select_related("kabkota").order_by("name", "pk")


def applications_by_entity(user: Any, programme: Programme, entity_ids: list[int]) -> dict[int, Application]:
    """Each entity's place in the programme: its standing application, else its latest ended one."""
    found: dict[int, Application] = {}
    rows = (
        visible(user, Application)
        .filter(programme=programme, entity_id__in=entity_ids)
        .order_by("-created_at", "-pk")
    )
    for app in rows:
        current = found.get(app.entity_id)
        if current is None or (current.stage in ENDED_WITHOUT_AWARD and app.stage not in ENDED_WITHOUT_AWARD):
            found[app.entity_id] = app
    return found


@dataclass(frozen=True)
class CandidateRow:
    entity: Entity
    checks: list[eligibility.Check]
    application: Application | None

    @property
    def eligible(self) -> bool:
        return all(check.met for check in self.checks)

    @property
    def registered(self) -> bool:
        return self.application is not None and self.application.stage not in ENDED_WITHOUT_AWARD


def candidate_rows(
    user: Any, programme: Programme, entities: list[Entity], conditions: list[eligibility.Condition]
) -> list[CandidateRow]:
    """A page of entities with the verdict on each condition: one annotated query for the page."""
    ids = [e.pk for e in entities]
    explained = {row.pk: row for row in eligibility.explained(Entity.objects.filter(pk__in=ids), conditions)}
    apps = applications_by_entity(user, programme, ids)
    return [
        CandidateRow(
            e, eligibility.checks_of(explained[e.pk], conditions) if e.pk in explained else [], apps.get(e.pk)
        )
        for e in entities
    ]


def lookup_entities(user: Any, text: str) -> list[Entity]:
    """The entities (within the user's scope) that "Periksa entitas" means: an id, or a name."""
    text = (text or "").strip()
    if not text:
        return []
    qs = visible(user, Entity).select_related("kabkota")
    if text.isdigit():
        by_id = list(qs.filter(pk=int(text)))
        if by_id:
            return by_id
    return list(qs.filter(name__icontains=text).order_by("name", "pk")[:LOOKUP_LIMIT])


@dataclass(frozen=True)
class EntityCheck:
    entity: Entity
    checks: list[eligibility.Check]
    in_region: bool
    application: Application | None

    @property
    def eligible(self) -> bool:
        return self.in_region and all(check.met for check in self.checks)


def check_entity(
    user: Any, programme: Programme, entity: Entity, conditions: list[eligibility.Condition]
) -> EntityCheck:
    """Why one entity is or is not eligible, even when it is not a candidate."""
    in_region = Entity.objects.filter(pk=entity.pk).filter(services.in_region(programme)).exists()
    return EntityCheck(
        entity,
        eligibility.explain_one(entity, conditions),
        in_region,
        applications_by_entity(user, programme, [entity.pk]).get(entity.pk),
    )
