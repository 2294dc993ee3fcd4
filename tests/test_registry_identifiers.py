"""Identifier validation: every bad case has its own code and an Indonesian message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from berdaya.registry import identifiers
from berdaya.registry.identifiers import (
    nik_facts,
    validate_nib,
    validate_nik,
    validate_nik_koperasi,
    validate_npwp,
    validate_phone,
)

NIK_MAN = "7471011708850001"  # Kendari, born 17-08-1985
NIK_WOMAN = "7471015708850002"  # day 57 = 17 + 40


def error_of(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validator(value)
    return info.value


# --- NIK -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (NIK_MAN, NIK_MAN),
        ("7471 0117 0885 0001", NIK_MAN),
        ("7471-01-170885-0001", NIK_MAN),
        ("'7471011708850001", NIK_MAN),  # Excel's text marker
        (7471011708850001, NIK_MAN),  # an exact integer (not from a float)
        ("9601011708850001", "9601011708850001"),  # Papua Barat Daya: missing from stdnum's table
        ("6501011708850001", "6501011708850001"),  # Kalimantan Utara
        ("7471012902000001", "7471012902000001"),  # 29-02-2000 exists
    ],
)
def test_valid_nik_is_normalised(value, expected):
    assert validate_nik(value) == expected


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_identifiers_are_none(blank):
    for validator in (validate_nik, validate_npwp, validate_nib, validate_nik_koperasi, validate_phone):
        assert validator(blank) is None


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("747101170885000", "invalid_length", "harus 16 digit, bukan 15 digit"),
        ("74710117088500011", "invalid_length", "bukan 17 digit"),
        ("7471O11708850001", "invalid_format", "hanya boleh berisi angka"),
        ("NIK 7471011708850001", "invalid_format", "hanya boleh berisi angka"),
        ("9971011708850001", "unknown_province", "Kode provinsi 99"),
        ("0071011708850001", "unknown_province", "Kode provinsi 00"),
        ("7471013208850001", "invalid_birth_date", "320885"),  # day 32
        ("7471011713850001", "invalid_birth_date", "171385"),  # month 13
        ("7471010008850001", "invalid_birth_date", "000885"),  # day 0
        ("7471017208850001", "invalid_birth_date", "720885"),  # woman's day 72 = 32
        ("7471013002850001", "invalid_birth_date", "300285"),  # 30 February
        ("7471011708850000", "invalid_serial", "0000"),
    ],
)
def test_bad_nik_has_a_distinct_message(value, code, fragment):
    exc = error_of(validate_nik, value)
    assert exc.code == code
    assert fragment in exc.messages[0]


@pytest.mark.parametrize(
    "value",
    [
        "7.47101E+15",
        "7,47101E+15",
        "7.47101170885E+15",
        "7.471011708850001e+15",
        "7471011708850000.0",  # a float written out with 16 digits: the last one is not real
        7.47101e15,  # a float from an Excel number cell
        7471011708850001.0,
        Decimal("7471011708850000"),
        7471011708850000,  # an int past 15 digits ending in zero: came through a float
    ],
)
def test_nik_corrupted_by_excel_gets_its_own_message(value):
    exc = error_of(validate_nik, value)
    assert exc.code == "excel_corrupted"
    assert "Excel" in exc.messages[0]
    assert "Teks" in exc.messages[0]


def test_excel_message_is_translated():
    with translation.override("en"):
        message = error_of(validate_nik, "7.47101E+15").messages[0]
    assert "Excel" in message
    assert "rusak" not in message


def test_nik_facts_sex_and_birth_date():
    assert nik_facts(NIK_MAN, dt.date(2026, 1, 1)) == identifiers.NikFacts("L", dt.date(1985, 8, 17))
    assert nik_facts(NIK_WOMAN, dt.date(2026, 1, 1)) == identifiers.NikFacts("P", dt.date(1985, 8, 17))
    # Two year digits: the latest century that does not put the birth in the future.
    assert nik_facts("7471011708100001", dt.date(2026, 1, 1)).birth_date == dt.date(2010, 8, 17)
    assert nik_facts("7471011708300001", dt.date(2026, 1, 1)).birth_date == dt.date(1930, 8, 17)
    # 29-02-00 exists in 2000 only (1900 was not a leap year).
    assert nik_facts("7471012902000001", dt.date(2026, 1, 1)).birth_date == dt.date(2000, 2, 29)


def test_nik_check_is_memoised():
    identifiers.check_nik.cache_clear()
    for _ in range(3):
        validate_nik(NIK_MAN)
    info = identifiers.check_nik.cache_info()
    assert info.hits == 2 and info.misses == 1


# --- NPWP ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01.312.166.0-091.000", "013121660091000"),  # old format, 15 digits
        ("016090524017000", "016090524017000"),
        ("0013121660091000", "0013121660091000"),  # new format: 0 + old number
        (NIK_MAN, NIK_MAN),  # new format for individuals: the NIK
    ],
)
def test_valid_npwp(value, expected):
    assert validate_npwp(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("123456789", "invalid_length"),
        ("01312166009100012", "invalid_length"),
        ("01.312.166.1-091.000", "invalid_checksum"),
        ("0013121661091000", "invalid_checksum"),
        ("01312166A091000", "invalid_format"),
        ("7471013208850001", "npwp_invalid_nik"),
        ("1.31217E+13", "excel_corrupted"),
    ],
)
def test_bad_npwp(value, code):
    exc = error_of(validate_npwp, value)
    assert exc.code == code
    assert exc.messages[0]


def test_npwp_length_message_names_both_lengths():
    assert "15 atau 16 digit" in error_of(validate_npwp, "123456789").messages[0]


# --- NIB, NIK koperasi ------------------------------------------------------------------------


def test_nib():
    assert validate_nib("9120 3012 3456 7") == "9120301234567"
    assert validate_nib(9120301234567) == "9120301234567"  # 13 digits survive an Excel number
    assert validate_nib(9120301234567.0) == "9120301234567"
    assert validate_nib("0220301234567") == "0220301234567"  # leading zero kept


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("912030123456", "invalid_length", "NIB harus 13 digit, bukan 12 digit"),
        ("91203012345678", "invalid_length", "bukan 14 digit"),
        ("912030123456X", "invalid_format", "NIB hanya boleh berisi angka"),
        ("9.12030E+12", "excel_corrupted", "NIB"),
        (220301234567.0, "invalid_length", "bukan 12 digit"),  # an Excel number lost the leading 0
    ],
)
def test_bad_nib(value, code, fragment):
    exc = error_of(validate_nib, value)
    assert exc.code == code
    assert fragment in exc.messages[0]


def test_nik_koperasi():
    assert validate_nik_koperasi("7471 0000 0000 0001") == "7471000000000001"
    assert error_of(validate_nik_koperasi, "747100000000001").code == "invalid_length"
    assert error_of(validate_nik_koperasi, "74710000000000A1").code == "invalid_format"
    assert error_of(validate_nik_koperasi, "7.471E+15").code == "excel_corrupted"
    assert error_of(validate_nik_koperasi, 7471000000000010.0).code == "excel_corrupted"


# --- phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("081234567890", "081234567890"),
        ("0812-3456-7890", "081234567890"),
        ("+62 812 3456 7890", "081234567890"),
        ("62812345678", "0812345678"),
        ("(0401) 3123456", "04013123456"),
        (81234567890, "081234567890"),  # Excel dropped the leading 0
    ],
)
def test_phone_is_normalised(value, expected):
    assert validate_phone(value) == expected


@pytest.mark.parametrize("value", ["12345", "0812-ABC-7890", "0812345678901234", "8.12346E+10"])
def test_bad_phone(value):
    assert error_of(validate_phone, value).code in {"invalid_phone", "excel_corrupted"}
