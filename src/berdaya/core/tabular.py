"""Reading and writing tables for imports and exports (SPEC §4 "Import templates").

District offices send lists typed by hand in Excel, saved as XLSX or CSV, often
renamed, sometimes not a table at all. :func:`open_table` decides the format by the
file's content (never by its name), finds the sheet and the header row, and hands
over raw typed cells with the row numbers the clerk sees in Excel. It never
interprets a cell: money, dates, identifiers and regions are the parsing layer's
job (:mod:`berdaya.core.parsing`), so the reader stays the same for every import.
A file that cannot be read at all raises :class:`UnusableFile` with a message for
the clerk; everything the clerk should know but that does not stop the import
(hidden sheets, merged cells, formulas, a title row) goes to ``Table.notices``.

Reading XLSX goes through python-calamine (Rust, ~10x faster than openpyxl). It
loads the whole sheet into memory when the sheet is opened (there is no streaming
reader in python-calamine 0.9), so memory grows with the sheet; CSV is read line
by line and stays flat whatever its size. What calamine does not tell — which
cells are formulas, which formulas have no stored result, error cells — comes from
a streaming scan of the sheet's XML, which costs one decompression pass.

What calamine gives, and therefore what ``Table.rows()`` gives:

* numbers are ``float`` (also whole numbers: ``7471011708850000.0``), from ODS
  ``int`` too; date-formatted cells are ``datetime.date`` (whole days),
  ``datetime.datetime`` or ``datetime.time``; booleans are ``bool``;
* an empty cell is ``None`` (calamine says ``""``; an empty string typed in a cell
  cannot be told apart from an empty cell, and both mean "nothing");
* in a merged range only the first (top-left) cell holds the value, the others are
  ``None`` — the reader says so in a notice and does not copy the value down,
  because a merged "Kabupaten Muna" over ten rows may or may not mean all ten;
* a formula gives its stored (cached) result; a formula never calculated (a file
  written by a program and never saved in Excel) and an error value (``#N/A``,
  ``#DIV/0!``) both come back as ``None``, reported in notices.

CSV values are ``str`` (``None`` for an empty field): no type guessing.

Writing: :func:`write_xlsx` streams with xlsxwriter's ``constant_memory`` mode (flat
memory for a million rows) and keeps identifiers as text; :func:`csv_lines` yields
CSV lines for a streaming HTTP response.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import IO, Any, Final
from xml.parsers import expat

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _
from python_calamine import (
    CalamineError,
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

__all__ = [
    "CSV_DELIMITER",
    "LISTS_SHEET",
    "TEMPLATE_NOTES_NAME",
    "Table",
    "UnusableFile",
    "csv_lines",
    "open_table",
    "write_xlsx",
]

#: Excel in the Indonesian locale uses ";" as its list separator (the decimal
#: separator is ","), so a ";" file opens in columns when double-clicked.
CSV_DELIMITER: Final = ";"
CSV_DELIMITERS: Final = (";", ",", "\t", "|")
#: The hidden sheet of a template that holds the long validation lists.
LISTS_SHEET: Final = "Daftar"
#: A workbook-level defined name that marks the explanation row of a template
#: (``notes_row`` of :func:`write_xlsx`); the reader skips the row it points to.
#: A name survives the clerk's edits: Excel moves it with inserted rows.
TEMPLATE_NOTES_NAME: Final = "berdaya_keterangan"

HEADER_SCAN_ROWS: Final = 30  # non-empty rows searched for the header row
MAX_LISTED: Final = 10  # cells or ranges named in one notice
SAMPLE_BYTES: Final = 64 * 1024
CHUNK_BYTES: Final = 1024 * 1024
#: Above this uncompressed size the formula scan only says "there are formulas"
#: (a per-cell XML parse in Python costs ~1 s per 10 MB).
FORMULA_DETAIL_LIMIT: Final = 32 * 1024 * 1024
EXCEL_MAX_ROW: Final = 1_048_575  # 0-based index of Excel's last row
EXCEL_EXACT_DIGITS: Final = 15  # an integer with more digits loses them as an Excel number

_OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS: Final = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ODS_MIMETYPE: Final = b"application/vnd.oasis.opendocument.spreadsheet"
_XLSX_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
_CSV_SUFFIXES: Final = frozenset({".csv", ".txt", ".tsv"})

Cell = Any  # str | int | float | bool | datetime.date | datetime.datetime | datetime.time | None
RowSource = Callable[[], Iterator[tuple[int, list[Cell]]]]


class UnusableFile(Exception):
    """The file as a whole cannot be read: ``message`` for the clerk, ``code`` for programs.

    Codes: ``wrong_type`` (not a table, or a format we do not read such as .xls),
    ``empty``, ``headers_only``, ``no_header``, ``encrypted``, ``damaged``.
    """

    def __init__(self, message: Any, code: str) -> None:
        # str() fixes the language now and keeps the exception picklable for workers.
        self.message: str = str(message)
        self.code = code
        super().__init__(self.message)


class Table:
    """One sheet (or CSV file) as a header row and data rows.

    ``rows()`` can be called more than once (the error report reads the file again).
    ``total_rows`` is for a progress bar, not a count: for XLSX the number of sheet
    rows below the header (empty ones included), for CSV an estimate from the size.
    """

    def __init__(
        self,
        *,
        format: str,
        sheet_name: str | None,
        headers: list[str],
        header_row: int,
        notices: list[str],
        source: RowSource,
        datemode_1904: bool = False,
        total_rows: int | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
    ) -> None:
        self.format = format
        self.sheet_name = sheet_name
        self.headers = headers
        self.header_row = header_row
        self.notices = notices
        self.datemode_1904 = datemode_1904
        self.total_rows = total_rows
        self.encoding = encoding  # CSV only
        self.delimiter = delimiter  # CSV only
        self._source = source

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """``(row number as in Excel, values)`` for every non-empty row below the header.

        ``values`` has exactly ``len(headers)`` items. Empty rows are skipped, so
        the numbers may jump; they always match what the clerk sees.
        """
        width = len(self.headers)
        for number, values in self._source():
            if _is_empty(values):
                continue
            if len(values) < width:
                values.extend([None] * (width - len(values)))
            elif len(values) > width:
                del values[width:]
            yield number, values

    def count_rows_estimate(self) -> int | None:
        return self.total_rows

    def __repr__(self) -> str:
        return (
            f"<Table {self.format} sheet={self.sheet_name!r} header_row={self.header_row} "
            f"columns={len(self.headers)} rows~{self.total_rows}>"
        )


def _is_empty(values: list[Cell]) -> bool:
    for value in values:
        if value is None:
            continue
        if value.__class__ is str and not value.strip():
            continue
        return False
    return True


def _is_header(values: list[Cell]) -> bool:
    """The header row: at least two non-empty cells, all of them text."""
    filled = 0
    for value in values:
        if value is None or (value.__class__ is str and not value.strip()):
            continue
        if value.__class__ is not str:
            return False
        filled += 1
    return filled >= 2


def _header_bounds(values: list[Cell]) -> tuple[int, int]:
    """First and last+1 index of the filled header cells (leading/trailing blanks dropped)."""
    filled = [i for i, v in enumerate(values) if v is not None and str(v).strip()]
    return filled[0], filled[-1] + 1


def _preview(value: Cell, limit: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        shown += _(" dan %(count)d lainnya") % {"count": len(items) - MAX_LISTED}
    return shown


def column_letter(index: int) -> str:
    """``0`` → ``A``, ``27`` → ``AB``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


_CELL_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")


# --- opening ---------------------------------------------------------------------------------


def open_table(path: str | Path, *, original_name: str | None = None) -> Table:
    """Open an uploaded table; the format is decided by content, ``original_name`` is for messages.

    Raises :class:`UnusableFile` when nothing can be imported from the file.
    """
    path = Path(path)
    notices: list[str] = []
    fmt = _detect_format(path)
    shown_suffix = Path(original_name or path.name).suffix.lower()
    expected = {"xlsx": _XLSX_SUFFIXES, "ods": {".ods"}, "csv": _CSV_SUFFIXES}[fmt]
    if shown_suffix and shown_suffix not in expected:
        notices.append(
            _("Berkas bernama %(suffix)s tetapi isinya %(format)s; dibaca sebagai %(format)s.")
            % {"suffix": shown_suffix, "format": fmt.upper()}
        )
    if fmt == "csv":
        return _open_csv(path, notices)
    return _open_workbook(path, fmt, notices)


def _detect_format(path: Path) -> str:
    """``"xlsx"``, ``"ods"`` or ``"csv"``; anything else raises UnusableFile."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
    except FileNotFoundError:
        raise UnusableFile(_("Berkas tidak ditemukan; unggah lagi."), "empty") from None
    # Whitespace-only text is caught here when it is short, by the CSV reader otherwise.
    if (size == 0 or not head.strip()) and size <= len(head):
        raise UnusableFile(_("Berkas kosong: tidak ada data yang bisa dibaca."), "empty")
    if head.startswith(_ZIP_MAGICS):
        return _detect_zip(path)
    if head.startswith(_OLE2_MAGIC):
        raise _ole2_error(path)
    kind = _binary_kind(head)
    if kind is not None:
        raise _wrong_type(kind)
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in head:
        raise _wrong_type(_("berkas biner"))
    _refuse_markup(head)
    return "csv"


def _wrong_type(kind: str) -> UnusableFile:
    return UnusableFile(
        _(
            "Berkas ini %(kind)s, bukan tabel data. Unggah berkas Excel (.xlsx) atau CSV "
            "yang berisi daftar dengan baris judul kolom."
        )
        % {"kind": kind},
        "wrong_type",
    )


def _damaged() -> UnusableFile:
    return UnusableFile(
        _(
            "Berkas Excel rusak atau tidak lengkap (mungkin terpotong saat diunggah). "
            "Buka berkas di Excel, simpan ulang, lalu unggah lagi."
        ),
        "damaged",
    )


def _save_as_xlsx(what: str) -> UnusableFile:
    return UnusableFile(
        _(
            "Format berkas ini tidak dapat dibaca: %(what)s. Buka berkas di Excel, pilih "
            "File > Simpan Sebagai > Buku Kerja Excel (*.xlsx), lalu unggah berkas .xlsx itu."
        )
        % {"what": what},
        "wrong_type",
    )


_BINARY_MAGICS: Final = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF87a", "image"),
    (b"GIF89a", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"Rar!", "archive"),
    (b"7z\xbc\xaf", "archive"),
    (b"\x1f\x8b", "archive"),
)


def _binary_kind(head: bytes) -> str | None:
    kind = next((k for magic, k in _BINARY_MAGICS if head.startswith(magic)), None)
    if (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or head[4:12] in (b"ftypheic", b"ftypmif1"):
        kind = "image"
    if kind is None:
        return None
    return {"pdf": _("dokumen PDF"), "image": _("gambar"), "archive": _("arsip terkompresi")}[kind]


def _refuse_markup(head: bytes) -> None:
    """HTML or XML saved with an Excel name (web apps' "export to Excel") is not CSV."""
    start = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:2048].lower()
    if not start.startswith(b"<"):
        return
    if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise _save_as_xlsx(_("XML Spreadsheet 2003"))
    if b"<html" in start or b"<table" in start or b"<!doctype html" in start:
        raise _save_as_xlsx(_("halaman web (HTML) yang diberi nama Excel"))


def _detect_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = {name.lower(): name for name in archive.namelist()}
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "xl/workbook.bin" in names:
                raise _save_as_xlsx(_("Excel biner (.xlsb)"))
            mimetype = archive.read(names["mimetype"]).strip() if "mimetype" in names else b""
    except zipfile.BadZipFile:
        raise _damaged() from None
    if mimetype.startswith(_ODS_MIMETYPE) and not mimetype.startswith(_ODS_MIMETYPE + b"-template"):
        return "ods"
    if "word/document.xml" in names or mimetype == b"application/vnd.oasis.opendocument.text":
        raise _wrong_type(_("dokumen Word"))
    if "ppt/presentation.xml" in names:
        raise _wrong_type(_("presentasi PowerPoint"))
    raise _wrong_type(_("arsip ZIP"))


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _ole2_error(path: Path) -> UnusableFile:
    """An OLE2 container: a legacy .xls/.doc, or an encrypted XLSX (Excel wraps those in OLE2).

    The stream names sit in the container's directory as UTF-16 text; looking for
    them in the raw bytes avoids parsing the container's allocation tables.
    """
    needles = {
        "encrypted": _utf16("EncryptedPackage"),
        "xls": _utf16("Workbook"),
        "xls5": _utf16("Book"),
        "doc": _utf16("WordDocument"),
    }
    found = _find_in_file(path, needles)
    if "encrypted" in found:
        return UnusableFile(
            _(
                "Berkas dilindungi kata sandi sehingga tidak bisa dibaca. Buka berkas di Excel, "
                "hapus kata sandinya (File > Info > Lindungi Buku Kerja > Enkripsi dengan Kata "
                "Sandi, kosongkan), simpan, lalu unggah lagi."
            ),
            "encrypted",
        )
    if "doc" in found and "xls" not in found:
        return _wrong_type(_("dokumen Word"))
    return _save_as_xlsx(_("Excel lama (.xls)"))


def _find_in_file(path: Path, needles: Mapping[str, bytes]) -> set[str]:
    overlap = max(len(n) for n in needles.values())
    found: set[str] = set()
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            window = tail + chunk
            found.update(key for key, needle in needles.items() if needle in window)
            tail = window[-overlap:]
    return found


# --- XLSX / ODS ---------------------------------------------------------------------------------


class _WorkbookInfo:
    """What workbook.xml says that calamine does not: 1904 dates, sheet parts, defined names."""

    def __init__(self) -> None:
        self.date1904 = False
        self.sheet_rids: dict[str, str] = {}
        self.defined_names: dict[str, str] = {}
        self.sheet_parts: dict[str, str] = {}


def _expat_parser() -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    # OOXML parts never have a DTD; refusing one rules out entity tricks.
    def refuse_doctype(*args: Any) -> None:
        raise ValueError("DTD in an OOXML part")

    parser.StartDoctypeDeclHandler = refuse_doctype
    return parser


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def _read_workbook_info(archive: zipfile.ZipFile) -> _WorkbookInfo:
    info = _WorkbookInfo()
    parser = _expat_parser()
    current_name: list[str] = []  # the definedName being read, and its text

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "workbookPr":
            info.date1904 = attrs.get("date1904", "").lower() in ("1", "true")
        elif local == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            info.sheet_rids[attrs.get("name", "")] = rid
        elif local == "definedName":
            current_name[:] = [attrs.get("name", ""), ""]

    def text(data: str) -> None:
        if current_name:
            current_name[1] += data

    def end(name: str) -> None:
        if _local(name) == "definedName" and current_name:
            info.defined_names[current_name[0].lower()] = current_name[1]
            current_name.clear()

    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    parser.EndElementHandler = end
    parser.Parse(archive.read("xl/workbook.xml"), True)

    targets: dict[str, str] = {}
    rels = _expat_parser()

    def relationship(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    rels.StartElementHandler = relationship
    with contextlib.suppress(KeyError):  # no relationships part: no sheet parts to scan
        rels.Parse(archive.read("xl/_rels/workbook.xml.rels"), True)
    for sheet, rid in info.sheet_rids.items():
        target = targets.get(rid, "")
        if target:
            # Targets are relative to xl/ ("worksheets/sheet1.xml") or absolute ("/xl/...").
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            info.sheet_parts[sheet] = part
    return info


def _open_workbook(path: Path, fmt: str, notices: list[str]) -> Table:
    info = _WorkbookInfo()
    archive: zipfile.ZipFile | None = None
    try:
        if fmt == "xlsx":
            archive = zipfile.ZipFile(path)
            try:
                info = _read_workbook_info(archive)
            except (KeyError, ValueError, expat.ExpatError):
                raise _damaged() from None
        workbook = _calamine(path, fmt)
        try:
            return _table_from_workbook(workbook, archive, info, fmt, notices)
        finally:
            workbook.close()
    except zipfile.BadZipFile:
        raise _damaged() from None
    finally:
        if archive is not None:
            archive.close()


def _calamine(path: Path, fmt: str) -> CalamineWorkbook:
    try:
        # calamine picks its reader by the file name; a renamed file goes in as bytes,
        # where calamine tries each format in turn.
        if path.suffix.lower() in (_XLSX_SUFFIXES if fmt == "xlsx" else {".ods"}):
            return CalamineWorkbook.from_path(str(path))
        with path.open("rb") as handle:
            return CalamineWorkbook.from_filelike(handle)
    except PasswordError:
        raise UnusableFile(
            _("Berkas dilindungi kata sandi. Hapus kata sandinya di Excel, simpan, lalu unggah lagi."),
            "encrypted",
        ) from None
    except (CalamineError, OSError, ValueError):
        if fmt == "ods":
            raise _save_as_xlsx(_("OpenDocument (.ods) yang tidak terbaca")) from None
        raise _damaged() from None


def _table_from_workbook(
    workbook: CalamineWorkbook,
    archive: zipfile.ZipFile | None,
    info: _WorkbookInfo,
    fmt: str,
    notices: list[str],
) -> Table:
    hidden: list[str] = []
    chosen: Table | None = None
    skipped_with_data: list[str] = []
    for meta in workbook.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue  # chart and macro sheets hold no rows
        if meta.visible != SheetVisibleEnum.Visible:
            if meta.name != LISTS_SHEET:  # our templates' own lists are expected there
                hidden.append(meta.name)
            continue
        if chosen is not None:
            if _other_sheet_has_values(workbook, archive, info, meta.name):
                skipped_with_data.append(meta.name)
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
        except CalamineError:
            raise _damaged() from None
        chosen = _sheet_table(sheet, meta.name, archive, info, fmt)
    for name in hidden:
        notices.append(_("Lembar tersembunyi '%(sheet)s' diabaikan.") % {"sheet": name})
    if chosen is None:
        _raise_no_visible_data(workbook, hidden)
    assert chosen is not None
    if skipped_with_data:
        notices.append(
            _("Hanya lembar '%(sheet)s' yang dibaca; lembar lain yang berisi data diabaikan: %(others)s.")
            % {"sheet": chosen.sheet_name, "others": _listing([f"'{n}'" for n in skipped_with_data])}
        )
    chosen.notices[:0] = notices
    return chosen


def _raise_no_visible_data(workbook: CalamineWorkbook, hidden: list[str]) -> None:
    with_data = []
    for name in hidden:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except CalamineError:
            continue
        if sheet.start is not None and any(not _is_empty(_cells(r)) for r in sheet.iter_rows()):
            with_data.append(f"'{name}'")
    if with_data:
        raise UnusableFile(
            _(
                "Data hanya ada di lembar tersembunyi %(sheets)s. Tampilkan lembar itu di Excel "
                "(klik kanan nama lembar > Tampilkan) atau salin datanya ke lembar yang terlihat, "
                "lalu unggah lagi."
            )
            % {"sheets": ", ".join(with_data)},
            "empty",
        )
    raise UnusableFile(_("Berkas kosong: tidak ada data di lembar mana pun."), "empty")


def _cells(row: list[Cell]) -> list[Cell]:
    # calamine reports empty cells as ""; an empty string and an empty cell mean the same.
    return [None if value == "" else value for value in row]


def _sheet_table(
    sheet: CalamineSheet, name: str, archive: zipfile.ZipFile | None, info: _WorkbookInfo, fmt: str
) -> Table | None:
    """The table of one loaded sheet, or None when the sheet is empty."""
    start = sheet.start
    if start is None:
        return None
    first_col = start[1]  # calamine's rows begin at the first used column
    notices: list[str] = []
    header_index, header_cells, above = _find_header(enumerate(sheet.iter_rows()))
    if header_index is None:
        if not above:
            return None
        raise _no_header()
    begin, stop = _header_bounds(header_cells)
    headers = ["" if v is None else str(v) for v in header_cells[begin:stop]]
    header_row = header_index + 1
    _notice_above(notices, above, header_row)
    skip_rows = _notes_rows(info, name, header_row)

    def source() -> Iterator[tuple[int, list[Cell]]]:
        for index, row in enumerate(sheet.iter_rows()):
            if index <= header_index:
                continue
            number = index + 1
            if number in skip_rows:
                continue
            yield number, [None if value == "" else value for value in row[begin:stop]]

    end = sheet.end
    total = (end[0] - header_index) if end else 0
    table = Table(
        format=fmt,
        sheet_name=name,
        headers=headers,
        header_row=header_row,
        notices=notices,
        source=source,
        datemode_1904=info.date1904,
        total_rows=total,
    )
    _require_data(table)
    columns = range(first_col + begin, first_col + stop)
    notices.extend(_merged_notices(sheet, header_index, columns))
    if archive is not None:
        part = info.sheet_parts.get(name)
        if part:
            notices.extend(_formula_notices(archive, part, name, header_row, columns, headers))
    return table


def _find_header(
    rows: Iterable[tuple[int, list[Cell]]],
) -> tuple[int | None, list[Cell], list[tuple[int, list[Cell]]]]:
    """``(index of the header row, its cells, the non-empty rows above it)``.

    ``above`` holds every non-empty row looked at when no header is found.
    """
    above: list[tuple[int, list[Cell]]] = []
    for index, raw in rows:
        row = _cells(raw)
        if _is_empty(row):
            continue
        if _is_header(row):
            return index, row, above
        above.append((index, row))
        if len(above) >= HEADER_SCAN_ROWS:
            break
    return None, [], above


def _no_header() -> UnusableFile:
    return UnusableFile(
        _(
            "Baris judul kolom tidak ditemukan dalam %(count)d baris pertama yang berisi. "
            "Baris judul kolom harus berisi nama kolom sebagai teks, misalnya nama_usaha, "
            "nama_pemilik, nik_pemilik."
        )
        % {"count": HEADER_SCAN_ROWS},
        "no_header",
    )


def _notice_above(notices: list[str], above: list[tuple[int, list[Cell]]], header_row: int) -> None:
    if not above:
        return
    numbers = [str(index + 1) for index, _row in above]
    first = next(v for v in above[0][1] if v is not None and str(v).strip())
    notices.append(
        _("Baris %(rows)s di atas baris judul kolom (baris %(header)d) diabaikan: '%(text)s'.")
        % {"rows": _listing(numbers), "header": header_row, "text": _preview(first)}
    )


def _require_data(table: Table) -> None:
    for _row in table.rows():
        return
    raise UnusableFile(
        _(
            "Berkas hanya berisi baris judul kolom (baris %(row)d) tanpa baris data. "
            "Isi data mulai baris berikutnya, lalu unggah lagi."
        )
        % {"row": table.header_row},
        "headers_only",
    )


def _notes_rows(info: _WorkbookInfo, sheet: str, header_row: int) -> frozenset[int]:
    """Rows a template marked as its explanation line (see TEMPLATE_NOTES_NAME)."""
    ref = info.defined_names.get(TEMPLATE_NOTES_NAME, "")
    match = re.fullmatch(r"=?(?:'((?:[^']|'')+)'|([^!']+))!(.+)", ref.strip())
    if not match:
        return frozenset()
    named_sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    rows = [int(m.group(2)) for m in _CELL_REF.finditer(match.group(3))]
    if named_sheet != sheet or not rows:
        return frozenset()
    return frozenset(r for r in range(min(rows), max(rows) + 1) if r > header_row)


def _merged_notices(sheet: CalamineSheet, header_index: int, columns: range) -> list[str]:
    try:
        merged = sheet.merged_cell_ranges or []
    except (AttributeError, CalamineError):  # not offered for every format
        return []
    found = []
    for (row0, col0), (row1, col1) in sorted(merged):
        # A title merged above the header is layout; merges in the table lose values.
        if row1 < header_index or col1 < columns.start or col0 >= columns.stop:
            continue
        first = f"{column_letter(col0)}{row0 + 1}"
        found.append(f"{first}:{column_letter(col1)}{row1 + 1}")
    notices = [
        _("Sel gabungan di %(range)s: nilainya hanya ada di sel pertama (%(first)s); sel lain dibaca kosong.")
        % {"range": ref, "first": ref.split(":")[0]}
        for ref in found[:MAX_LISTED]
    ]
    if len(found) > MAX_LISTED:
        notices.append(
            _("Ada %(count)d sel gabungan lain di tabel; sel selain sel pertamanya dibaca kosong.")
            % {"count": len(found) - MAX_LISTED}
        )
    return notices


# Literal needles, because bytes.find runs at memory speed where a regex with a
# leading alternation crawls (1.3 s against 0.1 s on a 120 MB sheet). A stray hit
# (":f " in an inline string) only costs the exact scan below.
_FORMULA_OR_ERROR: Final = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b' t="e"')
_VALUE_TAGS: Final = (b"<v>", b"<v ", b"<is>", b":v>", b":is>")


def _other_sheet_has_values(
    workbook: CalamineWorkbook, archive: zipfile.ZipFile | None, info: _WorkbookInfo, name: str
) -> bool:
    """Whether a sheet not read holds any value (Excel's default Sheet2/Sheet3 do not).

    XLSX sheets are scanned without loading them; ODS files are small, so load.
    """
    part = info.sheet_parts.get(name)
    if archive is not None and part:
        try:
            return _part_contains(archive, part, _VALUE_TAGS)
        except KeyError:
            return True
    try:
        return workbook.get_sheet_by_name(name).start is not None
    except CalamineError:
        return True


def _part_contains(archive: zipfile.ZipFile, part: str, needles: Sequence[bytes]) -> bool:
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            window = tail + chunk
            if any(needle in window for needle in needles):
                return True
            tail = window[-16:]
    return False


def _formula_notices(
    archive: zipfile.ZipFile, part: str, sheet: str, header_row: int, columns: range, headers: list[str]
) -> list[str]:
    try:
        size = archive.getinfo(part).file_size
        if not _part_contains(archive, part, _FORMULA_OR_ERROR):
            return []
    except KeyError:
        return []
    if size > FORMULA_DETAIL_LIMIT:
        return [
            _(
                "Lembar '%(sheet)s' berisi rumus: nilai hasil hitungan yang tersimpan di berkas yang "
                "dipakai. Rumus yang belum pernah dihitung atau bernilai galat dibaca kosong."
            )
            % {"sheet": sheet}
        ]
    scan = _scan_cells(archive, part, header_row, columns)
    notices = []
    for column in sorted(scan.formula_columns):
        notices.append(
            _("Kolom '%(header)s' (%(column)s) berisi rumus: nilai hasil hitungan yang dipakai.")
            % {"header": headers[column - columns.start], "column": column_letter(column)}
        )
    if scan.uncalculated:
        notices.append(
            _(
                "Rumus di %(cells)s belum punya nilai hasil hitungan (berkas dibuat oleh program dan "
                "belum pernah disimpan di Excel); sel itu dibaca kosong. Buka berkas di Excel, "
                "simpan, lalu unggah lagi."
            )
            % {"cells": _listing(scan.uncalculated)}
        )
    if scan.errors:
        notices.append(
            _("Sel %(cells)s berisi galat Excel (misalnya #N/A atau #DIV/0!); sel itu dibaca kosong.")
            % {"cells": _listing(scan.errors)}
        )
    return notices


class _CellScan:
    def __init__(self) -> None:
        self.formula_columns: set[int] = set()
        self.uncalculated: list[str] = []
        self.errors: list[str] = []


def _scan_cells(archive: zipfile.ZipFile, part: str, header_row: int, columns: range) -> _CellScan:
    """Formula cells, formulas without a stored result and error cells of the table area."""
    scan = _CellScan()
    state: dict[str, Any] = {"ref": None}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "c":
            state.update(ref=attrs.get("r"), type=attrs.get("t", "n"), formula=False, value=None)
        elif local == "f":
            state["formula"] = True
        elif local == "v":
            state["value"] = ""
            state["in_value"] = True

    def text(data: str) -> None:
        if state.get("in_value"):
            state["value"] += data

    def end(name: str) -> None:
        local = _local(name)
        if local == "v":
            state["in_value"] = False
        elif local == "c" and (state["formula"] or state["type"] == "e"):
            _record_cell(scan, state, header_row, columns)

    parser = _expat_parser()
    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    parser.EndElementHandler = end
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (expat.ExpatError, ValueError):
        pass  # calamine read the sheet; a notice less is not worth refusing the file
    return scan


def _record_cell(scan: _CellScan, state: dict[str, Any], header_row: int, columns: range) -> None:
    match = _CELL_REF.fullmatch(state["ref"] or "")
    if not match:
        return
    column, row = _column_index(match.group(1)), int(match.group(2))
    if row <= header_row or column not in columns:
        return
    ref = f"{match.group(1)}{row}"
    if state["type"] == "e":
        scan.errors.append(ref)
    value = state["value"]
    if state["formula"]:
        scan.formula_columns.add(column)
        # Excel stores an empty text result as t="str" with an empty <v>; a missing <v>
        # (or an empty one on a number) means the formula was never calculated.
        if value is None or (value == "" and state["type"] != "str"):
            scan.uncalculated.append(ref)


# --- CSV -----------------------------------------------------------------------------------------


def _open_csv(path: Path, notices: list[str]) -> Table:
    encoding = _detect_encoding(path)
    if encoding in ("cp1252", "latin-1"):
        notices.append(
            _("Berkas CSV tidak memakai UTF-8; dibaca sebagai %(encoding)s.")
            % {"encoding": "Windows-1252" if encoding == "cp1252" else "Latin-1"}
        )
    with _open_text(path, encoding) as handle:
        sample = handle.read(SAMPLE_BYTES)
    delimiter, has_sep_line = _sniff_delimiter(sample)

    def records() -> Iterator[tuple[int, list[Cell]]]:
        with _open_text(path, encoding) as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            number = 0
            try:
                for record in reader:
                    if has_sep_line and reader.line_num == 1:
                        continue  # Excel's "sep=;" hint: Excel does not show it as a row
                    number += 1
                    yield number, [value or None for value in record]
            except csv.Error as exc:
                raise UnusableFile(
                    _("Baris %(row)d berkas CSV tidak dapat dibaca (%(error)s).")
                    % {"row": number + 1, "error": exc},
                    "damaged",
                ) from None

    scan = records()
    try:
        header_number, header_cells, above = _find_header(scan)
    finally:
        scan.close()  # closes the file now rather than when the generator is collected
    if header_number is None:
        if not above:
            raise UnusableFile(_("Berkas kosong: tidak ada data yang bisa dibaca."), "empty")
        raise _no_header()
    begin, stop = _header_bounds(header_cells)
    headers = [str(v or "") for v in header_cells[begin:stop]]
    _notice_above(notices, [(n - 1, r) for n, r in above], header_number)

    def source() -> Iterator[tuple[int, list[Cell]]]:
        for number, values in records():
            if number > header_number:
                yield number, values[begin:stop]

    table = Table(
        format="csv",
        sheet_name=None,
        headers=headers,
        header_row=header_number,
        notices=notices,
        source=source,
        total_rows=_estimate_lines(path, header_number),
        encoding=encoding,
        delimiter=delimiter,
    )
    _require_data(table)
    return table


def _open_text(path: Path, encoding: str) -> IO[str]:
    # errors="replace": detection read the whole file, so this only guards against a
    # file changed in between; a stray byte must not stop a million-row import.
    return path.open(encoding=encoding, errors="replace", newline="")


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) and UTF-16 (Excel's "Unicode text"), else Windows-1252."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(path, "utf-8"):
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    # Excel on Windows saves "CSV (Comma delimited)" in the ANSI code page.
    return "cp1252" if _decodes(path, "cp1252") else "latin-1"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sniff_delimiter(sample: str) -> tuple[str, bool]:
    """The delimiter whose split gives the most records of one width (> 1 column)."""
    sample = sample.lstrip("\ufeff")
    first_line = sample.split("\n", 1)[0].strip()
    sep = re.fullmatch(r"sep=(.)", first_line, flags=re.IGNORECASE)
    if sep:
        return sep.group(1), True
    if "\n" in sample:  # the last line may be cut short by the sample size
        sample = sample[: sample.rindex("\n")]
    best, best_score = CSV_DELIMITER, (0, 0)
    for delimiter in CSV_DELIMITERS:
        widths: dict[int, int] = {}
        try:
            for record in csv.reader(io.StringIO(sample), delimiter=delimiter):
                if len(record) > 1:
                    widths[len(record)] = widths.get(len(record), 0) + 1
        except csv.Error:
            continue
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
        if (count, width) > best_score:  # ties keep the earlier (";" first) delimiter
            best, best_score = delimiter, (count, width)
    return best, False


def _estimate_lines(path: Path, header_number: int) -> int:
    """Data lines from the file size and the line length at its start and its end.

    Both ends, because lists grow: "Usaha 9" at the top, "Usaha 199999" at the
    bottom. Line breaks inside quoted cells make it an estimate, for a progress bar.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        handle.seek(max(size - SAMPLE_BYTES, len(head)))
        tail = handle.read(SAMPLE_BYTES)
    lines = head.count(b"\n") + tail.count(b"\n")
    if not lines:
        return 0
    return max(round(size * lines / (len(head) + len(tail))) - header_number, 0)


# --- writing -------------------------------------------------------------------------------------

ColumnKey = int | str


def write_xlsx(
    path_or_file: str | Path | IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_name: str = "Data",
    column_widths: Sequence[float] | Mapping[ColumnKey, float] | None = None,
    text_columns: Iterable[ColumnKey] = frozenset(),
    validations: Mapping[ColumnKey, Sequence[str]] | None = None,
    notes_row: Sequence[str] | None = None,
) -> None:
    """Write one sheet: bold frozen header with a filter, then the rows, in constant memory.

    Columns are named by index or by header. ``text_columns`` are written (and
    formatted, for cells typed later) as text, so a 16-digit NIK stays exact.
    ``validations`` adds a drop-down list per column for all rows below the header;
    lists too long for Excel's 255-character inline limit go to a hidden sheet
    ``Daftar``. Entries only warn when the value is not in the list: the importer
    accepts more spellings (``Konsel``) than a list can show. ``notes_row`` is a
    line of explanations under the header; the workbook marks it with the defined
    name ``berdaya_keterangan`` so that :func:`open_table` skips it when the filled
    template comes back. Any other int with more than 15 digits is written as text
    too, since Excel would round it.
    """
    headers = [str(h) for h in headers]
    width = len(headers)
    # Names not among the headers are skipped: one set of identifier columns can
    # serve the UMKM and the koperasi exports.
    text_indexes = {_column_key(k, headers) for k in text_columns if isinstance(k, int) or k in headers}
    workbook = xlsxwriter.Workbook(
        path_or_file,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    try:
        sheet = workbook.add_worksheet(sheet_name)
        formats = _Formats(workbook)
        first_data_row = 2 if notes_row else 1

        rows = iter(rows)
        sample = [list(row) for _i, row in zip(range(100), rows, strict=False)]
        widths = _widths(headers, sample, column_widths)
        for index in range(width):
            cell_format = formats.text if index in text_indexes else None
            sheet.set_column(index, index, widths[index], cell_format)

        for index, header in enumerate(headers):
            sheet.write_string(0, index, header, formats.header)
        if notes_row:
            for index, note in enumerate(list(notes_row)[:width]):
                sheet.write_string(1, index, str(note or ""), formats.note)
            last = column_letter(max(width - 1, 0))
            workbook.define_name(TEMPLATE_NOTES_NAME, f"={_quote_sheet(sheet_name)}!$A$2:${last}$2")
        sheet.freeze_panes(first_data_row, 0)

        if validations:
            _add_validations(workbook, sheet, headers, validations, first_data_row)

        row_index = first_data_row - 1
        for row_index, row in enumerate(_chain(sample, rows), start=first_data_row):
            for column, value in enumerate(row):
                _write_cell(sheet, row_index, column, value, column in text_indexes, formats)
        sheet.autofilter(0, 0, max(row_index, first_data_row - 1), max(width - 1, 0))
    finally:
        workbook.close()


class _Formats:
    def __init__(self, workbook: Any) -> None:
        self.header = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
        self.note = workbook.add_format({"italic": True, "font_color": "#555555", "text_wrap": True})
        self.text = workbook.add_format({"num_format": "@"})
        self.date = workbook.add_format({"num_format": "dd/mm/yyyy"})
        self.datetime = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        self.time = workbook.add_format({"num_format": "hh:mm"})


def _chain(first: list[list[Any]], rest: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield from first
    yield from rest


def _column_key(key: ColumnKey, headers: list[str]) -> int:
    if isinstance(key, int):
        return key
    try:
        return headers.index(key)
    except ValueError:
        raise ValueError(f"unknown column {key!r}") from None


def _widths(
    headers: list[str],
    sample: list[list[Any]],
    given: Sequence[float] | Mapping[ColumnKey, float] | None,
) -> list[float]:
    widths = []
    for index, header in enumerate(headers):
        longest = max([len(header), *(len(_shown(r[index])) for r in sample if index < len(r))])
        widths.append(float(max(8, min(50, longest + 2))))
    if isinstance(given, Mapping):
        for key, value in given.items():
            if (isinstance(key, int) and 0 <= key < len(widths)) or key in headers:
                widths[_column_key(key, headers)] = value
    elif given is not None:
        for index, value in enumerate(list(given)[: len(headers)]):
            widths[index] = value
    return widths


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return "00/00/0000 00:00" if isinstance(value, dt.datetime) else "00/00/0000"
    return str(value)


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _add_validations(
    workbook: Any,
    sheet: Any,
    headers: list[str],
    validations: Mapping[ColumnKey, Sequence[str]],
    first_data_row: int,
) -> None:
    lists_sheet = None
    lists_column = 0
    for key, values in validations.items():
        column = _column_key(key, headers)
        items = [str(v) for v in values]
        inline = ",".join(items)
        options: dict[str, Any] = {"validate": "list", "error_type": "warning"}
        if len(inline) <= 255 and not any("," in i or '"' in i for i in items):
            options["source"] = items
        else:
            if lists_sheet is None:
                name = LISTS_SHEET if sheet.name != LISTS_SHEET else LISTS_SHEET + "_"
                lists_sheet = workbook.add_worksheet(name)
                lists_sheet.hide()
            for index, item in enumerate(items):
                lists_sheet.write_string(index, lists_column, item)
            letter = column_letter(lists_column)
            options["source"] = (
                f"={_quote_sheet(lists_sheet.name)}!${letter}$1:${letter}${max(len(items), 1)}"
            )
            lists_column += 1
        sheet.data_validation(first_data_row, column, EXCEL_MAX_ROW, column, options)


def _write_cell(sheet: Any, row: int, column: int, value: Any, as_text: bool, formats: _Formats) -> None:
    if value is None:
        return
    if as_text or isinstance(value, str):
        sheet.write_string(row, column, _text(value), formats.text if as_text else None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int):
        if len(str(abs(value))) > EXCEL_EXACT_DIGITS:
            sheet.write_string(row, column, str(value))
        else:
            sheet.write_number(row, column, value)
    elif isinstance(value, float | Decimal):
        if math.isfinite(value):
            sheet.write_number(row, column, float(value))
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, column, _naive(value), formats.datetime)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, column, value, formats.date)
    elif isinstance(value, dt.time):
        sheet.write_datetime(row, column, value, formats.time)
    else:
        sheet.write_string(row, column, str(value))


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _naive(value: dt.datetime) -> dt.datetime:
    """Excel has no time zones: aware datetimes are shown in the office's local time."""
    if timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


_NUMBER_LIKE = re.compile(r"[+-][0-9\s().,-]*")


def csv_lines(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = CSV_DELIMITER,
    escape_formulas: bool = True,
) -> Iterator[str]:
    """CSV text, one line per item (``\\r\\n`` endings), for a streaming response or a file.

    The first item starts with a BOM so that Excel reads the file as UTF-8. The
    delimiter is ";" for Excel in the Indonesian locale, and numbers use a decimal
    comma, as there and as the importer reads them (``1.500`` would mean 1500).
    Dates are ISO (``2023-08-17``), which every Excel recognises. Encode the items
    as UTF-8. ``escape_formulas`` prefixes ``'`` to text that Excel would run as a
    formula (``=``, ``@``, ``+``/``-`` not followed by a number): export data comes
    from many hands. CSV cannot keep Excel from turning a 16-digit NIK into a
    number: offer XLSX for opening in Excel.
    """
    buffer = _LineBuffer()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([str(h) for h in headers])
    for row in rows:
        yield writer.writerow([_csv_value(v, escape_formulas) for v in row])


class _LineBuffer:
    """A file for csv.writer whose write() hands the line back (writerow returns it)."""

    def write(self, line: str) -> str:
        return line


def _csv_value(value: Any, escape_formulas: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        if escape_formulas and value and value[0] in "=@+-\t\r" and not _NUMBER_LIKE.fullmatch(value):
            return "'" + value
        return value
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, dt.datetime):
        return _naive(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
