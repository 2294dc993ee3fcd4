"""Every write of the programme engine: programmes, quotas, applications and their lifecycle.

One function per business action, each atomic; the models are tracked, so every change is in
the audit trail, and each step of an application also leaves an ``ApplicationEvent``.

Money and quotas under concurrency (SPEC §6): an approval locks the programme row and the
district's quota row (``select_for_update``) before it reads the running totals, so two officers
approving the last remaining budget at the same moment are served one after the other, and the
second sees the first's amount. The CHECK constraints on those rows are the last line of defence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import Role
from berdaya.accounts.permissions import has_permission, require
from berdaya.core.money import format_rupiah
from berdaya.core.scoping import visible
from berdaya.programmes import eligibility, kinds
from berdaya.programmes.models import (
    ENDED_WITHOUT_AWARD,
    Application,
    ApplicationEvent,
    Channel,
    DistrictQuota,
    Intervention,
    Programme,
    ProgrammeStatus,
    Stage,
)
from berdaya.registry.models import Entity, EntityKind

# A recent grant from another programme is shown as a warning, never a refusal (the office decides).
DOUBLE_DIP_YEARS = 2


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def field_error(field_name: str, message: str, code: str) -> ValidationError:
    """A field's error that keeps its code (Django drops ``code=`` on a dict of messages)."""
    return ValidationError({field_name: [ValidationError(message, code=code)]})


def error_code(exc: ValidationError, default: str) -> str:
    if getattr(exc, "code", None):
        return exc.code
    for errors in getattr(exc, "error_dict", {}).values():
        for error in errors:
            if error.code:
                return error.code
    return default


class Refused(ValidationError):
    """A step the rules do not allow now; ``code`` is stable for the API and bulk reports."""


# --- programmes ------------------------------------------------------------------------------


def _check_programme(programme: Programme) -> None:
    errors: dict[str, list[str]] = {}
    if programme.ceiling and programme.total_budget and programme.ceiling > programme.total_budget:
        errors.setdefault("ceiling", []).append(_("Batas per penerima melebihi pagu anggaran."))
    if programme.opens_on and programme.closes_on and programme.closes_on < programme.opens_on:
        errors.setdefault("closes_on", []).append(_("Tanggal tutup sebelum tanggal buka."))
    code = programme.region_id or ""
    province = settings.BERDAYA_PROVINCE
    if code != province and not (code.startswith(province + ".") and code.count(".") == 1):
        errors.setdefault("region", []).append(_("Pilih provinsi atau satu kabupaten/kota di provinsi ini."))
    if programme.approved_total and programme.total_budget < programme.approved_total:
        errors.setdefault("total_budget", []).append(
            _("Pagu tidak boleh di bawah jumlah yang sudah disetujui.")
        )
    try:
        eligibility.parse(programme.eligibility or [])
    except eligibility.RuleError as exc:
        errors.setdefault("eligibility", []).extend(exc.errors)
    if errors:
        raise ValidationError(errors)


def save_programme(user: Any, programme: Programme) -> Programme:
    """Create or update a programme (its budget, dates, rules); only the province manages them."""
    require(user, "programmes.manage")
    with transaction.atomic():
        if programme.pk:
            # the running totals belong to the approval service, never to the form
            current = Programme.objects.select_for_update().get(pk=programme.pk)
            programme.approved_total = current.approved_total
            programme.approved_count = current.approved_count
        else:
            programme.created_by = user
        _check_programme(programme)
        programme.full_clean(exclude=["created_by"])
        programme.save()
    return programme


def set_status(user: Any, programme: Programme, status: str) -> Programme:
    require(user, "programmes.manage")
    if status not in ProgrammeStatus.values:
        raise Refused(_("Status program tidak dikenal."), code="bad_status")
    allowed = {
        ProgrammeStatus.DRAFT: {ProgrammeStatus.OPEN},
        ProgrammeStatus.OPEN: {ProgrammeStatus.CLOSED},
        ProgrammeStatus.CLOSED: {ProgrammeStatus.OPEN, ProgrammeStatus.COMPLETED},
        ProgrammeStatus.COMPLETED: set(),
    }
    if status not in allowed[programme.status]:
        raise Refused(
            _("Status program tidak dapat diubah dari %(from)s ke %(to)s.")
            % {"from": programme.get_status_display(), "to": ProgrammeStatus(status).label},
            code="bad_status",
        )
    programme.status = status
    programme.save(update_fields=["status"])
    return programme


def set_quota(user: Any, programme: Programme, kabkota: str, quota: int) -> DistrictQuota:
    require(user, "programmes.manage")
    from berdaya.regions.models import Region

    province = settings.BERDAYA_PROVINCE
    if not Region.objects.filter(code=kabkota, parent_id=province).exists():
        raise field_error(
            "kabkota", _("Kabupaten/kota %(kab)s tidak dikenal.") % {"kab": kabkota}, "unknown_kabkota"
        )
    if programme.region_id != province and kabkota != programme.region_id:
        raise field_error(
            "kabkota",
            _("%(kab)s berada di luar wilayah sasaran program.") % {"kab": kabkota},
            "outside_region",
        )
    if isinstance(quota, bool) or not isinstance(quota, int) or quota < 0:
        raise field_error("quota", _("Isi kuota nol atau lebih."), "quota")
    with transaction.atomic():
        row, _created = DistrictQuota.objects.select_for_update().get_or_create(
            programme=programme, kabkota_id=kabkota, defaults={"quota": quota}
        )
        if quota < row.approved:
            raise Refused(
                _("Kuota %(kab)s tidak boleh di bawah %(n)s penerima yang sudah disetujui.")
                % {"kab": row.kabkota.name, "n": row.approved},
                code="quota_below_approved",
            )
        row.quota = quota
        row.save(update_fields=["quota"])
    return row


def clear_quota(user: Any, programme: Programme, kabkota: str) -> None:
    """Remove a district's quota: its recipients then count without a cap (the budget still holds)."""
    require(user, "programmes.manage")
    with transaction.atomic():
        row = (
            DistrictQuota.objects.select_for_update().filter(programme=programme, kabkota_id=kabkota).first()
        )
        if row is not None:
            row.delete()


def conditions_of(programme: Programme) -> list[eligibility.Condition]:
    return eligibility.parse(programme.eligibility or [])


def in_region(programme: Programme) -> Q:
    """Entities inside the programme's target region."""
    code = programme.region_id
    if code == settings.BERDAYA_PROVINCE:
        return Q()
    return Q(kabkota_id=code)


def candidates(user: Any, programme: Programme, today: dt.date | None = None):
    """The entities the user may see that meet every condition of the programme: one query."""
    qs = visible(user, Entity).filter(in_region(programme))
    return eligibility.eligible(qs, conditions_of(programme), today)


# --- applications -----------------------------------------------------------------------------


def _event(application: Application, from_stage: str, user: Any, note: str = "") -> None:
    ApplicationEvent.objects.create(
        application=application,
        from_stage=from_stage,
        to_stage=application.stage,
        actor=user if getattr(user, "is_authenticated", False) else None,
        note=note,
    )


def _check_amount(programme: Programme, amount: int | None, field_name: str) -> None:
    if amount is None:
        return
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise field_error(field_name, _("Isi jumlah dalam Rupiah, lebih dari nol."), "amount")
    if amount > programme.ceiling:
        raise field_error(
            field_name,
            _("Jumlah melebihi batas per penerima %(ceiling)s.")
            % {"ceiling": format_rupiah(programme.ceiling)},
            "over_ceiling",
        )


def _may_put_forward(user: Any, entity: Entity) -> str:
    """The channel through which ``user`` may put ``entity`` forward, or raise."""
    if not visible(user, Entity).filter(pk=entity.pk).exists():
        raise PermissionDenied("entity outside the user's scope")
    if has_permission(user, "programmes.apply") and user.role == Role.PELAKU_USAHA:
        if not entity.memberships.filter(user=user, confirmed_at__isnull=False).exists():
            raise PermissionDenied("not the owner")
        return Channel.PORTAL
    require(user, "programmes.nominate")
    if user.role == Role.PENDAMPING:
        today = timezone.localdate()
        if not entity.assignments.filter(user=user, since__lte=today).exclude(until__lt=today).exists():
            raise Refused(_("Entitas ini tidak (lagi) ditugaskan kepada Anda."), code="not_assigned")
    return Channel.NOMINATED


def apply(
    user: Any,
    programme: Programme,
    entity: Entity,
    *,
    amount_requested: int | None = None,
    purpose: str = "",
    today: dt.date | None = None,
) -> Application:
    """An officer nominates a candidate, or an owner applies through the portal."""
    channel = _may_put_forward(user, entity)
    today = today or timezone.localdate()
    if programme.status != ProgrammeStatus.OPEN or not programme.opens_on <= today <= programme.closes_on:
        raise Refused(_("Program ini tidak sedang menerima permohonan."), code="not_open")
    if not Entity.objects.filter(pk=entity.pk).filter(in_region(programme)).exists():
        raise Refused(
            _("%(entity)s berada di luar wilayah sasaran program (%(region)s).")
            % {"entity": entity.name, "region": programme.region.name},
            code="outside_region",
        )
    conditions = conditions_of(programme)
    failed = [c.label for c in eligibility.explain_one(entity, conditions, today) if not c.met]
    if failed:
        raise Refused(
            _("Tidak memenuhi syarat: %(reasons)s.") % {"reasons": "; ".join(failed)}, code="not_eligible"
        )
    _check_amount(programme, amount_requested, "amount_requested")
    application = Application(
        programme=programme,
        entity=entity,
        kabkota_id=entity.kabkota_id,
        stage=Stage.SUBMITTED,
        channel=channel,
        amount_requested=amount_requested,
        purpose=(purpose or "").strip(),
        created_by=user,
    )
    try:
        with transaction.atomic():
            application.save()
            _event(application, "", user)
    except IntegrityError:
        raise Refused(_("Entitas ini sudah terdaftar dalam program ini."), code="duplicate") from None
    return application


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    permission: str
    sources: tuple[str, ...]
    target: str


# The lifecycle, as a table: which step may move an application from which stage, and who may.
STEPS: dict[str, Step] = {
    step.action: step
    for step in (
        Step("verify", "Verifikasi", "programmes.verify", (Stage.SUBMITTED,), Stage.VERIFIED),
        Step("approve", "Setujui", "programmes.approve", (Stage.VERIFIED,), Stage.APPROVED),
        Step(
            "reject",
            "Tolak",
            "programmes.verify",
            (Stage.SUBMITTED, Stage.VERIFIED, Stage.APPROVED),
            Stage.REJECTED,
        ),
        Step("deliver", "Salurkan", "programmes.disburse", (Stage.APPROVED,), Stage.DELIVERED),
        Step("report", "Laporan penggunaan", "programmes.report_use", (Stage.DELIVERED,), Stage.REPORTED),
        Step("close", "Selesaikan", "programmes.approve", (Stage.REPORTED,), Stage.CLOSED),
        Step(
            "withdraw", "Batalkan", "programmes.withdraw", (Stage.SUBMITTED, Stage.VERIFIED), Stage.WITHDRAWN
        ),
    )
}


def allowed_steps(user: Any, application: Application, *, by_kind_records: bool = False) -> list[Step]:
    """The steps ``user`` may take on ``application`` now (the kind's own record-driven steps
    only when its records call)."""
    steps = []
    managed = kinds.get(application.programme.kind).delivery != "manual" and not by_kind_records
    for step in STEPS.values():
        if application.stage not in step.sources:
            continue
        if managed and step.action in KIND_RECORDS_STEPS:
            continue
        permission = step.permission
        if step.action == "reject" and application.stage in (Stage.VERIFIED, Stage.APPROVED):
            permission = "programmes.approve"  # past the district, only the province refuses
        if has_permission(user, permission):
            steps.append(step)
    return steps


def _load(user: Any, application_id: int) -> Application:
    """The application locked for update, if the user may see it (else 404 for the caller)."""
    app = (
        visible(user, Application)
        .select_for_update(of=("self",))
        .select_related("programme", "entity")
        .filter(pk=application_id)
        .first()
    )
    if app is None:
        raise PermissionDenied("application outside the user's scope")
    return app


KIND_RECORDS_STEPS = ("deliver", "report")


def transition(
    user: Any,
    application: Application | int,
    action: str,
    *,
    note: str = "",
    amount: int | None = None,
    by_kind_records: bool = False,
) -> Application:
    """Move one application one step (STEPS), atomically, with its event and audit trail.

    A kind that delivers through its own records (a grant: its disbursements and usage report)
    moves ``deliver`` and ``report`` itself, passing ``by_kind_records``; nobody else may.
    """
    step = STEPS.get(action)
    if step is None:
        raise Refused(_("Langkah tidak dikenal."), code="unknown_step")
    with transaction.atomic():
        pk = application if isinstance(application, int) else application.pk
        app = _load(user, pk)
        if (
            action in KIND_RECORDS_STEPS
            and kinds.get(app.programme.kind).delivery != "manual"
            and not by_kind_records
        ):
            raise Refused(
                _("Langkah ini dicatat lewat penyaluran dan laporan penggunaan, bukan langsung."),
                code="kind_managed",
            )
        if step not in allowed_steps(user, app, by_kind_records=by_kind_records):
            if app.stage not in step.sources:
                raise Refused(
                    _("Permohonan berstatus %(stage)s; langkah %(step)s tidak berlaku.")
                    % {"stage": app.get_stage_display(), "step": _(step.label)},
                    code="wrong_stage",
                )
            raise PermissionDenied(step.permission)
        if action == "withdraw" and user.role == Role.PELAKU_USAHA and app.channel != Channel.PORTAL:
            raise PermissionDenied("owners withdraw only their own applications")
        note = (note or "").strip()
        if action == "reject" and not note:
            raise field_error("note", _("Tuliskan alasan penolakan."), "reason_required")
        previous = app.stage
        if action == "reject" and previous == Stage.APPROVED and _has_payments(app):
            raise Refused(
                _("Sebagian bantuan sudah disalurkan; permohonan ini tidak dapat ditolak lagi."),
                code="partly_paid",
            )
        if action == "approve":
            _approve(user, app, amount)
        elif action == "reject":
            _release(app)
            app.rejected_at_stage = previous
            app.reason = note
        elif action == "deliver":
            _deliver(user, app)
        elif action == "withdraw":
            app.reason = note
        app.stage = step.target
        app.save()
        _event(app, previous, user, note)
    return app


def _approve(user: Any, app: Application, amount: int | None) -> None:
    programme = Programme.objects.select_for_update().get(pk=app.programme_id)
    if programme.status not in (ProgrammeStatus.OPEN, ProgrammeStatus.CLOSED):
        raise Refused(_("Program ini tidak sedang dalam tahap persetujuan."), code="not_open")
    amount = amount if amount is not None else (app.amount_requested or programme.ceiling)
    _check_amount(programme, amount, "amount")
    if programme.approved_total + amount > programme.total_budget:
        raise Refused(
            _("Anggaran tidak cukup: sisa %(left)s, diminta %(amount)s.")
            % {
                "left": format_rupiah(programme.total_budget - programme.approved_total),
                "amount": format_rupiah(amount),
            },
            code="over_budget",
        )
    quota = (
        DistrictQuota.objects.select_for_update()
        .filter(programme=programme, kabkota_id=app.kabkota_id)
        .first()
    )
    if quota is not None and quota.approved >= quota.quota:
        raise Refused(
            _("Kuota %(kab)s sudah penuh (%(n)s penerima).") % {"kab": app.kabkota.name, "n": quota.quota},
            code="over_quota",
        )
    Programme.objects.filter(pk=programme.pk).update(
        approved_total=F("approved_total") + amount, approved_count=F("approved_count") + 1
    )
    if quota is not None:
        DistrictQuota.objects.filter(pk=quota.pk).update(approved=F("approved") + 1)
    app.amount_approved = amount
    app.frozen = freeze(app, programme, amount, user)


def _has_payments(app: Application) -> bool:
    payments = getattr(app, "disbursements", None)  # the grant kind's payments, when installed
    return payments is not None and payments.exists()


def _release(app: Application) -> None:
    """Give an approved application's money and quota place back (rejected after approval)."""
    if app.stage != Stage.APPROVED or not app.amount_approved:
        return
    Programme.objects.select_for_update().filter(pk=app.programme_id).update(
        approved_total=F("approved_total") - app.amount_approved, approved_count=F("approved_count") - 1
    )
    DistrictQuota.objects.select_for_update().filter(
        programme_id=app.programme_id, kabkota_id=app.kabkota_id
    ).update(approved=F("approved") - 1)


def freeze(app: Application, programme: Programme, amount: int, user: Any) -> dict[str, Any]:
    """The facts an approval rests on, copied so that later registry edits cannot change them."""
    entity = Entity.objects.select_related("umkm", "koperasi", "kabkota").get(pk=app.entity_id)
    facts: dict[str, Any] = {
        "approved_at": timezone.now().isoformat(),
        "approved_by": getattr(user, "username", ""),
        "amount_requested": app.amount_requested,
        "amount_approved": amount,
        "entity_name": entity.name,
        "kind": entity.kind,
        "kabkota": entity.kabkota_id,
        "kabkota_name": entity.kabkota.name,
        "address": entity.address,
        "kbli": entity.kbli_id,
    }
    if entity.kind == EntityKind.UMKM and hasattr(entity, "umkm"):
        facts.update(
            size_class=entity.umkm.size_class,
            annual_sales=entity.umkm.annual_sales,
            modal_usaha=entity.umkm.modal_usaha,
            nib=entity.umkm.nib,
        )
    elif entity.kind == EntityKind.KOPERASI and hasattr(entity, "koperasi"):
        facts.update(nik_koperasi=entity.koperasi.nik_koperasi, last_rat_year=entity.koperasi.last_rat_year)
    from berdaya.diagnosis.models import SectionScore

    facts["diagnosis"] = {
        row["section"]: str(row["score"])
        for row in SectionScore.objects.filter(
            entity=entity, is_latest=True, instrument__purpose="kerentanan"
        ).values("section", "score")
    }
    conditions = conditions_of(programme)
    facts["eligibility"] = [
        {"syarat": check.label, "terpenuhi": check.met}
        for check in eligibility.explain_one(entity, conditions)
    ]
    facts["warnings"] = [w.text for w in double_dipping(app)]
    return facts


def _deliver(user: Any, app: Application) -> None:
    kind = kinds.get(app.programme.kind)
    Intervention.objects.create(
        entity_id=app.entity_id,
        kind=kind.intervention,
        delivered_on=timezone.localdate(),
        title=app.programme.name,
        amount=app.amount_approved,
        programme_id=app.programme_id,
        application=app,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )


@dataclass(frozen=True)
class Warning:
    text: str


def double_dipping(app: Application, years: int = DOUBLE_DIP_YEARS) -> list[Warning]:
    """Other grants this entity received recently, or has approved elsewhere (not a refusal)."""
    kind = kinds.get(app.programme.kind)
    today = timezone.localdate()
    since = years_before(today, years)
    warnings = []
    for item in Intervention.objects.filter(
        entity_id=app.entity_id, kind=kind.intervention, delivered_on__gte=since
    ).exclude(programme_id=app.programme_id):
        warnings.append(
            Warning(
                _("Sudah menerima %(title)s pada %(date)s.")
                % {"title": item.title, "date": item.delivered_on.strftime("%d/%m/%Y")}
            )
        )
    others = (
        Application.objects.filter(
            entity_id=app.entity_id, programme__kind=app.programme.kind, stage=Stage.APPROVED
        )
        .exclude(pk=app.pk)
        .select_related("programme")
    )
    for other in others:
        warnings.append(
            Warning(_("Juga disetujui dalam %(programme)s.") % {"programme": other.programme.name})
        )
    return warnings


# --- bulk ----------------------------------------------------------------------------------------


@dataclass
class BulkResult:
    done: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    def refuse(self, code: str, message: str) -> None:
        self.refused[code] = self.refused.get(code, 0) + 1
        self.examples.setdefault(code, message)

    def as_dict(self) -> dict[str, Any]:
        return {"done": self.done, "refused": self.refused, "examples": self.examples}


def bulk_transition(
    user: Any, ids: list[int], action: str, *, note: str = "", progress: Any = None
) -> BulkResult:
    """Apply one step to many applications, each in its own transaction, with exact counts."""
    result = BulkResult()
    for n, pk in enumerate(ids, start=1):
        try:
            transition(user, pk, action, note=note)
        except Refused as exc:
            result.refuse(error_code(exc, "refused"), exc.messages[0])
        except ValidationError as exc:
            result.refuse(error_code(exc, "invalid"), " ".join(exc.messages))
        except PermissionDenied:
            result.refuse("permission", _("Tidak berwenang atau di luar cakupan."))
        else:
            result.done += 1
        if progress is not None:
            progress(n, len(ids))
    return result


def active_stages() -> list[str]:
    return [s for s in Stage.values if s not in ENDED_WITHOUT_AWARD]
