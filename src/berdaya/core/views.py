from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from berdaya.regions import selectors as region_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    province = region_selectors.configured_province()
    context = {
        "province": province,
        "region_counts": region_selectors.counts_by_level(province) if province else {},
    }
    return render(request, "core/home.html", context)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answering; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "unavailable", "database": "error", "detail": str(exc)[:200]}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})
