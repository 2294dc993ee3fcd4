"""Personal data at rest (SPEC §6, UU 27/2022): encrypted, looked up by keyed hash, shown masked.

A NIK or phone number is never stored in clear. Each one is kept as three values:

* the Fernet ciphertext (:func:`encrypt` / :func:`decrypt`) — the only way back to
  the number, for the roles that need it;
* a keyed hash (:func:`lookup_hash`, HMAC-SHA256) — deterministic, so "is this NIK
  already registered?" is an indexed equality query, yet useless without the key;
* a masked form (:func:`mask_nik`, :func:`mask_phone`) — what lists, exports and
  the audit trail show.

Both keys come from one secret, ``settings.PERSONAL_DATA_KEY``, through HKDF with
different ``info`` strings: one secret to keep and back up, and still two
independent keys (knowing the hash key tells nothing about the encryption key).
The values are plain text in, text out; callers normalise first (a NIK without
separators), so that equal numbers give equal hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Changing any of these makes every stored value unreadable / unfindable: they are
# part of the data format, versioned in their names.
_SALT = b"berdaya-personal-data"
_ENCRYPTION_INFO = b"berdaya/personal-data/fernet/v1"
_LOOKUP_INFO = b"berdaya/personal-data/lookup-hmac-sha256/v1"


class PersonalDataError(Exception):
    """A stored value cannot be opened (wrong or rotated key, damaged ciphertext)."""


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=info).derive(secret.encode("utf-8"))


@lru_cache(maxsize=4)  # keyed by the secret, so override_settings in tests just works
def _keys(secret: str) -> tuple[Fernet, bytes]:
    fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, _ENCRYPTION_INFO)))
    return fernet, _derive(secret, _LOOKUP_INFO)


def _current_keys() -> tuple[Fernet, bytes]:
    return _keys(settings.PERSONAL_DATA_KEY)


def encrypt(value: str | None) -> str | None:
    """Ciphertext (ASCII text, ~120 characters for a NIK) for ``value``; None and "" stay None."""
    if value is None or value == "":
        return None
    return _current_keys()[0].encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str | None) -> str | None:
    if token is None or token == "":
        return None
    try:
        return _current_keys()[0].decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise PersonalDataError(
            "Data pribadi tidak dapat dibuka: kunci PERSONAL_DATA_KEY berbeda dari kunci saat data "
            "disimpan, atau data rusak."
        ) from exc


def lookup_hash(value: str) -> str:
    """Hex HMAC-SHA256 of the normalised ``value`` (64 characters), for exact look-up."""
    return hmac.new(_current_keys()[1], value.encode("utf-8"), hashlib.sha256).hexdigest()


def _mask(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)  # too short to show anything without showing it all
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_nik(value: str | None) -> str:
    """``7471011708450001`` → ``7471**********01`` (first 4 and last 2 digits)."""
    return _mask(value, 4, 2) if value else ""


def mask_phone(value: str | None) -> str:
    """``081234567890`` → ``0812******90`` (the operator prefix and the last 2 digits)."""
    return _mask(value, 4, 2) if value else ""
