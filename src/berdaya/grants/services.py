"""Grant-specific actions: pay out an approved grant and receive the report of its use."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.permissions import require
from berdaya.core import personal
from berdaya.core.money import format_rupiah
from berdaya.core.scoping import visible
from berdaya.grants.models import Disbursement, PaymentChannel, UsageReport
from berdaya.programmes import services as engine
from berdaya.programmes.models import Application, ProgrammeKind, Stage


def _locked(user: Any, application_id: int) -> Application:
    app = (
        visible(user, Application)
        .select_for_update(of=("self",))
        .select_related("programme")
        .filter(pk=application_id)
        .first()
    )
    if app is None:
        raise PermissionDenied("application outside the user's scope")
    if app.programme.kind != ProgrammeKind.GRANT:
        raise engine.Refused(_("Permohonan ini bukan bantuan permodalan."), code="wrong_kind")
    return app


def disbursed(application: Application) -> int:
    return application.disbursements.aggregate(total=Sum("amount"))["total"] or 0


def record_disbursement(
    user: Any,
    application: Application | int,
    *,
    amount: int,
    paid_on: dt.date,
    channel: str,
    bank_name: str = "",
    account_number: str = "",
    account_holder: str = "",
    reference: str = "",
) -> Disbursement:
    """Record one payment; when the payments reach the approved amount the grant is delivered
    (an intervention on the entity's timeline)."""
    require(user, "programmes.disburse")
    errors: dict[str, list[str]] = {}
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = [_("Isi jumlah dalam Rupiah, lebih dari nol.")]
    if paid_on > timezone.localdate():
        errors["paid_on"] = [_("Tanggal belum tiba.")]
    if channel not in PaymentChannel.values:
        errors["channel"] = [_("Pilih cara penyaluran.")]
    digits = "".join(ch for ch in account_number or "" if ch.isdigit())
    if channel == PaymentChannel.TRANSFER:
        if not bank_name.strip():
            errors["bank_name"] = [_("Isi nama bank.")]
        if not 6 <= len(digits) <= 20:
            errors["account_number"] = [_("Nomor rekening 6 sampai 20 angka.")]
        if not account_holder.strip():
            errors["account_holder"] = [_("Isi nama pemilik rekening.")]
    if errors:
        raise ValidationError(errors)
    pk = application if isinstance(application, int) else application.pk
    with transaction.atomic():
        app = _locked(user, pk)
        if app.stage != Stage.APPROVED:
            raise engine.Refused(
                _("Hanya permohonan yang disetujui dapat disalurkan (status: %(stage)s).")
                % {"stage": app.get_stage_display()},
                code="wrong_stage",
            )
        paid = disbursed(app)
        if paid + amount > app.amount_approved:
            raise engine.field_error(
                "amount",
                _("Melebihi sisa yang disetujui: sisa %(left)s.")
                % {"left": format_rupiah(app.amount_approved - paid)},
                "over_approved",
            )
        row = Disbursement.objects.create(
            application=app,
            paid_on=paid_on,
            amount=amount,
            channel=channel,
            bank_name=bank_name.strip(),
            account_encrypted=personal.encrypt(digits) or "" if digits else "",
            account_masked=_mask_account(digits),
            account_holder=account_holder.strip(),
            reference=reference.strip(),
            recorded_by=user,
        )
        if paid + amount == app.amount_approved:
            engine.transition(user, app.pk, "deliver", note=_("Tersalurkan penuh."), by_kind_records=True)
    return row


def _mask_account(digits: str) -> str:
    if not digits:
        return ""
    return "*" * (len(digits) - 4) + digits[-4:] if len(digits) > 4 else digits


def reveal_account(user: Any, disbursement: Disbursement) -> str:
    """The full account number, for those who may see personal data; the viewing is audited."""
    require(user, "personal_data.unmask")
    from berdaya.core.audit import record
    from berdaya.core.models import AuditAction

    record(AuditAction.VIEW_PERSONAL, disbursement, extra={"field": "account_number"})
    return personal.decrypt(disbursement.account_encrypted) or ""


def submit_usage_report(
    user: Any,
    application: Application | int,
    *,
    amount_used: int,
    summary: str,
    submitted_on: dt.date | None = None,
    document: Any = None,
) -> UsageReport:
    """The recipient (or an officer for them) reports how the grant was used."""
    require(user, "programmes.report_use")
    errors: dict[str, list[str]] = {}
    if isinstance(amount_used, bool) or not isinstance(amount_used, int) or amount_used < 0:
        errors["amount_used"] = [_("Isi jumlah dalam Rupiah.")]
    if not (summary or "").strip():
        errors["summary"] = [_("Uraikan penggunaan bantuan.")]
    if submitted_on is not None and submitted_on > timezone.localdate():
        errors["submitted_on"] = [_("Tanggal belum tiba.")]
    if errors:
        raise ValidationError(errors)
    pk = application if isinstance(application, int) else application.pk
    with transaction.atomic():
        app = _locked(user, pk)
        if app.stage != Stage.DELIVERED:
            raise engine.Refused(
                _("Laporan penggunaan hanya untuk bantuan yang sudah disalurkan."), code="wrong_stage"
            )
        if amount_used > (app.amount_approved or 0):
            raise engine.field_error("amount_used", _("Melebihi jumlah yang diterima."), "over_received")
        stored = None
        if document is not None:
            from berdaya.registry.documents import DocumentKind, add_document

            stored = add_document(
                app.entity,
                kind=DocumentKind.REPORT,
                title=_("Laporan penggunaan bantuan"),
                upload=document,
                user=user,
            )
        report = UsageReport.objects.create(
            application=app,
            submitted_on=submitted_on or timezone.localdate(),
            amount_used=amount_used,
            summary=summary.strip(),
            document=stored,
            submitted_by=user,
        )
        engine.transition(user, app.pk, "report", by_kind_records=True)
    return report
