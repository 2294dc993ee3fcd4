from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from berdaya.accounts.permissions import permission_required
from berdaya.core.scoping import get_visible_or_404
from berdaya.registry.documents import EntityDocument, add_document
from berdaya.registry.models import Entity


@require_POST
@permission_required("registry.change")
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    entity = get_visible_or_404(request.user, Entity, pk=pk)
    try:
        document = add_document(
            entity,
            kind=request.POST.get("kind", ""),
            title=request.POST.get("title", ""),
            upload=request.FILES.get("file"),
            user=request.user,
        )
    except ValidationError as exc:
        for field_messages in exc.message_dict.values():
            for message in field_messages:
                messages.error(request, message)
    else:
        messages.success(request, _("Dokumen “%(title)s” diunggah.") % {"title": document.title})
    return redirect("registry:detail", pk=entity.pk)


@require_GET
@permission_required("registry.view")
def document_download(request: HttpRequest, pk: int, doc: int) -> FileResponse:
    document = get_visible_or_404(
        request.user, EntityDocument.objects.select_related("entity"), pk=doc, entity_id=pk
    )
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=document.content_type, as_attachment=False, filename=document.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
