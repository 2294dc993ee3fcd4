"""A grant's own pages: record a disbursement, receive the usage report, reveal an account number.

The grant section of the application page (grants/_application.html) gets its context from
:func:`application_context`; a form with errors re-renders that whole page through
``programmes.views_applications.render_application``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from berdaya.accounts.permissions import has_permission, permission_required
from berdaya.core.money import format_rupiah
from berdaya.core.scoping import get_visible_or_404
from berdaya.grants import services
from berdaya.grants.forms import DisbursementForm, UsageReportForm
from berdaya.grants.models import Disbursement, PaymentChannel, UsageReport
from berdaya.programmes.models import Application, ProgrammeKind, Stage
from berdaya.programmes.services import Refused
from berdaya.programmes.views_applications import render_application


def _grant_application(request: HttpRequest, pk: int) -> Application:
    app = get_visible_or_404(
        request.user, Application.objects.select_related("programme", "entity", "kabkota"), pk=pk
    )
    if app.programme.kind != ProgrammeKind.GRANT:
        raise Http404
    return app


def _to_application(app: Application) -> HttpResponse:
    return redirect(reverse("programmes:application", args=[app.pk]) + "#hibah")


def _put_back(form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """The service's errors onto the form's fields (unknown fields: on the form itself)."""
    fields = fields or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        name = fields.get(field, field)
        form.add_error(name if name in form.fields else None, errors)


def application_context(
    request: HttpRequest,
    application: Application,
    *,
    disbursement_form: DisbursementForm | None = None,
    usage_form: UsageReportForm | None = None,
) -> dict[str, Any]:
    """What the grant section of the application page shows to this user."""
    user = request.user
    disbursements = list(application.disbursements.select_related("recorded_by"))
    paid = sum(row.amount for row in disbursements)
    approved = application.amount_approved or 0
    can_disburse = application.stage == Stage.APPROVED and has_permission(user, "programmes.disburse")
    if can_disburse and disbursement_form is None:
        disbursement_form = DisbursementForm(
            initial={
                "paid_on": timezone.localdate(),
                "amount": max(approved - paid, 0) or None,
                "channel": PaymentChannel.TRANSFER,
                "account_holder": "",
            }
        )
    report = (
        UsageReport.objects.filter(application=application).select_related("document", "submitted_by").first()
    )
    can_report = (
        application.stage == Stage.DELIVERED
        and report is None
        and has_permission(user, "programmes.report_use")
    )
    if can_report and usage_form is None:
        usage_form = UsageReportForm(initial={"amount_used": approved or None})
    return {
        "disbursements": disbursements,
        "paid": paid,
        "approved": approved,
        "left": max(approved - paid, 0),
        "percent": min(100, int(100 * paid / approved)) if approved else 0,
        "can_unmask": has_permission(user, "personal_data.unmask"),
        "can_disburse": can_disburse,
        "disbursement_form": disbursement_form if can_disburse else None,
        "report": report,
        "can_report": can_report,
        "usage_form": usage_form if can_report else None,
    }


@require_POST
@permission_required("programmes.disburse")
def disburse(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one payment; reaching the approved amount delivers the grant (an intervention)."""
    app = _grant_application(request, pk)
    if app.stage != Stage.APPROVED:
        messages.error(
            request,
            _("Hanya permohonan yang disetujui dapat disalurkan (status: %(stage)s).")
            % {"stage": app.get_stage_display()},
        )
        return _to_application(app)
    form = DisbursementForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = services.record_disbursement(
                request.user,
                app.pk,
                amount=data["amount"],
                paid_on=data["paid_on"],
                channel=data["channel"],
                bank_name=data["bank_name"],
                account_number=data["account_number"],
                account_holder=data["account_holder"],
                reference=data["reference"],
            )
        except Refused as exc:
            for message in exc.messages:
                messages.error(request, message)
            return _to_application(app)
        except ValidationError as exc:
            _put_back(form, exc)
        else:
            app.refresh_from_db()
            if app.stage == Stage.DELIVERED:
                messages.success(
                    request,
                    _("Penyaluran %(amount)s dicatat. Bantuan tersalurkan penuh (riwayat pembinaan).")
                    % {"amount": format_rupiah(row.amount)},
                )
            else:
                messages.success(
                    request,
                    _("Penyaluran %(amount)s dicatat; sisa %(left)s.")
                    % {
                        "amount": format_rupiah(row.amount),
                        "left": format_rupiah((app.amount_approved or 0) - services.disbursed(app)),
                    },
                )
            return _to_application(app)
    return render_application(request, app, section_forms={"disbursement_form": form})


@require_http_methods(["GET", "POST"])
@permission_required("programmes.report_use")
def usage_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Laporan penggunaan: the recipient (or the office for them) says how the grant was used."""
    app = _grant_application(request, pk)
    report = UsageReport.objects.filter(application=app).first()
    can_submit = app.stage == Stage.DELIVERED and report is None
    form = UsageReportForm(
        request.POST or None,
        request.FILES or None,
        initial={"amount_used": app.amount_approved, "submitted_on": timezone.localdate()},
    )
    if request.method == "POST":
        if not can_submit:
            messages.error(request, _("Laporan penggunaan hanya untuk bantuan yang sudah disalurkan."))
            return _to_application(app)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.submit_usage_report(
                    request.user,
                    app.pk,
                    amount_used=data["amount_used"],
                    summary=data["summary"],
                    submitted_on=data["submitted_on"],
                    document=data["document"],
                )
            except Refused as exc:
                for message in exc.messages:
                    messages.error(request, message)
                return _to_application(app)
            except ValidationError as exc:
                _put_back(form, exc, {"file": "document", "kind": "document", "title": "document"})
            else:
                messages.success(request, _("Laporan penggunaan bantuan diterima. Terima kasih."))
                return _to_application(app)
    return render(
        request,
        "programmes/application_usage_report.html",
        {"app": app, "form": form, "report": report, "can_submit": can_submit},
    )


@permission_required("personal_data.unmask")
@require_POST
def reveal_account(request: HttpRequest, pk: int) -> HttpResponse:
    """The full account number of one payment, for the office; the viewing is audited."""
    disbursement = get_visible_or_404(request.user, Disbursement.objects.select_related("application"), pk=pk)
    value = services.reveal_account(request.user, disbursement)  # writes VIEW_PERSONAL
    context = {
        "value": value,
        "label": _("Nomor rekening"),
        "back": reverse("programmes:application", args=[disbursement.application_id]),
    }
    is_htmx = request.headers.get("HX-Request") == "true"
    response = render(request, "registry/_revealed.html" if is_htmx else "registry/revealed.html", context)
    response["Cache-Control"] = "no-store"
    return response
