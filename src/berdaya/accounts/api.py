"""/api/v1/me and /api/v1/tokens: who am I, and my personal API tokens."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from berdaya.accounts import selectors, services
from berdaya.accounts.models import ApiToken
from berdaya.accounts.permissions import require
from berdaya.api.errors import ApiError
from berdaya.core.scoping import get_visible_or_404

router = Router()


class TokenNotAllowed(ApiError):
    status = 403
    code = "permission_denied"


class RegionRef(Schema):
    code: str
    name: str


class PartnerRef(Schema):
    id: int
    name: str
    kind: str


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    region: RegionRef | None
    partner: PartnerRef | None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    usable: bool = Field(..., alias="is_usable")


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=80, description="Untuk apa token ini.")
    expires_in_days: int = Field(
        services.TOKEN_DEFAULT_DAYS,
        ge=1,
        le=services.TOKEN_MAX_DAYS,
        description="Masa berlaku dalam hari (1–365, bawaan 90).",
    )


class TokenCreated(TokenOut):
    token: str = Field(..., description="Token mentah. Hanya dikirim sekali ini; simpan baik-baik.")


@router.get("/me", response=MeOut, summary="Akun yang sedang dipakai")
def me(request: HttpRequest):
    user = request.user
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "role_label": user.get_role_display(),
        "region": user.region,
        "partner": user.partner,
    }


@router.get("/tokens", response=list[TokenOut], summary="Token API saya")
def list_tokens(request: HttpRequest):
    require(request.user, "accounts.use_api_tokens")
    return list(selectors.own_tokens(request.user))


@router.post("/tokens", response={201: TokenCreated}, summary="Buat token API")
def create_token(request: HttpRequest, payload: TokenIn):
    require(request.user, "accounts.use_api_tokens")
    if isinstance(request.auth, ApiToken):
        # A token that could mint tokens would let a leaked, short-lived token outlive its revocation.
        raise TokenNotAllowed(
            _("Token API baru hanya dapat dibuat dari sesi peramban yang sudah masuk, bukan dengan token.")
        )
    try:
        token, raw = services.create_token(
            request.user, name=payload.name, expires_in_days=payload.expires_in_days
        )
    except ValidationError as exc:
        raise ApiError(_("Data yang dikirim tidak valid."), fields=exc.message_dict) from None
    token.token = raw
    return Status(201, token)


@router.delete("/tokens/{token_id}", response={204: None}, summary="Cabut token API")
def revoke_token(request: HttpRequest, token_id: int):
    require(request.user, "accounts.use_api_tokens")
    # Another user's token is 404, the same as one that never existed.
    token = get_visible_or_404(request.user, ApiToken.objects.filter(user=request.user), pk=token_id)
    services.revoke_token(token)
    return Status(204, None)
