"""Cell parsers for the spreadsheet importer (SPEC §4 "Import templates").

Each ``parse_*`` function takes one cell as a spreadsheet reader delivers it —
``None``, ``str``, ``int``, ``float``, ``bool``, ``datetime.datetime`` or
``datetime.date`` — and returns the clean value, ``None`` for a blank cell
(:func:`is_blank`), or raises :class:`CellError` with a message in Bahasa Indonesia
that tells the district officer what to fix.

The rule throughout: tolerant where the meaning is certain, strict where it is not.
``1.500`` is one thousand five hundred (Indonesian grouping), but ``1,5`` on its own
might be one and a half Rupiah or a forgotten "juta", so it is refused rather than
guessed. Identifiers that Excel has already damaged (16-digit numbers kept to 15
significant digits) are refused with a message that says so, never "repaired".

These run for every cell of files with up to a million rows, so they are pure (no
database, no models), patterns are compiled once at import, and the common cases
(a plain digit string, an int) return before any regular expression or Decimal.
Note that calamine hands every number cell over as a ``float`` and openpyxl as an
``int`` when it is whole, so both are treated alike wherever the value is exact.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CellError",
    "is_blank",
    "normalize_header",
    "parse_coordinate",
    "parse_date",
    "parse_identifier",
    "parse_int",
    "parse_money",
    "parse_sex",
    "parse_text",
    "parse_year",
]

# Excel keeps 15 significant digits of a number; anything longer was rounded.
EXCEL_SIGNIFICANT_DIGITS: Final = 15
MONEY_MAX: Final = 10**15
MIN_DATE: Final = dt.date(1900, 1, 1)
MIN_YEAR: Final = 1900

_BLANK_TEXTS: Final = frozenset({"", "-", "–", "—"})


class CellError(ValueError):
    """One cell cannot be read; ``message`` is for the user, ``code`` for grouping errors."""

    def __init__(self, message: Any, *, code: str = "invalid") -> None:
        # Forcing lazy text here fixes the language at the moment of the error, and
        # keeps the exception picklable for background workers.
        self.message: str = str(message)
        self.code = code
        super().__init__(self.message)


def _error(message: Any, code: str, **params: Any) -> CellError:
    return CellError(str(message) % params, code=code)


def is_blank(value: Any) -> bool:
    """True for an empty cell: None, "", whitespace (NBSP too), a lone dash, NaN."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in _BLANK_TEXTS
    if isinstance(value, float):
        return value != value  # NaN: what CSV/pandas readers give for an empty cell
    return False


def _shown(value: object) -> str:
    """The value as the user typed or saw it, for messages."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return _format_date(value)
    return str(value)


def _format_date(value: dt.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def _excel_float(value: float) -> float:
    # Formula results carry binary noise (137500.00000000003); Excel shows the value
    # rounded to 15 significant digits, and that is what the user believes is there.
    if value.is_integer():
        return value
    return float(f"{value:.15g}")


# --- headers -----------------------------------------------------------------------------------

_HEADER_SEPARATORS = re.compile(r"[^0-9a-z]+")


def normalize_header(text: Any) -> str:
    """``"Nama Usaha"``, ``"NAMA_USAHA"``, ``" nama.usaha* "`` → ``"nama_usaha"``; ``"No."`` → ``"no"``."""
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    header = str(text)
    if not header.isascii():
        header = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode("ascii")
    return _HEADER_SEPARATORS.sub("_", header.lower()).strip("_")


# --- numbers -----------------------------------------------------------------------------------

# Indonesian grouping: 1.500.000 with an optional decimal comma.
_ID_GROUPED = re.compile(r"([0-9]{1,3}(?:\.[0-9]{3})+)(?:,([0-9]+))?")
# English grouping is only believed with two or more groups: 1,500,000 (never 1,500).
_EN_GROUPED = re.compile(r"([0-9]{1,3}(?:,[0-9]{3}){2,})(?:\.([0-9]+))?")
_SINGLE_SEPARATOR = re.compile(r"([0-9]+)([.,])([0-9]+)")
_SPACE_GROUPED = re.compile(r"[0-9]{1,3}(?:\s[0-9]{3})+")

_PLAIN, _GROUPED, _ENGLISH, _COMMA, _DOT = "plain", "grouped", "english", "comma", "dot"


def _split_number(number: str) -> tuple[str, str, str] | None:
    """(integer digits, decimal digits, form) of an unsigned number written with separators."""
    if number.isdigit():
        return number, "", _PLAIN
    if match := _ID_GROUPED.fullmatch(number):
        return match[1].replace(".", ""), match[2] or "", _GROUPED
    if match := _EN_GROUPED.fullmatch(number):
        return match[1].replace(",", ""), match[2] or "", _ENGLISH
    if match := _SINGLE_SEPARATOR.fullmatch(number):
        return match[1], match[3], _COMMA if match[2] == "," else _DOT
    return None


def _is_ambiguous(integer: str, decimals: str, form: str) -> bool:
    # "1,500" / "1500.000": a single separator before exactly three digits is a
    # thousands separator in one convention and a decimal point in the other.
    # "1,5" / "2.75" on small numbers may be a forgotten "juta"; only whole
    # numbers of ,00 style are taken at face value.
    if form not in (_COMMA, _DOT):
        return False
    if len(decimals) == 3:
        return True
    return len(integer) <= 3 and decimals.strip("0") != ""


# --- money -------------------------------------------------------------------------------------

MSG_MONEY_INVALID = _(
    "Nilai uang %(value)s tidak dikenali. Tulis angka saja, mis. 1.500.000 atau Rp 1.500.000."
)
MSG_MONEY_NEGATIVE = _("Nilai uang tidak boleh negatif (tertulis: %(value)s).")
MSG_MONEY_TOO_LARGE = _(
    "Nilai uang %(value)s terlalu besar (lebih dari Rp 1.000.000.000.000.000); periksa digit yang berlebih."
)
MSG_MONEY_FRACTION = _(
    "Nilai uang %(value)s mengandung pecahan Rupiah; tulis Rupiah utuh (hanya ,00 yang boleh)."
)
MSG_MONEY_AMBIGUOUS = _(
    "Nilai uang %(value)s tidak jelas. Tulis Rupiah lengkap, mis. 1.500.000, atau dengan satuan, "
    "mis. 1,5 juta."
)

_MONEY_TEXT = re.compile(
    r"""
    (?P<open>\()?\s*
    (?P<sign>[-−–+])?\s*
    (?:(?:rp|idr)\.?\s*)?
    (?P<sign2>[-−–+])?\s*
    (?P<number>[0-9]+(?:[.,\s][0-9]+)*)
    \s*(?P<unit>ribu|rb|juta|jt|miliar|milyar|m|triliun)?\.?
    (?:\s*(?:rupiah|rp))?
    \s*(?:[.,]?\s*[-−–]+)?        # "Rp 1.500.000,-"
    \s*(?P<close>\))?
    """,
    re.VERBOSE,
)
_CURRENCY_ONLY = re.compile(r"(?:rp|idr)\.?\s*[-−–]*\s*")  # "Rp -": Excel's accounting format for nothing
_MONEY_UNITS: Final = {
    "ribu": 10**3,
    "rb": 10**3,
    "juta": 10**6,
    "jt": 10**6,
    "miliar": 10**9,
    "milyar": 10**9,
    "m": 10**9,  # Indonesian usage: "1,2 M" is 1,2 miliar, not million
    "triliun": 10**12,
}


def _checked_money(amount: int, value: object) -> int:
    if amount < 0:
        raise _error(MSG_MONEY_NEGATIVE, "negative", value=_shown(value))
    if amount > MONEY_MAX:
        raise _error(MSG_MONEY_TOO_LARGE, "too_large", value=_shown(value))
    return amount


def parse_money(value: Any) -> int | None:
    """A Rupiah amount as an int: ``"Rp 1.500.000,-"``, ``"1,5 juta"``, ``1500000.0`` → ``1500000``.

    Refused: negative amounts, fractions of a Rupiah other than ``,00``, a lone
    ``1,5`` (a forgotten "juta"?), words, and anything above Rp 10^15.
    """
    cls = value.__class__
    if cls is int:
        return _checked_money(value, value)
    if cls is str:
        text = value.strip()
        if text.isdigit() and text.isascii():
            return _checked_money(int(text), value)
        if text in _BLANK_TEXTS:
            return None
        if (amount := _money_fast(text)) is not None:
            return _checked_money(amount, value)
        amount = _money_from_text(text, value)
        return None if amount is None else _checked_money(amount, value)
    if value is None:
        return None
    if cls is float:
        number: float = value
        if number != number:
            return None
        if not math.isfinite(number):
            raise _error(MSG_MONEY_INVALID, "invalid", value=_shown(value))
        number = _excel_float(number)
        if not number.is_integer():
            raise _error(MSG_MONEY_FRACTION, "fraction", value=_shown(value))
        return _checked_money(int(number), value)
    if isinstance(value, Decimal) and value.is_finite():
        if value != value.to_integral_value():
            raise _error(MSG_MONEY_FRACTION, "fraction", value=_shown(value))
        return _checked_money(int(value), value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _checked_money(int(value), value)
    raise _error(MSG_MONEY_INVALID, "invalid", value=_shown(value))


_ID_GROUPED_WHOLE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")


def _money_fast(text: str) -> int | None:
    """The usual shapes ("Rp 1.500.000", "1.500.000,00", "1500000,-") without the full grammar."""
    if text[:2] in ("Rp", "rp", "RP"):
        text = text[2:]
        if text[:1] == ".":
            text = text[1:]
        text = text.lstrip()
    if text[-3:] == ",00" or text[-2:] == ",-":
        text = text[: text.rindex(",")]
    if text.isdigit() and text.isascii():
        return int(text)
    if _ID_GROUPED_WHOLE.fullmatch(text):
        return int(text.replace(".", ""))
    return None  # anything else, including signs and units, takes the full grammar


def _money_from_text(text: str, value: object) -> int | None:
    lowered = text.lower()
    match = _MONEY_TEXT.fullmatch(lowered)
    if match is None:
        if _CURRENCY_ONLY.fullmatch(lowered):
            return None
        raise _error(MSG_MONEY_INVALID, "invalid", value=_shown(value))
    if (match["open"] is None) != (match["close"] is None):
        raise _error(MSG_MONEY_INVALID, "invalid", value=_shown(value))
    number = match["number"]
    if not number.isdigit() and any(ch.isspace() for ch in number):
        if not _SPACE_GROUPED.fullmatch(number):  # "1 500 000" only in strict groups of three
            raise _error(MSG_MONEY_INVALID, "invalid", value=_shown(value))
        number = "".join(number.split())
    split = _split_number(number)
    if split is None:
        raise _error(MSG_MONEY_INVALID, "invalid", value=_shown(value))
    integer, decimals, form = split
    unit = match["unit"]
    if unit is None:
        if _is_ambiguous(integer, decimals, form):
            raise _error(MSG_MONEY_AMBIGUOUS, "ambiguous", value=_shown(value))
        if decimals.strip("0"):
            raise _error(MSG_MONEY_FRACTION, "fraction", value=_shown(value))
        amount = int(integer)
    else:
        # With "juta" the text is Indonesian, so a comma is a decimal comma. A lone
        # dot group stays ambiguous: "1.500 juta" is 1.500 juta by the convention,
        # but the same hand writes "1.5 juta" for one and a half.
        lone_dot_group = form == _GROUPED and number.count(".") == 1 and not decimals
        if form == _ENGLISH or lone_dot_group or (form == _DOT and len(decimals) == 3):
            raise _error(MSG_MONEY_AMBIGUOUS, "ambiguous", value=_shown(value))
        exact = Decimal(f"{integer}.{decimals or '0'}") * _MONEY_UNITS[unit]
        if exact != exact.to_integral_value():
            raise _error(MSG_MONEY_FRACTION, "fraction", value=_shown(value))
        amount = int(exact)
    if match["open"] or _is_minus(match["sign"]) or _is_minus(match["sign2"]):
        return -amount
    return amount


def _is_minus(sign: str | None) -> bool:
    return sign is not None and sign != "+"


# --- counts ------------------------------------------------------------------------------------

MSG_INT_INVALID = _("%(value)s bukan bilangan bulat; tulis angka saja, mis. 12 atau 1.200.")
MSG_INT_AMBIGUOUS = _(
    "Angka %(value)s tidak jelas: tulis tanpa pemisah (mis. 1200) atau dengan titik ribuan (mis. 1.200)."
)
MSG_INT_TOO_SMALL = _("Nilai %(value)s terlalu kecil; paling sedikit %(minimum)s.")
MSG_INT_TOO_LARGE = _("Nilai %(value)s terlalu besar; paling banyak %(maximum)s.")

_SIGNED_NUMBER = re.compile(r"(?P<sign>[-−–+])?\s*(?P<number>[0-9]+(?:[.,][0-9]+)*)")


def parse_int(value: Any, *, minimum: int | None = 0, maximum: int | None = None) -> int | None:
    """A whole count (workers, members): ``"12"``, ``12.0``, ``"1.200"`` → int, within the bounds."""
    cls = value.__class__
    if cls is int:
        number: int = value
    elif cls is str:
        text = value.strip()
        if text.isdigit() and text.isascii():
            number = int(text)
        elif text in _BLANK_TEXTS:
            return None
        else:
            number = _int_from_text(text, value)
    elif value is None:
        return None
    elif cls is float:
        real: float = value
        if real != real:
            return None
        if not math.isfinite(real) or not _excel_float(real).is_integer():
            raise _error(MSG_INT_INVALID, "invalid", value=_shown(value))
        number = int(_excel_float(real))
    elif isinstance(value, int) and not isinstance(value, bool):
        number = int(value)
    else:
        raise _error(MSG_INT_INVALID, "invalid", value=_shown(value))
    if minimum is not None and number < minimum:
        raise _error(MSG_INT_TOO_SMALL, "too_small", value=_shown(value), minimum=minimum)
    if maximum is not None and number > maximum:
        raise _error(MSG_INT_TOO_LARGE, "too_large", value=_shown(value), maximum=maximum)
    return number


def _int_from_text(text: str, value: object) -> int:
    match = _SIGNED_NUMBER.fullmatch(text)
    split = _split_number(match["number"]) if match else None
    if match is None or split is None:
        raise _error(MSG_INT_INVALID, "invalid", value=_shown(value))
    integer, decimals, form = split
    if form in (_COMMA, _DOT) and len(decimals) == 3:
        raise _error(MSG_INT_AMBIGUOUS, "ambiguous", value=_shown(value))
    if decimals.strip("0"):
        raise _error(MSG_INT_INVALID, "invalid", value=_shown(value))
    number = int(integer)
    return -number if _is_minus(match["sign"]) else number


# --- dates -------------------------------------------------------------------------------------

MSG_DATE_INVALID = _(
    "Tanggal %(value)s tidak dikenali. Tulis seperti 17/08/2023, 2023-08-17 atau 17 Agustus 2023."
)
MSG_DATE_IMPOSSIBLE_DMY = _("Tanggal %(value)s tidak ada di kalender (dibaca sebagai hari/bulan/tahun).")
MSG_DATE_IMPOSSIBLE_YMD = _("Tanggal %(value)s tidak ada di kalender (dibaca sebagai tahun-bulan-hari).")
MSG_DATE_TWO_DIGIT_YEAR = _(
    "Tahun pada tanggal %(value)s hanya 2 digit, bisa 19xx atau 20xx; tulis tahun 4 digit, mis. 17/08/2023."
)
MSG_DATE_UNKNOWN_MONTH = _("Nama bulan %(month)s pada tanggal %(value)s tidak dikenali.")
MSG_DATE_TOO_EARLY = _("Tanggal %(value)s terlalu lama; tanggal sebelum tahun 1900 tidak diterima.")
MSG_DATE_TOO_LATE = _("Tanggal %(value)s terlalu jauh di masa depan (paling lambat %(limit)s).")
MSG_DATE_BAD_SERIAL = _(
    "Angka %(value)s bukan tanggal Excel yang sah; tulis tanggal seperti 17/08/2023 atau format sel "
    "sebagai Tanggal."
)
MSG_DATE_SERIAL_60 = _("Tanggal Excel nomor 60 (29 Februari 1900) tidak ada di kalender.")
MSG_DATE_LOOKS_LIKE_YEAR = _(
    "%(value)s tampaknya tahun, bukan tanggal; tulis tanggal lengkap, mis. 17/08/%(value)s."
)

_TIME_SUFFIX = (
    r"(?:[\sT]+[0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2}(?:[.,][0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_DATE_DMY = re.compile(
    r"([0-9]{1,2})\s*[/.\-]\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]+)" + _TIME_SUFFIX, re.IGNORECASE
)
_DATE_YMD = re.compile(
    r"([0-9]{4})\s*[/.\-]\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]{1,2})" + _TIME_SUFFIX, re.IGNORECASE
)
_DATE_NAMED_MONTH = re.compile(
    r"([0-9]{1,2})[\s\-./,]*([a-z]+)\.?[\s\-./,]*([0-9]+)" + _TIME_SUFFIX, re.IGNORECASE
)

_MONTHS: Final = {
    name: number
    for number, names in enumerate(
        (
            ("januari", "jan", "january"),
            ("februari", "pebruari", "feb", "peb", "february"),
            ("maret", "mar", "march"),
            ("april", "apr"),
            ("mei", "may"),
            ("juni", "jun", "june"),
            ("juli", "jul", "july"),
            ("agustus", "agt", "agu", "ags", "agst", "agus", "aug", "august"),
            ("september", "sep", "sept"),
            ("oktober", "okt", "oct", "october"),
            ("november", "nopember", "nov", "nop"),
            ("desember", "des", "dec", "december"),
        ),
        start=1,
    )
    for name in names
}

# Excel's 1900 date system counts 1900-02-29 (serial 60), a day that never was,
# copied from Lotus 1-2-3: serials from 61 on are one day behind a plain count.
_EXCEL_1900_EARLY_EPOCH: Final = dt.date(1899, 12, 31)
_EXCEL_1900_EPOCH: Final = dt.date(1899, 12, 30)
_EXCEL_1904_EPOCH: Final = dt.date(1904, 1, 1)
_EXCEL_MAX_SERIAL: Final = 2958465  # 9999-12-31 in the 1900 system
_EXCEL_1904_OFFSET: Final = 1462
# A bare number in this range in a date column is a year typed into it, not a day in 1905.
_YEAR_LIKE_SERIALS: Final = range(1900, 2101)


# (expires at, today): what day it is, asked at most once a second. timezone.localdate()
# costs microseconds, which a million-row import would otherwise pay per date cell.
_today_memo: list[Any] = [0.0, MIN_DATE]


def _today() -> dt.date:
    now = time.monotonic()
    if now >= _today_memo[0]:
        today = timezone.localdate() if settings.configured and settings.USE_TZ else dt.date.today()
        _today_memo[:] = [now + 1.0, today]
    return _today_memo[1]


@lru_cache(maxsize=8)
def _latest_date(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def parse_date(value: Any, *, datemode_1904: bool = False, today: dt.date | None = None) -> dt.date | None:
    """A calendar date from a date cell, an Excel serial number or day-first text.

    Accepted text: ``17/08/2023``, ``17-08-2023``, ``17.08.2023``, ``2023-08-17``,
    ``17 Agustus 2023``, ``17-Ags-2023``, ``17 August 2023``. Two-digit years,
    impossible days, dates before 1900 and more than a year ahead are refused.
    ``today`` is for callers that fix the day once per file (and for tests).
    """
    cls = value.__class__
    if cls is str:
        text = value.strip()
        if text in _BLANK_TEXTS:
            return None
        date = _date_from_text(text, value)
    elif value is None:
        return None
    elif isinstance(value, dt.datetime):  # before date: datetime is a date subclass
        date = value.date()
    elif isinstance(value, dt.date):
        date = value
    elif cls is int or cls is float or (isinstance(value, int | float) and not isinstance(value, bool)):
        if value != value:  # NaN
            return None
        date = _date_from_serial(value, datemode_1904)
    else:
        raise _error(MSG_DATE_INVALID, "invalid", value=_shown(value))
    if date < MIN_DATE:
        raise _error(MSG_DATE_TOO_EARLY, "too_early", value=_shown_date(value, date))
    latest = _latest_date(today or _today())
    if date > latest:
        raise _error(
            MSG_DATE_TOO_LATE, "too_late", value=_shown_date(value, date), limit=_format_date(latest)
        )
    return date


def _shown_date(value: object, date: dt.date) -> str:
    # Text as typed; a serial number as the date it stands for, since that is what the cell shows.
    return _shown(value) if isinstance(value, str) else _format_date(date)


def _date_from_serial(serial: float, datemode_1904: bool) -> dt.date:
    if not math.isfinite(serial):
        raise _error(MSG_DATE_BAD_SERIAL, "invalid", value=_shown(serial))
    day = math.floor(serial)  # the fraction is the time of day
    if day == serial and day in _YEAR_LIKE_SERIALS:
        raise _error(MSG_DATE_LOOKS_LIKE_YEAR, "looks_like_year", value=day)
    if datemode_1904:
        if not 0 <= day <= _EXCEL_MAX_SERIAL - _EXCEL_1904_OFFSET:
            raise _error(MSG_DATE_BAD_SERIAL, "invalid", value=_shown(serial))
        return _EXCEL_1904_EPOCH + dt.timedelta(days=day)
    if not 1 <= day <= _EXCEL_MAX_SERIAL:
        raise _error(MSG_DATE_BAD_SERIAL, "invalid", value=_shown(serial))
    if day == 60:
        raise _error(MSG_DATE_SERIAL_60, "impossible")
    if day < 60:
        return _EXCEL_1900_EARLY_EPOCH + dt.timedelta(days=day)
    return _EXCEL_1900_EPOCH + dt.timedelta(days=day)


def _date_from_text(text: str, value: object) -> dt.date:
    if match := _DATE_YMD.fullmatch(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        impossible = MSG_DATE_IMPOSSIBLE_YMD
    else:
        impossible = MSG_DATE_IMPOSSIBLE_DMY
        if match := _DATE_DMY.fullmatch(text):
            month = int(match[2])
        elif match := _DATE_NAMED_MONTH.fullmatch(text):
            month_name = match[2].lower()
            if month_name not in _MONTHS:
                raise _error(MSG_DATE_UNKNOWN_MONTH, "invalid", month=match[2], value=_shown(value))
            month = _MONTHS[month_name]
        else:
            raise _error(MSG_DATE_INVALID, "invalid", value=_shown(value))
        year_text = match[3]
        if len(year_text) == 2:
            raise _error(MSG_DATE_TWO_DIGIT_YEAR, "two_digit_year", value=_shown(value))
        if len(year_text) != 4:
            raise _error(MSG_DATE_INVALID, "invalid", value=_shown(value))
        day, year = int(match[1]), int(year_text)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _error(impossible, "impossible", value=_shown(value)) from None


# --- identifiers -------------------------------------------------------------------------------

MSG_ID_EXCEL_ROUNDED = _(
    "%(label)s tersimpan sebagai angka di Excel sehingga digit terakhirnya hilang (%(value)s). "
    "Format kolom sebagai Teks lalu ketik ulang %(label)s dari dokumen aslinya."
)
MSG_ID_EXCEL_SCIENTIFIC = _(
    "%(label)s tersimpan sebagai angka di Excel dan tampil sebagai %(value)s, sehingga digitnya hilang. "
    "Format kolom sebagai Teks lalu ketik ulang %(label)s dari dokumen aslinya."
)
# The same msgid as berdaya.registry.identifiers, so one translation serves both.
MSG_ID_LENGTH = _("%(label)s harus %(expected)s digit, bukan %(length)d digit.")
MSG_ID_LEADING_ZERO = _(
    "Bila %(label)s diawali angka 0, angka itu hilang karena sel berformat Angka: format kolom sebagai "
    "Teks lalu ketik ulang."
)
MSG_ID_NOT_DIGITS = _("%(label)s hanya boleh berisi angka (tertulis: %(value)s).")
MSG_ALTERNATIVES = _("%(first)s atau %(last)s")

_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]*)?\s*e\s*[+-]?[0-9]+", re.IGNORECASE)
_FLOAT_TEXT = re.compile(r"([0-9]{4,})[.,]0+")  # "9120000000101.0": a number written out by a program
_ID_SEPARATORS = re.compile(r"[\s.\-]+")
_EXCEL_TEXT_MARKS = "'‘’`"  # a leading ' is Excel's "this cell is text"; phones turn it curly


def _expected_lengths(lengths: tuple[int, ...]) -> str:
    if len(lengths) == 1:
        return str(lengths[0])
    return str(MSG_ALTERNATIVES) % {
        "first": ", ".join(str(n) for n in lengths[:-1]),
        "last": lengths[-1],
    }


def _length_error(label: str, lengths: tuple[int, ...], found: int, *, from_number: bool) -> CellError:
    message = str(MSG_ID_LENGTH) % {"label": label, "expected": _expected_lengths(lengths), "length": found}
    if from_number and found < max(lengths):
        message = f"{message} {str(MSG_ID_LEADING_ZERO) % {'label': label}}"
    return CellError(message, code="length")


def _identifier_from_number(number: int, label: str, lengths: tuple[int, ...]) -> str:
    digits = str(number)
    if len(digits) > EXCEL_SIGNIFICANT_DIGITS:
        # Show what Excel keeps (15 significant digits), i.e. what the user sees in the cell.
        kept = round(number, EXCEL_SIGNIFICANT_DIGITS - len(digits))
        raise _error(MSG_ID_EXCEL_ROUNDED, "excel_corrupted", label=label, value=kept)
    if len(digits) not in lengths:
        raise _length_error(label, lengths, len(digits), from_number=True)
    return digits


def parse_identifier(value: Any, *, digits: int | tuple[int, ...], label: str) -> str | None:
    """The digit string of a NIK, NIB, NIK koperasi or NPWP, refusing numbers Excel has damaged.

    Text may carry spaces, dots, dashes and Excel's leading apostrophe. A number
    cell is accepted only while it is exact (at most 15 significant digits);
    longer numbers and scientific notation are reported as Excel corruption.
    """
    lengths = (digits,) if isinstance(digits, int) else digits
    cls = value.__class__
    if cls is str:
        text = value.strip()
        if text.isdigit() and text.isascii():
            if len(text) in lengths:
                return text
            raise _length_error(label, lengths, len(text), from_number=False)
        if text in _BLANK_TEXTS:
            return None
        return _identifier_from_text(text, label, lengths)
    if value is None:
        return None
    if cls is int or (isinstance(value, int) and not isinstance(value, bool)):
        number: int = int(value)
        if number < 0:
            raise _error(MSG_ID_NOT_DIGITS, "invalid", label=label, value=_shown(value))
        return _identifier_from_number(number, label, lengths)
    if cls is float:
        real: float = value
        if real != real:
            return None
        if not math.isfinite(real) or real < 0 or not real.is_integer():
            raise _error(MSG_ID_NOT_DIGITS, "invalid", label=label, value=_shown(value))
        # A whole float below 10^15 is exact (doubles hold 53 bits); above that the
        # check on significant digits catches what Excel rounded.
        return _identifier_from_number(int(real), label, lengths)
    raise _error(MSG_ID_NOT_DIGITS, "invalid", label=label, value=_shown(value))


def _identifier_from_text(text: str, label: str, lengths: tuple[int, ...]) -> str | None:
    text = text.lstrip(_EXCEL_TEXT_MARKS).strip()
    if text in _BLANK_TEXTS:  # a text marker on an empty cell
        return None
    if _SCIENTIFIC.fullmatch(text):
        raise _error(MSG_ID_EXCEL_SCIENTIFIC, "excel_corrupted", label=label, value=text)
    if match := _FLOAT_TEXT.fullmatch(text):
        return _identifier_from_number(int(match[1]), label, lengths)
    digits = _ID_SEPARATORS.sub("", text)
    if not (digits.isdigit() and digits.isascii()):
        raise _error(MSG_ID_NOT_DIGITS, "invalid", label=label, value=_shown(text))
    if len(digits) not in lengths:
        raise _length_error(label, lengths, len(digits), from_number=False)
    return digits


# --- sex ---------------------------------------------------------------------------------------

MSG_SEX_INVALID = _(
    "Jenis kelamin %(value)s tidak dikenali; isi L (Laki-laki, Pria) atau P (Perempuan, Wanita)."
)

_NOT_LETTERS = re.compile(r"[^a-z]+")
_SEXES: Final = {
    **dict.fromkeys(("l", "lk", "laki", "lakilaki", "pria", "m", "male"), "L"),
    **dict.fromkeys(("p", "pr", "perempuan", "wanita", "f", "female"), "P"),
}
_SEXES_EXACT: Final = {"L": "L", "P": "P", "l": "L", "p": "P"}


def parse_sex(value: Any) -> str | None:
    """``"L"`` or ``"P"`` from ``L``, ``Laki-laki``, ``laki2``, ``Pria``, ``M``, ``Perempuan``, ``Wanita``…"""
    if value.__class__ is str:
        if exact := _SEXES_EXACT.get(value):
            return exact
        text = value.strip()
        if text in _BLANK_TEXTS:
            return None
        # Digits go too: "laki2" is the common shorthand for laki-laki.
        if sex := _SEXES.get(_NOT_LETTERS.sub("", text.lower())):
            return sex
    elif value is None:
        return None
    raise _error(MSG_SEX_INVALID, "invalid", value=_shown(value))


# --- coordinates -------------------------------------------------------------------------------

MSG_COORD_FORMAT = _(
    "Koordinat %(value)s tidak bisa dibaca: tulis %(axis)s dalam derajat desimal, mis. %(example)s "
    "(tanpa °, ′, ″ atau huruf arah)."
)
MSG_COORD_RANGE = _("%(axis)s harus antara %(low)s dan %(high)s (tertulis: %(value)s).")

_AXES: Final = {
    "lat": (_("Lintang"), -90.0, 90.0, "-3,9612"),
    "lon": (_("Bujur"), -180.0, 180.0, "122,5147"),
}
_DECIMAL_DEGREES = re.compile(r"[-+]?[0-9]+(?:[.,][0-9]+)?")


def parse_coordinate(value: Any, *, axis: str) -> float | None:
    """Decimal degrees from ``-3.9612``, ``"-3,9612"``; ``axis`` is ``"lat"`` or ``"lon"``."""
    try:
        axis_label, low, high, example = _AXES[axis]
    except KeyError:
        raise ValueError(f"axis must be 'lat' or 'lon', not {axis!r}") from None
    cls = value.__class__
    if cls is float or cls is int:
        degrees = float(value)
        if degrees != degrees:
            return None
    elif cls is str:
        text = value.strip().replace("−", "-")
        if text in _BLANK_TEXTS:
            return None
        if not _DECIMAL_DEGREES.fullmatch(text):
            raise _error(
                MSG_COORD_FORMAT,
                "invalid",
                value=_shown(value),
                axis=str(axis_label).lower(),
                example=example,
            )
        degrees = float(text.replace(",", "."))
    elif value is None:
        return None
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        degrees = float(value)
    else:
        raise _error(
            MSG_COORD_FORMAT, "invalid", value=_shown(value), axis=str(axis_label).lower(), example=example
        )
    if not low <= degrees <= high:  # also refuses ±inf
        raise _error(
            MSG_COORD_RANGE,
            "out_of_range",
            axis=axis_label,
            low=int(low),
            high=int(high),
            value=_shown(value),
        )
    return degrees


# --- free text ---------------------------------------------------------------------------------

MSG_TEXT_TOO_LONG = _("Teks terlalu panjang: %(length)d karakter, paling banyak %(max_length)d.")
MSG_TEXT_IS_DATE = _(
    "Excel mengubah isian ini menjadi tanggal (%(value)s); format kolom sebagai Teks lalu ketik ulang."
)
MSG_TEXT_INVALID = _("Isian %(value)s tidak bisa dipakai sebagai teks.")

# Control and zero-width characters: invisible in Excel, and PostgreSQL refuses NUL in text.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")


def parse_text(value: Any, *, max_length: int) -> str | None:
    """Stripped text with inner whitespace collapsed; ``123`` → ``"123"``, ``12.0`` → ``"12"``."""
    cls = value.__class__
    if cls is str:
        text = " ".join(value.split())
        if not text.isprintable():
            text = " ".join(_INVISIBLE.sub("", text).split())
        if text in _BLANK_TEXTS:
            return None
    elif value is None:
        return None
    elif cls is int:
        text = str(value)
    elif cls is float:
        real: float = value
        if real != real:
            return None
        real = _excel_float(real)
        text = str(int(real)) if real.is_integer() and math.isfinite(real) else f"{real:.15g}"
    elif isinstance(value, dt.date):  # datetime too
        raise _error(MSG_TEXT_IS_DATE, "is_date", value=_shown(value))
    elif isinstance(value, int | Decimal) and not isinstance(value, bool):
        text = str(value)
    else:
        raise _error(MSG_TEXT_INVALID, "invalid", value=_shown(value))
    if len(text) > max_length:
        raise _error(MSG_TEXT_TOO_LONG, "too_long", length=len(text), max_length=max_length)
    return text


# --- years -------------------------------------------------------------------------------------

MSG_YEAR_INVALID = _("Tahun harus ditulis 4 digit, mis. 2019 (tertulis: %(value)s).")
MSG_YEAR_RANGE = _("Tahun %(value)s di luar rentang %(first)d–%(last)d.")
MSG_YEAR_IS_DATE = _(
    "Sel tahun berformat Tanggal di Excel sehingga %(year)s terbaca sebagai tanggal %(value)s; format "
    "kolom sebagai Angka lalu tulis tahunnya saja."
)
MSG_YEAR_DATE = _("Tulis tahunnya saja, mis. 2019, bukan tanggal (tertulis: %(value)s).")

_YEAR_FLOAT_TEXT = re.compile(r"([0-9]{4})[.,]0+")


def parse_year(value: Any, *, today: dt.date | None = None) -> int | None:
    """A four-digit year from 1900 to the current year: ``"2019"``, ``2019``, ``2019.0``."""
    cls = value.__class__
    if cls is int:
        year: int = value
        if not 1000 <= year <= 9999:
            raise _error(MSG_YEAR_INVALID, "invalid", value=_shown(value))
    elif cls is str:
        text = value.strip()
        if len(text) == 4 and text.isdigit() and text.isascii():
            year = int(text)
        elif text in _BLANK_TEXTS:
            return None
        elif match := _YEAR_FLOAT_TEXT.fullmatch(text):
            year = int(match[1])
        else:
            raise _error(MSG_YEAR_INVALID, "invalid", value=_shown(value))
    elif value is None:
        return None
    elif cls is float:
        real: float = value
        if real != real:
            return None
        if not (math.isfinite(real) and real.is_integer() and 1000 <= real <= 9999):
            raise _error(MSG_YEAR_INVALID, "invalid", value=_shown(value))
        year = int(real)
    elif isinstance(value, dt.date):
        raise _year_as_date_error(value)
    else:
        raise _error(MSG_YEAR_INVALID, "invalid", value=_shown(value))
    last = (today or _today()).year
    if not MIN_YEAR <= year <= last:
        raise _error(MSG_YEAR_RANGE, "out_of_range", value=year, first=MIN_YEAR, last=last)
    return year


def _year_as_date_error(value: dt.date) -> CellError:
    # Typing 2019 into a cell formatted as a date gives 11/07/1905 (day 2019 of
    # Excel's calendar): say so, rather than take 1905 or the date's year.
    date = value.date() if isinstance(value, dt.datetime) else value
    serial = (date - _EXCEL_1900_EPOCH).days
    if serial in _YEAR_LIKE_SERIALS:
        return _error(MSG_YEAR_IS_DATE, "is_date", year=serial, value=_format_date(date))
    return _error(MSG_YEAR_DATE, "is_date", value=_format_date(date))
