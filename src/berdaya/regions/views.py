from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from berdaya.regions import geo, selectors
from berdaya.regions.lookup import Status, resolve_code


@login_required
def region_list(request: HttpRequest) -> HttpResponse:
    return redirect("regions:detail", code=settings.BERDAYA_PROVINCE)


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    result = resolve_code(code)
    if result.status != Status.FOUND:
        raise Http404(result.message)
    region = result.region
    if region.code != code:  # undotted or padded code: one canonical address per region
        return redirect("regions:detail", code=region.code)
    children = selectors.children_of(region.code)
    context = {
        "region": region,
        "trail": selectors.ancestors(region)[:-1],
        "children": children,
        "child_count": children.count(),
    }
    return render(request, "regions/detail.html", context)


@login_required
def kabkota_boundaries(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(geo.kabkota_geojson())
    response["Cache-Control"] = "private, max-age=86400"  # reference data: changes with a release
    return response
