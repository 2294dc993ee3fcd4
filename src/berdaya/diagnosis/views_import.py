"""Bulk entry of assessments by file: upload → result (in the request), template, error report.

District files are hundreds of rows, so the page checks and saves while the clerk waits;
files above ``imports.MAX_PAGE_ROWS`` rows are refused with a pointer to the command.
"""

from __future__ import annotations

import io
import tempfile
import uuid
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from berdaya.accounts.permissions import permission_required
from berdaya.diagnosis import imports, services
from berdaya.diagnosis.models import Instrument, VersionStatus
from berdaya.registry.batches import ImportMode
from berdaya.registry.exports import XLSX_CONTENT_TYPE

ACCEPTED = (".xlsx", ".csv", ".txt")
ERRORS_SHOWN = 50


def importable_instruments():
    """Active instruments with a version in force: the ones a file can be scored with."""
    return Instrument.objects.filter(active=True, versions__status=VersionStatus.PUBLISHED).distinct()


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Berkas (XLSX atau CSV)"))
    instrument = forms.ModelChoiceField(
        label=gettext_lazy("Instrumen"),
        queryset=Instrument.objects.none(),
        to_field_name="code",
        empty_label=None,
    )
    mode = forms.ChoiceField(label=gettext_lazy("Bila ada baris yang salah"), choices=ImportMode.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = importable_instruments()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = PurePath(upload.name).suffix.lower()
        if suffix not in ACCEPTED:
            raise forms.ValidationError(
                _("Berkas %(name)s bukan XLSX atau CSV. Simpan dari Excel sebagai .xlsx atau .csv.")
                % {"name": upload.name}
            )
        if upload.size > settings.BERDAYA_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("Berkas terlalu besar (%(mb)d MB; paling besar %(max)d MB).")
                % {"mb": upload.size // 2**20, "max": settings.BERDAYA_IMPORT_MAX_BYTES // 2**20}
            )
        return upload


@require_http_methods(["GET", "POST"])
@permission_required("diagnosis.import")
def import_page(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        instrument = form.cleaned_data["instrument"]
        mode = form.cleaned_data["mode"]
        try:
            outcome = _run(request, upload, instrument, mode)
        except (PermissionDenied, services.AssessmentRefused) as exc:
            messages = getattr(exc, "messages", None) or [_("Anda tidak berhak menilai.")]
            form.add_error("instrument", " ".join(str(m) for m in messages))
        else:
            token = imports.keep_report(request.user, outcome)
            context = {
                "outcome": outcome,
                "instrument": instrument,
                "file_name": upload.name,
                "mode_label": ImportMode(mode).label,
                "errors": outcome.error_sample(ERRORS_SHOWN),
                "more_errors": max(0, sum(len(e) for e in outcome.errors.values()) - ERRORS_SHOWN),
                "report_token": token,
                "max_rows": imports.MAX_PAGE_ROWS,
            }
            return render(request, "diagnosis/import_result.html", context)
    return render(
        request,
        "diagnosis/import.html",
        {"form": form, "instruments": importable_instruments(), "max_rows": imports.MAX_PAGE_ROWS},
    )


def _run(request: HttpRequest, upload, instrument: Instrument, mode: str) -> imports.AssessmentOutcome:
    suffix = PurePath(upload.name).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return imports.import_assessments(
            handle.name,
            instrument=instrument,
            user=request.user,
            mode=mode,
            original_name=upload.name,
            max_rows=imports.MAX_PAGE_ROWS,
        )


@require_GET
@permission_required("diagnosis.import")
def import_template(request: HttpRequest, code: str) -> HttpResponse:
    instrument = importable_instruments().filter(code=code).first()
    if instrument is None:
        raise Http404
    buffer = io.BytesIO()
    imports.write_template(buffer, instrument)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="templat-penilaian-{instrument.code}.xlsx"'
    return response


@require_GET
@permission_required("diagnosis.import")
def import_report(request: HttpRequest, token: uuid.UUID) -> FileResponse:
    """The rejected rows of one of the user's own imports (another user's token: 404)."""
    name = imports.report_name(request.user, token)
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"penilaian-ditolak-{token.hex[:8]}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response
