"""A large district file, made on demand (too big to commit): ``python make_big.py OUT.csv ROWS``.

Every tenth row is wrong in one of the ways clerks get wrong (a NIK Excel turned into a
number, an unknown kab/kota, negative money, a NIB of 12 digits, an impossible birth
date in the NIK), so a file of N rows has exactly N // 10 rejected rows.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HEADERS = [
    "nama_usaha",
    "nama_pemilik",
    "nik_pemilik",
    "jenis_kelamin_pemilik",
    "nib",
    "kbli",
    "kode_wilayah",
    "alamat",
    "modal_usaha",
    "omzet_tahunan",
    "tenaga_kerja_laki",
    "tenaga_kerja_perempuan",
]
DESA = ("74.71.01.1005", "74.71.02.1009", "74.03.06.1005", "74.05.01.2003", "74.72.01.1007")
WORDS = ("Sinar", "Jaya", "Berkah", "Maju", "Sejahtera", "Bahari", "Mandiri", "Anugerah", "Lestari", "Baru")
LINES = ("Kue", "Warung", "Toko", "Bengkel", "Tenun", "Kios", "Dapur", "Konveksi")


def nik(n: int, female: bool) -> str:
    day = 1 + n % 28 + (40 if female else 0)
    month = 1 + (n // 28) % 12
    year = 60 + (n // 336) % 40
    return f"747101{day:02d}{month:02d}{year:02d}{n % 9999 + 1:04d}"


def row(n: int) -> list[str]:
    female = n % 2 == 0
    name = f"{LINES[n % len(LINES)]} {WORDS[n % 10]} {WORDS[(n // 10) % 10]} {n}"
    values = [
        name,
        f"Pemilik Nomor {n}",
        nik(n, female),
        "P" if female else "L",
        f"9{n:012d}",
        "10792" if n % 3 else "47111",
        DESA[n % len(DESA)],
        f"Jl. Uji No. {n % 500}",
        f"Rp {(n % 90 + 5) * 1_000_000:,}".replace(",", "."),
        str((n % 400 + 20) * 1_000_000),
        str(n % 4),
        str(n % 5),
    ]
    if n % 10 == 9:  # the wrong rows, one kind of mistake each
        mistake = (n // 10) % 5
        if mistake == 0:
            values[2] = "7.47101E+15"
        elif mistake == 1:
            values[6] = ""
            values.append("Kabupaten Antah")
        elif mistake == 2:
            values[8] = "-1.000.000"
        elif mistake == 3:
            values[4] = values[4][:12]
        else:
            values[2] = values[2][:6] + "99" + values[2][8:]
    return values


def write(path: Path, rows: int) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([*HEADERS, "kabupaten_kota"])
        for n in range(rows):
            values = row(n)
            writer.writerow(values if len(values) > len(HEADERS) else [*values, ""])
    return path


if __name__ == "__main__":
    write(Path(sys.argv[1]), int(sys.argv[2]))
