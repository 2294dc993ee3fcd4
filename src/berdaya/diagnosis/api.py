"""Diagnosis on the API: instruments, assessments, recommendations and the worklist, under /api/v1.

Reads go through :mod:`berdaya.diagnosis.selectors` / :func:`~berdaya.core.scoping.visible`, the
one write through :func:`berdaya.diagnosis.services.assess`; this module only translates HTTP.
Order of the checks (as in ``registry/api.py``): authentication (401), the role's permission
(403), the record's visibility (404, out of scope looks like missing), then validation (400).

Numbers: every score (overall, section, factor, recommendation) and every weight or threshold
of an instrument definition is a decimal **string** (``"61.23"``; scores always with two
decimals), never a float, so a client shows exactly what was stored.

Status codes of ``POST /assessments``:

* 201 — created; the body is the assessment's detail;
* 200 — the ``key`` was already used for this entity (an idempotent retry): the assessment
  stored then, nothing new written;
* 400 — invalid body: per-field messages in ``fields``; answers under ``answers.<question>``;
* 403 — no ``diagnosis.assess`` permission;
* 404 — the entity does not exist or lies outside the caller's scope;
* 409 ``key_conflict`` — the ``key`` belongs to an assessment of another entity;
* 422 — the request is well-formed but the assessment is refused: ``not_assigned`` (a
  pendamping whose assignment to the entity has ended), ``wrong_kind`` (the instrument does not
  apply to this kind of entity), ``inactive`` (instrument switched off), ``no_version``.

Paging: ``GET /assessments`` pages with an opaque ``cursor`` like ``GET /entities`` (keyset on
the newest assessment first, stable under inserts; a cursor is tied to its filters);
``GET /diagnosis/worklist`` is a ranking and pages with ``limit``/``offset``.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from berdaya.accounts.permissions import require
from berdaya.api import common
from berdaya.api.common import ErrorResponse, RegionRef, invalid, region_ref
from berdaya.api.errors import ConflictError, UnprocessableError
from berdaya.core.scoping import get_visible_or_404
from berdaya.diagnosis import recommend, scoring, selectors, services
from berdaya.diagnosis.definition import Definition
from berdaya.diagnosis.models import (
    Assessment,
    Instrument,
    InstrumentVersion,
    SectionScore,
    Source,
    VersionStatus,
)
from berdaya.regions import lookup
from berdaya.registry.models import Entity, EntityKind, SizeClass

router = Router()

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_SALT = "berdaya.diagnosis.api.assessments-cursor"


# --- schemas: output ------------------------------------------------------------------------


class EntityRef(Schema):
    id: int
    name: str
    kind: str = Field(..., description="umkm atau koperasi.")
    kabkota: RegionRef | None


class BandOut(Schema):
    code: str
    label: str


class InstrumentOut(Schema):
    code: str
    name: str
    purpose: str = Field(..., description="kerentanan atau kesehatan_koperasi.")
    purpose_label: str
    applies_to: str = Field(..., description="semua, umkm atau koperasi.")
    applies_to_label: str
    description: str
    version: int | None = Field(..., description="Nomor versi yang berlaku (null bila belum ada).")
    label: str | None = Field(..., description="Label versi yang berlaku, mis. 2026.1.")


class InstrumentDetail(InstrumentOut):
    active: bool
    status: str = Field(..., description="Status versi ini: published (berlaku) atau retired.")
    published_at: dt.datetime | None
    definition: Definition = Field(
        ..., description="Definisi lengkap versi ini: bagian, pertanyaan, pilihan, rentang, tingkat."
    )


class AssessmentItem(Schema):
    id: int
    key: uuid.UUID = Field(..., description="Kunci idempoten penilaian.")
    entity: EntityRef
    instrument: str = Field(..., description="Kode instrumen.")
    version: int = Field(..., description="Nomor versi instrumen yang dipakai menilai.")
    assessed_on: dt.date
    book_year: int | None
    overall_score: str = Field(..., description='Skor keseluruhan 0–100, teks dua desimal, mis. "61.23".')
    band: BandOut
    weak_factors: list[str] = Field(..., description="Kode bagian (faktor) yang lemah, urut instrumen.")
    is_latest: bool = Field(..., description="Penilaian terbaru entitas ini dengan instrumen ini.")
    assessed_by: str | None = Field(..., description="Nama pengguna penilai.")
    source: str = Field(..., description="form, import, api atau seed.")
    created_at: dt.datetime


class AssessmentPage(Schema):
    items: list[AssessmentItem]
    next_cursor: str | None = Field(
        ..., description="Kirim sebagai `cursor` untuk halaman berikutnya; null bila sudah habis."
    )


class SectionOut(Schema):
    code: str
    name: str
    score: str | None = Field(..., description="Skor bagian 0–100 (teks dua desimal); null bila tak dijawab.")
    weak: bool
    is_factor: bool


class VisitOut(Schema):
    lat: float | None
    lon: float | None
    accuracy: int | None = Field(..., description="Akurasi lokasi, meter.")
    notes: str


class RecommendationOut(Schema):
    section: str
    section_name: str
    intervention: str = Field(..., description="Jenis intervensi, mis. pelatihan, kur, hibah.")
    intervention_label: str
    topic: str
    priority: int
    score: str | None = Field(..., description="Skor bagian yang memicu rekomendasi.")
    served: bool = Field(..., description="Intervensi jenis ini sudah diberikan sejak penilaian.")


class AssessmentDetail(AssessmentItem):
    instrument_name: str
    version_label: str
    answers: dict[str, Any] = Field(
        ..., description="Jawaban yang tersimpan (bentuk baku), per kode pertanyaan."
    )
    sections: list[SectionOut]
    visit: VisitOut
    recommendations: list[RecommendationOut]


class InstrumentRef(Schema):
    code: str
    name: str


class EntityResult(Schema):
    assessment_id: int
    instrument: InstrumentRef
    version: int
    assessed_on: dt.date
    overall_score: str
    band: BandOut
    weak_factors: list[str]
    recommendations: list[RecommendationOut]


class EntityRecommendations(Schema):
    entity: EntityRef
    results: list[EntityResult] = Field(..., description="Satu per instrumen: penilaian terbaru.")


class WorklistItem(Schema):
    assessment_id: int
    entity: EntityRef
    assessed_on: dt.date
    overall_score: str
    band: BandOut
    weak_factors: list[str]
    weak_count: int
    factor_score: str | None = Field(..., description="Skor faktor yang dipilih (null tanpa `factor`).")


class WorklistPage(Schema):
    instrument: str | None = Field(..., description="Kode instrumen yang dipakai (null bila tidak ada).")
    items: list[WorklistItem]
    limit: int
    offset: int
    next_offset: int | None = Field(..., description="`offset` halaman berikutnya; null bila sudah habis.")


# --- schemas: input --------------------------------------------------------------------------


class AssessmentIn(Schema):
    # A misspelt field must not be silently ignored. Every field is optional here so that a
    # caller without the permission learns nothing from a validation error (checked after it).
    model_config = ConfigDict(extra="forbid")

    entity_id: int | None = Field(None, description="Entitas yang dinilai (wajib).")
    instrument: str | None = Field(
        None, max_length=40, description="Kode instrumen (wajib), mis. kerentanan."
    )
    answers: dict[str, Any] | None = Field(None, description="Jawaban per kode pertanyaan (wajib).")
    assessed_on: dt.date | None = Field(None, description="Tanggal penilaian; bawaan hari ini.")
    key: uuid.UUID | None = Field(
        None, description="UUID pilihan klien untuk pengiriman ulang yang aman (idempoten)."
    )
    book_year: int | None = Field(None, ge=1900, le=2100, description="Tahun buku yang dinilai.")
    lat: float | None = Field(None, description="Lintang lokasi kunjungan (WGS84).")
    lon: float | None = Field(None, description="Bujur lokasi kunjungan (WGS84).")
    accuracy: int | None = Field(None, ge=0, le=1_000_000, description="Akurasi lokasi, meter.")
    notes: str | None = Field(None, max_length=4000, description="Catatan kunjungan.")


class AssessmentQuery(Schema):
    entity_id: int | None = Field(None, description="Hanya penilaian entitas ini.")
    instrument: str | None = Field(None, max_length=40, description="Kode instrumen.")
    latest: bool | None = Field(
        None, description="true: hanya penilaian terbaru per entitas dan instrumen; false: hanya yang lama."
    )
    kabkota: str | None = Field(None, max_length=20, description="Kode kabupaten/kota, mis. 74.71.")
    band: str | None = Field(None, max_length=40, description="Kode tingkat, mis. tinggi.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Baris per halaman (1–200).")
    cursor: str | None = Field(None, max_length=2000, description="`next_cursor` dari halaman sebelumnya.")


class WorklistQuery(Schema):
    instrument: str | None = Field(
        None, max_length=40, description="Kode instrumen; bawaan instrumen diagnosis kerentanan."
    )
    factor: str | None = Field(None, max_length=40, description="Hanya yang lemah pada faktor ini.")
    kabkota: str | None = Field(None, max_length=20, description="Kode kabupaten/kota.")
    kecamatan: str | None = Field(None, max_length=20, description="Kode kecamatan.")
    size_class: SizeClass | None = Field(None, description="Skala usaha UMKM.")
    kind: EntityKind | None = Field(None, description="umkm atau koperasi.")
    kbli_category: str | None = Field(None, pattern=r"^[A-Ua-u]$", description="Kategori KBLI (A–U).")
    not_served: bool = Field(False, description="Hanya yang belum menerima intervensi sejak penilaian.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Baris per halaman (1–200).")
    offset: int = Field(0, ge=0, description="Lewati sekian baris.")


# --- helpers ----------------------------------------------------------------------------------


def _score(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def _entity_ref(entity: Entity) -> dict:
    return {"id": entity.pk, "name": entity.name, "kind": entity.kind, "kabkota": region_ref(entity.kabkota)}


def _filter_code(value: str | None, field: str, depth: int) -> str:
    """A dotted Kemendagri code of the given depth (2 = kab/kota, 3 = kecamatan), or 400."""
    if not value:
        return ""
    result = lookup.resolve_code(value)
    if result.status != lookup.Status.FOUND:
        message = result.message or _("Kode wilayah tidak dikenal.")
        raise invalid({field: [message]})
    code = result.region.code
    if code.count(".") + 1 != depth:
        message = (
            _("%(code)s bukan kode kabupaten/kota.") if depth == 2 else _("%(code)s bukan kode kecamatan.")
        ) % {"code": code}
        raise invalid({field: [message]})
    return code


def _instrument_or_400(code: str | None, field: str = "instrument") -> Instrument:
    if not code:
        raise invalid({field: [_("Wajib diisi.")]})
    instrument = Instrument.objects.filter(code=code.strip()).first()
    if instrument is None:
        raise invalid({field: [_("Instrumen %(code)s tidak dikenal.") % {"code": code}]})
    return instrument


class _Specs:
    """Each version's parsed definition once per request (rows of a page share a few versions)."""

    def __init__(self) -> None:
        self._specs: dict[int, Definition] = {}

    def of(self, version: InstrumentVersion) -> Definition:
        if version.pk not in self._specs:
            self._specs[version.pk] = version.spec
        return self._specs[version.pk]

    def band(self, assessment: Assessment) -> dict:
        spec = self.of(assessment.version)
        found = next((b for b in spec.bands if b.code == assessment.band), None)
        return {"code": assessment.band, "label": found.label if found else assessment.band}

    def weak(self, assessment: Assessment, rows: list[SectionScore]) -> list[str]:
        weak = {row.section for row in rows if row.weak}
        return [s.code for s in self.of(assessment.version).sections if s.code in weak]


def _with_weak_rows(qs: QuerySet[Assessment]) -> QuerySet[Assessment]:
    return qs.prefetch_related(
        Prefetch("section_scores", queryset=SectionScore.objects.filter(weak=True), to_attr="weak_rows")
    )


def _item(assessment: Assessment, specs: _Specs, weak_rows: list[SectionScore] | None = None) -> dict:
    rows = weak_rows if weak_rows is not None else getattr(assessment, "weak_rows", [])
    return {
        "id": assessment.pk,
        "key": assessment.key,
        "entity": _entity_ref(assessment.entity),
        "instrument": assessment.instrument.code,
        "version": assessment.version.number,
        "assessed_on": assessment.assessed_on,
        "book_year": assessment.book_year,
        "overall_score": _score(assessment.overall_score),
        "band": specs.band(assessment),
        "weak_factors": specs.weak(assessment, rows),
        "is_latest": assessment.is_latest,
        "assessed_by": assessment.assessed_by.username if assessment.assessed_by_id else None,
        "source": assessment.source,
        "created_at": assessment.created_at,
    }


def _recommendations(assessment: Assessment) -> list[dict]:
    return [
        {
            "section": rec.section,
            "section_name": rec.section_name,
            "intervention": rec.rule.intervention,
            "intervention_label": rec.intervention_label,
            "topic": rec.rule.topic,
            "priority": rec.rule.priority,
            "score": _score(rec.score),
            "served": rec.served,
        }
        for rec in recommend.for_assessment(assessment)
    ]


def _assessment_or_404(user, pk: int) -> Assessment:
    qs = selectors.assessments(user).select_related("entity__kabkota").prefetch_related("section_scores")
    return get_visible_or_404(user, qs, pk=pk)


def _detail(assessment: Assessment) -> dict:
    specs = _Specs()
    sections = selectors.sections_of(assessment)
    spec = specs.of(assessment.version)
    out = _item(assessment, specs, weak_rows=list(assessment.section_scores.all()))
    out.update(
        {
            "instrument_name": assessment.instrument.name,
            "version_label": spec.label,
            "answers": assessment.answers,
            "sections": [
                {
                    "code": s.code,
                    "name": s.name,
                    "score": _score(s.score),
                    "weak": s.weak,
                    "is_factor": s.is_factor,
                }
                for s in sections
            ],
            "visit": {
                "lat": assessment.lat,
                "lon": assessment.lon,
                "accuracy": assessment.location_accuracy,
                "notes": assessment.notes,
            },
            "recommendations": _recommendations(assessment),
        }
    )
    return out


def _instrument_out(instrument: Instrument, version: InstrumentVersion | None) -> dict:
    return {
        "code": instrument.code,
        "name": instrument.name,
        "purpose": instrument.purpose,
        "purpose_label": str(instrument.get_purpose_display()),
        "applies_to": instrument.applies_to,
        "applies_to_label": str(instrument.get_applies_to_display()),
        "description": instrument.description,
        "version": version.number if version else None,
        "label": version.spec.label if version else None,
    }


# --- cursor pagination of GET /assessments (newest first: assessed_on desc, id desc) -----------


def _cursor_position(key: list) -> tuple[dt.date, int]:
    try:
        day, pk = key
        return dt.date.fromisoformat(day), int(pk)
    except (TypeError, ValueError):
        raise invalid(
            {"cursor": [_("Kursor tidak sah. Mulai lagi dari halaman pertama (tanpa cursor).")]}
        ) from None


# --- endpoints --------------------------------------------------------------------------------

ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}
WRITE_ERRORS = {**ERRORS, 409: ErrorResponse, 422: ErrorResponse}


@router.get(
    "/instruments",
    response={200: list[InstrumentOut], **ERRORS},
    summary="Daftar instrumen penilaian",
    description="Instrumen yang aktif, masing-masing dengan nomor dan label versi yang berlaku.",
)
def list_diagnosis_instruments(request: HttpRequest):
    require(request.user, "diagnosis.view")
    instruments = Instrument.objects.filter(active=True).prefetch_related(
        Prefetch(
            "versions",
            queryset=InstrumentVersion.objects.filter(status=VersionStatus.PUBLISHED),
            to_attr="published",
        )
    )
    return [_instrument_out(i, i.published[0] if i.published else None) for i in instruments]


@router.get(
    "/instruments/{code}",
    response={200: InstrumentDetail, **ERRORS},
    summary="Rincian instrumen dan definisinya",
    description="Versi yang berlaku dengan definisi lengkapnya; `version` meminta versi lain yang pernah "
    "berlaku (untuk membaca penilaian lama). Draf tidak diberikan. Kode atau versi yang tidak ada: 404.",
)
def get_diagnosis_instrument(request: HttpRequest, code: str, version: int | None = None):
    require(request.user, "diagnosis.view")
    instrument = Instrument.objects.filter(code=code).first()
    if instrument is None:
        raise Http404
    versions = instrument.versions.exclude(status=VersionStatus.DRAFT)
    if version is None:
        chosen = versions.filter(status=VersionStatus.PUBLISHED).first()
    else:
        chosen = versions.filter(number=version).first()
    if chosen is None:
        raise Http404
    return {
        **_instrument_out(instrument, chosen),
        "active": instrument.active,
        "status": chosen.status,
        "published_at": chosen.published_at,
        "definition": chosen.spec,
    }


@router.get(
    "/assessments",
    response={200: AssessmentPage, **ERRORS},
    summary="Daftar penilaian",
    description="Penilaian dalam cakupan Anda, terbaru dulu (tanggal penilaian, lalu urutan catat), "
    "berhalaman dengan kursor (`next_cursor`).",
)
def list_diagnosis_assessments(request: HttpRequest, params: Query[AssessmentQuery]):
    require(request.user, "diagnosis.view")
    qs = selectors.assessments(request.user).select_related("entity__kabkota")
    filters: dict[str, Any] = {}
    if params.entity_id is not None:
        qs = qs.filter(entity_id=params.entity_id)
        filters["entity_id"] = params.entity_id
    if params.instrument:
        instrument = _instrument_or_400(params.instrument)
        qs = qs.filter(instrument=instrument)
        filters["instrument"] = instrument.code
    if params.latest is not None:
        qs = qs.filter(is_latest=params.latest)
        filters["latest"] = params.latest
    if params.kabkota:
        filters["kabkota"] = _filter_code(params.kabkota, "kabkota", 2)
        qs = qs.filter(entity__kabkota_id=filters["kabkota"])
    if params.band:
        qs = qs.filter(band=params.band.strip())
        filters["band"] = params.band.strip()
    fingerprint = common.fingerprint(**filters)
    if params.cursor:
        day, pk = _cursor_position(common.read_cursor(params.cursor, CURSOR_SALT, fingerprint))
        qs = qs.filter(Q(assessed_on__lt=day) | Q(assessed_on=day, pk__lt=pk))
    rows = list(_with_weak_rows(qs.order_by("-assessed_on", "-id"))[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    specs = _Specs()
    return {
        "items": [_item(row, specs) for row in rows],
        "next_cursor": (
            common.make_cursor(CURSOR_SALT, fingerprint, [rows[-1].assessed_on.isoformat(), rows[-1].pk])
            if more
            else None
        ),
    }


@router.get(
    "/assessments/{assessment_id}",
    response={200: AssessmentDetail, **ERRORS},
    summary="Rincian penilaian",
    description="Jawaban, skor per bagian (faktor), data kunjungan dan intervensi yang direkomendasikan.",
)
def get_diagnosis_assessment(request: HttpRequest, assessment_id: int):
    require(request.user, "diagnosis.view")
    return _detail(_assessment_or_404(request.user, assessment_id))


@router.post(
    "/assessments",
    response={200: AssessmentDetail, 201: AssessmentDetail, **WRITE_ERRORS},
    summary="Catat penilaian",
    description="Menilai satu entitas dengan versi instrumen yang berlaku. 201 bila dibuat; 200 bila "
    "`key` sudah dipakai untuk entitas ini (pengiriman ulang: tidak ada yang ditulis lagi); 409 "
    "`key_conflict` bila `key` milik penilaian entitas lain; 400 untuk jawaban yang tidak sah (per "
    "pertanyaan di `answers.<kode>`), tanggal yang belum tiba atau koordinat yang tidak mungkin; 404 "
    "bila entitas di luar cakupan Anda; 422 bila penilaian ditolak: `not_assigned` (penugasan "
    "pendamping sudah berakhir), `wrong_kind` (instrumen tidak berlaku untuk jenis entitas ini), "
    "`inactive`, `no_version`.",
)
def create_diagnosis_assessment(request: HttpRequest, payload: AssessmentIn):
    user = request.user
    require(user, "diagnosis.assess")
    if payload.entity_id is None:
        raise invalid({"entity_id": [_("Wajib diisi.")]})
    entity = get_visible_or_404(user, Entity, pk=payload.entity_id)
    instrument = _instrument_or_400(payload.instrument)
    if payload.answers is None:
        raise invalid({"answers": [_("Wajib diisi.")]})
    # JSON NaN/Infinity (Python's parser accepts them) are no answer to a number question.
    not_finite = [
        code for code, v in payload.answers.items() if isinstance(v, float) and not math.isfinite(v)
    ]
    if not_finite:
        raise invalid({f"answers.{code}": [_("Isi dengan angka.")] for code in not_finite})
    assessed_on = payload.assessed_on or timezone.localdate()
    if payload.book_year is not None and payload.book_year > assessed_on.year:
        raise invalid({"book_year": [_("Tahun buku tidak boleh setelah tahun penilaian.")]})
    visit = services.Visit(
        lat=payload.lat, lon=payload.lon, accuracy=payload.accuracy, notes=payload.notes or ""
    )
    try:
        assessment, created = services.assess(
            user,
            entity,
            instrument,
            payload.answers,
            assessed_on=payload.assessed_on,
            key=payload.key,
            book_year=payload.book_year,
            visit=visit,
            source=Source.API,
        )
    except scoring.InvalidAnswers as exc:
        raise invalid(
            {f"answers.{code}" if code else "answers": [message] for code, message in exc.errors.items()}
        ) from None
    except services.AssessmentRefused as exc:
        refused = (
            ConflictError(exc.messages[0])
            if exc.code == "key_conflict"
            else UnprocessableError(exc.messages[0])
        )
        refused.code = exc.code or refused.code
        raise refused from None
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise invalid({name: list(messages) for name, messages in exc.message_dict.items()}) from None
        raise invalid({"__all__": list(exc.messages)}) from None
    return Status(201 if created else 200, _detail(_assessment_or_404(user, assessment.pk)))


@router.get(
    "/entities/{entity_id}/recommendations",
    response={200: EntityRecommendations, **ERRORS},
    summary="Rekomendasi intervensi untuk satu entitas",
    description="Untuk setiap instrumen, penilaian terbaru entitas ini: tingkat, faktor lemah dan "
    "intervensi yang direkomendasikan (yang belum diberikan dulu). Entitas di luar cakupan: 404.",
)
def entity_diagnosis_recommendations(request: HttpRequest, entity_id: int):
    require(request.user, "diagnosis.view")
    entity = get_visible_or_404(request.user, Entity.objects.select_related("kabkota"), pk=entity_id)
    specs = _Specs()
    results = []
    for assessment in recommend.latest_assessments(entity):
        results.append(
            {
                "assessment_id": assessment.pk,
                "instrument": {"code": assessment.instrument.code, "name": assessment.instrument.name},
                "version": assessment.version.number,
                "assessed_on": assessment.assessed_on,
                "overall_score": _score(assessment.overall_score),
                "band": specs.band(assessment),
                "weak_factors": specs.weak(assessment, list(assessment.section_scores.all())),
                "recommendations": _recommendations(assessment),
            }
        )
    return {"entity": _entity_ref(entity), "results": results}


@router.get(
    "/diagnosis/worklist",
    response={200: WorklistPage, **ERRORS},
    summary="Daftar kerja: entitas paling rentan dulu",
    description="Penilaian terbaru yang punya faktor lemah, urut jumlah faktor lemah lalu skor terendah; "
    "dengan `factor`, hanya yang lemah pada faktor itu, skor faktornya terendah dulu. Berhalaman dengan "
    "`limit` (≤ 200) dan `offset`.",
)
def diagnosis_worklist(request: HttpRequest, params: Query[WorklistQuery]):
    require(request.user, "diagnosis.worklist")
    if params.instrument:
        instrument = _instrument_or_400(params.instrument)
    else:
        instrument = selectors.vulnerability_instrument()
    kabkota = _filter_code(params.kabkota, "kabkota", 2)
    kecamatan = _filter_code(params.kecamatan, "kecamatan", 3)
    factor = (params.factor or "").strip()
    empty = {
        "instrument": None,
        "items": [],
        "limit": params.limit,
        "offset": params.offset,
        "next_offset": None,
    }
    if instrument is None:
        return empty
    if factor:
        version = instrument.current_version()
        codes = {s.code for s in version.spec.sections} if version else set()
        if factor not in codes:
            message = _("Faktor %(factor)s tidak ada dalam instrumen %(name)s.") % {
                "factor": factor,
                "name": instrument.name,
            }
            raise invalid({"factor": [message]})
    qs = selectors.worklist(
        request.user,
        instrument=instrument,
        factor=factor,
        kabkota=kabkota,
        kecamatan=kecamatan,
        size_class=params.size_class.value if params.size_class else "",
        kind=params.kind.value if params.kind else "",
        kbli_category=(params.kbli_category or "").upper(),
        not_served=params.not_served,
    )
    start = params.offset
    rows = list(_with_weak_rows(qs)[start : start + params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    specs = _Specs()
    items = [
        {
            "assessment_id": row.pk,
            "entity": _entity_ref(row.entity),
            "assessed_on": row.assessed_on,
            "overall_score": _score(row.overall_score),
            "band": specs.band(row),
            "weak_factors": specs.weak(row, row.weak_rows),
            "weak_count": row.weak_count,
            "factor_score": _score(getattr(row, "factor_score", None)) if factor else None,
        }
        for row in rows
    ]
    return {
        **empty,
        "instrument": instrument.code,
        "items": items,
        "next_offset": start + params.limit if more else None,
    }
