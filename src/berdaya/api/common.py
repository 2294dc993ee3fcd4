"""Pieces every app's ``api.py`` shares: the error schema for the OpenAPI document, a region
reference, field-error responses, and signed keyset cursors."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _
from ninja import Field, Schema

from berdaya.api.errors import ApiError


class ErrorInfo(Schema):
    status: int
    code: str = Field(..., description="Kode tetap untuk program, mis. validation_error, conflict.")
    message: str = Field(..., description="Pesan untuk manusia, dalam bahasa permintaan.")
    fields: dict[str, list[str]] | None = Field(None, description="Pesan per kolom (galat validasi).")


class ErrorResponse(Schema):
    error: ErrorInfo


class RegionRef(Schema):
    code: str = Field(..., description="Kode wilayah Kemendagri bertitik, mis. 74.71.")
    name: str


def region_ref(region: Any) -> dict | None:
    return {"code": region.code, "name": region.name} if region is not None else None


class Invalid(ApiError):
    """Per-field messages, with the code ninja gives a malformed body (one code for both)."""

    code = "validation_error"


def invalid(fields: dict[str, list[str]]) -> ApiError:
    return Invalid(_("Data yang dikirim tidak valid."), fields=fields)


CURSOR_VERSION = 1


def fingerprint(**filters: Any) -> str:
    """A short digest of the filters a cursor was made for: a cursor is refused under others."""
    data = json.dumps(filters, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def make_cursor(salt: str, fingerprint: str, key: list) -> str:
    return signing.dumps({"v": CURSOR_VERSION, "f": fingerprint, "k": key}, salt=salt)


def read_cursor(cursor: str, salt: str, fingerprint: str) -> list:
    """The key a cursor carries, or a 400 on ``cursor`` (tampered, stale, or other filters)."""
    try:
        data = signing.loads(cursor, salt=salt)
    except signing.BadSignature:
        message = _("Kursor tidak sah. Mulai lagi dari halaman pertama (tanpa cursor).")
        raise invalid({"cursor": [message]}) from None
    if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION or data.get("f") != fingerprint:
        message = _("Kursor ini dibuat untuk filter lain. Mulai lagi dari halaman pertama.")
        raise invalid({"cursor": [message]})
    key = data.get("k")
    if not isinstance(key, list) or not key:
        raise invalid({"cursor": [_("Kursor tidak sah. Mulai lagi dari halaman pertama (tanpa cursor).")]})
    return key
