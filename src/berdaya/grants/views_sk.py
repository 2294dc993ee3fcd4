"""Downloads of the decree list of a grant's recipients (SK penerima bantuan), PDF and XLSX."""

from __future__ import annotations

import io

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from berdaya.accounts.permissions import permission_required
from berdaya.core.audit import record
from berdaya.core.models import AuditAction
from berdaya.grants import sk
from berdaya.programmes.models import Programme, ProgrammeKind


def _grant(pk: int) -> Programme:
    # Programmes are not region-scoped (@unscoped); only a grant has a decree list.
    return get_object_or_404(Programme, pk=pk, kind=ProgrammeKind.GRANT)


def _audit(programme: Programme, fmt: str, rows: int) -> None:
    record(
        AuditAction.EXPORT,
        programme,
        object_repr=f"SK penerima {programme.name} ({programme.year}) {fmt.upper()}: {rows} penerima",
        extra={"programme": programme.pk, "format": fmt, "rows": rows},
    )


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@permission_required("programmes.export")
def sk_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _grant(pk)
    rows = sk.recipients(programme)
    content = sk.write_pdf(programme, rows=rows)
    _audit(programme, "pdf", len(rows))
    return _download(content, sk.PDF_CONTENT_TYPE, sk.filename(programme, "pdf"))


@require_GET
@permission_required("programmes.export")
def sk_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _grant(pk)
    rows = sk.recipients(programme)
    buffer = io.BytesIO()
    sk.write_xlsx(programme, buffer, rows=rows)
    _audit(programme, "xlsx", len(rows))
    return _download(buffer.getvalue(), sk.XLSX_CONTENT_TYPE, sk.filename(programme, "xlsx"))
