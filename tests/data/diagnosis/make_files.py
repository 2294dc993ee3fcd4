"""Build the assessment-import test files in this folder (run once; the files are committed).

    .venv/bin/python tests/data/diagnosis/make_files.py

The answers come from the shipped weak-factor instrument
(``src/berdaya/diagnosis/instruments/kerentanan.json``): regenerate the files when its
questions change. The entities are created by tests/test_diagnosis_import.py with these
identifiers (chosen far from the factories' sequences):

==========  =====================  =========================================
name        identifier             where
==========  =====================  =========================================
A, B, C     NIB 9120260000011/22/33  UMKM in Kota Kendari (74.71)
K           NIK koperasi 7471260000000044  koperasi in Kota Kendari
M           NIB 9120260000055      UMKM in Kabupaten Muna (74.03)
(unknown)   NIB 9120260000099      in no registry
==========  =====================  =========================================

The tests check dates against a fixed day, 30 June 2026, so "15/08/2026" is in the future.

* ``kerentanan_valid_dan_salah.csv`` — Excel's "CSV UTF-8" in the Indonesian locale (``;``,
  BOM, CRLF, decimal comma), canonical headers. Rows 2–4 are good (A with the weakest answers
  written as option labels and ``2,5`` months of cash, B with the strongest as option values,
  K by its NIK koperasi with ``17 Mei 2026``); then, one fault each: 5 an answer outside its
  range (``pembeli_tetap_persen`` 150), 6 a required answer left empty (``hitung_hpp``), 7 an
  unknown choice (``pembukuan`` "buku besar"), 8 an unknown NIB, 9 a NIB damaged by Excel
  (``9,12026E+12``), 10 a future date, 11 the Muna UMKM (outside Kendari), 12 row 2 again
  (A on the same date), 13 no entity at all.
* ``kerentanan_valid_dan_salah.xlsx`` — the same kind of file typed in Excel: a running
  number ``No`` and an unknown ``Petugas`` column, headers as people type them (``Tanggal
  Penilaian``, ``Pemisahan Keuangan``), a NIB as an exact number cell, date cells and date
  text, answers as number cells. Rows 2–4 good (A, B, K); 5 a scale answer 7 of 1–5
  (``kondisi_alat``), 6 a required answer empty (``jual_online``), 7 an unknown choice
  (``jangkauan_pasar`` "Luar Negeri"), 8 an unknown NIB, 9 a 16-digit NIK koperasi typed as
  a number (Excel kept 15 digits), 10 a future date, 11 the Muna UMKM, 12 row 2 again.
* ``gambar.xlsx`` — a PNG image renamed .xlsx (unusable).
* ``tanpa_entitas.csv`` — good answers but no nib / nik_koperasi / id_entitas column (unusable).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import struct
import zlib
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
INSTRUMENT = HERE.parents[2] / "src" / "berdaya" / "diagnosis" / "instruments" / "kerentanan.json"

NIB_A, NIB_B, NIB_C = "9120260000011", "9120260000022", "9120260000033"
NIK_KOPERASI_K = "7471260000000044"
NIB_MUNA = "9120260000055"
NIB_UNKNOWN = "9120260000099"

FIXED_TIME = dt.datetime(2026, 6, 2, 8, 0, 0)  # workbook properties: the same bytes on every run
VISIT = ["tanggal_penilaian", "tahun_buku", "lat", "lon", "catatan"]


def questions() -> list[dict]:
    data = json.loads(INSTRUMENT.read_text(encoding="utf-8"))
    return [q for section in data["version"]["sections"] for q in section["questions"]]


def weakest(q: dict) -> object:
    """The weakest answer, as a clerk writes it: option labels, plain numbers."""
    if q["type"] in ("yes_no", "choice"):
        return min(q["options"], key=lambda o: o["score"])["label"]
    if q["type"] == "number":
        return q.get("min_value") or 0
    return q["scale"]["min"]


def strongest(q: dict) -> object:
    """The strongest answer, written as option values."""
    if q["type"] in ("yes_no", "choice"):
        return max(q["options"], key=lambda o: o["score"])["value"]
    if q["type"] == "number":
        top = q["bands"][-1]["min"]
        high = q.get("max_value")
        return min(top + 1, high) if high is not None else top + 1
    return q["scale"]["max"]


def answers(kind: str, **changes: object) -> dict[str, object]:
    chosen = {q["code"]: (weakest(q) if kind == "weak" else strongest(q)) for q in questions()}
    chosen.update(changes)
    return chosen


# --- CSV -------------------------------------------------------------------------------------


def csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(value).replace(".", ",")  # the Indonesian locale writes a decimal comma
    return str(value)


def write_csv() -> None:
    codes = [q["code"] for q in questions()]
    headers = ["nib", "nik_koperasi", *VISIT, *codes]
    weak = answers("weak", cadangan_kas_bulan=2.5)
    strong = answers("strong")
    koperasi = answers("strong", badan_hukum_koperasi="ya", rat_tahun_terakhir="Tidak")
    rows = [
        [NIB_A, "", "15/05/2026", 2025, -3.9612, 122.5147, "Kunjungan pertama", weak],
        [NIB_B, "", "2026-05-16", "", "", "", "", strong],
        ["", NIK_KOPERASI_K, "17 Mei 2026", 2025, "", "", "", koperasi],
        [NIB_C, "", "18/05/2026", "", "", "", "", answers("strong", pembeli_tetap_persen=150)],
        [NIB_C, "", "19/05/2026", "", "", "", "", answers("strong", hitung_hpp="")],
        [NIB_C, "", "20/05/2026", "", "", "", "", answers("strong", pembukuan="buku besar")],
        [NIB_UNKNOWN, "", "21/05/2026", "", "", "", "", strong],
        ["9,12026E+12", "", "22/05/2026", "", "", "", "", strong],
        [NIB_C, "", "15/08/2026", "", "", "", "", strong],
        [NIB_MUNA, "", "23/05/2026", "", "", "", "", strong],
        [NIB_A, "", "15/05/2026", "", "", "", "", strong],
        ["", "", "24/05/2026", "", "", "", "", strong],
    ]
    lines = [headers]
    for *fixed, given in rows:
        lines.append([*(csv_text(v) for v in fixed), *(csv_text(given.get(c)) for c in codes)])
    save_csv(HERE / "kerentanan_valid_dan_salah.csv", lines)
    save_csv(
        HERE / "tanpa_entitas.csv",
        [["tanggal_penilaian", *codes], ["15/05/2026", *(csv_text(strong[c]) for c in codes)]],
    )


def save_csv(path: Path, lines: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(lines)
    path.write_bytes(("\ufeff" + buffer.getvalue()).encode("utf-8"))


# --- XLSX ------------------------------------------------------------------------------------


def shown_header(code: str) -> str:
    return code.replace("_", " ").title()  # "pelatihan_3_tahun" → "Pelatihan 3 Tahun"


def write_xlsx() -> None:
    codes = [q["code"] for q in questions()]
    headers = ["No", "NIB", "NIK Koperasi", "Tanggal Penilaian", "Tahun Buku", "Lat", "Lon", "Catatan"]
    headers += [shown_header(c) for c in codes] + ["Petugas"]
    weak = answers("weak", cadangan_kas_bulan=2.5)
    strong = answers("strong")
    abroad = answers("strong", jangkauan_pasar="Luar Negeri")
    koperasi = answers("strong", badan_hukum_koperasi="Ya", rat_tahun_terakhir="ya")
    day = dt.date
    rows = [
        [int(NIB_A), None, day(2026, 5, 15), 2025, -3.9612, 122.5147, "Kunjungan pertama", weak],
        [NIB_B, None, "16/05/2026", None, None, None, None, strong],
        [None, NIK_KOPERASI_K, day(2026, 5, 17), 2025, None, None, None, koperasi],
        [NIB_C, None, day(2026, 5, 18), None, None, None, None, answers("strong", kondisi_alat=7)],
        [NIB_C, None, day(2026, 5, 19), None, None, None, None, answers("strong", jual_online=None)],
        [NIB_C, None, day(2026, 5, 20), None, None, None, None, abroad],
        [NIB_UNKNOWN, None, day(2026, 5, 21), None, None, None, None, strong],
        [None, int(NIK_KOPERASI_K), day(2026, 5, 22), None, None, None, None, strong],
        [NIB_C, None, day(2026, 8, 15), None, None, None, None, strong],
        [NIB_MUNA, None, day(2026, 5, 23), None, None, None, None, strong],
        [NIB_A, None, "15/05/2026", None, None, None, None, strong],
    ]
    book = openpyxl.Workbook()
    book.properties.creator = "Dinas Koperasi dan UKM Kota Kendari"
    book.properties.created = book.properties.modified = FIXED_TIME
    sheet = book.active
    sheet.title = "Penilaian Kendari"
    sheet.append(headers)
    for number, (*fixed, given) in enumerate(rows, start=1):
        sheet.append([number, *fixed, *(given.get(c) for c in codes), "Rahmat (PLUT)"])
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=4):
        if isinstance(row[0].value, dt.date):
            row[0].number_format = "DD/MM/YYYY"
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            if isinstance(cell.value, str):
                cell.number_format = "@"
    book.save(HERE / "kerentanan_valid_dan_salah.xlsx")


# --- unusable --------------------------------------------------------------------------------


def write_png_as_xlsx() -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")
    (HERE / "gambar.xlsx").write_bytes(png)


if __name__ == "__main__":
    write_csv()
    write_xlsx()
    write_png_as_xlsx()
    for path in sorted(HERE.iterdir()):
        if path.suffix != ".py":
            print(f"{path.name}: {path.stat().st_size} bytes")
