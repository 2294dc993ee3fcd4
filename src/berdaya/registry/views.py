from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from berdaya.accounts.permissions import has_permission, permission_required
from berdaya.registry import panels, selectors
from berdaya.registry.forms import RegistryFilterForm, kabkota_choices, kecamatan_choices
from berdaya.registry.models import DocumentKind, Kbli, KbliLevel

PAGE_SIZE = 50
MAP_POINTS = 3000


class CappedPaginator(Paginator):
    """Page numbers over a count that stops at ``cap`` (see selectors.count_capped)."""

    def __init__(self, object_list, per_page, *, total: int, more: bool) -> None:
        super().__init__(object_list, per_page)
        self._total = total
        self.more = more

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._total


def _filter_form(request: HttpRequest) -> RegistryFilterForm:
    user = request.user
    province = settings.BERDAYA_PROVINCE
    kabkotas = kabkota_choices(province)
    if user.role == "dinas_kabkota":
        kabkotas = [(code, name) for code, name in kabkotas if code == user.region_id]
    kab = request.GET.get("kabkota", "") if user.role != "dinas_kabkota" else user.region_id
    kbli = list(Kbli.objects.filter(level=KbliLevel.KATEGORI).order_by("code").values_list("code", "title"))
    kbli = [(code, f"{code} – {title[:50]}") for code, title in kbli]
    return RegistryFilterForm(
        request.GET or None,
        kabkota_choices=kabkotas,
        kecamatan_choices=kecamatan_choices(kab or ""),
        kbli_choices=kbli,
    )


@require_GET
@permission_required("registry.view")
def entity_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    filters = form.to_filters()
    qs = selectors.for_list(selectors.entities(request.user, filters))
    total, more = selectors.count_capped(qs)
    paginator = CappedPaginator(qs, PAGE_SIZE, total=total, more=more)
    page: Page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "total": total,
        "more": more,
        "querystring": query.urlencode(),
        "can_create": has_permission(request.user, "registry.create"),
    }
    template = "registry/_results.html" if request.headers.get("HX-Request") else "registry/list.html"
    return render(request, template, context)


@require_GET
@permission_required("registry.view")
def entity_map_points(request: HttpRequest) -> JsonResponse:
    """Points of the filtered list for the map: a bounded, evenly spread sample plus counts."""
    filters = _filter_form(request).to_filters()
    qs = selectors.entities(request.user, filters).order_by()
    located = qs.filter(lat__isnull=False, lon__isnull=False)
    total, _more = selectors.count_capped(located, cap=1_000_000)
    step = max(1, total // MAP_POINTS)
    # Every step-th id keeps the spread of the whole list without loading it.
    rows = located.values_list("id", "name", "lat", "lon", "kind")
    if step > 1:
        from django.db.models import F
        from django.db.models.functions import Mod

        rows = rows.annotate(bucket=Mod(F("id"), step)).filter(bucket=0)
    points = [
        {"id": pk, "name": name, "lat": lat, "lon": lon, "kind": kind}
        for pk, name, lat, lon, kind in rows[:MAP_POINTS]
    ]
    return JsonResponse({"total": total, "shown": len(points), "points": points})


@require_GET
@permission_required("registry.view")
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entity = selectors.entity_detail(request.user, pk)
    context = selectors.profile(request.user, entity)
    context["can_unmask"] = has_permission(request.user, "personal_data.unmask")
    # the page already passed the scope check, so the permission alone decides the buttons
    context["can_edit"] = has_permission(request.user, "registry.change")
    context["can_manage"] = has_permission(request.user, "registry.manage")
    context["documents"] = entity.documents.all()
    context["document_kinds"] = DocumentKind.choices
    context["panels"] = panels.for_entity(request, entity)
    return render(request, "registry/detail.html", context)


@require_GET
@permission_required("registry.view")
def rat_compliance(request: HttpRequest) -> HttpResponse:
    rows = selectors.rat_compliance_by_district(request.user)
    totals = {key: sum(row[key] for row in rows) for key in ("total", "compliant", "not_compliant", "never")}
    totals["share"] = round(100 * totals["compliant"] / totals["total"], 1) if totals["total"] else 0.0
    return render(request, "registry/rat.html", {"rows": rows, "totals": totals})
