"""The audit trail pages: read-only, for administrators (``audit.view_all``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from berdaya.accounts.permissions import permission_required
from berdaya.core import selectors
from berdaya.core.audit_display import describe
from berdaya.core.forms import AuditFilterForm

EVENTS_PER_PAGE = 50
FILTERS = ("actor", "action", "content_type", "object_id", "date_from", "date_to", "channel")


@permission_required("audit.view_all")
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    form.is_valid()  # a bad field shows its error; the valid ones still filter
    filters = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v}
    page = Paginator(selectors.audit_events(**filters), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "events": describe(page.object_list),
        "filtered": any(request.GET.get(key) for key in FILTERS),
    }
    return render(request, "core/audit_list.html", context)
