"""Demo assessments: weak-factor diagnoses (and koperasi health) for a share of the demo registry.

``seed_assessments(seed, share)`` runs after ``registry.seed.seed`` (``berdaya demo`` calls
both). It gives ``share`` of the registry's entities (active ones: no closed UMKM, no koperasi
being dissolved) a weak-factor assessment with the instrument ``kerentanan``; about 45 % get
two or three, 8–14 months apart over the last three years, most improving a little, some flat,
a few slipping — so the profile shows a trend. Koperasi simpan pinjam among them also get a
koperasi-health assessment (instrument ``kesehatan_ksp_2016``) for two or three closed book
years, when that instrument is installed. About 10 % of the assessed entities get one or two
delivered interventions (``programmes.Intervention``), most after their latest assessment and
some between two assessments, so the worklist's "not yet served" filter has both cases.

Answers, not scores, are generated; every score is ``scoring.score`` of the stored answers.
Each entity has a latent strength per factor, built from:

* its sector (KBLI category): agriculture/fisheries (A) weaker in teknologi and pemasaran,
  trade (G) in permodalan, manufacturing (C) in pemasaran, food service (I) in keterampilan;
* its place: the island and remote kab/kota (Wakatobi, Konawe Kepulauan, Buton Selatan,
  Buton Tengah, Buton Utara; less so Konawe Utara, Kolaka Utara, Muna Barat, Buton, Bombana,
  Kolaka Timur) weaker in teknologi and pemasaran; Kota Kendari and Kota Bau-Bau stronger;
* its size class (kecil and up stronger) and business status;
* the registry's own facts where a question asks for them: NIB (``punya_nib``), halal and
  P-IRT numbers of food businesses (so C food processors and I food service are weaker in
  legalitas), the koperasi's legal entity and RAT (``badan_hukum_koperasi``,
  ``rat_tahun_terakhir``), whether there are workers besides the owner.

A section's strength becomes one of eleven levels per assessment, and each question is
answered by a fixed rule from that level (a Guttman-like scale: the section's questions have
difficulties spread evenly, so at level 4 of 10 about 40 % of them are answered up; the
section score rises about linearly with the level). Answer sets therefore repeat — the
~70,000 assessments of the 147,977-entity demo hold ~14,000 distinct ones — and
``scoring.score`` (~100 µs a call) is memoised by the answer tuple.

Rows are written with ``core.bulk.RowWriter`` (multi-row INSERT on SQLite, COPY on
PostgreSQL: ``bulk_create``, ~7,500 rows/s on SQLite, would take about a minute for the
~430,000 rows of the demo), assessments numbered by the seeder so their section scores point
at them without reading back, all with ``is_latest`` false; ``services.refresh_latest`` then
sets the latest flags once per instrument. Rows are generated in a second thread while the
previous chunk is written (as registry.seed does). One transaction; one audit event records
the batch. Deterministic for a given ``seed``, registry and day (``random.Random(seed)``;
the assessment keys are drawn from it too).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import queue
import random
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from berdaya.accounts.demo import DEMO_USERS
from berdaya.accounts.models import Role, User
from berdaya.core.audit import record
from berdaya.core.bulk import RowWriter, sqlite_cache
from berdaya.core.models import AuditAction
from berdaya.diagnosis import scoring, services
from berdaya.diagnosis.definition import Definition, Question
from berdaya.diagnosis.models import (
    Assessment,
    Instrument,
    InstrumentVersion,
    RecommendationRule,
    SectionScore,
    Source,
)
from berdaya.programmes.models import Intervention, InterventionKind
from berdaya.registry.models import BusinessStatus, Entity, EntityKind, KoperasiJenis, LegalStatus
from berdaya.registry.rules import earliest_qualifying_book_year

VULNERABILITY = "kerentanan"
KSP_HEALTH = "kesehatan_ksp_2016"
DEFAULT_SHARE = 0.3
CHUNK = 10_000  # entities generated and written at a time
LEVELS = 10  # a section's strength becomes one of LEVELS + 1 levels per assessment
YEARS = 3  # weak-factor assessments over the last three years

Progress = Callable[[str, int, int], None]

# Latent strength (0–1) of a section per KBLI category, added to the base. Factor codes of the
# shipped instrument; an edited instrument with other sections just gets no adjustment.
BASE = {"permodalan": 0.6, "keterampilan": 0.685, "pemasaran": 0.57, "teknologi": 0.525, "legalitas": 0.5}
BY_CATEGORY: dict[str, dict[str, float]] = {
    "A": {"teknologi": -0.16, "pemasaran": -0.13, "permodalan": -0.03, "keterampilan": -0.03},
    "G": {"permodalan": -0.13, "pemasaran": 0.04, "teknologi": 0.04},
    "C": {"pemasaran": -0.1, "keterampilan": 0.03, "legalitas": -0.05},
    "I": {"keterampilan": -0.05, "legalitas": -0.05, "pemasaran": 0.02},
    "S": {"teknologi": 0.03, "permodalan": -0.03},
    "K": {"permodalan": 0.08, "keterampilan": 0.05, "teknologi": 0.02},
}
# Island and remote kab/kota of Sulawesi Tenggara (codes in regions/data/regions_74_full.csv).
REMOTE = {
    "74.07": 1.0,  # Wakatobi
    "74.12": 1.0,  # Konawe Kepulauan (Wawonii)
    "74.15": 1.0,  # Buton Selatan
    "74.14": 1.0,  # Buton Tengah
    "74.10": 0.8,  # Buton Utara
    "74.09": 0.6,  # Konawe Utara
    "74.08": 0.5,  # Kolaka Utara
    "74.13": 0.5,  # Muna Barat
    "74.04": 0.5,  # Buton
    "74.06": 0.4,  # Bombana (Kabaena)
    "74.11": 0.3,  # Kolaka Timur
}
REMOTE_EFFECT = {"teknologi": -0.16, "pemasaran": -0.13, "permodalan": -0.04}
CITIES = {"74.71", "74.72"}  # Kota Kendari, Kota Bau-Bau
CITY_EFFECT = {"teknologi": 0.13, "pemasaran": 0.08, "permodalan": 0.04, "keterampilan": 0.05}
BY_SIZE = {"kecil": 0.13, "menengah": 0.2, "besar": 0.25}

ASSESSMENT_COLUMNS = (
    "id",
    "key",
    "entity_id",
    "instrument_id",
    "version_id",
    "assessed_on",
    "book_year",
    "assessed_by_id",
    "source",
    "answers",
    "overall_score",
    "band",
    "weak_count",
    "lat",
    "lon",
    "location_accuracy",
    "notes",
    "is_latest",
    "created_at",
)
SECTION_COLUMNS = (
    "assessment_id",
    "entity_id",
    "instrument_id",
    "section",
    "score",
    "is_factor",
    "weak",
    "is_latest",
)
INTERVENTION_COLUMNS = (
    "entity_id",
    "kind",
    "delivered_on",
    "title",
    "amount",
    "recorded_by_id",
    "created_at",
)

# uuid.UUID(int=…, version=4) without the object: variant and version bits set by hand.
UUID_MASK = ~((0xC000 << 48) | (0xF000 << 64))
UUID_V4 = (0x8000 << 48) | (0x4000 << 64)
SKIP = object()  # an optional question left unanswered
# Questions of the shipped weak-factor instrument whose answer the registry decides (_facts).
FACT_QUESTIONS = (
    "punya_nib",
    "sertifikat_halal",
    "izin_edar_pangan",
    "badan_hukum_koperasi",
    "rat_tahun_terakhir",
    "keterampilan_pekerja",
)


@dataclass
class AssessmentSeedStats:
    seed: int
    share: float
    entities: int = 0  # entities given at least one assessment
    assessments: int = 0
    by_instrument: dict[str, int] = field(default_factory=dict)
    health_entities: int = 0  # koperasi simpan pinjam with a health assessment
    section_scores: int = 0
    interventions: int = 0
    served_entities: int = 0  # entities with an intervention
    scored: int = 0  # distinct answer sets scored (scoring.score calls)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, Any]:
        return {
            "entities": self.entities,
            "assessments": self.assessments,
            "by_instrument": dict(self.by_instrument),
            "health_entities": self.health_entities,
            "section_scores": self.section_scores,
            "interventions": self.interventions,
            "served_entities": self.served_entities,
        }


# --- answers from levels ------------------------------------------------------------------------


@dataclass(frozen=True)
class _QuestionPlan:
    code: str
    levels: tuple[Any, ...]  # answers from the weakest to the strongest
    offset: float  # the question's difficulty: < 0 harder, > 0 easier
    allowed: frozenset[str]  # option values (choice, yes_no); empty for other types

    def answer(self, level: int) -> Any:
        n = len(self.levels)
        index = round(level / LEVELS * (n - 1) + self.offset)
        return self.levels[min(max(index, 0), n - 1)]


def _number_levels(question: Question) -> tuple[str, ...]:
    """A representative value of each reachable band, ordered by the band's score."""
    bands = question.bands
    low, high = question.min_value, question.max_value
    found: list[tuple[Decimal, int, str]] = []
    for i, band in enumerate(bands):
        upper = bands[i + 1].min if i + 1 < len(bands) else None
        if band.min is None:
            candidates = [upper - 1, upper - Decimal("0.5")] if upper is not None else [Decimal(0)]
        elif upper is None:
            step = max(abs(band.min) / 5, Decimal(1))
            candidates = (
                [band.min + step, band.min + 1] if not band.inclusive else [band.min, band.min + step]
            )
        else:
            middle = (band.min + upper) / 2
            candidates = [
                middle.to_integral_value() if upper - band.min >= 2 else middle.quantize(Decimal("0.1"))
            ]
            candidates.append(band.min)
        for value in candidates:
            if (low is not None and value < low) or (high is not None and value > high):
                continue
            if scoring.band_score(bands, value) != band.score:
                continue
            shown = format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
            found.append((band.score, i, shown))
            break
    found.sort(key=lambda item: (item[0], item[1]))
    return tuple(shown for _, _, shown in found)


def _crc(*parts: str) -> int:
    return zlib.crc32(":".join(parts).encode())


def _levels(question: Question) -> tuple[Any, ...]:
    if question.type in ("yes_no", "choice"):
        options = [o for o in question.options if o.value != "tidak_perlu"]
        return tuple(o.value for o in sorted(options, key=lambda o: o.score))
    if question.type == "scale":
        scale = question.scale
        points = list(range(scale.min, scale.max + 1))
        return tuple(reversed(points) if scale.reverse else points)
    return _number_levels(question)


@dataclass(frozen=True)
class _Plan:
    """How to answer one instrument version: per section, a plan per question, and the
    section's answers at every level (worked out once: answering is then a lookup)."""

    instrument: Instrument
    version: InstrumentVersion
    spec: Definition
    sections: tuple[tuple[str, tuple[_QuestionPlan, ...]], ...]
    instrument_id: int
    version_id: int
    by_level: tuple[tuple[tuple[Any, ...], ...], ...]  # [section][level] → answers in question order
    # [section] → (position in the section, index in FACT_QUESTIONS, option values) of decided questions
    decided: tuple[tuple[tuple[int, int, frozenset[str]], ...], ...]

    @classmethod
    def of(cls, instrument: Instrument, version: InstrumentVersion) -> _Plan:
        spec = version.spec
        sections = []
        for section in spec.sections:
            plans = []
            questions = [(q, _levels(q)) for q in section.questions]
            questions = [(q, levels) for q, levels in questions if levels]
            # Difficulties spread evenly over (-0.5, 0.5) in an order fixed by the question codes
            # (not by the seed): at a level, that share of the section's questions is answered up.
            ranked = sorted(
                questions, key=lambda item: zlib.crc32(f"{instrument.code}:{item[0].code}".encode())
            )
            offsets = {q.code: (i + 0.5) / len(ranked) - 0.5 for i, (q, _) in enumerate(ranked)}
            for q, levels in questions:
                allowed = frozenset(o.value for o in q.options)
                plans.append(_QuestionPlan(q.code, levels, offsets[q.code], allowed))
            sections.append((section.code, tuple(plans)))
        levels = range(LEVELS + 1)
        by_level = tuple(tuple(tuple(q.answer(n) for q in plans) for n in levels) for _, plans in sections)
        decided = tuple(
            tuple(
                (k, FACT_QUESTIONS.index(q.code), q.allowed)
                for k, q in enumerate(plans)
                if q.code in FACT_QUESTIONS
            )
            for _, plans in sections
        )
        return cls(instrument, version, spec, tuple(sections), instrument.pk, version.pk, by_level, decided)


@dataclass(frozen=True)
class _Scored:
    answers_json: str
    overall: Decimal
    band: str
    weak_count: int
    sections: tuple[tuple[str, Decimal | None, bool, bool], ...]  # code, score, is_factor, weak

    @property
    def weak(self) -> list[str]:
        return [code for code, _, _, weak in self.sections if weak]


class _Scorer:
    """``scoring.score`` memoised by the answers.

    The key is the answer tuple: each section's answers at its level, with the answers the
    registry decides (``facts``) in place. ~70,000 assessments of the 147,977-entity demo
    hold ~14,000 distinct answer sets: scoring each once saves ~6 s of ~100 µs calls.
    """

    def __init__(self) -> None:
        self.cache: dict[tuple, _Scored] = {}
        self.calls = 0

    def __call__(self, plan: _Plan, levels: tuple[int, ...], facts: tuple = ()) -> _Scored:
        key: list[Any] = [plan.version_id]
        for i, level in enumerate(levels):
            answers = plan.by_level[i][level]
            if facts and plan.decided[i]:
                patched = list(answers)
                for k, j, allowed in plan.decided[i]:
                    fact = facts[j]
                    if fact is not None and (fact is SKIP or not allowed or fact in allowed):
                        patched[k] = fact
                answers = tuple(patched)
            key.append(answers)
        hit = self.cache.get(key := tuple(key))
        if hit is not None:
            return hit
        self.calls += 1
        answers = {
            q.code: value
            for (_code, questions), values in zip(plan.sections, key[1:], strict=True)
            for q, value in zip(questions, values, strict=True)
            if value is not SKIP
        }
        result = scoring.score(plan.spec, answers)
        scored = _Scored(
            answers_json=json.dumps(result.answers),
            overall=result.overall,
            band=result.band.code,
            weak_count=result.weak_count,
            sections=tuple((s.code, s.score, s.is_factor, s.weak) for s in result.sections),
        )
        self.cache[key] = scored
        return scored


# --- the registry as read for the seed -----------------------------------------------------------


class _Entity(NamedTuple):
    id: int
    kind: str
    kabkota: str
    kbli: str
    category: str
    founded: int | None
    lat: float | None
    lon: float | None
    nib: bool
    halal: bool
    pirt: bool
    workers: int
    size_class: str
    inactive: bool
    ksp: bool
    rat_recent: bool


ENTITY_FIELDS = (
    "id",
    "kind",
    "kabkota_id",
    "kbli_id",
    "kbli_category",
    "year_founded",
    "lat",
    "lon",
    "umkm__nib",
    "umkm__halal_certificate",
    "umkm__pirt_number",
    "umkm__workers_male",
    "umkm__workers_female",
    "umkm__size_class",
    "umkm__business_status",
    "koperasi__jenis",
    "koperasi__legal_status",
    "koperasi__last_rat_year",
)


def _read_entities(today: dt.date) -> list[_Entity]:
    """Every entity that could be assessed now: not a closed business, not a koperasi being wound up."""
    rat_from = earliest_qualifying_book_year(today)
    out = []
    rows = Entity.objects.order_by("id").values_list(*ENTITY_FIELDS).iterator(chunk_size=20_000)
    for (
        pk,
        kind,
        kabkota,
        kbli,
        category,
        founded,
        lat,
        lon,
        nib,
        halal,
        pirt,
        men,
        women,
        size_class,
        status,
        jenis,
        legal,
        last_rat,
    ) in rows:
        if status == BusinessStatus.TUTUP or legal in (LegalStatus.BUBAR, LegalStatus.DALAM_PEMBUBARAN):
            continue
        out.append(
            _Entity(
                id=pk,
                kind=kind,
                kabkota=kabkota or "",
                kbli=kbli or "",
                category=category or "",
                founded=founded,
                lat=lat,
                lon=lon,
                nib=bool(nib),
                halal=bool(halal),
                pirt=bool(pirt),
                workers=(men or 0) + (women or 0),
                size_class=size_class or "",
                inactive=status == BusinessStatus.TIDAK_AKTIF or legal == LegalStatus.TIDAK_AKTIF,
                ksp=jenis == KoperasiJenis.SIMPAN_PINJAM,
                rat_recent=last_rat is not None and last_rat >= rat_from,
            )
        )
    return out


@dataclass
class _People:
    """The demo users who assess and record (accounts/demo.py), where they exist."""

    pendamping: dict[str, list[int]] = field(default_factory=dict)  # kab/kota → user ids
    district: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _People:
        names = [spec.username for spec in DEMO_USERS if spec.role in (Role.PENDAMPING, Role.DINAS_KABKOTA)]
        people = cls()
        for pk, role, region in (
            User.objects.filter(username__in=names, is_active=True)
            .order_by("username")
            .values_list("pk", "role", "region_id")
        ):
            if not region or len(region) != 5:
                continue
            target = people.pendamping if role == Role.PENDAMPING else people.district
            target.setdefault(region, []).append(pk)
        return people

    def assessor(self, rng: random.Random, kabkota: str) -> int | None:
        pendamping, district = self.pendamping.get(kabkota), self.district.get(kabkota)
        if pendamping and (not district or rng.random() < 0.65):
            return pendamping[int(rng.random() * len(pendamping))]
        if district:
            return district[int(rng.random() * len(district))]
        return None

    def recorder(self, kabkota: str) -> int | None:
        district = self.district.get(kabkota)
        return district[0] if district else None


# --- the generator --------------------------------------------------------------------------------


def _jitter(rng: random.Random, sd: float) -> float:
    """Symmetric triangular noise with standard deviation ``sd``: several times cheaper than ``gauss``."""
    return (rng.random() - rng.random()) * sd * 2.449489742783178


def _clamp(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


def _level(x: float) -> int:
    return round(_clamp(x) * LEVELS)


def _weekday(day: dt.date, today: dt.date) -> dt.date:
    """Field visits happen on working days: Saturday → Friday, Sunday → Monday (or Friday)."""
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        monday = day + dt.timedelta(days=1)
        return monday if monday <= today else day - dt.timedelta(days=2)
    return day


@dataclass
class _Out:
    assessments: list[tuple] = field(default_factory=list)
    sections: list[tuple] = field(default_factory=list)
    interventions: list[tuple] = field(default_factory=list)
    touched: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # instrument → entities
    entities: int = 0


class _Generator:
    def __init__(
        self,
        rng: random.Random,
        today: dt.date,
        writer: RowWriter,
        vulnerability: _Plan,
        health: _Plan | None,
        people: _People,
        rules: dict[tuple[int, str], list[tuple[str, str]]],
        next_id: int,
    ) -> None:
        self.rng, self.today, self.writer = rng, today, writer
        self.vulnerability, self.health, self.people, self.rules = vulnerability, health, people, rules
        self.next_id = next_id
        self.score = _Scorer()
        codes = [code for code, _ in vulnerability.sections]
        self.legal_index = codes.index("legalitas") if "legalitas" in codes else None
        self.earliest = today - dt.timedelta(days=365 * YEARS - 1)
        self.stats_by_instrument: dict[str, int] = defaultdict(int)
        self.health_entities = 0
        self.served_entities = 0

    # -- rows --------------------------------------------------------------------------------

    def _key(self) -> str:
        """A random (version 4) UUID from the seeded generator, as 32 hex digits: what Django
        stores on SQLite, and input PostgreSQL's uuid type accepts."""
        bits = self.rng.getrandbits(128) & UUID_MASK | UUID_V4
        return f"{bits:032x}"

    def _assessment(
        self,
        out: _Out,
        plan: _Plan,
        entity: _Entity,
        day: dt.date,
        scored: _Scored,
        *,
        book_year: int | None,
        assessor: int | None,
        visit: bool,
    ) -> None:
        self.next_id += 1
        pk = self.next_id
        lat = lon = accuracy = None
        if visit and entity.lat is not None and entity.lon is not None:
            lat = round(entity.lat + (self.rng.random() - 0.5) * 0.0008, 6)
            lon = round(entity.lon + (self.rng.random() - 0.5) * 0.0008, 6)
            accuracy = 4 + int(self.rng.random() * 32)
        out.assessments.append(
            (
                pk,
                self._key(),
                entity.id,
                plan.instrument_id,
                plan.version_id,
                self.writer.date(day),
                book_year,
                assessor,
                Source.SEED,
                scored.answers_json,
                scored.overall,
                scored.band,
                scored.weak_count,
                lat,
                lon,
                accuracy,
                "",
                False,
                self.writer.now,
            )
        )
        instrument_id = plan.instrument_id
        for code, score, is_factor, weak in scored.sections:
            out.sections.append((pk, entity.id, instrument_id, code, score, is_factor, weak, False))
        self.stats_by_instrument[plan.instrument.code] += 1

    # -- one entity --------------------------------------------------------------------------

    def entity(self, entity: _Entity, out: _Out) -> None:
        rng = self.rng
        strengths = self._strengths(entity)
        # How many assessments (1: 55 %, 2: 30 %, 3: 15 %) and when: the latest within ~15
        # months, each earlier one 8–14 months before, none before the business existed.
        r = rng.random()
        count = 1 if r < 0.55 else 2 if r < 0.85 else 3
        first_day = dt.date(entity.founded, 1, 1) if entity.founded else self.earliest
        first_day = min(max(first_day, self.earliest), self.today)
        latest = self.today - dt.timedelta(days=int(rng.random() ** 1.4 * 450))
        days = [max(latest, first_day)]
        for _ in range(count - 1):
            earlier = days[-1] - dt.timedelta(days=240 + int(rng.random() * 180))
            if earlier < first_day:
                break
            days.append(earlier)
        days = [_weekday(d, self.today) for d in reversed(days)]
        # Trend: most improve a little from one visit to the next, some hold, a few slip.
        t = rng.random()
        if t < 0.6:
            steps = [rng.uniform(0.0, 0.12) for _ in strengths]
        elif t < 0.85:
            steps = [_jitter(rng, 0.02) for _ in strengths]
        else:
            steps = [-rng.uniform(0.0, 0.07) for _ in strengths]
        assessor = self.people.assessor(rng, entity.kabkota)
        plan = self.vulnerability
        legal = self.legal_index
        made: list[tuple[dt.date, _Scored]] = []
        for i, day in enumerate(days):
            back = len(days) - 1 - i  # visits before the latest
            levels = tuple(
                _level(s - back * step + _jitter(rng, 0.05)) for s, step in zip(strengths, steps, strict=True)
            )
            facts = self._facts(entity, levels[legal] if legal is not None else LEVELS // 2, back)
            scored = self.score(plan, levels, facts)
            self._assessment(
                out, plan, entity, day, scored, book_year=None, assessor=assessor, visit=rng.random() < 0.85
            )
            made.append((day, scored))
        out.touched[plan.instrument_id].append(entity.id)
        if self.health is not None and entity.ksp:
            self._health(entity, out)
        if rng.random() < 0.1:
            self._interventions(entity, plan, made, out)

    def _strengths(self, entity: _Entity) -> list[float]:
        """The entity's latent strength (0 weakest – 1 strongest) per section, in section order."""
        rng = self.rng
        common = _jitter(rng, 0.1)
        remote = REMOTE.get(entity.kabkota, 0.0)
        city = entity.kabkota in CITIES
        category = "K" if entity.kbli.startswith("64") else entity.category
        by_category = BY_CATEGORY.get(category, {})
        shift = common + BY_SIZE.get(entity.size_class, 0.0)
        if entity.kind == EntityKind.KOPERASI:
            shift += 0.03
        if entity.inactive:
            shift -= 0.08
        strengths = []
        for code, _questions in self.vulnerability.sections:
            s = BASE.get(code, 0.55) + by_category.get(code, 0.0) + shift + _jitter(rng, 0.08)
            s += remote * REMOTE_EFFECT.get(code, 0.0)
            if city:
                s += CITY_EFFECT.get(code, 0.0)
            strengths.append(s)
        return strengths

    def _facts(self, entity: _Entity, legal_level: int, back: int) -> tuple:
        """Answers the registry decides, in FACT_QUESTIONS order (None: follow the level; SKIP: left out)."""
        kbli = entity.kbli
        packaged_food = kbli[:2] in ("10", "11")
        food_service = kbli[:2] == "56"
        umkm = entity.kind == EntityKind.UMKM
        nib = None
        if umkm:
            # The registry's NIB; some of those with one now got it after an earlier visit.
            nib = "ya" if entity.nib and not (back and self.rng.random() < 0.3) else "tidak"
        if not (packaged_food or food_service):
            halal = "tidak_perlu"
        elif entity.halal and not back:
            halal = "sudah"
        else:
            halal = "proses" if legal_level >= 6 else "belum"
        if not packaged_food:
            pirt = "tidak_perlu"  # P-IRT/BPOM is for packaged food, not a warung's meals
        elif entity.pirt and not back:
            pirt = "pirt"
        else:
            pirt = "proses" if legal_level >= 7 else "belum"
        if umkm:
            return (nib, halal, pirt, SKIP, SKIP, SKIP if entity.workers <= 1 else None)
        return (nib, halal, pirt, "ya", "ya" if entity.rat_recent else "tidak", None)

    def _health(self, entity: _Entity, out: _Out) -> None:
        """Koperasi health for the last two or three closed book years, assessed early the next year."""
        rng, plan = self.rng, self.health
        assert plan is not None
        years = 2 if rng.random() < 0.5 else 3
        base = 0.68 + _jitter(rng, 0.12)
        if entity.kabkota in CITIES:
            base += 0.04
        if entity.inactive:
            base -= 0.1
        own = [_jitter(rng, 0.1) for _ in plan.sections]
        step = 0.03 + _jitter(rng, 0.04)
        assessor = self.people.recorder(entity.kabkota)
        book_years = []
        year = self.today.year - 1
        while len(book_years) < years and year >= self.today.year - 1 - years:
            day = dt.date(year + 1, 2 + int(rng.random() * 4), 1 + int(rng.random() * 28))
            if day <= self.today and (entity.founded is None or year >= entity.founded):
                book_years.append((year, _weekday(day, self.today)))
            year -= 1
        if not book_years:
            return
        for back, (year, day) in reversed(list(enumerate(book_years))):
            levels = tuple(_level(base + o - back * step + _jitter(rng, 0.05)) for o in own)
            scored = self.score(plan, levels)
            self._assessment(out, plan, entity, day, scored, book_year=year, assessor=assessor, visit=False)
        out.touched[plan.instrument_id].append(entity.id)
        self.health_entities += 1

    def _interventions(
        self, entity: _Entity, plan: _Plan, made: list[tuple[dt.date, _Scored]], out: _Out
    ) -> None:
        """One or two services: usually after the latest assessment (served), sometimes between two."""
        rng = self.rng
        if len(made) > 1 and rng.random() < 0.3:
            (after, scored), before = made[-2], made[-1][0] - dt.timedelta(days=1)
        else:
            (after, scored), before = made[-1], self.today
        recorder = self.people.recorder(entity.kabkota)
        for _ in range(1 if rng.random() < 0.8 else 2):
            choices = [
                rule for code in scored.weak for rule in self.rules.get((plan.instrument_id, code), [])
            ]
            kind, title = (
                choices[int(rng.random() * len(choices))]
                if choices
                else (InterventionKind.CONSULTATION, "Konsultasi dan pendampingan usaha")
            )
            span = max((before - after).days, 0)
            day = after + dt.timedelta(days=min(7 + int(rng.random() * 240), span))
            amount = None
            if kind == InterventionKind.GRANT:
                amount = (2 + int(rng.random() * 14)) * 1_000_000
            elif kind == InterventionKind.KUR_REFERRAL:
                amount = (2 + int(rng.random() * 19)) * 5_000_000
            out.interventions.append(
                (entity.id, kind, self.writer.date(day), title, amount, recorder, self.writer.now)
            )
        self.served_entities += 1


# --- entry point ----------------------------------------------------------------------------------


def _plan(code: str) -> _Plan | None:
    instrument = Instrument.objects.filter(code=code, active=True).first()
    version = instrument.current_version() if instrument else None
    return _Plan.of(instrument, version) if version else None


def _rules() -> dict[tuple[int, str], list[tuple[str, str]]]:
    rules: dict[tuple[int, str], list[tuple[str, str]]] = defaultdict(list)
    for instrument_id, section, kind, topic in RecommendationRule.objects.filter(active=True).values_list(
        "instrument_id", "section", "intervention", "topic"
    ):
        rules[(instrument_id, section)].append((kind, topic or str(InterventionKind(kind).label)))
    return dict(rules)


def _assign_pendamping() -> None:
    """The demo pendamping are assigned the entities they assessed, so their worklist and their
    right to assess again (current assignment) work as in production."""
    from berdaya.registry.models import EntityAssignment

    pairs = (
        Assessment.objects.filter(assessed_by__role=Role.PENDAMPING)
        .order_by()
        .values_list("entity_id", "assessed_by_id")
        .distinct()
    )
    existing = set(EntityAssignment.objects.filter(until__isnull=True).values_list("entity_id", "user_id"))
    since = timezone.localdate().replace(month=1, day=1)
    EntityAssignment.objects.bulk_create(
        [
            EntityAssignment(entity_id=entity_id, user_id=user_id, since=since)
            for entity_id, user_id in pairs
            if (entity_id, user_id) not in existing
        ],
        batch_size=5000,
    )


def seed_assessments(
    seed: int = 2026,
    share: float = DEFAULT_SHARE,
    progress: Progress | None = None,
    *,
    today: dt.date | None = None,
    chunk_size: int = CHUNK,
) -> AssessmentSeedStats:
    """Give ``share`` of the registry's entities demo assessments (see the module docstring).

    ``progress(stage, done, total)`` is called after each chunk of entities is written
    (``"assessments"``) and after the latest flags are set (``"latest"``). One transaction.
    """
    if not 0 <= share <= 1:
        raise ValueError("share must be between 0 and 1")
    started = time.perf_counter()
    today = today or timezone.localdate()
    report = progress or (lambda stage, done, total: None)
    stats = AssessmentSeedStats(seed=seed, share=share)
    timings: dict[str, float] = defaultdict(float)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of tuples and nothing cyclic (as registry.seed)
    try:
        with sqlite_cache(), transaction.atomic():
            t = time.perf_counter()
            services.install_shipped()  # an instrument file added since the last migrate
            vulnerability = _plan(VULNERABILITY)
            if vulnerability is None:
                return stats
            health = _plan(KSP_HEALTH)
            writer = RowWriter()
            writer.lock([Assessment])
            rng = random.Random(seed)
            candidates = _read_entities(today)
            timings["read registry"] = time.perf_counter() - t
            t = time.perf_counter()
            total = Entity.objects.count()
            chosen = sorted(
                rng.sample(candidates, min(round(share * total), len(candidates))), key=lambda e: e.id
            )
            gen = _Generator(
                rng,
                today,
                writer,
                vulnerability,
                health,
                _People.load(),
                _rules(),
                writer.id_base(Assessment),
            )
            timings["prepare"] = time.perf_counter() - t
            touched: dict[int, list[int]] = defaultdict(list)
            done = 0
            for out in _pipelined(gen, chosen, chunk_size, timings):
                for label, model, columns, rows in (
                    ("write assessments", Assessment, ASSESSMENT_COLUMNS, out.assessments),
                    ("write section scores", SectionScore, SECTION_COLUMNS, out.sections),
                    ("write interventions", Intervention, INTERVENTION_COLUMNS, out.interventions),
                ):
                    t = time.perf_counter()
                    writer.write(model, columns, rows)
                    timings[label] += time.perf_counter() - t
                for instrument_id, ids in out.touched.items():
                    touched[instrument_id] += ids
                stats.assessments += len(out.assessments)
                stats.section_scores += len(out.sections)
                stats.interventions += len(out.interventions)
                done += out.entities
                report("assessments", done, len(chosen))
            writer.advance_sequence(Assessment, gen.next_id)
            t = time.perf_counter()
            # Statistics of the rows just written before refresh_latest's set-wise UPDATEs:
            # planned with the registry seed's statistics of empty tables, PostgreSQL may pick
            # nested loops over hundreds of thousands of rows.
            _analyze((Assessment, SectionScore))
            timings["analyze"] += time.perf_counter() - t
            t = time.perf_counter()
            for instrument_id, ids in touched.items():
                services.refresh_latest(instrument_id, ids)
            timings["refresh latest"] = time.perf_counter() - t
            report("latest", 1, 1)
            _assign_pendamping()
            stats.entities = len(chosen)
            stats.by_instrument = dict(gen.stats_by_instrument)
            stats.health_entities = gen.health_entities
            stats.served_entities = gen.served_entities
            stats.scored = gen.score.calls
            record(
                AuditAction.OTHER,
                None,
                object_repr="Data demo penilaian",
                extra={"event": "demo_seed_assessments", **stats.counts(), "seed": seed, "share": share},
            )
        t = time.perf_counter()
        _analyze((Assessment, SectionScore, Intervention))  # again: the latest flags changed
        timings["analyze"] += time.perf_counter() - t
    finally:
        if gc_was_enabled:
            gc.enable()
    stats.timings = dict(timings)
    stats.seconds = time.perf_counter() - started
    return stats


def _pipelined(
    gen: _Generator, chosen: list[_Entity], chunk_size: int, timings: dict[str, float]
) -> Iterable[_Out]:
    """Chunks of rows made in a second thread while this one writes the previous chunk.

    As in ``registry.seed._pipelined``: SQLite and psycopg release the GIL while the database
    works, so generating and scoring chunk k + 1 overlaps with writing chunk k. One thread
    draws from the generator's ``random.Random``, in entity order, so the result is the same.
    """
    chunks: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    finished = object()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for start in range(0, len(chosen), chunk_size):
                t = time.perf_counter()
                out = _Out()
                for entity in chosen[start : start + chunk_size]:
                    gen.entity(entity, out)
                out.entities = len(chosen[start : start + chunk_size])
                timings["generate (own thread)"] += time.perf_counter() - t
                if not put(out):
                    return
            item: Any = finished
        except BaseException as exc:  # handed to the writing thread, which re-raises it
            item = exc
        put(item)

    worker = threading.Thread(target=produce, name="assessment-seed-generator", daemon=True)
    worker.start()
    try:
        while True:
            t = time.perf_counter()
            item = chunks.get()
            timings["wait for generator"] += time.perf_counter() - t
            if item is finished:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _analyze(models: Iterable[type]) -> None:
    """Fresh planner statistics for these tables (the registry seed analysed them empty).

    Table by table, not a database-wide ANALYZE: on PostgreSQL that also analyses the shared
    catalogs, whose locks wait for (and then block) other databases' sessions until commit."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
