"""Programmes on the API: programmes, candidates, applications and their steps, grant payments,
usage reports and the intervention ledger, under /api/v1.

Every write goes through :mod:`berdaya.programmes.services` or :mod:`berdaya.grants.services`,
every read of scoped data through :func:`~berdaya.core.scoping.visible`; this module only
translates HTTP. Order of the checks in each operation: authentication (401), the role's
permission (403), the record's visibility (404: out of scope looks like missing), then the body
(400 with per-field messages), then the rules of the engine (409/422).

Who reads what
--------------
* Programmes (``programmes.view``: office roles, pendamping, pimpinan). A pelaku usaha sees only
  the programmes that are open (``status=open``); any other programme is 404 for them.
* Applications, their disbursements and the ledger of interventions: ``programmes.view`` or
  ``programmes.apply`` (the pelaku usaha), narrowed by scope — a district officer their
  kab/kota, a pendamping the entities assigned to them, an owner their own business.
  Konsultan and mitra get 403.

Status codes chosen
-------------------
* 400 ``validation_error`` — a malformed or incomplete body, per field in ``fields`` (money is a
  JSON integer: ``true`` or ``1.5`` is refused, never read as Rupiah); also the
  engine's field checks (an amount above the per-recipient ceiling, a rejection without a
  ``note``, a payment above what remains of the approved amount, programme rules that cannot be
  evaluated: messages under ``eligibility``).
* 409 — the request conflicts with the **state** of a record, the budget or a quota, so it may
  succeed later or elsewhere: ``wrong_stage``, ``over_budget``, ``over_quota``, ``duplicate``
  (the entity already holds a place in the programme), ``bad_status`` (a programme status change
  the lifecycle does not allow), ``quota_below_approved``, ``not_open`` for an approval in a
  programme that is no longer in its approval phase, ``kind_managed`` (a grant is delivered by
  recording its payments and reported by its usage report, not by a bare step), ``invalid_rules``
  (candidates of a programme whose stored conditions can no longer be evaluated).
* 422 — the request is well-formed but the rules refuse it for this entity or programme:
  ``not_open`` (the programme is not taking applications), ``outside_region``,
  ``not_eligible`` (the failed conditions in ``fields.eligibility``), ``not_assigned``,
  ``wrong_kind`` (a grant action on a programme that is no grant).
* 403 — the role may not do this (``permission_denied``); 404 — no such record in the caller's
  scope, or an unknown step (``unknown_step``).

Money is integer Rupiah everywhere. Lists page with ``limit`` (≤ 200) and an opaque ``cursor``
(keyset: stable under inserts; a cursor is tied to its filters), ``GET /programmes`` and the
candidates also with ``offset``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, StrictInt

from berdaya.accounts.models import Role
from berdaya.accounts.permissions import has_permission, require
from berdaya.api import common
from berdaya.api.common import ErrorResponse, RegionRef, invalid, region_ref
from berdaya.api.errors import ApiError, ConflictError, UnprocessableError
from berdaya.core.scoping import get_visible_or_404, visible
from berdaya.grants import services as grants
from berdaya.grants.models import Disbursement, PaymentChannel, UsageReport
from berdaya.programmes import eligibility, kinds, services
from berdaya.programmes.models import (
    ENDED_WITHOUT_AWARD,
    Application,
    Channel,
    DistrictQuota,
    Intervention,
    InterventionKind,
    Programme,
    ProgrammeKind,
    ProgrammeStatus,
    Stage,
)
from berdaya.regions.models import Region
from berdaya.registry.models import Entity

router = Router()

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
BULK_MAX = 200
CURSOR_SALT = "berdaya.programmes.api-cursor"
READERS = ("programmes.view", "programmes.apply")
# Refusals of an application that are about the entity or the programme, not about state.
APPLY_UNPROCESSABLE = frozenset({"not_open", "outside_region", "not_eligible", "not_assigned"})
GRANT_UNPROCESSABLE = frozenset({"wrong_kind"})


# --- schemas: output ------------------------------------------------------------------------


class ProgrammeBudget(Schema):
    total: int = Field(..., description="Pagu anggaran (Rp).")
    approved: int = Field(..., description="Jumlah yang sudah disetujui (Rp).")
    remaining: int = Field(..., description="Sisa pagu (Rp).")
    approved_count: int = Field(..., description="Penerima yang disetujui.")
    ceiling: int = Field(..., description="Batas per penerima (Rp).")


class ProgrammeItem(Schema):
    id: int
    kind: str = Field(..., description="Jenis program, mis. hibah.")
    kind_label: str
    name: str
    year: int
    funding_source: str
    funding_source_label: str
    region: RegionRef = Field(..., description="Wilayah sasaran: provinsi atau satu kab/kota.")
    status: str = Field(..., description="draft, open, closed atau completed.")
    status_label: str
    opens_on: dt.date
    closes_on: dt.date
    budget: ProgrammeBudget


class DistrictQuotaOut(Schema):
    kabkota: RegionRef
    quota: int
    approved: int
    remaining: int


class ApplicationStageCount(Schema):
    stage: str
    label: str
    count: int


class EligibilityConditionOut(Schema):
    condition: dict[str, Any] = Field(..., description="Syarat seperti tersimpan (field, op, value …).")
    text: str | None = Field(..., description="Syarat dalam kata-kata (null bila tidak dapat dibaca).")


class ProgrammeDetail(ProgrammeItem):
    unit: str
    description: str
    quotas: list[DistrictQuotaOut]
    stages: list[ApplicationStageCount] = Field(
        ..., description="Jumlah permohonan per tahap, dari permohonan dalam cakupan Anda."
    )
    eligibility: list[EligibilityConditionOut]
    eligibility_errors: list[str] = Field(..., description="Syarat tersimpan yang tidak dapat dievaluasi.")
    created_at: dt.datetime


class ProgrammePage(Schema):
    items: list[ProgrammeItem]
    limit: int
    offset: int
    next_offset: int | None = Field(..., description="`offset` halaman berikutnya; null bila sudah habis.")


class EntityBriefOut(Schema):
    id: int
    name: str
    kind: str = Field(..., description="umkm atau koperasi.")
    kabkota: RegionRef | None


class EligibilityCheckOut(Schema):
    condition: str = Field(..., description="Syarat dalam kata-kata.")
    met: bool | None = Field(..., description="true terpenuhi, false tidak, null tidak diketahui.")


class ApplicationRef(Schema):
    id: int
    stage: str


class CandidateOut(Schema):
    entity: EntityBriefOut
    eligible: bool = Field(..., description="Di wilayah sasaran dan memenuhi setiap syarat.")
    in_region: bool
    checks: list[EligibilityCheckOut]
    application: ApplicationRef | None = Field(
        ..., description="Permohonan yang masih berjalan untuk entitas ini dalam program ini."
    )


class CandidatePage(Schema):
    items: list[CandidateOut]
    limit: int
    next_cursor: str | None = Field(..., description="Untuk halaman berikutnya (paging dengan kursor).")
    next_offset: int | None = Field(..., description="Untuk halaman berikutnya (paging dengan `offset`).")


class ProgrammeBrief(Schema):
    id: int
    name: str
    kind: str
    year: int
    status: str


class ApplicationItem(Schema):
    id: int
    programme: ProgrammeBrief
    entity: EntityBriefOut
    kabkota: RegionRef = Field(..., description="Kab/kota entitas saat mengajukan (cakupan dan kuota).")
    stage: str
    stage_label: str
    channel: str = Field(..., description="nominated (diusulkan petugas), portal, import atau seed.")
    amount_requested: int | None
    amount_approved: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ApplicationPage(Schema):
    items: list[ApplicationItem]
    next_cursor: str | None = Field(
        ..., description="Kirim sebagai `cursor` untuk halaman berikutnya; null bila sudah habis."
    )


class ApplicationEventOut(Schema):
    from_stage: str
    to_stage: str
    to_stage_label: str
    actor: str | None = Field(..., description="Nama pengguna yang melangkah.")
    note: str
    at: dt.datetime


class ApplicationStepOut(Schema):
    action: str = Field(..., description="Dipakai di POST /applications/{id}/steps/{action}.")
    label: str
    target: str = Field(..., description="Tahap sesudah langkah ini.")


class DisbursementOut(Schema):
    id: int
    paid_on: dt.date
    amount: int
    channel: str
    channel_label: str
    bank_name: str
    account_masked: str = Field(
        ..., description="Nomor rekening tersamar; nomor lengkap tidak pernah dikirim."
    )
    account_holder: str
    reference: str
    recorded_by: str | None
    created_at: dt.datetime


class UsageReportOut(Schema):
    submitted_on: dt.date
    amount_used: int
    summary: str
    submitted_by: str | None


class GrantRecordsOut(Schema):
    approved: int = Field(..., description="Jumlah disetujui (Rp), 0 bila belum.")
    disbursed: int = Field(..., description="Jumlah sudah disalurkan (Rp).")
    remaining: int = Field(..., description="Sisa yang belum disalurkan (Rp).")
    disbursements: list[DisbursementOut]
    usage_report: UsageReportOut | None
    may_disburse: bool = Field(..., description="Anda dapat mencatat penyaluran sekarang.")
    may_report_use: bool = Field(..., description="Anda dapat mengirim laporan penggunaan sekarang.")


class ApplicationDetail(ApplicationItem):
    purpose: str
    reason: str = Field(..., description="Alasan penolakan atau pembatalan.")
    rejected_at_stage: str
    frozen: dict[str, Any] = Field(
        ..., description="Fakta yang menjadi dasar persetujuan, dibekukan saat itu."
    )
    warnings: list[str] = Field(..., description="Peringatan penerimaan ganda (bukan penolakan).")
    next_steps: list[ApplicationStepOut] = Field(..., description="Langkah yang boleh Anda ambil sekarang.")
    events: list[ApplicationEventOut]
    grant: GrantRecordsOut | None = Field(
        ..., description="Penyaluran dan laporan penggunaan (program hibah)."
    )


class BulkStepsOut(Schema):
    total: int = Field(..., description="Jumlah id berbeda yang diproses.")
    done: int
    refused: dict[str, int] = Field(..., description="Jumlah yang ditolak per kode, mis. wrong_stage.")
    examples: dict[str, str] = Field(..., description="Satu pesan contoh per kode.")


class ApplicationState(Schema):
    id: int
    stage: str
    stage_label: str
    amount_approved: int | None
    disbursed: int
    remaining: int


class DisbursementCreated(Schema):
    disbursement: DisbursementOut
    application: ApplicationState


class DisbursementList(Schema):
    items: list[DisbursementOut]
    application: ApplicationState


class UsageReportCreated(Schema):
    usage_report: UsageReportOut
    application: ApplicationState


class InterventionOut(Schema):
    id: int
    entity: EntityBriefOut
    kind: str
    kind_label: str
    delivered_on: dt.date
    title: str
    amount: int | None
    programme: ProgrammeBrief | None
    application_id: int | None


class InterventionPage(Schema):
    items: list[InterventionOut]
    next_cursor: str | None


class InterventionReachRow(Schema):
    kind: str
    kind_label: str
    kabkota: RegionRef | None
    entities: int = Field(..., description="Entitas berbeda yang dilayani.")


class InterventionReachKind(Schema):
    kind: str
    kind_label: str
    entities: int


class InterventionReachOut(Schema):
    year: int
    rows: list[InterventionReachRow] = Field(..., description="Per jenis intervensi dan kab/kota.")
    by_kind: list[InterventionReachKind]
    total_entities: int = Field(..., description="Entitas berbeda yang menerima intervensi apa pun.")


# --- schemas: input --------------------------------------------------------------------------
# Every body field is optional and unknown fields are refused: a caller without the permission
# learns nothing from a validation error (checked after it), a misspelt field is not ignored.


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class ProgrammeIn(_In):
    kind: str | None = Field(
        None, max_length=20, description="Jenis program (wajib saat membuat), mis. hibah."
    )
    name: str | None = Field(None, max_length=200)
    year: int | None = Field(None, description="Tahun anggaran.")
    funding_source: str | None = Field(
        None, max_length=20, description="apbd_provinsi, apbd_kabkota, apbn_dak, csr."
    )
    region: str | None = Field(
        None, max_length=13, description="Kode provinsi atau satu kab/kota, mis. 74 atau 74.71."
    )
    total_budget: StrictInt | None = Field(None, description="Pagu anggaran (Rp).")
    ceiling: StrictInt | None = Field(None, description="Batas per penerima (Rp).")
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    unit: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    eligibility: list[dict[str, Any]] | None = Field(
        None, description='Syarat kelayakan, mis. [{"field": "kind", "op": "in", "value": ["umkm"]}].'
    )


class ProgrammeStatusIn(_In):
    status: str | None = Field(None, description="open, closed atau completed.")


class DistrictQuotaIn(_In):
    quota: StrictInt | None = Field(None, description="Kuota penerima kab/kota ini (0 atau lebih).")


class ApplicationIn(_In):
    programme_id: int | None = None
    entity_id: int | None = None
    amount_requested: StrictInt | None = Field(None, description="Jumlah diajukan (Rp).")
    purpose: str | None = Field(None, max_length=5000, description="Rencana penggunaan.")


class ApplicationStepIn(_In):
    note: str | None = Field(None, max_length=5000, description="Catatan; wajib untuk `reject`.")
    amount: StrictInt | None = Field(None, description="Hanya untuk `approve`: jumlah disetujui (Rp).")


class BulkStepsIn(_In):
    ids: list[int] | None = Field(None, description=f"Id permohonan (1–{BULK_MAX}).")
    action: str | None = Field(None, description="verify, approve, reject, close, withdraw …")
    note: str | None = Field(None, max_length=5000, description="Catatan; wajib untuk `reject`.")


class DisbursementIn(_In):
    amount: StrictInt | None = Field(None, description="Jumlah dibayarkan (Rp).")
    paid_on: dt.date | None = None
    channel: str | None = Field(None, description="transfer, tunai atau giro.")
    bank_name: str | None = Field(None, max_length=100)
    account_number: str | None = Field(
        None, max_length=40, description="Disimpan terenkripsi, ditampilkan tersamar."
    )
    account_holder: str | None = Field(None, max_length=200)
    reference: str | None = Field(None, max_length=100, description="Nomor bukti / SP2D.")


class UsageReportIn(_In):
    amount_used: StrictInt | None = Field(None, description="Jumlah yang digunakan (Rp).")
    summary: str | None = Field(None, max_length=10_000)
    submitted_on: dt.date | None = Field(None, description="Bawaan hari ini.")


class ProgrammeQuery(Schema):
    year: int | None = Field(None, ge=1900, le=2100)
    status: ProgrammeStatus | None = None
    kind: ProgrammeKind | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Baris per halaman (1–200).")
    offset: int = Field(0, ge=0)


class CandidateQuery(Schema):
    entity_id: int | None = Field(
        None, description="Penjelasan satu entitas, juga bila tidak memenuhi syarat."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Baris per halaman (1–200).")
    cursor: str | None = Field(None, max_length=2000)
    offset: int | None = Field(None, ge=0, description="Paging dengan offset (bukan dengan kursor).")


class ApplicationQuery(Schema):
    programme: int | None = Field(None, description="Id program.")
    stage: Stage | None = None
    kabkota: str | None = Field(None, max_length=20, description="Kode kab/kota, mis. 74.71.")
    entity_id: int | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Baris per halaman (1–200).")
    cursor: str | None = Field(None, max_length=2000)


class InterventionQuery(Schema):
    entity_id: int | None = None
    kind: InterventionKind | None = None
    year: int | None = Field(None, ge=1900, le=2100)
    kabkota: str | None = Field(None, max_length=20, description="Kode kab/kota, mis. 74.71.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Baris per halaman (1–200).")
    cursor: str | None = Field(None, max_length=2000)


class InterventionReachQuery(Schema):
    year: int | None = Field(None, ge=1900, le=2100, description="Tahun; bawaan tahun ini.")


# --- errors -----------------------------------------------------------------------------------


class UnknownStep(ApiError):
    status = 404
    code = "unknown_step"


def _required(**values: Any) -> None:
    missing = {name: [_("Wajib diisi.")] for name, value in values.items() if value is None}
    if missing:
        raise invalid(missing)


def _refusal(exc: services.Refused, unprocessable: frozenset[str] = frozenset(), fields=None) -> ApiError:
    code = exc.code or "refused"
    error = (UnprocessableError if code in unprocessable else ConflictError)(exc.messages[0], fields=fields)
    error.code = code
    return error


@contextmanager
def _engine(unprocessable: frozenset[str] = frozenset()) -> Iterator[None]:
    """A refusal of the engine becomes 409 (state, budget, quota) or 422 (``unprocessable``).

    A ValidationError with fields is a 400 with those fields (api/errors.py);
    PermissionDenied a 403.
    """
    try:
        yield
    except services.Refused as exc:
        raise _refusal(exc, unprocessable) from None


def _require_any(user, *perms: str) -> None:
    if not any(has_permission(user, perm) for perm in perms):
        raise PermissionDenied(perms[0])


# --- helpers ----------------------------------------------------------------------------------


def _entity(entity: Entity) -> dict:
    return {"id": entity.pk, "name": entity.name, "kind": entity.kind, "kabkota": region_ref(entity.kabkota)}


def _user_name(user) -> str | None:
    return user.username if user is not None else None


def _kabkota_code(value: str | None, field: str = "kabkota") -> str:
    """A kab/kota of this province (dotted code), or 400."""
    code = (value or "").strip()
    if not code:
        return ""
    province = settings.BERDAYA_PROVINCE
    if not (
        code.startswith(province + ".") and code.count(".") == 1 and Region.objects.filter(pk=code).exists()
    ):
        raise invalid({field: [_("%(code)s bukan kode kabupaten/kota di provinsi ini.") % {"code": code}]})
    return code


def _readable_programmes(user) -> QuerySet[Programme]:
    """Every programme for ``programmes.view``; for a pelaku usaha only the open ones."""
    if has_permission(user, "programmes.view"):
        return Programme.objects.all()
    if has_permission(user, "programmes.apply"):
        return Programme.objects.filter(status=ProgrammeStatus.OPEN)
    raise PermissionDenied("programmes.view")


def _get(qs: QuerySet, pk: int):
    try:
        return qs.get(pk=pk)
    except qs.model.DoesNotExist:
        raise Http404 from None


def _budget(programme: Programme) -> dict:
    return {
        "total": programme.total_budget,
        "approved": programme.approved_total,
        "remaining": programme.remaining,
        "approved_count": programme.approved_count,
        "ceiling": programme.ceiling,
    }


def _programme_item(programme: Programme) -> dict:
    return {
        "id": programme.pk,
        "kind": programme.kind,
        "kind_label": str(programme.get_kind_display()),
        "name": programme.name,
        "year": programme.year,
        "funding_source": programme.funding_source,
        "funding_source_label": str(programme.get_funding_source_display()),
        "region": region_ref(programme.region),
        "status": programme.status,
        "status_label": str(programme.get_status_display()),
        "opens_on": programme.opens_on,
        "closes_on": programme.closes_on,
        "budget": _budget(programme),
    }


def _quota(row: DistrictQuota) -> dict:
    return {
        "kabkota": region_ref(row.kabkota),
        "quota": row.quota,
        "approved": row.approved,
        "remaining": row.quota - row.approved,
    }


def _programme_detail(user, programme: Programme) -> dict:
    programme = Programme.objects.select_related("region").get(pk=programme.pk)
    raw = list(programme.eligibility or [])
    errors: list[str] = []
    try:
        texts: list[str | None] = list(eligibility.describe(services.conditions_of(programme)))
    except eligibility.RuleError as exc:
        texts, errors = [None] * len(raw), list(exc.errors)
    counts = dict(
        visible(user, Application)
        .filter(programme=programme)
        .order_by()
        .values_list("stage")
        .annotate(n=Count("id"))
    )
    return {
        **_programme_item(programme),
        "unit": programme.unit,
        "description": programme.description,
        "quotas": [_quota(q) for q in programme.quotas.select_related("kabkota").order_by("kabkota_id")],
        "stages": [{"stage": s.value, "label": str(s.label), "count": counts.get(s.value, 0)} for s in Stage],
        "eligibility": [
            {"condition": item if isinstance(item, dict) else {"value": item}, "text": text}
            for item, text in zip(raw, texts, strict=True)
        ],
        "eligibility_errors": errors,
        "created_at": programme.created_at,
    }


def _save(user, programme: Programme) -> Programme:
    """save_programme; on failure every field's message (the service stops at its own checks)."""
    try:
        return services.save_programme(user, programme)
    except ValidationError as exc:
        fields = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {}
        )
        if not hasattr(exc, "error_dict"):
            fields["__all__"] = [str(m) for m in exc.messages]
        try:
            programme.full_clean(exclude=["created_by"], validate_constraints=False)
        except ValidationError as more:
            for name, messages in more.message_dict.items():
                if name not in fields and name != "__all__":
                    fields[name] = [str(m) for m in messages]
        raise invalid(fields) from None


_PROGRAMME_FIELDS = (
    "kind",
    "name",
    "year",
    "funding_source",
    "total_budget",
    "ceiling",
    "opens_on",
    "closes_on",
    "unit",
    "description",
    "eligibility",
)


def _apply_fields(programme: Programme, values: dict[str, Any]) -> None:
    for name in _PROGRAMME_FIELDS:
        if name in values:
            value = values[name]
            if name in ("unit", "description") and value is None:
                value = ""
            if name == "eligibility" and value is None:
                value = []
            setattr(programme, name, value)
    if "region" in values:
        programme.region_id = (values["region"] or "").strip() or None


# --- cursors ------------------------------------------------------------------------------------


def _cursor_error(message: str) -> ApiError:
    return invalid({"cursor": [message]})


def _key_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _cursor_error(_("Kursor tidak sah. Mulai lagi dari halaman pertama (tanpa cursor).")) from None


# --- applications: helpers ----------------------------------------------------------------------


def _application_qs(user) -> QuerySet[Application]:
    return visible(user, Application).select_related("programme", "entity__kabkota", "kabkota")


def _application_or_404(user, pk: int) -> Application:
    return get_visible_or_404(user, _application_qs(user), pk=pk)


def _application_item(app: Application) -> dict:
    programme = app.programme
    return {
        "id": app.pk,
        "programme": {
            "id": programme.pk,
            "name": programme.name,
            "kind": programme.kind,
            "year": programme.year,
            "status": programme.status,
        },
        "entity": _entity(app.entity),
        "kabkota": region_ref(app.kabkota),
        "stage": app.stage,
        "stage_label": str(app.get_stage_display()),
        "channel": app.channel,
        "amount_requested": app.amount_requested,
        "amount_approved": app.amount_approved,
        "created_at": app.created_at,
        "updated_at": app.updated_at,
    }


def _kind_managed(programme: Programme) -> set[str]:
    """Steps a programme kind takes through its own records (a grant: payments, usage report)."""
    try:
        kind = kinds.get(programme.kind)
    except LookupError:
        return set()
    return {"deliver", "report"} if kind.delivery != "manual" else set()


def _next_steps(user, app: Application) -> list[dict]:
    managed = _kind_managed(app.programme)
    steps = []
    for step in services.allowed_steps(user, app):
        if step.action in managed:
            continue
        if step.action == "withdraw" and user.role == Role.PELAKU_USAHA and app.channel != Channel.PORTAL:
            continue
        steps.append({"action": step.action, "label": _(step.label), "target": step.target})
    return steps


def _disbursement(row: Disbursement) -> dict:
    return {
        "id": row.pk,
        "paid_on": row.paid_on,
        "amount": row.amount,
        "channel": row.channel,
        "channel_label": str(row.get_channel_display()),
        "bank_name": row.bank_name,
        "account_masked": row.account_masked,
        "account_holder": row.account_holder,
        "reference": row.reference,
        "recorded_by": _user_name(row.recorded_by),
        "created_at": row.created_at,
    }


def _usage_report(report: UsageReport) -> dict:
    return {
        "submitted_on": report.submitted_on,
        "amount_used": report.amount_used,
        "summary": report.summary,
        "submitted_by": _user_name(report.submitted_by),
    }


def _disbursements(user, app: Application) -> list[Disbursement]:
    return list(visible(user, Disbursement).filter(application=app).select_related("recorded_by"))


def _state(app: Application, paid: int) -> dict:
    approved = app.amount_approved or 0
    return {
        "id": app.pk,
        "stage": app.stage,
        "stage_label": str(app.get_stage_display()),
        "amount_approved": app.amount_approved,
        "disbursed": paid,
        "remaining": max(approved - paid, 0),
    }


def _grant(user, app: Application) -> dict | None:
    if app.programme.kind != ProgrammeKind.GRANT:
        return None
    rows = _disbursements(user, app)
    paid = sum(row.amount for row in rows)
    report = visible(user, UsageReport).filter(application=app).select_related("submitted_by").first()
    approved = app.amount_approved or 0
    return {
        "approved": approved,
        "disbursed": paid,
        "remaining": max(approved - paid, 0),
        "disbursements": [_disbursement(row) for row in rows],
        "usage_report": _usage_report(report) if report is not None else None,
        "may_disburse": app.stage == Stage.APPROVED and has_permission(user, "programmes.disburse"),
        "may_report_use": app.stage == Stage.DELIVERED and has_permission(user, "programmes.report_use"),
    }


def _application_detail(user, app: Application) -> dict:
    events = app.events.select_related("actor").order_by("at", "id")
    return {
        **_application_item(app),
        "purpose": app.purpose,
        "reason": app.reason,
        "rejected_at_stage": app.rejected_at_stage,
        "frozen": app.frozen or {},
        "warnings": [w.text for w in services.double_dipping(app)],
        "next_steps": _next_steps(user, app),
        "events": [
            {
                "from_stage": e.from_stage,
                "to_stage": e.to_stage,
                "to_stage_label": str(e.get_to_stage_display()),
                "actor": _user_name(e.actor),
                "note": e.note,
                "at": e.at,
            }
            for e in events
        ],
        "grant": _grant(user, app),
    }


def _step_permissions(action: str) -> tuple[str, ...]:
    step = services.STEPS[action]
    # past the district only the province refuses (services.allowed_steps)
    return (step.permission, "programmes.approve") if action == "reject" else (step.permission,)


# --- endpoints: programmes ---------------------------------------------------------------------

ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}
WRITE_ERRORS = {**ERRORS, 409: ErrorResponse, 422: ErrorResponse}


@router.get(
    "/programmes",
    response={200: ProgrammePage, **ERRORS},
    summary="Daftar program",
    description="Program terbaru dulu (tahun, lalu nama), dengan pagu, jumlah disetujui dan sisanya. "
    "Filter `year`, `status`, `kind`; berhalaman dengan `limit` (≤ 200) dan `offset`. Pelaku usaha "
    "hanya melihat program yang dibuka.",
)
def list_programmes(request: HttpRequest, params: Query[ProgrammeQuery]):
    qs = _readable_programmes(request.user).select_related("region")
    if params.year is not None:
        qs = qs.filter(year=params.year)
    if params.status is not None:
        qs = qs.filter(status=params.status.value)
    if params.kind is not None:
        qs = qs.filter(kind=params.kind.value)
    start = params.offset
    rows = list(qs.order_by("-year", "name", "id")[start : start + params.limit + 1])
    more = len(rows) > params.limit
    return {
        "items": [_programme_item(p) for p in rows[: params.limit]],
        "limit": params.limit,
        "offset": start,
        "next_offset": start + params.limit if more else None,
    }


@router.get(
    "/programmes/{programme_id}",
    response={200: ProgrammeDetail, **ERRORS},
    summary="Rincian program",
    description="Pagu (total, disetujui, sisa), kuota per kab/kota, jumlah permohonan per tahap (dalam "
    "cakupan Anda) dan syarat kelayakan, sebagai data dan dalam kata-kata.",
)
def get_programme(request: HttpRequest, programme_id: int):
    programme = _get(_readable_programmes(request.user), programme_id)
    return _programme_detail(request.user, programme)


@router.post(
    "/programmes",
    response={201: ProgrammeDetail, **WRITE_ERRORS},
    summary="Buat program",
    description="Hanya provinsi (`programmes.manage`). Program dibuat berstatus draf. 400 dengan pesan "
    "per kolom, termasuk `eligibility` (satu pesan per syarat yang salah).",
)
def create_programme(request: HttpRequest, payload: ProgrammeIn):
    require(request.user, "programmes.manage")
    values = payload.model_dump(exclude_unset=True)
    _required(**{name: values.get(name) for name in _PROGRAMME_FIELDS[:8]}, region=values.get("region"))
    programme = Programme(status=ProgrammeStatus.DRAFT)
    _apply_fields(programme, values)
    _save(request.user, programme)
    return Status(201, _programme_detail(request.user, programme))


@router.patch(
    "/programmes/{programme_id}",
    response={200: ProgrammeDetail, **WRITE_ERRORS},
    summary="Ubah program",
    description="Hanya kolom yang dikirim yang diubah. Status diubah lewat `POST …/status`; jumlah "
    "disetujui hanya diubah oleh persetujuan.",
)
def update_programme(request: HttpRequest, programme_id: int, payload: ProgrammeIn):
    require(request.user, "programmes.manage")
    programme = _get(Programme.objects.all(), programme_id)
    _apply_fields(programme, payload.model_dump(exclude_unset=True))
    _save(request.user, programme)
    return _programme_detail(request.user, programme)


@router.post(
    "/programmes/{programme_id}/status",
    response={200: ProgrammeDetail, **WRITE_ERRORS},
    summary="Ubah status program",
    description="draft → open → closed → (open lagi atau) completed. Perubahan yang tidak diizinkan: "
    "409 `bad_status`.",
)
def set_programme_status(request: HttpRequest, programme_id: int, payload: ProgrammeStatusIn):
    require(request.user, "programmes.manage")
    programme = _get(Programme.objects.all(), programme_id)
    if payload.status not in ProgrammeStatus.values:
        raise invalid(
            {"status": [_("Pilih salah satu: %(values)s.") % {"values": ", ".join(ProgrammeStatus.values)}]}
        )
    with _engine():
        services.set_status(request.user, programme, payload.status)
    return _programme_detail(request.user, programme)


@router.put(
    "/programmes/{programme_id}/quotas/{kabkota}",
    response={200: DistrictQuotaOut, **WRITE_ERRORS},
    summary="Tetapkan kuota kab/kota",
    description="Berapa penerima yang boleh disetujui di satu kab/kota. Kuota di bawah jumlah yang sudah "
    "disetujui: 409 `quota_below_approved`.",
)
def set_programme_quota(request: HttpRequest, programme_id: int, kabkota: str, payload: DistrictQuotaIn):
    require(request.user, "programmes.manage")
    programme = _get(Programme.objects.all(), programme_id)
    code = _kabkota_code(kabkota)
    if not code:
        raise invalid({"kabkota": [_("Wajib diisi.")]})
    if payload.quota is None:
        raise invalid({"quota": [_("Wajib diisi.")]})
    with _engine():  # the service checks the kab/kota against the programme and the quota itself
        row = services.set_quota(request.user, programme, code, payload.quota)
    return _quota(DistrictQuota.objects.select_related("kabkota").get(pk=row.pk))


@router.get(
    "/programmes/{programme_id}/candidates",
    response={200: CandidatePage, **ERRORS},
    summary="Calon penerima",
    description="Entitas dalam cakupan Anda, di wilayah sasaran, yang memenuhi setiap syarat, masing-masing "
    "dengan penjelasan per syarat. Berhalaman dengan `cursor` (bawaan) atau `offset`, `limit` ≤ 200. "
    "Dengan `entity_id`: penjelasan satu entitas, juga bila tidak memenuhi syarat (404 bila di luar "
    "cakupan).",
)
def programme_candidates(request: HttpRequest, programme_id: int, params: Query[CandidateQuery]):
    user = request.user
    require(user, "programmes.nominate")
    programme = _get(Programme.objects.all(), programme_id)
    if params.cursor and params.offset is not None:
        raise invalid({"cursor": [_("Pakai `cursor` atau `offset`, bukan keduanya.")]})
    try:
        conditions = services.conditions_of(programme)
    except eligibility.RuleError as exc:
        broken = ConflictError(
            _("Syarat program ini tidak dapat dievaluasi."), fields={"eligibility": list(exc.errors)}
        )
        broken.code = "invalid_rules"
        raise broken from None
    page = {"limit": params.limit, "next_cursor": None, "next_offset": None}
    if params.entity_id is not None:
        entity = get_visible_or_404(user, Entity.objects.select_related("kabkota"), pk=params.entity_id)
        row = eligibility.explained(Entity.objects.filter(pk=entity.pk), conditions).get()
        checks = eligibility.checks_of(row, conditions)
        in_region = Entity.objects.filter(pk=entity.pk).filter(services.in_region(programme)).exists()
        rows = [(entity, checks, in_region)]
    else:
        qs = eligibility.explained(services.candidates(user, programme), conditions).select_related("kabkota")
        fingerprint = common.fingerprint(t="candidates", programme=programme.pk)
        if params.offset is not None:
            start = params.offset
            found = list(qs.order_by("id")[start : start + params.limit + 1])
        else:
            if params.cursor:
                qs = qs.filter(
                    pk__gt=_key_int(common.read_cursor(params.cursor, CURSOR_SALT, fingerprint)[0])
                )
            found = list(qs.order_by("id")[: params.limit + 1])
        more = len(found) > params.limit
        found = found[: params.limit]
        if more and params.offset is not None:
            page["next_offset"] = params.offset + params.limit
        elif more:
            page["next_cursor"] = common.make_cursor(CURSOR_SALT, fingerprint, [found[-1].pk])
        rows = [(e, eligibility.checks_of(e, conditions), True) for e in found]
    running = {
        entity_id: {"id": pk, "stage": stage}
        for entity_id, pk, stage in visible(user, Application)
        .filter(programme=programme, entity_id__in=[e.pk for e, _c, _r in rows])
        .exclude(stage__in=ENDED_WITHOUT_AWARD)
        .values_list("entity_id", "id", "stage")
    }
    page["items"] = [
        {
            "entity": _entity(entity),
            "eligible": in_region and all(c.met for c in checks),
            "in_region": in_region,
            "checks": [{"condition": c.label, "met": c.met} for c in checks],
            "application": running.get(entity.pk),
        }
        for entity, checks, in_region in rows
    ]
    return page


# --- endpoints: applications ---------------------------------------------------------------------


@router.get(
    "/applications",
    response={200: ApplicationPage, **ERRORS},
    summary="Daftar permohonan",
    description="Permohonan dalam cakupan Anda, terbaru dulu; filter `programme`, `stage`, `kabkota`, "
    "`entity_id`. Berhalaman dengan kursor (`next_cursor`), `limit` ≤ 200.",
)
def list_applications(request: HttpRequest, params: Query[ApplicationQuery]):
    user = request.user
    _require_any(user, *READERS)
    qs = _application_qs(user)
    filters: dict[str, Any] = {}
    if params.programme is not None:
        qs = qs.filter(programme_id=params.programme)
        filters["programme"] = params.programme
    if params.stage is not None:
        qs = qs.filter(stage=params.stage.value)
        filters["stage"] = params.stage.value
    if params.kabkota:
        filters["kabkota"] = _kabkota_code(params.kabkota)
        qs = qs.filter(kabkota_id=filters["kabkota"])
    if params.entity_id is not None:
        qs = qs.filter(entity_id=params.entity_id)
        filters["entity_id"] = params.entity_id
    fingerprint = common.fingerprint(t="applications", **filters)
    if params.cursor:
        qs = qs.filter(pk__lt=_key_int(common.read_cursor(params.cursor, CURSOR_SALT, fingerprint)[0]))
    rows = list(qs.order_by("-id")[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return {
        "items": [_application_item(app) for app in rows],
        "next_cursor": common.make_cursor(CURSOR_SALT, fingerprint, [rows[-1].pk]) if more else None,
    }


# before /applications/{application_id}: the first matching path pattern wins
@router.post(
    "/applications/bulk-steps",
    response={200: BulkStepsOut, **WRITE_ERRORS},
    summary="Satu langkah untuk banyak permohonan",
    description=f"Dijalankan langsung untuk paling banyak {BULK_MAX} id (yang berulang dihitung sekali); "
    "setiap permohonan dalam transaksinya sendiri. Hasil: jumlah yang berhasil dan jumlah yang ditolak "
    "per kode (`wrong_stage`, `over_budget`, `over_quota`, `permission` — juga untuk id di luar "
    "cakupan —, `kind_managed`), dengan satu pesan contoh per kode.",
)
def bulk_steps(request: HttpRequest, payload: BulkStepsIn):
    user = request.user
    _require_any(user, *READERS)
    action = (payload.action or "").strip()
    if action not in services.STEPS:
        raise invalid(
            {"action": [_("Pilih salah satu: %(values)s.") % {"values": ", ".join(services.STEPS)}]}
        )
    _require_any(user, *_step_permissions(action))
    ids = list(dict.fromkeys(payload.ids or []))
    if not ids:
        raise invalid({"ids": [_("Pilih paling sedikit satu permohonan.")]})
    if len(ids) > BULK_MAX:
        raise invalid({"ids": [_("Paling banyak %(n)s permohonan sekali jalan.") % {"n": BULK_MAX}]})
    note = (payload.note or "").strip()
    if action == "reject" and not note:
        raise invalid({"note": [_("Tuliskan alasan penolakan.")]})
    managed: set[int] = set()
    if action in ("deliver", "report"):
        own_records = [k.code for k in kinds.all_kinds() if k.delivery != "manual"]
        managed = set(
            visible(user, Application)
            .filter(pk__in=ids, programme__kind__in=own_records)
            .values_list("pk", flat=True)
        )
    result = services.bulk_transition(user, [pk for pk in ids if pk not in managed], action, note=note)
    for _pk in managed:
        result.refuse("kind_managed", _("Langkah ini dicatat lewat penyaluran atau laporan penggunaan."))
    return {"total": len(ids), **result.as_dict()}


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationDetail, **ERRORS},
    summary="Rincian permohonan",
    description="Jumlah, jejak langkah, fakta yang dibekukan saat persetujuan, peringatan penerimaan "
    "ganda, langkah yang boleh Anda ambil, penyaluran (rekening tersamar) dan laporan penggunaan.",
)
def get_application(request: HttpRequest, application_id: int):
    _require_any(request.user, *READERS)
    return _application_detail(request.user, _application_or_404(request.user, application_id))


@router.post(
    "/applications",
    response={201: ApplicationDetail, **WRITE_ERRORS},
    summary="Usulkan atau ajukan permohonan",
    description="Petugas dan pendamping mengusulkan (jalur `nominated`), pelaku usaha mengajukan usahanya "
    "sendiri (`portal`). 201 dibuat; 404 program atau entitas di luar cakupan; 409 `duplicate` bila "
    "entitas sudah terdaftar; 422 `not_open`, `outside_region`, `not_eligible` (syarat yang tidak "
    "terpenuhi di `fields.eligibility`), `not_assigned`; 400 jumlah di atas batas per penerima.",
)
def create_application(request: HttpRequest, payload: ApplicationIn):
    user = request.user
    _require_any(user, "programmes.nominate", "programmes.apply")
    _required(programme_id=payload.programme_id, entity_id=payload.entity_id)
    programme = _get(_readable_programmes(user).select_related("region"), payload.programme_id)
    entity = get_visible_or_404(user, Entity, pk=payload.entity_id)
    amount = payload.amount_requested
    if amount is not None and amount <= 0:
        raise invalid({"amount_requested": [_("Isi jumlah dalam Rupiah, lebih dari nol.")]})
    try:
        app = services.apply(user, programme, entity, amount_requested=amount, purpose=payload.purpose or "")
    except services.Refused as exc:
        fields = None
        if exc.code == "not_eligible":
            checks = eligibility.explain_one(entity, services.conditions_of(programme))
            fields = {"eligibility": [c.label for c in checks if not c.met]}
        raise _refusal(exc, APPLY_UNPROCESSABLE, fields) from None
    return Status(201, _application_detail(user, _application_or_404(user, app.pk)))


@router.post(
    "/applications/{application_id}/steps/{action}",
    response={200: ApplicationDetail, **WRITE_ERRORS},
    summary="Langkahkan permohonan",
    description="`verify` (kab/kota), `approve` (provinsi; `amount` opsional, bawaan jumlah diajukan atau "
    "batas per penerima), `reject` (`note` wajib), `withdraw`, `close`. 200 dengan keadaan baru; 409 "
    "`wrong_stage`, `over_budget`, `over_quota`, `not_open`, `kind_managed` (hibah disalurkan lewat "
    "`POST …/disbursements` dan dilaporkan lewat `POST …/usage-report`); 403 bila peran Anda tidak "
    "boleh; 404 di luar cakupan atau langkah tidak dikenal; 400 alasan tidak diisi.",
)
def step_application(request: HttpRequest, application_id: int, action: str, payload: ApplicationStepIn):
    user = request.user
    _require_any(user, *READERS)
    app = _application_or_404(user, application_id)
    if action not in services.STEPS:
        raise UnknownStep(_("Langkah %(action)s tidak dikenal.") % {"action": action})
    _require_any(user, *_step_permissions(action))
    if action in _kind_managed(app.programme):
        managed = ConflictError(
            _("Untuk program ini langkah tersebut dicatat lewat penyaluran atau laporan penggunaan.")
        )
        managed.code = "kind_managed"
        raise managed
    if payload.amount is not None:
        if action != "approve":
            raise invalid({"amount": [_("Jumlah hanya untuk persetujuan.")]})
        if payload.amount <= 0:
            raise invalid({"amount": [_("Isi jumlah dalam Rupiah, lebih dari nol.")]})
    with _engine():
        services.transition(user, app.pk, action, note=payload.note or "", amount=payload.amount)
    return _application_detail(user, _application_or_404(user, app.pk))


# --- endpoints: grants ------------------------------------------------------------------------


@router.post(
    "/applications/{application_id}/disbursements",
    response={201: DisbursementCreated, **WRITE_ERRORS},
    summary="Catat penyaluran bantuan",
    description="Satu pembayaran (boleh bertahap). Bila jumlah yang disalurkan mencapai jumlah yang "
    "disetujui, permohonan menjadi `delivered` dan intervensi tercatat. 400 di atas sisa yang disetujui "
    "atau data rekening tidak lengkap; 409 `wrong_stage` bila belum/tidak lagi disetujui; 422 "
    "`wrong_kind` bila program bukan hibah.",
)
def create_disbursement(request: HttpRequest, application_id: int, payload: DisbursementIn):
    user = request.user
    require(user, "programmes.disburse")
    app = _application_or_404(user, application_id)
    _required(amount=payload.amount, paid_on=payload.paid_on, channel=payload.channel)
    if payload.channel not in PaymentChannel.values:
        raise invalid(
            {"channel": [_("Pilih salah satu: %(values)s.") % {"values": ", ".join(PaymentChannel.values)}]}
        )
    with _engine(GRANT_UNPROCESSABLE):
        row = grants.record_disbursement(
            user,
            app.pk,
            amount=payload.amount,
            paid_on=payload.paid_on,
            channel=payload.channel,
            bank_name=payload.bank_name or "",
            account_number=payload.account_number or "",
            account_holder=payload.account_holder or "",
            reference=payload.reference or "",
        )
    app = _application_or_404(user, app.pk)
    row = Disbursement.objects.select_related("recorded_by").get(pk=row.pk)
    return Status(
        201, {"disbursement": _disbursement(row), "application": _state(app, grants.disbursed(app))}
    )


@router.get(
    "/applications/{application_id}/disbursements",
    response={200: DisbursementList, **ERRORS},
    summary="Penyaluran satu permohonan",
    description="Pembayaran yang tercatat, urut tanggal; nomor rekening hanya tersamar.",
)
def list_disbursements(request: HttpRequest, application_id: int):
    user = request.user
    _require_any(user, *READERS)
    app = _application_or_404(user, application_id)
    rows = _disbursements(user, app)
    return {
        "items": [_disbursement(row) for row in rows],
        "application": _state(app, sum(row.amount for row in rows)),
    }


@router.post(
    "/applications/{application_id}/usage-report",
    response={201: UsageReportCreated, **WRITE_ERRORS},
    summary="Kirim laporan penggunaan",
    description="Oleh penerima (atau petugas untuknya) setelah bantuan disalurkan; permohonan menjadi "
    "`reported`. 400 jumlah di atas yang diterima atau tanggal yang belum tiba; 409 `wrong_stage` "
    "(belum disalurkan, atau sudah dilaporkan); 422 `wrong_kind`.",
)
def create_usage_report(request: HttpRequest, application_id: int, payload: UsageReportIn):
    user = request.user
    require(user, "programmes.report_use")
    app = _application_or_404(user, application_id)
    _required(amount_used=payload.amount_used, summary=payload.summary)
    with _engine(GRANT_UNPROCESSABLE):
        report = grants.submit_usage_report(
            user,
            app.pk,
            amount_used=payload.amount_used,
            summary=payload.summary,
            submitted_on=payload.submitted_on,
        )
    app = _application_or_404(user, app.pk)
    report = UsageReport.objects.select_related("submitted_by").get(pk=report.pk)
    return Status(
        201, {"usage_report": _usage_report(report), "application": _state(app, grants.disbursed(app))}
    )


# --- endpoints: the ledger ----------------------------------------------------------------------


@router.get(
    "/interventions",
    response={200: InterventionPage, **ERRORS},
    summary="Buku intervensi",
    description="Setiap layanan yang diterima entitas dalam cakupan Anda, terbaru dulu; filter "
    "`entity_id`, `kind`, `year`, `kabkota`. Berhalaman dengan kursor, `limit` ≤ 200.",
)
def list_interventions(request: HttpRequest, params: Query[InterventionQuery]):
    user = request.user
    _require_any(user, *READERS)
    qs = visible(user, Intervention).select_related("entity__kabkota", "programme")
    filters: dict[str, Any] = {}
    if params.entity_id is not None:
        qs = qs.filter(entity_id=params.entity_id)
        filters["entity_id"] = params.entity_id
    if params.kind is not None:
        qs = qs.filter(kind=params.kind.value)
        filters["kind"] = params.kind.value
    if params.year is not None:
        qs = qs.filter(delivered_on__year=params.year)
        filters["year"] = params.year
    if params.kabkota:
        filters["kabkota"] = _kabkota_code(params.kabkota)
        qs = qs.filter(entity__kabkota_id=filters["kabkota"])
    fingerprint = common.fingerprint(t="interventions", **filters)
    if params.cursor:
        key = common.read_cursor(params.cursor, CURSOR_SALT, fingerprint)
        try:
            day, pk = dt.date.fromisoformat(key[0]), int(key[1])
        except (IndexError, TypeError, ValueError):
            raise _cursor_error(
                _("Kursor tidak sah. Mulai lagi dari halaman pertama (tanpa cursor).")
            ) from None
        qs = qs.filter(Q(delivered_on__lt=day) | Q(delivered_on=day, pk__lt=pk))
    rows = list(qs.order_by("-delivered_on", "-id")[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    items = [
        {
            "id": row.pk,
            "entity": _entity(row.entity),
            "kind": row.kind,
            "kind_label": str(row.get_kind_display()),
            "delivered_on": row.delivered_on,
            "title": row.title,
            "amount": row.amount,
            "programme": (
                {
                    "id": row.programme.pk,
                    "name": row.programme.name,
                    "kind": row.programme.kind,
                    "year": row.programme.year,
                    "status": row.programme.status,
                }
                if row.programme is not None
                else None
            ),
            "application_id": row.application_id,
        }
        for row in rows
    ]
    last = rows[-1] if rows else None
    return {
        "items": items,
        "next_cursor": common.make_cursor(CURSOR_SALT, fingerprint, [last.delivered_on.isoformat(), last.pk])
        if more
        else None,
    }


@router.get(
    "/interventions/reach",
    response={200: InterventionReachOut, **ERRORS},
    summary="Jangkauan: entitas yang dilayani",
    description="Jumlah entitas berbeda yang menerima intervensi dalam satu tahun (bawaan tahun ini), per "
    "jenis intervensi dan kab/kota, dalam cakupan Anda.",
)
def intervention_reach(request: HttpRequest, params: Query[InterventionReachQuery]):
    user = request.user
    require(user, "programmes.view")
    year = params.year if params.year is not None else timezone.localdate().year
    served = visible(user, Intervention).filter(delivered_on__year=year)
    grouped = (
        served.values("kind", "entity__kabkota", "entity__kabkota__name")
        .annotate(entities=Count("entity", distinct=True))
        .order_by("kind", "entity__kabkota")
    )
    labels = dict(InterventionKind.choices)
    rows, by_kind = [], {}
    for row in grouped:
        code = row["entity__kabkota"]
        rows.append(
            {
                "kind": row["kind"],
                "kind_label": str(labels.get(row["kind"], row["kind"])),
                "kabkota": {"code": code, "name": row["entity__kabkota__name"]} if code else None,
                "entities": row["entities"],
            }
        )
        # an entity lies in one kab/kota, so the districts' distinct counts add up exactly
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["entities"]
    total = served.aggregate(n=Count("entity", distinct=True))["n"]
    return {
        "year": year,
        "rows": rows,
        "by_kind": [
            {"kind": kind, "kind_label": str(labels.get(kind, kind)), "entities": n}
            for kind, n in by_kind.items()
        ],
        "total_entities": total,
    }
