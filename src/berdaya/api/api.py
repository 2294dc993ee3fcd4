"""/api/v1: each app's ``api.py`` router, assembled under one NinjaAPI (see docs/decisions.md)."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.security import django_auth

from berdaya import __version__
from berdaya.api import errors
from berdaya.regions.api import router as regions_router

api = NinjaAPI(
    title="Berdaya API",
    version=__version__,
    description=(
        "API Berdaya untuk registri dan program pembinaan koperasi & UMKM. "
        "Autentikasi: sesi peramban (dengan CSRF) atau token API pribadi "
        "(`Authorization: Bearer <token>`). Semua galat memakai bentuk "
        '`{"error": {"status", "code", "message", "fields"?}}`.'
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=[django_auth],
)
errors.install(api)

api.add_router("/regions", regions_router, tags=["wilayah"])
