"""Build the import test files in this folder (run once; the files are committed).

    .venv/bin/python tests/data/import/make_files.py

Each file is small and shows one thing a district office really sends. The data is
plausible Sulawesi Tenggara data: Kemendagri region codes from
``src/berdaya/regions/data/regions_74_full.csv``, NIKs that pass ``stdnum.id.nik``
(kecamatan code + birth date, day + 40 for women + a serial that is not 0000).

What each file is for (the reader tests are in tests/test_tabular.py; the importer
tests reuse the files):

* ``umkm_valid.xlsx`` — 10 UMKM rows, every canonical column, identifiers as text.
* ``umkm_valid.csv`` — the same rows as Excel's "CSV UTF-8" in the Indonesian locale:
  ``;``-separated, BOM, CRLF, decimal comma.
* ``koperasi_valid.xlsx`` — 5 koperasi rows, every canonical column, dates as date cells.
* ``umkm_synonym_headers.xlsx`` — headers as typed by hand (``Nama UMKM``, ``NAMA
  PEMILIK``, ``NIK``, ``Omset``) plus a running number ``No`` and ``Keterangan``.
* ``umkm_unknown_headers.xlsx`` — headers that map to nothing (``Kolom1``...).
* ``empty.xlsx`` — a workbook whose only sheet is empty; ``empty.csv`` — 0 bytes.
* ``headers_only.xlsx`` — the UMKM header row and no data.
* ``no_header.xlsx`` — numbers only, no row of column names.
* ``wrong_type.pdf`` — a one-page PDF.
* ``legacy.xls`` — an OLE2 container (the old .xls format): magic bytes, a directory
  naming a "Workbook" stream, junk. Enough for content detection.
* ``encrypted.xlsx`` — what Excel makes of a password-protected .xlsx: an OLE2
  container with an "EncryptedPackage" stream (faked the same way, no real crypto).
* ``html_as_xls.xls`` — an HTML table saved with an Excel name (web apps' "export").
* ``merged_cells.xlsx`` — kabupaten_kota merged down C2:C4 (one value for three
  rows) and a "JUMLAH" total row merged A7:D7.
* ``hidden_sheet.xlsx`` — a hidden first sheet "Data 2023" and a visible "Data 2025".
* ``formulas.xlsx`` — omzet_tahunan as ``=D2*2`` formulas with stored results
  (written by xlsxwriter, which can store them); ``formulas_uncalculated.xlsx`` — the
  same formulas without results (openpyxl cannot store them), as a program leaves them.
* ``nik_as_number.xlsx`` — NIK and NIB typed as numbers: the NIK 7471011708850001
  kept by Excel as 7471011708850000 (15 significant digits), the NIB 9120105231457.
* ``scientific_nik.csv`` — NIKs as a CSV export of number cells shows them:
  ``7.47101E+15`` and, in the Indonesian locale, ``7,47101E+15``; row 4 is valid.
* ``money_and_dates.xlsx`` — koperasi money and dates in every form: ``Rp
  1.500.000,00``, ``1.500.000`` as text, Excel numbers, ``17 Agustus 2023``,
  ``17/08/2023``, ``2023-08-17`` and real date cells.
* ``ambiguous_regions.xlsx`` — region names: found (``Muna``, ``Muna Barat``,
  ``Konsel``, ``Kota Kdi``, ``Kab. Buton``, ``Kota Baubau``), ambiguous (``Bandung``:
  Kabupaten or Kota; desa ``Mataiwoi`` without kecamatan: four in Konawe Selatan;
  ``Wakumoro`` in Parigi, Muna: a desa and a kelurahan) and unknown
  (``Kabupaten Antah``). The column ``harapan`` says what each row should give.
* ``repeated_row.xlsx`` — row 4 repeats row 2.
* ``title_row.xlsx`` — a merged title "DAFTAR UMKM KAB. MUNA 2025" and a subtitle
  above the header (row 4), and an empty row 7 between data rows.
* ``umkm_cp1252_comma.csv`` — Windows-1252 (Excel's plain "CSV"), ``,``-separated,
  quoted cells with commas and a line break.
* ``umkm_utf16_tab.txt`` — Excel's "Unicode Text": UTF-16 with BOM, tab-separated.
* ``umkm_libreoffice.ods`` — LibreOffice Calc's own format, three UMKM rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter
from openpyxl.styles import Font
from stdnum import luhn
from stdnum.id import nik as nik_check

from berdaya.registry.columns import KOPERASI, UMKM, columns_for

HERE = Path(__file__).resolve().parent
FIXED_TIME = dt.datetime(2025, 6, 2, 8, 0, 0)

UMKM_HEADERS = [c.name for c in columns_for(UMKM)]  # the template's columns, in order
UMKM_TEXT = {"nik_pemilik", "nib", "npwp", "kbli", "kode_wilayah", "telepon"}

KOPERASI_HEADERS = [c.name for c in columns_for(KOPERASI)]
KOPERASI_TEXT = {"nik_koperasi", "kode_wilayah", "telepon", "nik_ketua"}


def make_nik(kecamatan: str, born: dt.date, serial: int, *, female: bool) -> str:
    day = born.day + 40 if female else born.day
    number = f"{kecamatan.replace('.', '')}{day:02d}{born:%m%y}{serial:04d}"
    nik_check.validate(number)  # a test file with a broken "valid" NIK helps nobody
    return number


def make_npwp(first8: str, office: str) -> str:
    """An old 15-digit NPWP: 8 digits + Luhn check digit, tax office, branch 000."""
    return first8 + luhn.calc_check_digit(first8) + office + "000"


# --- the data ---------------------------------------------------------------------------------

N1 = make_nik("74.71.01", dt.date(1985, 8, 17), 1, female=False)  # 7471011708850001
UMKM_ROWS: list[dict] = [
    {
        "nama_usaha": "Kue Basah Bu Wa Ode",
        "nama_pemilik": "Wa Ode Fitriani",
        "nik_pemilik": make_nik("74.71.01", dt.date(1988, 3, 12), 2, female=True),
        "jenis_kelamin_pemilik": "P",
        "nib": "9120105231457",
        "npwp": "",
        "kbli": "10792",
        "bidang_usaha": "Makanan",
        "kode_wilayah": "74.71.01.1006",
        "kabupaten_kota": "Kota Kendari",
        "kecamatan": "Mandonga",
        "desa_kelurahan": "Korumba",
        "alamat": "Jl. Bunggasi No. 12",
        "telepon": "0812-4512-7781",
        "tahun_berdiri": 2016,
        "modal_usaha": 15_000_000,
        "omzet_tahunan": 96_000_000,
        "tenaga_kerja_laki": 0,
        "tenaga_kerja_perempuan": 3,
        "lat": -3.9661,
        "lon": 122.5148,
    },
    {
        "nama_usaha": "Bengkel Las Sumber Jaya",
        "nama_pemilik": "La Ode Muhammad Ridwan",
        "nik_pemilik": N1,
        "jenis_kelamin_pemilik": "L",
        "nib": "9120207418832",
        "npwp": make_npwp("07345128", "811"),
        "kbli": "25111",
        "bidang_usaha": "Logam",
        "kode_wilayah": "74.71.03.1002",
        "kabupaten_kota": "Kota Kendari",
        "kecamatan": "Baruga",
        "desa_kelurahan": "Lepo Lepo",
        "alamat": "Jl. Malaka No. 41",
        "telepon": "081341234567",
        "tahun_berdiri": 2012,
        "modal_usaha": 85_000_000,
        "omzet_tahunan": 420_000_000,
        "tenaga_kerja_laki": 4,
        "tenaga_kerja_perempuan": 0,
        "lat": -4.0312,
        "lon": 122.5166,
    },
    {
        "nama_usaha": "Tenun Ikat Masalili",
        "nama_pemilik": "Wa Ode Nurhayati",
        "nik_pemilik": make_nik("74.03.06", dt.date(1979, 11, 3), 14, female=True),
        "jenis_kelamin_pemilik": "P",
        "nib": "9120310552190",
        "npwp": "",
        "kbli": "13912",
        "bidang_usaha": "Kerajinan",
        "kode_wilayah": "74.03.06.2006",
        "kabupaten_kota": "Kabupaten Muna",
        "kecamatan": "Napabalano",
        "desa_kelurahan": "Pentiro",
        "alamat": "Dusun II",
        "telepon": "0823-4410-2298",
        "tahun_berdiri": 2009,
        "modal_usaha": 7_500_000,
        "omzet_tahunan": 48_000_000,
        "tenaga_kerja_laki": 0,
        "tenaga_kerja_perempuan": 5,
        "lat": -4.7705,
        "lon": 122.8011,
    },
    {
        "nama_usaha": "Kedai Kopi Wolio",
        "nama_pemilik": "Muhammad Arsyad",
        "nik_pemilik": make_nik("74.72.02", dt.date(1992, 1, 25), 3, female=False),
        "jenis_kelamin_pemilik": "L",
        "nib": "9120408811023",
        "npwp": make_nik("74.72.02", dt.date(1992, 1, 25), 3, female=False),
        "kbli": "56103",
        "bidang_usaha": "Kuliner",
        "kode_wilayah": "74.72.02.1003",
        "kabupaten_kota": "Kota Bau Bau",
        "kecamatan": "Wolio",
        "desa_kelurahan": "Bataraguru",
        "alamat": "Jl. Sultan Hasanuddin No. 5",
        "telepon": "+62 821 8899 1020",
        "tahun_berdiri": 2019,
        "modal_usaha": 40_000_000,
        "omzet_tahunan": 210_000_000,
        "tenaga_kerja_laki": 2,
        "tenaga_kerja_perempuan": 2,
        "lat": -5.4667,
        "lon": 122.6156,
    },
    {
        "nama_usaha": "Ikan Asin Lapoa",
        "nama_pemilik": "Hasnah",
        "nik_pemilik": make_nik("74.05.01", dt.date(1975, 6, 30), 7, female=True),
        "jenis_kelamin_pemilik": "P",
        "nib": "",
        "npwp": "",
        "kbli": "10213",
        "bidang_usaha": "Perikanan",
        "kode_wilayah": "74.05.01.2003",
        "kabupaten_kota": "Kabupaten Konawe Selatan",
        "kecamatan": "Tinanggea",
        "desa_kelurahan": "Lapoa",
        "alamat": "Dusun Pesisir",
        "telepon": "",
        "tahun_berdiri": 2005,
        "modal_usaha": 5_000_000,
        "omzet_tahunan": 36_000_000,
        "tenaga_kerja_laki": 1,
        "tenaga_kerja_perempuan": 2,
        "lat": -4.4702,
        "lon": 122.2264,
    },
    {
        "nama_usaha": "Toko Kelontong Berkah",
        "nama_pemilik": "Andi Saputra",
        "nik_pemilik": make_nik("74.02.02", dt.date(1990, 9, 9), 21, female=False),
        "jenis_kelamin_pemilik": "L",
        "nib": "9120502236678",
        "npwp": "",
        "kbli": "47111",
        "bidang_usaha": "Perdagangan",
        "kode_wilayah": "74.02.02.1013",
        "kabupaten_kota": "Kabupaten Konawe",
        "kecamatan": "Unaaha",
        "desa_kelurahan": "Unaaha",
        "alamat": "Jl. Inolobu No. 88",
        "telepon": "085241009911",
        "tahun_berdiri": 2014,
        "modal_usaha": 60_000_000,
        "omzet_tahunan": 540_000_000,
        "tenaga_kerja_laki": 1,
        "tenaga_kerja_perempuan": 1,
        "lat": -3.9972,
        "lon": 122.0447,
    },
    {
        "nama_usaha": "Anyaman Pandan Wanci",
        "nama_pemilik": "Wa Ode Sitti Rahma",
        "nik_pemilik": make_nik("74.07.01", dt.date(1983, 4, 2), 5, female=True),
        "jenis_kelamin_pemilik": "P",
        "nib": "",
        "npwp": "",
        "kbli": "16292",
        "bidang_usaha": "Kerajinan",
        "kode_wilayah": "74.07.01.1003",
        "kabupaten_kota": "Kabupaten Wakatobi",
        "kecamatan": "Wangi-Wangi",
        "desa_kelurahan": "Wanci",
        "alamat": "Lingkungan Mola",
        "telepon": "0812-9090-1212",
        "tahun_berdiri": 2018,
        "modal_usaha": 3_000_000,
        "omzet_tahunan": 24_000_000,
        "tenaga_kerja_laki": 0,
        "tenaga_kerja_perempuan": 4,
        "lat": -5.3236,
        "lon": 123.5381,
    },
    {
        "nama_usaha": "Roti dan Kue Sabilambo",
        "nama_pemilik": "Yusuf Tandiari",
        "nik_pemilik": make_nik("74.01.04", dt.date(1987, 12, 1), 9, female=False),
        "jenis_kelamin_pemilik": "L",
        "nib": "9120601774415",
        "npwp": make_npwp("08812245", "813"),
        "kbli": "10710",
        "bidang_usaha": "Makanan",
        "kode_wilayah": "74.01.04.1005",
        "kabupaten_kota": "Kabupaten Kolaka",
        "kecamatan": "Kolaka",
        "desa_kelurahan": "Sabilambo",
        "alamat": "Jl. Pemuda No. 17",
        "telepon": "0405-2321456",
        "tahun_berdiri": 2011,
        "modal_usaha": 120_000_000,
        "omzet_tahunan": 1_150_000_000,
        "tenaga_kerja_laki": 3,
        "tenaga_kerja_perempuan": 6,
        "lat": -4.0603,
        "lon": 121.6038,
    },
    {
        "nama_usaha": "Konveksi Anggrek",
        "nama_pemilik": "Nurul Hidayah",
        "nik_pemilik": make_nik("74.71.04", dt.date(1995, 7, 19), 11, female=True),
        "jenis_kelamin_pemilik": "P",
        "nib": "9120701129984",
        "npwp": "",
        "kbli": "14111",
        "bidang_usaha": "Pakaian",
        "kode_wilayah": "74.71.04.1004",
        "kabupaten_kota": "Kota Kendari",
        "kecamatan": "Poasia",
        "desa_kelurahan": "Rahandouna",
        "alamat": "Lorong Anggrek No. 3",
        "telepon": "0853-3344-5566",
        "tahun_berdiri": 2021,
        "modal_usaha": 30_000_000,
        "omzet_tahunan": 150_000_000,
        "tenaga_kerja_laki": 1,
        "tenaga_kerja_perempuan": 4,
        "lat": -4.0089,
        "lon": 122.5511,
    },
    {
        "nama_usaha": "Apotek Kandai Sehat",
        "nama_pemilik": "Ahmad Ramli",
        "nik_pemilik": make_nik("74.71.02", dt.date(1981, 2, 14), 4, female=False),
        "jenis_kelamin_pemilik": "L",
        "nib": "9120801338871",
        "npwp": make_npwp("07990211", "811"),
        "kbli": "47721",
        "bidang_usaha": "Kesehatan",
        "kode_wilayah": "74.71.02.1009",
        "kabupaten_kota": "Kota Kendari",
        "kecamatan": "Kendari",
        "desa_kelurahan": "Kandai",
        "alamat": "Jl. Diponegoro No. 90",
        "telepon": "(0401) 3121456",
        "tahun_berdiri": 2007,
        "modal_usaha": 450_000_000,
        "omzet_tahunan": 2_600_000_000,
        "tenaga_kerja_laki": 2,
        "tenaga_kerja_perempuan": 3,
        "lat": -3.9716,
        "lon": 122.5928,
    },
]

KOPERASI_ROWS: list[dict] = [
    {
        "nama_koperasi": "Koperasi Simpan Pinjam Sejahtera Bersama",
        "nik_koperasi": "7471010020001234",
        "nomor_badan_hukum": "AHU-0001234.AH.01.26.TAHUN 2020",
        "tanggal_badan_hukum": dt.date(2020, 3, 16),
        "jenis_koperasi": "Simpan pinjam",
        "kode_wilayah": "74.71.01.1005",
        "kabupaten_kota": "Kota Kendari",
        "kecamatan": "Mandonga",
        "desa_kelurahan": "Mandonga",
        "alamat": "Jl. MT Haryono No. 21",
        "telepon": "0401-3125678",
        "jumlah_anggota_laki": 142,
        "jumlah_anggota_perempuan": 188,
        "jumlah_karyawan": 6,
        "tahun_rat_terakhir": 2024,
        "aset": 2_450_000_000,
        "modal_sendiri": 610_000_000,
        "volume_usaha": 3_100_000_000,
        "shu": 128_500_000,
        "nama_ketua": "H. La Ode Abdul Gani",
        "nik_ketua": make_nik("74.71.01", dt.date(1966, 5, 4), 3, female=False),
    },
    {
        "nama_koperasi": "Koperasi Produsen Nelayan Bahari Tinanggea",
        "nik_koperasi": "7405010030000451",
        "nomor_badan_hukum": "AHU-0004512.AH.01.29.TAHUN 2021",
        "tanggal_badan_hukum": dt.date(2021, 9, 1),
        "jenis_koperasi": "Produsen",
        "kode_wilayah": "74.05.01.2003",
        "kabupaten_kota": "Kabupaten Konawe Selatan",
        "kecamatan": "Tinanggea",
        "desa_kelurahan": "Lapoa",
        "alamat": "Dusun Pesisir",
        "telepon": "0852-4100-7788",
        "jumlah_anggota_laki": 48,
        "jumlah_anggota_perempuan": 9,
        "jumlah_karyawan": 2,
        "tahun_rat_terakhir": 2023,
        "aset": 380_000_000,
        "modal_sendiri": 150_000_000,
        "volume_usaha": 510_000_000,
        "shu": 21_000_000,
        "nama_ketua": "Baharuddin",
        "nik_ketua": make_nik("74.05.01", dt.date(1971, 10, 20), 8, female=False),
    },
    {
        "nama_koperasi": "Koperasi Konsumen Pegawai Pemkab Muna",
        "nik_koperasi": "7403060010000078",
        "nomor_badan_hukum": "512/BH/XXII/1998",
        "tanggal_badan_hukum": dt.date(1998, 7, 12),
        "jenis_koperasi": "Konsumen",
        "kode_wilayah": "74.03.06.1005",
        "kabupaten_kota": "Kabupaten Muna",
        "kecamatan": "Napabalano",
        "desa_kelurahan": "Tampo",
        "alamat": "Kompleks Perkantoran",
        "telepon": "",
        "jumlah_anggota_laki": 210,
        "jumlah_anggota_perempuan": 175,
        "jumlah_karyawan": 4,
        "tahun_rat_terakhir": 2022,
        "aset": 920_000_000,
        "modal_sendiri": 400_000_000,
        "volume_usaha": 1_250_000_000,
        "shu": 45_750_000,
        "nama_ketua": "Wa Ode Hasmiati",
        "nik_ketua": make_nik("74.03.06", dt.date(1970, 1, 8), 2, female=True),
    },
    {
        "nama_koperasi": "Koperasi Pemasaran Kakao Unaaha",
        "nik_koperasi": "7402020040000310",
        "nomor_badan_hukum": "AHU-0007730.AH.01.26.TAHUN 2019",
        "tanggal_badan_hukum": dt.date(2019, 11, 28),
        "jenis_koperasi": "Pemasaran",
        "kode_wilayah": "74.02.02.1013",
        "kabupaten_kota": "Kabupaten Konawe",
        "kecamatan": "Unaaha",
        "desa_kelurahan": "Unaaha",
        "alamat": "Jl. Sapati No. 2",
        "telepon": "0813-5500-1234",
        "jumlah_anggota_laki": 77,
        "jumlah_anggota_perempuan": 31,
        "jumlah_karyawan": 3,
        "tahun_rat_terakhir": 2024,
        "aset": 640_000_000,
        "modal_sendiri": 290_000_000,
        "volume_usaha": 1_800_000_000,
        "shu": 60_200_000,
        "nama_ketua": "Sulaiman Lamaronta",
        "nik_ketua": make_nik("74.02.02", dt.date(1975, 3, 3), 5, female=False),
    },
    {
        "nama_koperasi": "Koperasi Jasa Wisata Wakatobi",
        "nik_koperasi": "7407010050000027",
        "nomor_badan_hukum": "AHU-0002291.AH.01.26.TAHUN 2022",
        "tanggal_badan_hukum": dt.date(2022, 2, 7),
        "jenis_koperasi": "Jasa",
        "kode_wilayah": "74.07.01.1003",
        "kabupaten_kota": "Kabupaten Wakatobi",
        "kecamatan": "Wangi-Wangi",
        "desa_kelurahan": "Wanci",
        "alamat": "Jl. Poros Wanci",
        "telepon": "0821-9988-1100",
        "jumlah_anggota_laki": 25,
        "jumlah_anggota_perempuan": 22,
        "jumlah_karyawan": 5,
        "tahun_rat_terakhir": 2024,
        "aset": 215_000_000,
        "modal_sendiri": 120_000_000,
        "volume_usaha": 330_000_000,
        "shu": 18_400_000,
        "nama_ketua": "Sitti Marlina",
        "nik_ketua": make_nik("74.07.01", dt.date(1984, 8, 30), 12, female=True),
    },
]


# --- writers ---------------------------------------------------------------------------------


def _workbook() -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    workbook.properties.creator = "Dinas Koperasi dan UKM"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    return workbook


def _sheet(workbook: openpyxl.Workbook, title: str = "Sheet1"):
    sheet = workbook.active
    sheet.title = title
    return sheet


def _put_table(sheet, headers: list[str], rows: list[list], *, text: set[str] = frozenset(), top: int = 1):
    for column, header in enumerate(headers, start=1):
        sheet.cell(top, column, header).font = Font(bold=True)
    for r, row in enumerate(rows, start=top + 1):
        for column, (header, value) in enumerate(zip(headers, row, strict=True), start=1):
            if value == "" or value is None:
                continue
            cell = sheet.cell(r, column, value)
            if header in text:
                cell.number_format = "@"  # as a clerk does: "Format Cells > Text" before typing
            elif isinstance(value, dt.date):
                cell.number_format = "dd/mm/yyyy"


def _save(workbook: openpyxl.Workbook, name: str) -> None:
    workbook.save(HERE / name)


def _rows(records: list[dict], headers: list[str]) -> list[list]:
    return [[record[h] for h in headers] for record in records]


def umkm_valid() -> None:
    workbook = _workbook()
    _put_table(_sheet(workbook, "UMKM"), UMKM_HEADERS, _rows(UMKM_ROWS, UMKM_HEADERS), text=UMKM_TEXT)
    _save(workbook, "umkm_valid.xlsx")

    # Excel's "CSV UTF-8 (Comma delimited)" in the Indonesian locale: ";" and decimal comma.
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(UMKM_HEADERS)
    for row in _rows(UMKM_ROWS, UMKM_HEADERS):
        writer.writerow([str(v).replace(".", ",") if isinstance(v, float) else v for v in row])
    (HERE / "umkm_valid.csv").write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def koperasi_valid() -> None:
    workbook = _workbook()
    sheet = _sheet(workbook, "Koperasi")
    _put_table(sheet, KOPERASI_HEADERS, _rows(KOPERASI_ROWS, KOPERASI_HEADERS), text=KOPERASI_TEXT)
    _save(workbook, "koperasi_valid.xlsx")


def umkm_synonym_headers() -> None:
    headers = [
        "No",
        "Nama UMKM",
        "NAMA PEMILIK",
        "NIK",
        "Jenis Kelamin",
        "Kabupaten/Kota",
        "Omset",
        "Keterangan",
    ]
    rows = [
        [
            1.0,
            "Kue Basah Bu Wa Ode",
            "Wa Ode Fitriani",
            UMKM_ROWS[0]["nik_pemilik"],
            "Perempuan",
            "Kota Kendari",
            96000000,
            "binaan 2024",
        ],
        [
            2.0,
            "Bengkel Las Sumber Jaya",
            "La Ode Muhammad Ridwan",
            N1,
            "Laki-laki",
            "Kota Kendari",
            420_000_000,
            "",
        ],
        [
            3.0,
            "Tenun Ikat Masalili",
            "Wa Ode Nurhayati",
            UMKM_ROWS[2]["nik_pemilik"],
            "P",
            "Kab. Muna",
            48000000,
            "peserta pameran",
        ],
        [
            4.0,
            "Kedai Kopi Wolio",
            "Muhammad Arsyad",
            UMKM_ROWS[3]["nik_pemilik"],
            "L",
            "Kota Baubau",
            210000000,
            "",
        ],
        [5.0, "Ikan Asin Lapoa", "Hasnah", UMKM_ROWS[4]["nik_pemilik"], "P", "Konsel", 36_000_000, ""],
    ]
    workbook = _workbook()
    _put_table(_sheet(workbook), headers, rows, text={"NIK"})
    _save(workbook, "umkm_synonym_headers.xlsx")


def umkm_unknown_headers() -> None:
    workbook = _workbook()
    rows = [["Kue Basah Bu Wa Ode", "Kota Kendari", "x"], ["Tenun Ikat Masalili", "Kabupaten Muna", "y"]]
    _put_table(_sheet(workbook), ["Kolom1", "Kolom2", "Kolom3"], rows)
    _save(workbook, "umkm_unknown_headers.xlsx")


def empty_files() -> None:
    _save(_workbook(), "empty.xlsx")
    (HERE / "empty.csv").write_bytes(b"")

    workbook = _workbook()
    _put_table(_sheet(workbook, "UMKM"), UMKM_HEADERS, [])
    _save(workbook, "headers_only.xlsx")

    workbook = _workbook()
    sheet = _sheet(workbook)
    for r in range(1, 6):
        for c in range(1, 4):
            sheet.cell(r, c, r * 1000 + c)
    _save(workbook, "no_header.xlsx")


def wrong_types() -> None:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 770 Td (Daftar UMKM) Tj ET\nendstream",
    ]
    body = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    (HERE / "wrong_type.pdf").write_bytes(bytes(body))

    (HERE / "legacy.xls").write_bytes(_ole2(["Root Entry", "Workbook", "\x05SummaryInformation"]))
    (HERE / "encrypted.xlsx").write_bytes(
        _ole2(["Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])
    )

    html = (
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head>'
        "<body><table><tr><th>nama_usaha</th><th>nama_pemilik</th></tr>"
        "<tr><td>Kue Basah Bu Wa Ode</td><td>Wa Ode Fitriani</td></tr></table></body></html>\n"
    )
    (HERE / "html_as_xls.xls").write_text(html, encoding="utf-8")


def _ole2(streams: list[str]) -> bytes:
    """An OLE2 header and a directory sector naming ``streams``; the rest is junk."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")  # minor version
    header[0x1A:0x1C] = (3).to_bytes(2, "little")  # major version 3: 512-byte sectors
    header[0x1C:0x1E] = b"\xfe\xff"  # little-endian
    header[0x1E:0x20] = (9).to_bytes(2, "little")  # sector shift
    header[0x20:0x22] = (6).to_bytes(2, "little")  # mini sector shift
    directory = bytearray()
    for name in streams:
        entry = bytearray(128)
        encoded = (name + "\x00").encode("utf-16-le")
        entry[: len(encoded)] = encoded
        entry[64:66] = len(encoded).to_bytes(2, "little")
        entry[66] = 5 if name == "Root Entry" else 2
        directory += entry
    junk = bytes((i * 37 + 11) % 256 for i in range(1024))
    return bytes(header) + bytes(directory.ljust(512, b"\x00")) + junk


def merged_cells() -> None:
    headers = ["nama_usaha", "nama_pemilik", "kabupaten_kota", "kecamatan", "omzet_tahunan"]
    rows = [
        ["Tenun Ikat Masalili", "Wa Ode Nurhayati", "Kabupaten Muna", "Napabalano", 48_000_000],
        ["Kue Kambewe Tampo", "Wa Ode Asni", "", "Napabalano", 30_000_000],
        ["Jagung Titi Pentiro", "La Ode Sahili", "", "Napabalano", 18_000_000],
        ["Kedai Kopi Wolio", "Muhammad Arsyad", "Kota Bau Bau", "Wolio", 210_000_000],
        ["Ikan Asin Lapoa", "Hasnah", "Kabupaten Konawe Selatan", "Tinanggea", 36_000_000],
        ["JUMLAH", "", "", "", 342_000_000],
    ]
    workbook = _workbook()
    sheet = _sheet(workbook)
    _put_table(sheet, headers, rows)
    sheet.merge_cells("C2:C4")  # one kabupaten typed once for three rows
    sheet.merge_cells("A7:D7")  # the total row a clerk adds at the bottom
    _save(workbook, "merged_cells.xlsx")


def hidden_sheet() -> None:
    headers = ["nama_usaha", "nama_pemilik", "kabupaten_kota"]
    workbook = _workbook()
    old = _sheet(workbook, "Data 2023")
    _put_table(old, headers, [["Usaha Lama", "Pemilik Lama", "Kabupaten Muna"]])
    old.sheet_state = "hidden"
    current = workbook.create_sheet("Data 2025")
    rows = [
        ["Kue Basah Bu Wa Ode", "Wa Ode Fitriani", "Kota Kendari"],
        ["Konveksi Anggrek", "Nurul Hidayah", "Kota Kendari"],
        ["Anyaman Pandan Wanci", "Wa Ode Sitti Rahma", "Kabupaten Wakatobi"],
    ]
    _put_table(current, headers, rows)
    workbook.active = 1
    _save(workbook, "hidden_sheet.xlsx")


FORMULA_HEADERS = ["nama_usaha", "nama_pemilik", "kabupaten_kota", "modal_usaha", "omzet_tahunan"]
FORMULA_ROWS = [
    ["Kue Basah Bu Wa Ode", "Wa Ode Fitriani", "Kota Kendari", 15_000_000],
    ["Konveksi Anggrek", "Nurul Hidayah", "Kota Kendari", 30_000_000],
    ["Ikan Asin Lapoa", "Hasnah", "Kabupaten Konawe Selatan", 5_000_000],
]


def formulas() -> None:
    workbook = xlsxwriter.Workbook(str(HERE / "formulas.xlsx"))
    workbook.set_properties({"created": FIXED_TIME, "author": "Dinas Koperasi dan UKM"})
    sheet = workbook.add_worksheet("UMKM")
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, FORMULA_HEADERS, bold)
    for r, row in enumerate(FORMULA_ROWS, start=1):
        sheet.write_row(r, 0, row)
        # The stored result is what Excel would have computed and saved with the file.
        sheet.write_formula(r, 4, f"=D{r + 1}*2", None, row[3] * 2)
    workbook.close()

    workbook = _workbook()
    sheet = _sheet(workbook, "UMKM")
    rows = [[*row, f"=D{r}*2"] for r, row in enumerate(FORMULA_ROWS, start=2)]
    _put_table(sheet, FORMULA_HEADERS, rows)
    _save(workbook, "formulas_uncalculated.xlsx")


def nik_as_number() -> None:
    headers = ["nama_usaha", "nama_pemilik", "nik_pemilik", "nib", "kabupaten_kota"]
    rows = [
        # Typed as 7471011708850001 in a General cell: Excel keeps 15 significant digits.
        [
            "Bengkel Las Sumber Jaya",
            "La Ode Muhammad Ridwan",
            7471011708850000,
            9120207418832,
            "Kota Kendari",
        ],
        [
            "Kue Basah Bu Wa Ode",
            "Wa Ode Fitriani",
            int(UMKM_ROWS[0]["nik_pemilik"][:15] + "0"),
            9120105231457,
            "Kota Kendari",
        ],
    ]
    workbook = _workbook()
    _put_table(_sheet(workbook), headers, rows)
    _save(workbook, "nik_as_number.xlsx")


def scientific_nik() -> None:
    lines = [
        "nama_usaha;nama_pemilik;nik_pemilik;kabupaten_kota",
        "Bengkel Las Sumber Jaya;La Ode Muhammad Ridwan;7.47101E+15;Kota Kendari",
        "Kue Basah Bu Wa Ode;Wa Ode Fitriani;7,47101E+15;Kota Kendari",
        f"Konveksi Anggrek;Nurul Hidayah;{UMKM_ROWS[8]['nik_pemilik']};Kota Kendari",
    ]
    (HERE / "scientific_nik.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def money_and_dates() -> None:
    headers = ["nama_koperasi", "kabupaten_kota", "jenis_koperasi", "tanggal_badan_hukum", "aset", "shu"]
    rows = [
        [
            "KSP Sejahtera Bersama",
            "Kota Kendari",
            "Simpan pinjam",
            dt.date(2020, 3, 16),
            "Rp 1.500.000,00",
            1500000,
        ],
        ["Koperasi Nelayan Bahari", "Konsel", "Produsen", "17 Agustus 2023", "1.500.000", "Rp 250.000"],
        ["Koperasi Pegawai Pemkab Muna", "Muna", "Konsumen", "17/08/2023", 1_500_000, "1500000"],
        ["Koperasi Kakao Unaaha", "Kabupaten Konawe", "Pemasaran", "2023-08-17", "1500000", 0],
        ["Koperasi Wisata Wakatobi", "Wakatobi", "Jasa", dt.datetime(2022, 2, 7, 0, 0), "1.500.000,00", "-"],
    ]
    workbook = _workbook()
    _put_table(_sheet(workbook, "Koperasi"), headers, rows)
    _save(workbook, "money_and_dates.xlsx")


def ambiguous_regions() -> None:
    headers = ["nama_usaha", "nama_pemilik", "kabupaten_kota", "kecamatan", "desa_kelurahan", "harapan"]
    rows = [
        ["Tenun Ikat Masalili", "Wa Ode Nurhayati", "Muna", "", "", "74.03"],
        ["Jagung Titi Lawa", "La Ode Sahili", "Muna Barat", "", "", "74.13"],
        ["Ikan Asin Lapoa", "Hasnah", "Konsel", "Tinanggea", "Lapoa", "74.05.01.2003"],
        ["Konveksi Anggrek", "Nurul Hidayah", "Kota Kdi", "Poasia", "", "74.71.04"],
        ["Aspal Buton Mandiri", "La Ode Hamid", "Kab. Buton", "", "", "74.04"],
        ["Kopi Kapontori", "Wa Ode Rosmiati", "BUTON", "", "", "74.04"],
        ["Kedai Kopi Wolio", "Muhammad Arsyad", "Kota Baubau", "", "", "74.72"],
        ["Usaha Tanpa Wilayah", "Ahmad", "Kabupaten Antah", "", "", "tidak dikenal"],
        ["Gula Aren Bandung", "Asep", "Bandung", "", "", "ambigu: 32.04 atau 32.73"],
        ["Keripik Mataiwoi", "Rahmawati", "Konsel", "", "Mataiwoi", "ambigu: empat desa Mataiwoi"],
        ["Kue Wakumoro", "Wa Ode Nia", "Muna", "Parigi", "Wakumoro", "ambigu: desa dan kelurahan"],
        ["Kue Wakumoro Dua", "Wa Ode Rita", "Muna", "Parigi", "Kel. Wakumoro", "74.03.25.1005"],
    ]
    workbook = _workbook()
    _put_table(_sheet(workbook), headers, rows)
    _save(workbook, "ambiguous_regions.xlsx")


def repeated_row() -> None:
    headers = ["nama_usaha", "nama_pemilik", "nik_pemilik", "kabupaten_kota", "omzet_tahunan"]
    first = [
        "Kue Basah Bu Wa Ode",
        "Wa Ode Fitriani",
        UMKM_ROWS[0]["nik_pemilik"],
        "Kota Kendari",
        96_000_000,
    ]
    rows = [
        first,
        ["Konveksi Anggrek", "Nurul Hidayah", UMKM_ROWS[8]["nik_pemilik"], "Kota Kendari", 150_000_000],
        list(first),  # the same row pasted twice
    ]
    workbook = _workbook()
    _put_table(_sheet(workbook), headers, rows, text={"nik_pemilik"})
    _save(workbook, "repeated_row.xlsx")


def title_row() -> None:
    headers = [
        "nama_usaha",
        "nama_pemilik",
        "nik_pemilik",
        "jenis_kelamin_pemilik",
        "kabupaten_kota",
        "kecamatan",
    ]
    workbook = _workbook()
    sheet = _sheet(workbook, "Muna")
    sheet["A1"] = "DAFTAR UMKM KAB. MUNA 2025"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells("A1:F1")
    sheet["A2"] = "Keadaan s.d. Juni 2025"
    nia = make_nik("74.03.25", dt.date(1993, 5, 6), 1, female=True)
    rows = [
        [
            "Tenun Ikat Masalili",
            "Wa Ode Nurhayati",
            UMKM_ROWS[2]["nik_pemilik"],
            "P",
            "Kabupaten Muna",
            "Napabalano",
        ],
        ["Kue Wakumoro", "Wa Ode Nia", nia, "P", "Kabupaten Muna", "Parigi"],
        ["", "", "", "", "", ""],
        [
            "Jagung Titi Pentiro",
            "La Ode Sahili",
            make_nik("74.03.06", dt.date(1969, 9, 1), 6, female=False),
            "L",
            "Kabupaten Muna",
            "Napabalano",
        ],
        [
            "Kerajinan Kulit Kerang",
            "Sitti Aisyah",
            make_nik("74.03.25", dt.date(1990, 4, 21), 2, female=True),
            "P",
            "Kabupaten Muna",
            "Parigi",
        ],
    ]
    _put_table(sheet, headers, rows, text={"nik_pemilik"}, top=4)
    _save(workbook, "title_row.xlsx")


def csv_encodings() -> None:
    rows = [
        ["nama_usaha", "nama_pemilik", "alamat", "kabupaten_kota", "omzet_tahunan"],
        [
            "Kue Basah Bu Wa Ode",
            "Wa Ode Fitriani",
            "Jl. Bunggasi No. 12, Korumba",
            "Kota Kendari",
            "96000000",
        ],
        ["Café Teluk Kendari", "André Lasut", "Jl. Ujung Pandang\nRuko No. 3", "Kota Kendari", "180000000"],
        ["Tenun Ikat Masalili", "Wa Ode Nurhayati", "Dusun II – Pentiro", "Kabupaten Muna", "48000000"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=",", lineterminator="\r\n").writerows(rows)
    (HERE / "umkm_cp1252_comma.csv").write_bytes(buffer.getvalue().encode("cp1252"))

    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows(rows)
    (HERE / "umkm_utf16_tab.txt").write_bytes(buffer.getvalue().encode("utf-16"))  # with BOM


def ods() -> None:
    """A LibreOffice Calc file (.ods), the same first three UMKM rows, a few columns."""
    headers = ["nama_usaha", "nama_pemilik", "nik_pemilik", "kabupaten_kota", "omzet_tahunan"]

    def cell(value: object) -> str:
        if isinstance(value, int):
            kind = f'office:value-type="float" office:value="{value}"'
        else:
            kind = 'office:value-type="string"'
        return f"<table:table-cell {kind}><text:p>{value}</text:p></table:table-cell>"

    rows = [headers] + [[r[h] for h in headers] for r in UMKM_ROWS[:3]]
    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="UMKM">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(HERE / "umkm_libreoffice.ods", "w", zipfile.ZIP_DEFLATED) as archive:
        # The ODF rule: "mimetype" first and stored uncompressed.
        archive.writestr(zipfile.ZipInfo("mimetype", FIXED_TIME.timetuple()[:6]), _ODS_MIMETYPE)
        for name, text in (("META-INF/manifest.xml", manifest), ("content.xml", content)):
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME.timetuple()[:6]), text, zipfile.ZIP_DEFLATED)


_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"


def main() -> None:
    umkm_valid()
    koperasi_valid()
    umkm_synonym_headers()
    umkm_unknown_headers()
    empty_files()
    wrong_types()
    merged_cells()
    hidden_sheet()
    formulas()
    nik_as_number()
    scientific_nik()
    money_and_dates()
    ambiguous_regions()
    repeated_row()
    title_row()
    csv_encodings()
    ods()
    for path in sorted(HERE.iterdir()):
        if path.suffix != ".py":
            print(f"{path.stat().st_size:>7}  {path.name}")


if __name__ == "__main__":
    main()
