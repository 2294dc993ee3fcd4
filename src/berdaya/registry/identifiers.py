"""Identifiers of people and businesses: validate, normalise, explain in Bahasa Indonesia.

Every ``validate_*`` function takes what a form, an API client or a spreadsheet
cell gives (text, or an int/float from an Excel number cell) and returns the
normalised identifier (digits only), ``None`` for a blank value (all of them are
optional in the registry), or raises :class:`django.core.exceptions.ValidationError`
with a stable ``code`` and a message that says what is wrong.

Spreadsheets are the main source of bad identifiers: Excel keeps 15 significant
digits, so a 16-digit NIK typed into a number cell loses its last digit and may be
shown as ``7.47101E+15``. Such a value is refused with its own message
(code ``excel_corrupted``) — it is never "repaired", because the lost digits are
gone.

NIK checks follow ``stdnum.id.nik`` (16 digits, DDMMYY birth date with day + 40 for
women) but are done here, step by step, for two reasons: each failure gets its own
message, and the province check uses the Kemendagri codes shipped with Berdaya —
python-stdnum's table lacks the provinces created since 2012 (65, 92, 93, 95, 96),
whose residents' NIKs it rejects. The pure checks are memoised: an importer
validates about a million NIKs and most of the work repeats (birth dates, codes).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError

from berdaya.registry.reference import province_codes

EXCEL_SIGNIFICANT_DIGITS = 15
NIK_LENGTH = 16
NIB_LENGTH = 13
NIK_KOPERASI_LENGTH = 16
NPWP_LENGTHS = (15, 16)
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 9, 14

_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+")
_INTEGRAL_DECIMAL = re.compile(r"(\d+)[.,]0+")
_SEPARATORS = re.compile(r"[\s.\-/\u00a0]+")
_PHONE_SEPARATORS = re.compile(r"[\s.\-/()\u00a0]+")

LABEL_NIK = _("NIK")
LABEL_NIB = _("NIB")
LABEL_NPWP = _("NPWP")
LABEL_NIK_KOPERASI = _("NIK koperasi")
LABEL_PHONE = _("Nomor telepon")

MESSAGES = {
    "excel_corrupted": _(
        "%(label)s %(value)s rusak karena tersimpan sebagai angka di Excel: digit terakhirnya sudah "
        "hilang. Format kolom sebagai Teks lalu ketik ulang %(label)s dari dokumen aslinya."
    ),
    "invalid_format": _("%(label)s hanya boleh berisi angka (tertulis: %(value)s)."),
    "invalid_length": _("%(label)s harus %(expected)s digit, bukan %(length)d digit."),
    "unknown_province": _("Kode provinsi %(province)s pada awal NIK tidak dikenal."),
    "invalid_birth_date": _(
        "Tanggal lahir dalam NIK tidak mungkin (digit 7–12: %(ddmmyy)s; hari 01–31, atau 41–71 untuk "
        "perempuan, dan bulan 01–12)."
    ),
    "invalid_serial": _(
        "NIK tidak mungkin berakhiran 0000; biasanya digit terakhir hilang karena NIK tersimpan sebagai "
        "angka di Excel. Ketik ulang NIK dari KTP atau Kartu Keluarga."
    ),
    "invalid_checksum": _("NPWP %(value)s tidak valid: digit pemeriksanya tidak cocok."),
    "npwp_invalid_nik": _(
        "NPWP 16 digit yang tidak diawali 0 adalah NIK, dan NIK itu tidak valid: %(reason)s"
    ),
    "invalid_phone": _(
        "Nomor telepon %(value)s tidak valid: tulis seperti 081234567890, 0401 3123456 "
        "atau +62 812 3456 7890."
    ),
}


def _error(code: str, **params: Any) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code, params=params)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _excel_number_text(digits: str, shown: Any, label: Any) -> str:
    if len(digits) > EXCEL_SIGNIFICANT_DIGITS and digits.endswith("0"):
        raise _error("excel_corrupted", label=label, value=shown)
    return digits


def raw_text(value: Any, label: Any) -> str:
    """The identifier as text, refusing what a spreadsheet number has already damaged."""
    if isinstance(value, bool):
        raise _error("invalid_format", label=label, value=value)
    if isinstance(value, int):
        # An exact integer is fine, unless it has more digits than Excel keeps and
        # the tell-tale zero at the end.
        return _excel_number_text(str(abs(value)), value, label)
    if isinstance(value, float | Decimal):
        if not math.isfinite(value) or value != int(value):
            raise _error("excel_corrupted", label=label, value=value)
        digits = str(int(value))
        if len(digits) > EXCEL_SIGNIFICANT_DIGITS:  # a float cannot hold 16 exact digits from Excel
            raise _error("excel_corrupted", label=label, value=f"{value:.5E}")
        return digits
    text = str(value).strip().lstrip("'")  # a leading ' is Excel's "this cell is text" mark
    if _SCIENTIFIC.fullmatch(text.replace(" ", "")):
        raise _error("excel_corrupted", label=label, value=text)
    integral = _INTEGRAL_DECIMAL.fullmatch(text)
    if integral:  # "7471011708450001.0": a number cell written out by a program
        digits = integral.group(1)
        if len(digits) > EXCEL_SIGNIFICANT_DIGITS:
            raise _error("excel_corrupted", label=label, value=text)
        return digits
    return text


def _digits(value: Any, label: Any) -> str:
    text = _SEPARATORS.sub("", raw_text(value, label))
    if not text.isdigit() or not text.isascii():
        raise _error("invalid_format", label=label, value=str(value).strip())
    return text


def _exact_length(value: Any, label: Any, length: int) -> str | None:
    if _is_blank(value):
        return None
    digits = _digits(value, label)
    if len(digits) != length:
        raise _error("invalid_length", label=label, expected=length, length=len(digits))
    return digits


# --- NIK ------------------------------------------------------------------------------


@lru_cache(maxsize=131_072)  # bounded: at most 10^6 distinct DDMMYY strings, ~40k plausible
def _birth_date_candidates(ddmmyy: str) -> tuple[dt.date, ...]:
    """The possible birth dates (1900s and 2000s) encoded by DDMMYY; () when impossible."""
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    if day > 40:
        day -= 40
    found = []
    for century in (1900, 2000):
        try:
            found.append(dt.date(century + year, month, day))
        except ValueError:
            continue
    return tuple(found)


@lru_cache(maxsize=65_536)
def check_nik(digits: str) -> str | None:
    """Error code for a 16-digit string that is not a possible NIK; None when it is.

    Pure and memoised: the import path calls it once per row.
    """
    if digits[:2] not in province_codes():
        return "unknown_province"
    if not _birth_date_candidates(digits[6:12]):
        return "invalid_birth_date"
    if digits[12:] == "0000":
        return "invalid_serial"
    return None


def validate_nik(value: Any) -> str | None:
    if _is_blank(value):
        return None
    digits = _digits(value, LABEL_NIK)
    if len(digits) != NIK_LENGTH:
        raise _error("invalid_length", label=LABEL_NIK, expected=NIK_LENGTH, length=len(digits))
    code = check_nik(digits)
    if code is not None:
        raise _error(code, label=LABEL_NIK, value=digits, province=digits[:2], ddmmyy=digits[6:12])
    return digits


@dataclass(frozen=True)
class NikFacts:
    sex: str  # "L" or "P"
    birth_date: dt.date


def nik_facts(nik: str, today: dt.date | None = None) -> NikFacts:
    """Sex and birth date encoded in a valid NIK.

    The NIK holds two year digits only; the century chosen is the latest that does
    not put the birth in the future (the NIK holders in a business registry are alive).
    """
    today = today or dt.date.today()
    candidates = _birth_date_candidates(nik[6:12])
    if not candidates:
        raise _error("invalid_birth_date", label=LABEL_NIK, ddmmyy=nik[6:12])
    past = [d for d in candidates if d <= today]
    birth = max(past) if past else min(candidates)
    return NikFacts(sex="P" if int(nik[6:8]) > 40 else "L", birth_date=birth)


# --- Business identifiers ---------------------------------------------------------------


def validate_npwp(value: Any) -> str | None:
    """15 digits (old format) or 16 (since 2024: ``0`` + the old number, or the holder's NIK)."""
    if _is_blank(value):
        return None
    digits = _digits(value, LABEL_NPWP)
    if len(digits) not in NPWP_LENGTHS:
        raise _error("invalid_length", label=LABEL_NPWP, expected=_("15 atau 16"), length=len(digits))
    if len(digits) == 16 and not digits.startswith("0"):
        try:
            validate_nik(digits)
        except ValidationError as exc:
            raise _error("npwp_invalid_nik", reason=exc.messages[0]) from None
        return digits
    # The old number carries a Luhn check digit over its first nine digits (as stdnum.id.npwp checks).
    body = digits if len(digits) == 15 else digits[1:]
    try:
        luhn.validate(body[:9])
    except StdnumError:
        raise _error("invalid_checksum", value=digits) from None
    return digits


def validate_nib(value: Any) -> str | None:
    """Nomor Induk Berusaha (OSS): exactly 13 digits."""
    return _exact_length(value, LABEL_NIB, NIB_LENGTH)


def validate_nik_koperasi(value: Any) -> str | None:
    """Nomor Induk Koperasi (national ODS): exactly 16 digits."""
    return _exact_length(value, LABEL_NIK_KOPERASI, NIK_KOPERASI_LENGTH)


def validate_phone(value: Any) -> str | None:
    """An Indonesian phone number in its domestic form: ``081234567890``, ``04013123456``."""
    if _is_blank(value):
        return None
    text = raw_text(value, LABEL_PHONE)
    digits = _PHONE_SEPARATORS.sub("", text)
    if digits.startswith("+62"):
        digits = "0" + digits[3:]
    elif digits.startswith("62"):  # domestic numbers start with 0, so 62 is the country code
        digits = "0" + digits[2:]
    elif digits.startswith("8"):
        digits = "0" + digits  # a mobile number whose leading 0 an Excel number cell dropped
    if (
        not digits.isdigit()
        or not digits.isascii()
        or not digits.startswith("0")
        or not PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS
    ):
        raise _error("invalid_phone", value=str(value).strip())
    return digits
