"""Registry export (XLSX, CSV) and the import templates, as downloads (Part 4 items 6 and 7)."""

from __future__ import annotations

import io
import tempfile

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from berdaya.accounts.permissions import permission_required
from berdaya.registry import exports
from berdaya.registry.columns import KOPERASI, UMKM
from berdaya.registry.views import _filter_form


def _start(request: HttpRequest, fmt: str) -> exports.Export | HttpResponse:
    # The list's own form: the same parameters, the same tolerance of bad values, and a
    # district officer's kab/kota fixed to theirs (the scope narrows the rows regardless).
    filters = _filter_form(request).to_filters()
    try:
        return exports.start_export(request.user, filters, fmt=fmt)
    except exports.ExportTooLarge as exc:
        messages.error(request, exc.message)
        query = request.GET.urlencode()
        return redirect(reverse("registry:list") + (f"?{query}" if query else ""))


@require_GET
@permission_required("registry.export")
def export_csv(request: HttpRequest) -> HttpResponse:
    from berdaya.core.tabular import csv_lines

    export = _start(request, "csv")
    if isinstance(export, HttpResponse):
        return export
    # Streamed: rows are read from the database while the file is being sent.
    response = StreamingHttpResponse(
        csv_lines(export.headers, export.rows), content_type=exports.CSV_CONTENT_TYPE
    )
    name = exports.export_filename("csv", export.kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@permission_required("registry.export")
def export_xlsx(request: HttpRequest) -> HttpResponse:
    export = _start(request, "xlsx")
    if isinstance(export, HttpResponse):
        return export
    # An XLSX is a zip written at the end, so it cannot be streamed as it is made: it goes
    # to a temporary file (xlsxwriter's constant-memory mode) that is deleted when closed,
    # i.e. once FileResponse has sent it.
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    try:
        exports.write_export(handle.name, export, "xlsx")
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return FileResponse(
        handle,
        as_attachment=True,
        filename=exports.export_filename("xlsx", export.kind),
        content_type=exports.XLSX_CONTENT_TYPE,
    )


@require_GET
@permission_required("registry.import")
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in (UMKM, KOPERASI):
        raise Http404
    buffer = io.BytesIO()
    exports.write_template(buffer, kind)
    response = HttpResponse(buffer.getvalue(), content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="templat-{kind}.xlsx"'
    return response
