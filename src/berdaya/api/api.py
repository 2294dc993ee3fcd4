"""/api/v1: each app's ``api.py`` router, assembled under one NinjaAPI (see docs/decisions.md)."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.security import django_auth

from berdaya import __version__
from berdaya.accounts.api import router as accounts_router
from berdaya.accounts.api_auth import TokenAuth
from berdaya.api import errors
from berdaya.regions.api import router as regions_router
from berdaya.registry.api import entities_router, persons_router

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
    # a bearer token first: a program's request must not depend on a stray session cookie
    auth=[TokenAuth(), django_auth],
)
errors.install(api)

api.add_router("", accounts_router, tags=["akun"])
api.add_router("/regions", regions_router, tags=["wilayah"])
api.add_router("", entities_router, tags=["entitas"])
api.add_router("/persons", persons_router, tags=["pelaku"])
api.add_router("", "berdaya.diagnosis.api.router", tags=["diagnosis"])
api.add_router("", "berdaya.programmes.api.router", tags=["program"])
