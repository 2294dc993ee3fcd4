"""Reading and writing tables (berdaya.core.tabular) with the files districts really send.

The files live in tests/data/import/ (built by make_files.py there, which says what
each one shows); a few one-off variants are built here in tmp_path.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from django.utils import translation

from berdaya.core.tabular import (
    LISTS_SHEET,
    TEMPLATE_NOTES_NAME,
    Table,
    UnusableFile,
    csv_lines,
    open_table,
    write_xlsx,
)
from berdaya.registry.columns import UMKM, columns_for

DATA = Path(__file__).resolve().parent / "data" / "import"

UMKM_HEADERS = [c.name for c in columns_for(UMKM)]  # the template's columns, in order


@pytest.fixture(autouse=True)
def indonesian():
    with translation.override("id"):
        yield


def rows_of(table: Table) -> list[tuple[int, list]]:
    return list(table.rows())


def column(table: Table, name: str) -> list:
    index = table.headers.index(name)
    return [values[index] for _number, values in table.rows()]


def save_workbook(path: Path, build) -> Path:
    workbook = openpyxl.Workbook()
    build(workbook)
    workbook.save(path)
    return path


# --- format detection ------------------------------------------------------------------------


def test_valid_xlsx_gives_headers_typed_cells_and_excel_row_numbers():
    table = open_table(DATA / "umkm_valid.xlsx")

    assert table.format == "xlsx"
    assert table.sheet_name == "UMKM"
    assert table.headers == UMKM_HEADERS
    assert table.header_row == 1
    assert table.notices == []
    assert table.datemode_1904 is False
    rows = rows_of(table)
    assert [number for number, _values in rows] == list(range(2, 12))
    first = dict(zip(table.headers, rows[0][1], strict=True))
    # Identifier cells formatted as text come back as text, digits intact.
    assert first["nik_pemilik"] == "7471015203880002"
    assert first["kbli"] == "10792"
    assert first["kode_wilayah"] == "74.71.01.1006"
    # calamine gives every number cell as a float; the parsing layer decides.
    assert first["modal_usaha"] == 15_000_000.0 and isinstance(first["modal_usaha"], float)
    assert first["lat"] == pytest.approx(-3.9661)
    assert first["npwp"] is None  # an empty cell
    assert all(len(values) == len(UMKM_HEADERS) for _n, values in rows)


def test_valid_csv_holds_the_same_rows_as_text():
    xlsx = open_table(DATA / "umkm_valid.xlsx")
    table = open_table(DATA / "umkm_valid.csv")

    assert table.format == "csv"
    assert table.sheet_name is None
    assert table.encoding == "utf-8-sig"  # the BOM is not part of the first header
    assert table.delimiter == ";"
    assert table.headers == UMKM_HEADERS
    assert [n for n, _v in table.rows()] == [n for n, _v in xlsx.rows()]
    assert column(table, "nik_pemilik") == column(xlsx, "nik_pemilik")
    first = dict(zip(table.headers, rows_of(table)[0][1], strict=True))
    # No type guessing in CSV: the parsing layer reads "15000000" and "-3,9661".
    assert first["modal_usaha"] == "15000000"
    assert first["lat"] == "-3,9661"
    assert first["npwp"] is None


def test_koperasi_dates_come_as_dates():
    table = open_table(DATA / "koperasi_valid.xlsx")

    assert table.headers[0] == "nama_koperasi"
    assert len(rows_of(table)) == 5
    assert column(table, "tanggal_badan_hukum")[0] == dt.date(2020, 3, 16)
    assert column(table, "nik_ketua")[2] == "7403064801700002"


def test_ods_is_read_when_calamine_reads_it():
    table = open_table(DATA / "umkm_libreoffice.ods")

    assert table.format == "ods"
    assert table.headers[:2] == ["nama_usaha", "nama_pemilik"]
    assert rows_of(table)[0] == (
        2,
        ["Kue Basah Bu Wa Ode", "Wa Ode Fitriani", "7471015203880002", "Kota Kendari", 96_000_000.0],
    )


def test_format_is_decided_by_content_not_by_name(tmp_path):
    renamed = shutil.copy(DATA / "umkm_valid.xlsx", tmp_path / "upload-7f3a")
    table = open_table(renamed, original_name="daftar umkm.csv")

    assert table.format == "xlsx"
    assert len(rows_of(table)) == 10
    assert table.notices == ["Berkas bernama .csv tetapi isinya XLSX; dibaca sebagai XLSX."]

    text = shutil.copy(DATA / "umkm_valid.csv", tmp_path / "daftar.xlsx")
    assert open_table(text).format == "csv"


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("empty.xlsx", "empty", "kosong"),
        ("empty.csv", "empty", "kosong"),
        ("headers_only.xlsx", "headers_only", "baris 1"),
        ("no_header.xlsx", "no_header", "judul kolom"),
        ("wrong_type.pdf", "wrong_type", "PDF"),
        ("legacy.xls", "wrong_type", "Buku Kerja Excel (*.xlsx)"),
        ("encrypted.xlsx", "encrypted", "kata sandi"),
        ("html_as_xls.xls", "wrong_type", "HTML"),
    ],
)
def test_unusable_files_say_why_in_indonesian(name, code, words):
    with pytest.raises(UnusableFile) as raised:
        open_table(DATA / name)

    assert raised.value.code == code
    assert words in raised.value.message
    assert str(raised.value) == raised.value.message


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"   \r\n\r\n  \t\r\n", "empty"),
        (b"\xef\xbb\xbf;;;\r\n;;;\r\n", "empty"),  # Excel's CSV of a sheet with formatted empty cells
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "wrong_type"),
        (b"\xff\xd8\xff\xe0" + bytes(200), "wrong_type"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), "wrong_type"),  # binary: NUL bytes
        (b"PK\x03\x04" + b"truncated upload", "damaged"),
    ],
)
def test_other_unusable_content(tmp_path, content, code):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)

    with pytest.raises(UnusableFile) as raised:
        open_table(path)
    assert raised.value.code == code


def test_word_document_and_truncated_xlsx(tmp_path):
    docx = tmp_path / "surat.docx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(UnusableFile) as raised:
        open_table(docx)
    assert raised.value.code == "wrong_type"
    assert "Word" in raised.value.message

    truncated = tmp_path / "putus.xlsx"
    truncated.write_bytes((DATA / "umkm_valid.xlsx").read_bytes()[:3000])
    with pytest.raises(UnusableFile) as raised:
        open_table(truncated)
    assert raised.value.code == "damaged"


# --- sheets, header row, empty rows -----------------------------------------------------------


def test_hidden_sheet_is_ignored_with_a_notice():
    table = open_table(DATA / "hidden_sheet.xlsx")

    assert table.sheet_name == "Data 2025"
    assert "Lembar tersembunyi 'Data 2023' diabaikan." in table.notices
    assert [v[0] for _n, v in table.rows()] == [
        "Kue Basah Bu Wa Ode",
        "Konveksi Anggrek",
        "Anyaman Pandan Wanci",
    ]


def test_data_only_on_a_hidden_sheet_is_unusable(tmp_path):
    def build(workbook):
        visible = workbook.active
        visible.title = "Kosong"
        hidden = workbook.create_sheet("Rahasia")
        hidden.append(["nama_usaha", "nama_pemilik"])
        hidden.append(["Kue Basah", "Wa Ode"])
        hidden.sheet_state = "hidden"

    with pytest.raises(UnusableFile) as raised:
        open_table(save_workbook(tmp_path / "t.xlsx", build))
    assert raised.value.code == "empty"
    assert "'Rahasia'" in raised.value.message


def test_first_visible_sheet_with_data_is_read_and_others_are_named(tmp_path):
    def build(workbook):
        workbook.active.title = "Petunjuk kosong"
        first = workbook.create_sheet("Muna")
        first.append(["nama_usaha", "nama_pemilik"])
        first.append(["Tenun Ikat", "Wa Ode Nurhayati"])
        second = workbook.create_sheet("Buton")
        second.append(["nama_usaha", "nama_pemilik"])
        second.append(["Aspal Buton", "La Ode Hamid"])
        workbook.create_sheet("Sheet3")  # Excel's empty default sheet: not worth a notice

    table = open_table(save_workbook(tmp_path / "t.xlsx", build))
    assert table.sheet_name == "Muna"
    assert table.notices == [
        "Hanya lembar 'Muna' yang dibaca; lembar lain yang berisi data diabaikan: 'Buton'."
    ]


def test_title_rows_above_the_header_and_empty_rows_between_data():
    table = open_table(DATA / "title_row.xlsx")

    assert table.header_row == 4
    assert table.headers[0] == "nama_usaha"
    # The title merged over A1:F1 is layout, not a merged data cell.
    assert table.notices == [
        "Baris 1, 2 di atas baris judul kolom (baris 4) diabaikan: 'DAFTAR UMKM KAB. MUNA 2025'."
    ]
    assert [number for number, _values in table.rows()] == [5, 6, 8, 9]  # row 7 is empty


def test_table_placed_away_from_a1_keeps_true_row_numbers(tmp_path):
    def build(workbook):
        sheet = workbook.active
        sheet["C3"], sheet["D3"], sheet["E3"] = "nama_usaha", "nama_pemilik", "omzet_tahunan"
        sheet["C4"], sheet["D4"], sheet["E4"] = "Kue Basah", "Wa Ode", 1500000
        sheet["C6"], sheet["E6"] = "Bengkel Las", 2500000
        sheet["G6"] = "catatan tanpa judul kolom"

    table = open_table(save_workbook(tmp_path / "t.xlsx", build))
    assert table.header_row == 3
    assert table.headers == ["nama_usaha", "nama_pemilik", "omzet_tahunan"]
    assert rows_of(table) == [
        (4, ["Kue Basah", "Wa Ode", 1500000.0]),
        (6, ["Bengkel Las", None, 2500000.0]),  # cut to the header's width
    ]
    assert table.total_rows == 3


def test_rows_can_be_read_twice():
    table = open_table(DATA / "repeated_row.xlsx")

    first, second = rows_of(table), rows_of(table)
    assert first == second
    # The reader reports a repeated row as it is: finding duplicates is the importer's job.
    assert first[0][1] == first[2][1]
    assert [n for n, _v in first] == [2, 3, 4]


def test_headers_are_raw_text():
    table = open_table(DATA / "umkm_synonym_headers.xlsx")
    assert table.headers == [
        "No",
        "Nama UMKM",
        "NAMA PEMILIK",
        "NIK",
        "Jenis Kelamin",
        "Kabupaten/Kota",
        "Omset",
        "Keterangan",
    ]
    assert rows_of(table)[0][1][0] == 1.0

    unknown = open_table(DATA / "umkm_unknown_headers.xlsx")
    assert unknown.headers == ["Kolom1", "Kolom2", "Kolom3"]
    assert len(rows_of(unknown)) == 2


# --- merged cells, formulas, typed cells --------------------------------------------------------


def test_merged_cells_are_reported_and_only_the_first_cell_has_the_value():
    table = open_table(DATA / "merged_cells.xlsx")

    assert table.notices == [
        "Sel gabungan di C2:C4: nilainya hanya ada di sel pertama (C2); sel lain dibaca kosong.",
        "Sel gabungan di A7:D7: nilainya hanya ada di sel pertama (A7); sel lain dibaca kosong.",
    ]
    assert column(table, "kabupaten_kota")[:3] == ["Kabupaten Muna", None, None]
    assert rows_of(table)[-1] == (7, ["JUMLAH", None, None, None, 342_000_000.0])


def test_formulas_give_their_stored_results():
    table = open_table(DATA / "formulas.xlsx")

    assert column(table, "omzet_tahunan") == [30_000_000.0, 60_000_000.0, 10_000_000.0]
    assert table.notices == ["Kolom 'omzet_tahunan' (E) berisi rumus: nilai hasil hitungan yang dipakai."]


def test_formulas_never_calculated_read_as_empty_with_a_notice():
    table = open_table(DATA / "formulas_uncalculated.xlsx")

    assert column(table, "omzet_tahunan") == [None, None, None]
    assert any("E2, E3, E4" in notice and "dibaca kosong" in notice for notice in table.notices)


def test_error_values_read_as_empty_with_a_notice(tmp_path):
    path = tmp_path / "galat.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["nama_usaha", "omzet_tahunan", "rasio"])
    sheet.write_row(1, 0, ["Kue Basah", 0])
    sheet.write_formula(1, 2, "=1/B2", None, "#DIV/0!")
    workbook.close()

    table = open_table(path)
    assert rows_of(table) == [(2, ["Kue Basah", 0.0, None])]
    assert "Sel C2 berisi galat Excel (misalnya #N/A atau #DIV/0!); sel itu dibaca kosong." in table.notices


def test_numeric_identifiers_come_as_floats_for_the_parser_to_refuse():
    table = open_table(DATA / "nik_as_number.xlsx")

    niks = column(table, "nik_pemilik")
    assert niks[0] == 7471011708850000.0 and isinstance(niks[0], float)  # 7471011708850001 lost its 1
    assert column(table, "nib") == [9120207418832.0, 9120105231457.0]


def test_money_and_dates_are_passed_through_raw():
    table = open_table(DATA / "money_and_dates.xlsx")

    assert column(table, "tanggal_badan_hukum") == [
        dt.date(2020, 3, 16),
        "17 Agustus 2023",
        "17/08/2023",
        "2023-08-17",
        dt.date(2022, 2, 7),  # a datetime at midnight: calamine hands over the date
    ]
    assert column(table, "aset") == ["Rp 1.500.000,00", "1.500.000", 1_500_000.0, "1500000", "1.500.000,00"]
    assert column(table, "shu")[3] == 0.0  # a zero is a value, not an empty cell


def test_region_names_are_passed_through_as_typed():
    # Resolving "Konsel" or refusing "Bandung" is the importer's job; the reader keeps the text.
    table = open_table(DATA / "ambiguous_regions.xlsx")

    assert table.headers[-1] == "harapan"
    assert column(table, "kabupaten_kota")[:4] == ["Muna", "Muna Barat", "Konsel", "Kota Kdi"]
    assert column(table, "desa_kelurahan")[-1] == "Kel. Wakumoro"
    assert len(rows_of(table)) == 12


def test_1904_date_system_is_reported(tmp_path):
    path = tmp_path / "mac.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"date_1904": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["nama_koperasi", "tanggal_badan_hukum"])
    sheet.write_string(1, 0, "KSP Sejahtera")
    sheet.write_datetime(1, 1, dt.date(2020, 3, 16), workbook.add_format({"num_format": "dd/mm/yyyy"}))
    workbook.close()

    table = open_table(path)
    assert table.datemode_1904 is True
    assert rows_of(table) == [(2, ["KSP Sejahtera", dt.date(2020, 3, 16)])]


# --- CSV ------------------------------------------------------------------------------------


def test_csv_scientific_nik_stays_the_text_excel_wrote():
    table = open_table(DATA / "scientific_nik.csv")

    assert table.encoding == "utf-8"
    assert column(table, "nik_pemilik") == ["7.47101E+15", "7,47101E+15", "7471045907950011"]


def test_csv_windows_1252_with_commas_and_a_line_break_in_a_cell():
    table = open_table(DATA / "umkm_cp1252_comma.csv")

    assert (table.encoding, table.delimiter) == ("cp1252", ",")
    assert "Berkas CSV tidak memakai UTF-8; dibaca sebagai Windows-1252." in table.notices
    rows = rows_of(table)
    assert rows[0][1][2] == "Jl. Bunggasi No. 12, Korumba"
    assert rows[1][1][:3] == ["Café Teluk Kendari", "André Lasut", "Jl. Ujung Pandang\nRuko No. 3"]
    assert rows[2][1][2] == "Dusun II – Pentiro"
    # Numbered by record, as Excel shows the file: the line break stays inside row 3.
    assert [n for n, _v in rows] == [2, 3, 4]


def test_csv_utf16_tab_separated_unicode_text():
    table = open_table(DATA / "umkm_utf16_tab.txt")

    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert table.headers[0] == "nama_usaha"
    assert rows_of(table)[1][1][1] == "André Lasut"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("nama_usaha;omzet_tahunan;lat\r\nKue, Basah;1.500.000,00;-3,96\r\nBengkel;2.000,50;-4,01\r\n", ";"),
        ("nama_usaha,omzet_tahunan\nKue Basah,1500000\nBengkel,2000000\n", ","),
        ("nama_usaha|omzet_tahunan\nKue Basah|1500000\n", "|"),
        ("nama_usaha\tomzet_tahunan\nKue Basah\t1500000\n", "\t"),
    ],
)
def test_csv_delimiter_is_sniffed(tmp_path, text, delimiter):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")

    table = open_table(path)
    assert table.delimiter == delimiter
    assert table.headers[:2] == ["nama_usaha", "omzet_tahunan"]
    assert rows_of(table)[0][0] == 2


def test_csv_sep_line_title_row_and_blank_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "sep=,\r\nDAFTAR UMKM KOTA KENDARI,,\r\nnama_usaha,nama_pemilik,omzet_tahunan\r\n"
        "Kue Basah,Wa Ode,1500000\r\n\r\n,,\r\nBengkel,La Ode,\r\n",
        encoding="utf-8",
    )

    table = open_table(path)
    # Excel hides the "sep=" line, so the title is its row 1 and the header row 2.
    assert (table.delimiter, table.header_row) == (",", 2)
    assert rows_of(table) == [(3, ["Kue Basah", "Wa Ode", "1500000"]), (6, ["Bengkel", "La Ode", None])]
    assert table.notices == [
        "Baris 1 di atas baris judul kolom (baris 2) diabaikan: 'DAFTAR UMKM KOTA KENDARI'."
    ]


def test_csv_reading_streams_in_flat_memory(tmp_path):
    path = tmp_path / "besar.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("nama_usaha;nama_pemilik;nik_pemilik;omzet_tahunan\r\n")
        for i in range(200_000):
            handle.write(f"Usaha {i};Pemilik {i};74710117088{i % 100_000:05d};{1_000_000 + i}\r\n")

    table = open_table(path)
    assert table.total_rows == pytest.approx(200_000, rel=0.05)
    tracemalloc.start()
    try:
        count, number = 0, 0
        for number, _values in table.rows():  # noqa: B007 - the last number is checked below
            count += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (count, number) == (200_000, 200_001)
    assert peak < 2_000_000  # a few rows and read buffers, not 12 MB of file


# --- writing XLSX ---------------------------------------------------------------------------


def test_write_xlsx_round_trip_keeps_identifiers_as_text(tmp_path):
    path = tmp_path / "ekspor.xlsx"
    headers = ["nama_usaha", "nik_pemilik", "omzet_tahunan", "tanggal", "aktif", "catatan"]
    rows = [
        ["Kue Basah Bu Wa Ode", 7471015203880002, 96_000_000, dt.date(2023, 8, 17), True, "=1+1"],
        ["Bengkel Las", "7471011708850001", 420_000_000, dt.datetime(2024, 1, 5, 9, 30), False, None],
    ]
    write_xlsx(path, headers, rows, text_columns={"nik_pemilik"})

    table = open_table(path)
    assert table.headers == headers
    assert rows_of(table) == [
        (2, ["Kue Basah Bu Wa Ode", "7471015203880002", 96_000_000.0, dt.date(2023, 8, 17), True, "=1+1"]),
        (3, ["Bengkel Las", "7471011708850001", 420_000_000.0, dt.datetime(2024, 1, 5, 9, 30), False, None]),
    ]

    sheet = openpyxl.load_workbook(path)["Data"]
    assert sheet["B2"].data_type == "s" and sheet["B2"].number_format == "@"
    assert sheet["F2"].data_type == "s"  # text that looks like a formula stays text
    assert sheet["A1"].font.b is True
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F3"


def test_write_xlsx_never_writes_a_long_integer_as_a_number(tmp_path):
    path = tmp_path / "t.xlsx"
    write_xlsx(path, ["nik", "jumlah"], [[7471011708850001, 12]])

    assert rows_of(open_table(path)) == [(2, ["7471011708850001", 12.0])]


def test_write_xlsx_validations_inline_and_on_the_hidden_lists_sheet(tmp_path):
    path = tmp_path / "templat.xlsx"
    kabupaten = [
        "Kabupaten Kolaka",
        "Kabupaten Konawe",
        "Kabupaten Muna",
        "Kabupaten Buton",
        "Kabupaten Konawe Selatan",
        "Kabupaten Bombana",
        "Kabupaten Wakatobi",
        "Kabupaten Kolaka Utara",
        "Kabupaten Konawe Utara",
        "Kabupaten Buton Utara",
        "Kabupaten Kolaka Timur",
        "Kabupaten Konawe Kepulauan",
        "Kabupaten Muna Barat",
        "Kabupaten Buton Tengah",
        "Kabupaten Buton Selatan",
        "Kota Kendari",
        "Kota Bau Bau",
    ]
    headers = ["nama_usaha", "jenis_kelamin_pemilik", "kabupaten_kota"]
    write_xlsx(path, headers, [], validations={1: ["L", "P"], "kabupaten_kota": kabupaten})

    workbook = openpyxl.load_workbook(path)
    validations = {str(v.sqref): v for v in workbook["Data"].data_validations.dataValidation}
    assert validations["B2:B1048576"].formula1 == '"L,P"'
    assert validations["C2:C1048576"].formula1 == "'Daftar'!$A$1:$A$17"
    assert all(v.type == "list" for v in validations.values())
    lists = workbook[LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    assert [c.value for c in lists["A"]] == kabupaten
    # Our own lists sheet is expected: no "hidden sheet" notice for it.
    with pytest.raises(UnusableFile) as raised:
        open_table(path)
    assert raised.value.code == "headers_only"


def test_template_notes_row_is_skipped_when_the_filled_template_comes_back(tmp_path):
    path = tmp_path / "templat.xlsx"
    headers = ["nama_usaha", "nama_pemilik", "nik_pemilik"]
    notes = ["Nama usaha (wajib)", "Nama pemilik (wajib)", "16 digit, sebagai teks"]
    write_xlsx(path, headers, [], notes_row=notes, text_columns={2})

    workbook = openpyxl.load_workbook(path)
    assert TEMPLATE_NOTES_NAME in workbook.defined_names
    sheet = workbook["Data"]
    assert [c.value for c in sheet[2]] == notes
    assert sheet.freeze_panes == "A3"
    sheet.append(["Kue Basah Bu Wa Ode", "Wa Ode Fitriani", "7471015203880002"])  # the clerk fills it in
    workbook.save(path)

    table = open_table(path)
    assert table.headers == headers
    assert table.notices == []
    assert rows_of(table) == [(3, ["Kue Basah Bu Wa Ode", "Wa Ode Fitriani", "7471015203880002"])]


def test_write_xlsx_to_a_file_object_with_widths_by_name():
    buffer = io.BytesIO()
    write_xlsx(buffer, ["nama_usaha", "alamat"], [["Kue", "Jl. Bunggasi"]], column_widths={"alamat": 40})

    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Data"]
    assert sheet.column_dimensions["B"].width == pytest.approx(40, abs=1)
    assert sheet["B2"].value == "Jl. Bunggasi"


def test_write_xlsx_streams_200k_rows(tmp_path):
    path = tmp_path / "besar.xlsx"
    rows = (
        [f"Usaha {i}", f"74710117088{i % 100_000:05d}", 1_000_000 + i, dt.date(2020, 1, 1)]
        for i in range(200_000)
    )
    write_xlsx(path, ["nama_usaha", "nik_pemilik", "omzet_tahunan", "tanggal"], rows, text_columns={1})

    table = open_table(path)
    assert table.total_rows == 200_000
    (last,) = collections.deque(table.rows(), maxlen=1)
    assert last == (200_001, ["Usaha 199999", "7471011708899999", 1_199_999.0, dt.date(2020, 1, 1)])


# --- writing CSV ----------------------------------------------------------------------------


def test_csv_lines_for_excel_and_back_through_the_reader(tmp_path):
    headers = ["nama_usaha", "nik_pemilik", "omzet_tahunan", "lat", "tanggal", "alamat", "telepon", "catatan"]
    rows = [
        [
            *("Kue Basah", "7471015203880002", 96_000_000, -3.9661, dt.date(2023, 8, 17)),
            *("Jl. A;\nRuko 3", "+62 821 8899 1020", "=HYPERLINK(1)"),
        ],
        ["Bengkel", None, 0, 122.5, None, "Jl. B", "-", "-5"],
    ]
    lines = list(csv_lines(headers, rows))

    assert lines[0] == "\ufeff" + ";".join(headers) + "\r\n"
    assert len(lines) == 3
    path = tmp_path / "ekspor.csv"
    path.write_bytes("".join(lines).encode("utf-8"))

    table = open_table(path)
    assert (table.encoding, table.delimiter, table.headers) == ("utf-8-sig", ";", headers)
    assert rows_of(table) == [
        (
            2,
            [
                *("Kue Basah", "7471015203880002", "96000000", "-3,9661", "2023-08-17"),
                *("Jl. A;\nRuko 3", "+62 821 8899 1020", "'=HYPERLINK(1)"),
            ],
        ),
        (3, ["Bengkel", None, "0", "122,5", None, "Jl. B", "-", "-5"]),
    ]


def test_csv_lines_is_a_standard_csv_for_programs():
    text = "".join(csv_lines(["a", "b"], [["x,y", 'kata "kutip"']], delimiter=","))
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [["a", "b"], ["x,y", 'kata "kutip"']]
