"""Cell parsers of the spreadsheet importer: what they accept, and what they refuse and why."""

from __future__ import annotations

import datetime as dt
import math
import pickle

import openpyxl
import pytest
import python_calamine
import xlsxwriter
from django.utils import timezone
from django.utils.functional import Promise

from berdaya.core import parsing
from berdaya.core.parsing import (
    CellError,
    is_blank,
    normalize_header,
    parse_coordinate,
    parse_date,
    parse_identifier,
    parse_int,
    parse_money,
    parse_sex,
    parse_text,
    parse_year,
)

TODAY = dt.date(2025, 6, 15)
NIK = "7471011708850001"
NIB = "9120000000101"


def error_of(parser, value, **kwargs) -> CellError:
    with pytest.raises(CellError) as info:
        parser(value, **kwargs)
    return info.value


# --- CellError and blanks ----------------------------------------------------------------------


def test_cell_error_is_a_value_error_with_a_plain_message_and_code():
    error = error_of(parse_money, "-1.500")
    assert isinstance(error, ValueError)
    assert type(error.message) is str  # forced from the lazy msgid, not a Promise
    assert error.code == "negative"
    assert str(error) == error.message
    copy = pickle.loads(pickle.dumps(error))  # crosses process boundaries to the task workers
    assert (copy.message, copy.code) == (error.message, error.code)


def test_every_message_is_a_translatable_msgid():
    messages = {name: value for name, value in vars(parsing).items() if name.startswith("MSG_")}
    assert len(messages) > 30
    assert all(isinstance(value, Promise) for value in messages.values()), messages


@pytest.mark.parametrize(
    "value", [None, "", "   ", "\u00a0", " \u00a0\t\n", "-", " - ", "–", "—", float("nan")]
)
def test_blank(value):
    assert is_blank(value)


@pytest.mark.parametrize("value", ["0", 0, 0.0, "x", "--x", False, dt.date(2023, 8, 17), "Rp"])
def test_not_blank(value):
    assert not is_blank(value)


@pytest.mark.parametrize(
    "parser, kwargs",
    [
        (parse_money, {}),
        (parse_int, {}),
        (parse_date, {}),
        (parse_identifier, {"digits": 16, "label": "NIK"}),
        (parse_sex, {}),
        (parse_coordinate, {"axis": "lat"}),
        (parse_text, {"max_length": 10}),
        (parse_year, {}),
    ],
)
@pytest.mark.parametrize("value", [None, "", "  ", "\u00a0", "-", "–"])
def test_every_parser_returns_none_for_a_blank_cell(parser, kwargs, value):
    assert parser(value, **kwargs) is None


# --- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Nama Usaha", "nama_usaha"),
        ("NAMA_USAHA", "nama_usaha"),
        (" nama.usaha* ", "nama_usaha"),
        ("nama-usaha", "nama_usaha"),
        ("Nama  Usaha\u00a0", "nama_usaha"),
        ("**Nama Usaha**", "nama_usaha"),
        ("No.", "no"),
        ("Jenis Kelamin (L/P)", "jenis_kelamin_l_p"),
        ("L/P", "l_p"),
        ("Kabupaten/Kota", "kabupaten_kota"),
        ("Désa / Kelurahan", "desa_kelurahan"),
        ("Modal Usaha (Rp)", "modal_usaha_rp"),
        ("", ""),
        (None, ""),
        (2023, "2023"),
        (2023.0, "2023"),
    ],
)
def test_normalize_header(header, expected):
    assert normalize_header(header) == expected


# --- money -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1500000", 1_500_000),
        ("0", 0),
        (1_500_000, 1_500_000),
        (1_500_000.0, 1_500_000),
        (137_500.00000000003, 137_500),  # formula noise Excel hides: it shows 137500
        ("Rp 1.500.000", 1_500_000),
        ("Rp1.500.000", 1_500_000),
        ("RP 1.500.000", 1_500_000),
        ("Rp. 1.500.000,-", 1_500_000),
        ("Rp 1.500.000,00", 1_500_000),
        ("1.500.000,00", 1_500_000),
        ("1.500.000,-", 1_500_000),
        ("1.500.000.-", 1_500_000),
        ("1500000,00", 1_500_000),
        ("1500000,-", 1_500_000),
        ("Rp\u00a01.500.000", 1_500_000),
        ("  1.500.000  ", 1_500_000),
        ("1.500", 1_500),
        ("1.000", 1_000),
        ("1,00", 1),
        ("IDR 1.500.000", 1_500_000),
        ("1.500.000 rupiah", 1_500_000),
        ("1,500,000", 1_500_000),
        ("12,500,000", 12_500_000),
        ("1,500,000.00", 1_500_000),
        ("1 500 000", 1_500_000),
        ("1500000.0", 1_500_000),  # a number written out by a program
        ("+1.500.000", 1_500_000),
        ("1,5 juta", 1_500_000),
        ("1,5juta", 1_500_000),
        ("1,5 Juta", 1_500_000),
        ("Rp 1,5 juta", 1_500_000),
        ("1.5 juta", 1_500_000),
        ("2 jt", 2_000_000),
        ("2 jt.", 2_000_000),
        ("2,25 JT", 2_250_000),
        ("1,2 M", 1_200_000_000),
        ("1,2M", 1_200_000_000),
        ("3 miliar", 3_000_000_000),
        ("3 milyar", 3_000_000_000),
        ("1,234567 juta", 1_234_567),
        ("500 ribu", 500_000),
        ("500 rb", 500_000),
        ("1.500.000 juta", 1_500_000_000_000),
        ("1 triliun", 10**12),
        ("-0", 0),
        (10**15, 10**15),
        ("Rp -", None),  # Excel's accounting format shows an empty amount this way
        ("Rp", None),
        (float("nan"), None),
    ],
)
def test_money_accepts(value, expected):
    assert parse_money(value) == expected


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("-1.500.000", "negative", "tidak boleh negatif"),
        ("Rp -1.500.000", "negative", "tidak boleh negatif"),
        ("- Rp 1.500.000", "negative", "tidak boleh negatif"),
        ("−1.500", "negative", "tidak boleh negatif"),
        ("(1.500.000)", "negative", "tidak boleh negatif"),
        ("-2 jt", "negative", "tidak boleh negatif"),
        (-1, "negative", "tidak boleh negatif"),
        (-1_500_000.0, "negative", "tidak boleh negatif"),
        ("1.500.000,50", "fraction", "pecahan Rupiah"),
        ("1500000,5", "fraction", "pecahan Rupiah"),
        ("1500000.25", "fraction", "pecahan Rupiah"),
        (1_500_000.5, "fraction", "pecahan Rupiah"),
        ("1,0000005 juta", "fraction", "pecahan Rupiah"),
        ("1,5", "ambiguous", "1,5 juta"),  # one and a half Rupiah, or a forgotten "juta"?
        ("12,5", "ambiguous", "tidak jelas"),
        ("2.75", "ambiguous", "tidak jelas"),
        ("1,500", "ambiguous", "tidak jelas"),  # 1500 in English, 1,5 in Indonesian
        ("1,000", "ambiguous", "tidak jelas"),  # not 1 Rupiah: could be one thousand
        ("1500.000", "ambiguous", "tidak jelas"),  # mis-grouped 1.500.000, or 1500 with decimals?
        ("1500,000", "ambiguous", "tidak jelas"),
        ("1.500 juta", "ambiguous", "tidak jelas"),  # 1500 juta by the book, 1,5 juta by the writer
        ("1,500,000 juta", "ambiguous", "tidak jelas"),
        ("lima juta", "invalid", "tidak dikenali"),
        ("satu juta lima ratus ribu", "invalid", "tidak dikenali"),
        ("Rp 1.500.000 / bulan", "invalid", "tidak dikenali"),
        ("1.50.000", "invalid", "tidak dikenali"),
        ("1,500.00", "invalid", "tidak dikenali"),
        ("1 5", "invalid", "tidak dikenali"),
        ("(1.500.000", "invalid", "tidak dikenali"),
        ("1e6", "invalid", "tidak dikenali"),
        ("१२३", "invalid", "tidak dikenali"),  # Devanagari digits are not Rupiah
        ("1,5 ton", "invalid", "tidak dikenali"),
        (True, "invalid", "tidak dikenali"),
        (dt.date(2023, 8, 17), "invalid", "tidak dikenali"),
        (float("inf"), "invalid", "tidak dikenali"),
        (10**15 + 1, "too_large", "terlalu besar"),
        ("10000000000000000", "too_large", "terlalu besar"),
        ("Rp 1.000.000.000.000.001", "too_large", "terlalu besar"),
        (1e16, "too_large", "terlalu besar"),
        ("2000 triliun", "too_large", "terlalu besar"),
    ],
)
def test_money_refuses(value, code, fragment):
    error = error_of(parse_money, value)
    assert error.code == code
    assert fragment in error.message


def test_money_error_quotes_what_was_written():
    assert "1.500.000,50" in error_of(parse_money, " 1.500.000,50 ").message


def test_money_fast_paths_never_touch_decimal(monkeypatch):
    def no_decimal(*args, **kwargs):
        raise AssertionError("Decimal on the fast path")

    monkeypatch.setattr(parsing, "Decimal", no_decimal)
    assert parse_money("1500000") == 1_500_000
    assert parse_money(1_500_000) == 1_500_000
    assert parse_money(1_500_000.0) == 1_500_000
    assert parse_money("Rp 1.500.000") == 1_500_000
    assert parse_money("1.500.000,00") == 1_500_000
    with pytest.raises(AssertionError):  # the multiplier path does use it: the patch is effective
        parse_money("1,5 juta")


# --- counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 12 ", 12),
        (12, 12),
        (12.0, 12),
        (0, 0),
        ("0", 0),
        ("1.200", 1200),
        ("1.200.000", 1_200_000),
        ("1,200,000", 1_200_000),
        ("12,0", 12),
        ("12.00", 12),
        ("+7", 7),
        (36.00000000000001, 36),  # formula noise
    ],
)
def test_int_accepts(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize(
    ("value", "kwargs", "code", "fragment"),
    [
        (12.5, {}, "invalid", "bukan bilangan bulat"),
        ("12,5", {}, "invalid", "bukan bilangan bulat"),
        ("12.5", {}, "invalid", "bukan bilangan bulat"),
        ("abc", {}, "invalid", "bukan bilangan bulat"),
        ("12 orang", {}, "invalid", "bukan bilangan bulat"),
        ("1e3", {}, "invalid", "bukan bilangan bulat"),
        (True, {}, "invalid", "bukan bilangan bulat"),
        (float("inf"), {}, "invalid", "bukan bilangan bulat"),
        (dt.date(2023, 1, 1), {}, "invalid", "bukan bilangan bulat"),
        ("1,200", {}, "ambiguous", "tidak jelas"),
        ("1200.000", {}, "ambiguous", "tidak jelas"),
        ("-3", {}, "too_small", "paling sedikit 0"),
        (-3, {}, "too_small", "paling sedikit 0"),
        (0, {"minimum": 1}, "too_small", "paling sedikit 1"),
        (500, {"maximum": 100}, "too_large", "paling banyak 100"),
        ("1.000", {"maximum": 999}, "too_large", "paling banyak 999"),
    ],
)
def test_int_refuses(value, kwargs, code, fragment):
    error = error_of(parse_int, value, **kwargs)
    assert error.code == code
    assert fragment in error.message


def test_int_bounds_are_inclusive_and_optional():
    assert parse_int(100, minimum=1, maximum=100) == 100
    assert parse_int(1, minimum=1, maximum=100) == 1
    assert parse_int("-3", minimum=None) == -3
    assert parse_int(10**12, maximum=None) == 10**12


# --- dates -------------------------------------------------------------------------------------

AUG_17 = dt.date(2023, 8, 17)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2023, 8, 17, 10, 30), AUG_17),
        (dt.datetime(2023, 8, 17, tzinfo=dt.UTC), AUG_17),
        (AUG_17, AUG_17),
        (45155, AUG_17),
        (45155.0, AUG_17),
        (45155.75, AUG_17),  # 18:00 on the same day
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),  # after Lotus' 29 February 1900
        (1899, dt.date(1905, 3, 13)),  # just below the numbers that look like years
        ("17/08/2023", AUG_17),
        ("17-08-2023", AUG_17),
        ("17.08.2023", AUG_17),
        ("17/8/2023", AUG_17),
        ("7/8/2023", dt.date(2023, 8, 7)),  # day first, always
        ("01/02/2023", dt.date(2023, 2, 1)),
        (" 17 / 08 / 2023 ", AUG_17),
        ("17/08/2023 00:00", AUG_17),
        ("17/08/2023 10.30", AUG_17),
        ("2023-08-17", AUG_17),
        ("2023-8-17", AUG_17),
        ("2023/08/17", AUG_17),
        ("2023-08-17 00:00:00", AUG_17),
        ("2023-08-17T10:30:00Z", AUG_17),
        ("2023-08-17T10:30:00+08:00", AUG_17),
        ("17 Agustus 2023", AUG_17),
        ("17 AGUSTUS 2023", AUG_17),
        ("17 agustus 2023", AUG_17),
        ("17 Agt 2023", AUG_17),
        ("17 Agt. 2023", AUG_17),
        ("17 Agu 2023", AUG_17),
        ("17-Ags-2023", AUG_17),
        ("17 Agst 2023", AUG_17),
        ("17 August 2023", AUG_17),
        ("17-Aug-2023", AUG_17),
        ("17 Aug, 2023", AUG_17),
        ("17Agustus2023", AUG_17),
        ("1 Januari 2020", dt.date(2020, 1, 1)),
        ("29 Februari 2024", dt.date(2024, 2, 29)),
        ("29 Pebruari 2024", dt.date(2024, 2, 29)),
        ("5 Maret 2021", dt.date(2021, 3, 5)),
        ("5 March 2021", dt.date(2021, 3, 5)),
        ("9 Mei 2021", dt.date(2021, 5, 9)),
        ("9 May 2021", dt.date(2021, 5, 9)),
        ("30 Juni 2021", dt.date(2021, 6, 30)),
        ("31 Juli 2021", dt.date(2021, 7, 31)),
        ("1 Okt 2021", dt.date(2021, 10, 1)),
        ("1 Oct 2021", dt.date(2021, 10, 1)),
        ("10 Nopember 2021", dt.date(2021, 11, 10)),
        ("25 Des 2021", dt.date(2021, 12, 25)),
        ("25 December 2021", dt.date(2021, 12, 25)),
        ("01/01/1900", dt.date(1900, 1, 1)),
        ("15/06/2026", dt.date(2026, 6, 15)),  # exactly one year after TODAY
    ],
)
def test_date_accepts(value, expected):
    assert parse_date(value, today=TODAY) == expected


@pytest.mark.parametrize(
    ("serial", "expected"),
    [(0, dt.date(1904, 1, 1)), (45155 - 1462, AUG_17), (60, dt.date(1904, 3, 1)), (43693.5, AUG_17)],
)
def test_date_serials_in_the_1904_date_system(serial, expected):
    assert parse_date(serial, datemode_1904=True, today=TODAY) == expected


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("31/02/2023", "impossible", "31/02/2023"),
        ("29/02/2023", "impossible", "tidak ada di kalender"),
        ("08/17/2023", "impossible", "hari/bulan/tahun"),  # American order
        ("00/08/2023", "impossible", "tidak ada di kalender"),
        ("31 April 2023", "impossible", "31 April 2023"),
        ("2023-02-30", "impossible", "tahun-bulan-hari"),
        ("2023-13-01", "impossible", "tidak ada di kalender"),
        ("17/08/23", "two_digit_year", "4 digit"),
        ("17-Aug-23", "two_digit_year", "4 digit"),
        ("17 Agustus 23", "two_digit_year", "4 digit"),
        ("17/08/202", "invalid", "tidak dikenali"),
        ("17/08/20231", "invalid", "tidak dikenali"),
        ("17 Agustos 2023", "invalid", "Agustos"),
        ("Agustus 2023", "invalid", "tidak dikenali"),
        ("August 17, 2023", "invalid", "tidak dikenali"),
        ("17082023", "invalid", "tidak dikenali"),
        ("45155", "invalid", "tidak dikenali"),
        ("kemarin", "invalid", "tidak dikenali"),
        ("17/08/2023 lalu", "invalid", "tidak dikenali"),
        (True, "invalid", "tidak dikenali"),
        (dt.time(10, 30), "invalid", "tidak dikenali"),
        (60, "impossible", "29 Februari 1900"),
        (0, "invalid", "bukan tanggal Excel"),
        (-1, "invalid", "bukan tanggal Excel"),
        (2958466, "invalid", "bukan tanggal Excel"),
        (float("inf"), "invalid", "bukan tanggal Excel"),
        (2023, "looks_like_year", "tahun"),  # a year in a date column, not 15/07/1905
        (2023.0, "looks_like_year", "17/08/2023"),
        (1900, "looks_like_year", "tahun"),
        ("31/12/1899", "too_early", "1900"),
        (dt.date(1899, 12, 31), "too_early", "31/12/1899"),
        (dt.datetime(1850, 1, 1), "too_early", "1900"),
        ("16/06/2026", "too_late", "15/06/2026"),
        ("2099-01-01", "too_late", "masa depan"),
        (dt.date(2030, 1, 1), "too_late", "01/01/2030"),
        (2958465, "too_late", "31/12/9999"),  # the serial is shown as the date it stands for
    ],
)
def test_date_refuses(value, code, fragment):
    error = error_of(parse_date, value, today=TODAY)
    assert error.code == code
    assert fragment in error.message


def test_date_limit_on_29_february_is_28_february_next_year():
    leap_day = dt.date(2024, 2, 29)
    assert parse_date("28/02/2025", today=leap_day) == dt.date(2025, 2, 28)
    assert error_of(parse_date, "01/03/2025", today=leap_day).code == "too_late"


def test_date_limit_defaults_to_the_office_today():
    today = timezone.localdate()
    assert parse_date(today) == today
    assert parse_date(today + dt.timedelta(days=300)) == today + dt.timedelta(days=300)
    assert error_of(parse_date, today + dt.timedelta(days=400)).code == "too_late"


# --- identifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (NIK, 16, NIK),
        (f" {NIK} ", 16, NIK),
        (f"'{NIK}", 16, NIK),  # Excel's text marker
        (f"’{NIK}", 16, NIK),
        ("7471 0117 0885 0001", 16, NIK),
        ("7471-01-170885-0001", 16, NIK),
        ("7471.0117.0885.0001", 16, NIK),
        ("7471\u00a00117\u00a00885\u00a00001", 16, NIK),
        (NIB, 13, NIB),
        (9120000000101, 13, NIB),  # exact as an Excel number (openpyxl gives an int)
        (9120000000101.0, 13, NIB),  # the same cell through calamine, which gives floats
        ("9120000000101.0", 13, NIB),  # written out by a program
        ("0220000000101", 13, "0220000000101"),  # a leading zero survives in text
        ("01.234.567.8-901.000", (15, 16), "012345678901000"),
        ("0123456789012345", (15, 16), "0123456789012345"),
        (123456789012345, (15, 16), "123456789012345"),
        (999999999999999, 15, "999999999999999"),  # 15 digits: the most Excel keeps exactly
    ],
)
def test_identifier_accepts(value, digits, expected):
    assert parse_identifier(value, digits=digits, label="X") == expected


@pytest.mark.parametrize(
    "value",
    [
        7471011708850001.0,
        7471011708850000.0,
        7471011708850001,
        7471011708850000,
        "7471011708850001.0",
        "7471011708850000,0",
    ],
)
def test_identifier_refuses_a_number_excel_has_rounded(value):
    error = error_of(parse_identifier, value, digits=16, label="NIK")
    assert error.code == "excel_corrupted"
    assert error.message == (
        "NIK tersimpan sebagai angka di Excel sehingga digit terakhirnya hilang (7471011708850000). "
        "Format kolom sebagai Teks lalu ketik ulang NIK dari dokumen aslinya."
    )


@pytest.mark.parametrize("value", ["7.47101E+15", "7,47101E+15", "7.47101e+15", "7.47101E15", " 7,47E+15 "])
def test_identifier_refuses_scientific_notation(value):
    error = error_of(parse_identifier, value, digits=16, label="NIK koperasi")
    assert error.code == "excel_corrupted"
    assert value.strip() in error.message
    assert error.message.startswith("NIK koperasi tersimpan sebagai angka di Excel")
    assert "Format kolom sebagai Teks" in error.message


def test_identifier_length_error_has_the_agreed_sentence():
    assert error_of(parse_identifier, "912000000010", digits=13, label="NIB").message == (
        "NIB harus 13 digit, bukan 12 digit."
    )
    assert error_of(parse_identifier, "7471 0117 0885 00011", digits=16, label="NIK").message == (
        "NIK harus 16 digit, bukan 17 digit."
    )
    assert error_of(parse_identifier, "1234", digits=(15, 16), label="NPWP").message == (
        "NPWP harus 15 atau 16 digit, bukan 4 digit."
    )


@pytest.mark.parametrize(
    ("value", "digits", "label", "start"),
    [
        (747101170885000, 16, "NIK", "NIK harus 16 digit, bukan 15 digit."),
        (220000000101, 13, "NIB", "NIB harus 13 digit, bukan 12 digit."),
        (220000000101.0, 13, "NIB", "NIB harus 13 digit, bukan 12 digit."),
        (12345678901234, (15, 16), "NPWP", "NPWP harus 15 atau 16 digit, bukan 14 digit."),
    ],
)
def test_identifier_too_short_as_a_number_explains_the_lost_leading_zero(value, digits, label, start):
    error = error_of(parse_identifier, value, digits=digits, label=label)
    assert error.code == "length"
    assert error.message.startswith(start)
    assert "diawali angka 0" in error.message


@pytest.mark.parametrize(
    "value", ["abc", "7471O11708850001", "NIK 7471011708850001", "7471/0117/0885/0001", -5, 12.5, True]
)
def test_identifier_refuses_what_is_not_digits(value):
    error = error_of(parse_identifier, value, digits=16, label="NIK")
    assert error.code == "invalid"
    assert "hanya boleh berisi angka" in error.message


@pytest.mark.parametrize("value", ["'", " ' ", "'-"])
def test_identifier_text_marker_alone_is_blank(value):
    assert parse_identifier(value, digits=16, label="NIK") is None


def test_identifier_label_may_be_lazy():
    from django.utils.translation import gettext_lazy

    error = error_of(parse_identifier, "123", digits=13, label=gettext_lazy("NIB"))
    assert error.message == "NIB harus 13 digit, bukan 3 digit."


# --- sex ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("L", "L"),
        ("l", "L"),
        (" L ", "L"),
        ("L.", "L"),
        ("Lk", "L"),
        ("Laki-laki", "L"),
        ("LAKI-LAKI", "L"),
        ("laki laki", "L"),
        ("Laki - Laki", "L"),
        ("laki2", "L"),
        ("Pria", "L"),
        ("M", "L"),
        ("male", "L"),
        ("P", "P"),
        ("p", "P"),
        ("Pr", "P"),
        ("Perempuan", "P"),
        ("PEREMPUAN", "P"),
        ("Wanita", "P"),
        ("F", "P"),
        ("Female", "P"),
    ],
)
def test_sex_accepts(value, expected):
    assert parse_sex(value) == expected


@pytest.mark.parametrize("value", ["X", "LP", "L/P", "laki-laki/perempuan", "1", 1, 0, True, "cewek"])
def test_sex_refuses_and_lists_the_accepted_values(value):
    error = error_of(parse_sex, value)
    assert error.code == "invalid"
    for accepted in ("L", "P", "Laki-laki", "Perempuan", "Pria", "Wanita"):
        assert accepted in error.message


# --- coordinates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "axis", "expected"),
    [
        (-3.9612, "lat", -3.9612),
        ("-3,9612", "lat", -3.9612),
        ("-3.9612", "lat", -3.9612),
        (" −3,9612 ", "lat", -3.9612),
        ("+4", "lat", 4.0),
        (0, "lat", 0.0),
        (90, "lat", 90.0),
        (-90.0, "lat", -90.0),
        (122.5147, "lon", 122.5147),
        ("122,5147", "lon", 122.5147),
        (122, "lon", 122.0),
        ("-180", "lon", -180.0),
        (180.0, "lon", 180.0),
    ],
)
def test_coordinate_accepts(value, axis, expected):
    result = parse_coordinate(value, axis=axis)
    assert type(result) is float
    assert result == expected


@pytest.mark.parametrize(
    ("value", "axis", "code", "fragment"),
    [
        ("3°57'S", "lat", "invalid", "derajat desimal"),
        ("3° 57' 40\" LS", "lat", "invalid", "derajat desimal"),
        ("122°30'53\"E", "lon", "invalid", "bujur dalam derajat desimal"),
        ("3.96 S", "lat", "invalid", "derajat desimal"),
        ("-3.96, 122.51", "lat", "invalid", "derajat desimal"),
        ("-3,9612,5", "lat", "invalid", "derajat desimal"),
        ("utara", "lat", "invalid", "derajat desimal"),
        (True, "lat", "invalid", "derajat desimal"),
        (95, "lat", "out_of_range", "Lintang harus antara -90 dan 90"),
        ("-90,5", "lat", "out_of_range", "-90 dan 90"),
        ("-39612000", "lat", "out_of_range", "-39612000"),  # a lost decimal separator
        (-180.01, "lon", "out_of_range", "Bujur harus antara -180 dan 180"),
        ("181", "lon", "out_of_range", "-180 dan 180"),
        (float("inf"), "lon", "out_of_range", "-180 dan 180"),
    ],
)
def test_coordinate_refuses(value, axis, code, fragment):
    error = error_of(parse_coordinate, value, axis=axis)
    assert error.code == code
    assert fragment in error.message


def test_coordinate_axis_is_checked_as_a_programming_error():
    with pytest.raises(ValueError, match="axis") as info:
        parse_coordinate(1.0, axis="x")
    assert not isinstance(info.value, CellError)


def test_coordinate_nan_is_blank():
    assert parse_coordinate(float("nan"), axis="lon") is None


# --- text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Kue Basah", "Kue Basah"),
        ("  Kue   Basah\n Bu\tWa\u00a0Ode  ", "Kue Basah Bu Wa Ode"),
        ("Jl. Abdullah Silondae\r\nNo. 8", "Jl. Abdullah Silondae No. 8"),
        ("a\x00b", "ab"),  # PostgreSQL refuses NUL in text
        ("Toko\u200b Sejahtera", "Toko Sejahtera"),
        ("\ufeffKoperasi", "Koperasi"),
        ("\u200b", None),
        (123, "123"),
        (0, "0"),
        (12.0, "12"),
        (12.5, "12.5"),
        (0.1 + 0.2, "0.3"),  # shown as Excel shows it
        (4711101.0, "4711101"),
        ("x" * 10, "x" * 10),
    ],
)
def test_text_accepts(value, expected):
    assert parse_text(value, max_length=10 if value == "x" * 10 else 255) == expected


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("x" * 11, "too_long", "paling banyak 10"),
        (" " + "x" * 11 + " ", "too_long", "11 karakter"),
        (12345678901, "too_long", "paling banyak 10"),
        (dt.date(2020, 3, 1), "is_date", "01/03/2020"),  # "1/3/2020" in a number column, turned into a date
        (dt.datetime(2020, 3, 1), "is_date", "format kolom sebagai Teks"),
        (True, "invalid", "teks"),
    ],
)
def test_text_refuses(value, code, fragment):
    error = error_of(parse_text, value, max_length=10)
    assert error.code == code
    assert fragment in error.message


def test_text_length_counts_after_collapsing_whitespace():
    assert parse_text("a    b", max_length=3) == "a b"


# --- years -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019", 2019),
        (" 2019 ", 2019),
        (2019, 2019),
        (2019.0, 2019),
        ("2019.0", 2019),
        (1900, 1900),
        (2025, 2025),
    ],
)
def test_year_accepts(value, expected):
    assert parse_year(value, today=TODAY) == expected


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("19", "invalid", "4 digit"),
        (19, "invalid", "4 digit"),
        ("20190", "invalid", "4 digit"),
        ("2.019", "invalid", "4 digit"),
        (2019.5, "invalid", "4 digit"),
        ("tahun 2019", "invalid", "4 digit"),
        (True, "invalid", "4 digit"),
        (1899, "out_of_range", "1900–2025"),
        ("2026", "out_of_range", "1900–2025"),
        (2026.0, "out_of_range", "1900–2025"),
        (dt.date(1905, 7, 11), "is_date", "2019"),  # 2019 typed into a cell formatted as a date
        (dt.datetime(1905, 7, 11), "is_date", "format kolom sebagai Angka"),
        (dt.date(2019, 8, 17), "is_date", "bukan tanggal"),
    ],
)
def test_year_refuses(value, code, fragment):
    error = error_of(parse_year, value, today=TODAY)
    assert error.code == code
    assert fragment in error.message


def test_year_defaults_to_the_current_year():
    this_year = timezone.localdate().year
    assert parse_year(this_year) == this_year
    assert error_of(parse_year, this_year + 1).code == "out_of_range"


# --- the readers, end to end -------------------------------------------------------------------


def test_both_spreadsheet_readers_give_the_same_parsed_values(tmp_path):
    """openpyxl gives whole numbers as int, calamine as float; the parsers must not care."""
    path = tmp_path / "cells.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_number(0, 0, int(NIB))
    sheet.write_number(0, 1, 7471011708850000)  # what Excel keeps of a NIK typed as a number
    sheet.write_number(0, 2, 1_500_000)
    sheet.write_number(0, 3, 45155, date_format)
    sheet.write_number(0, 4, 12)
    sheet.write_number(0, 5, -3.9612)
    sheet.write_number(0, 6, 2019)
    sheet.write_string(0, 7, "'" + NIK)
    book.close()

    calamine_row = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[0]
    openpyxl_row = [
        cell.value for cell in next(openpyxl.load_workbook(path, read_only=True).active.iter_rows())
    ]
    assert type(calamine_row[0]) is float and type(openpyxl_row[0]) is int  # the premise of this test

    def parsed(row):
        nik_error = error_of(parse_identifier, row[1], digits=16, label="NIK")
        return (
            parse_identifier(row[0], digits=13, label="NIB"),
            nik_error.code,
            "7471011708850000" in nik_error.message,
            parse_money(row[2]),
            parse_date(row[3], today=TODAY),
            parse_int(row[4]),
            parse_coordinate(row[5], axis="lat"),
            parse_year(row[6], today=TODAY),
            parse_identifier(row[7], digits=16, label="NIK"),
        )

    expected = (NIB, "excel_corrupted", True, 1_500_000, AUG_17, 12, -3.9612, 2019, NIK)
    assert parsed(calamine_row) == expected
    assert parsed(openpyxl_row) == expected


def test_nan_float_cells_are_blank_everywhere():
    nan = float("nan")
    assert math.isnan(nan)
    assert parse_money(nan) is None
    assert parse_int(nan) is None
    assert parse_date(nan) is None
    assert parse_identifier(nan, digits=16, label="NIK") is None
    assert parse_text(nan, max_length=5) is None
    assert parse_year(nan) is None
