"""The columns of the import templates and exports (SPEC §4 "Import templates").

One table serves the importer (header synonyms, which parser reads a cell), the
downloadable templates (label, example, validation list) and the exports (the same
canonical names, so an exported list can be corrected and imported again).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.translation import gettext_lazy as _

from berdaya.core.parsing import normalize_header

UMKM, KOPERASI = "umkm", "koperasi"
BOTH = frozenset({UMKM, KOPERASI})


@dataclass(frozen=True)
class Column:
    name: str  # canonical, snake_case Indonesian (the template's header)
    label: Any  # for the template's second line and the column-mapping page
    kinds: frozenset[str]
    parser: str  # which cell parser reads it (registry/imports.py)
    required: bool = False
    synonyms: tuple[str, ...] = ()  # already in normalize_header() form
    text: bool = False  # written as a text cell: identifiers must not become numbers
    example: Any = None
    choices: str = ""  # a validation list in the template: "sex", "jenis", "kabkota"
    max_length: int | None = None


def _c(name: str, label: Any, kinds: frozenset[str] | str, parser: str, **kw: Any) -> Column:
    kinds = frozenset({kinds}) if isinstance(kinds, str) else kinds
    return Column(name=name, label=label, kinds=kinds, parser=parser, **kw)


REGION_COLUMNS = ("kode_wilayah", "kabupaten_kota", "kecamatan", "desa_kelurahan")

COLUMNS: tuple[Column, ...] = (
    # --- UMKM ------------------------------------------------------------------------------
    _c(
        "nama_usaha",
        _("Nama usaha"),
        UMKM,
        "text",
        required=True,
        max_length=255,
        synonyms=("nama_umkm", "nama_ukm", "nama_usaha_umkm", "nama_perusahaan", "usaha"),
        example="Kue Basah Bu Wa Ode",
    ),
    _c(
        "nama_pemilik",
        _("Nama pemilik"),
        UMKM,
        "text",
        required=True,
        max_length=200,
        synonyms=("pemilik", "nama_pelaku_usaha", "pelaku_usaha", "nama_pemilik_usaha"),
        example="Wa Ode Sitti Hasnah",
    ),
    _c(
        "nik_pemilik",
        _("NIK pemilik (16 digit, sel teks)"),
        UMKM,
        "nik",
        text=True,
        synonyms=("nik", "no_ktp", "nomor_ktp", "nik_ktp", "nik_pelaku_usaha", "no_nik"),
        example="7471014508850003",
    ),
    _c(
        "jenis_kelamin_pemilik",
        _("Jenis kelamin pemilik (L/P)"),
        UMKM,
        "sex",
        synonyms=("jenis_kelamin", "jk", "l_p", "lp", "gender", "kelamin"),
        example="P",
        choices="sex",
    ),
    _c(
        "nib",
        _("NIB (13 digit, sel teks)"),
        UMKM,
        "nib",
        text=True,
        synonyms=("nomor_induk_berusaha", "no_nib", "nomor_nib"),
        example="9120000000101",
    ),
    _c("npwp", _("NPWP"), UMKM, "npwp", text=True, synonyms=("no_npwp", "nomor_npwp"), example=""),
    _c(
        "kbli",
        _("Kode KBLI 2020 (5 digit)"),
        UMKM,
        "kbli",
        text=True,
        synonyms=("kode_kbli", "kbli_2020", "no_kbli"),
        example="10792",
    ),
    _c(
        "bidang_usaha",
        _("Bidang usaha"),
        UMKM,
        "text",
        max_length=255,
        synonyms=("sektor", "sektor_usaha", "jenis_usaha", "bidang"),
        example="Industri kue basah",
    ),
    # --- koperasi --------------------------------------------------------------------------
    _c(
        "nama_koperasi",
        _("Nama koperasi"),
        KOPERASI,
        "text",
        required=True,
        max_length=255,
        synonyms=("koperasi", "nama_kop"),
        example="Koperasi Simpan Pinjam Sejahtera Bersama",
    ),
    _c(
        "nik_koperasi",
        _("NIK koperasi (16 digit, sel teks)"),
        KOPERASI,
        "nik_koperasi",
        text=True,
        synonyms=("nik_kop", "nomor_induk_koperasi", "no_induk_koperasi"),
        example="7471010010000001",
    ),
    _c(
        "nomor_badan_hukum",
        _("Nomor badan hukum"),
        KOPERASI,
        "text",
        text=True,
        max_length=120,
        synonyms=("no_badan_hukum", "nomor_bh", "no_bh", "badan_hukum", "no_ahu"),
        example="AHU-0001234.AH.01.26.TAHUN 2019",
    ),
    _c(
        "tanggal_badan_hukum",
        _("Tanggal badan hukum"),
        KOPERASI,
        "date",
        synonyms=("tgl_badan_hukum", "tanggal_bh", "tgl_bh"),
        example="17/08/2019",
    ),
    _c(
        "jenis_koperasi",
        _("Jenis koperasi"),
        KOPERASI,
        "jenis",
        synonyms=("jenis", "jenis_kop"),
        example="Simpan pinjam",
        choices="jenis",
    ),
    # --- where (both kinds) ----------------------------------------------------------------
    _c(
        "kode_wilayah",
        _("Kode wilayah Kemendagri (desa/kelurahan atau kecamatan)"),
        BOTH,
        "text",
        text=True,
        synonyms=("kode_desa", "kode_kemendagri", "kode_wilayah_kemendagri", "kode_kelurahan"),
        example="74.71.01.1005",
    ),
    _c(
        "kabupaten_kota",
        _("Kabupaten/kota"),
        BOTH,
        "text",
        synonyms=("kabupaten", "kota", "kab_kota", "kabkota", "kab", "kabupaten_kota_"),
        example="Kota Kendari",
        choices="kabkota",
    ),
    _c("kecamatan", _("Kecamatan"), BOTH, "text", synonyms=("kec",), example="Mandonga"),
    _c(
        "desa_kelurahan",
        _("Desa/kelurahan"),
        BOTH,
        "text",
        synonyms=("desa", "kelurahan", "desa_kel", "kel_desa", "kelurahan_desa"),
        example="Mandonga",
    ),
    _c(
        "alamat",
        _("Alamat"),
        BOTH,
        "text",
        synonyms=("alamat_usaha", "alamat_lengkap", "alamat_koperasi", "jalan"),
        example="Jl. Sao-Sao No. 12",
    ),
    _c(
        "telepon",
        _("Telepon/HP"),
        BOTH,
        "phone",
        text=True,
        synonyms=(
            "no_hp",
            "hp",
            "no_telepon",
            "telp",
            "no_telp",
            "nomor_hp",
            "nomor_telepon",
            "no_wa",
            "whatsapp",
        ),
        example="081234567890",
    ),
    # --- UMKM figures ----------------------------------------------------------------------
    _c(
        "tahun_berdiri",
        _("Tahun berdiri"),
        UMKM,
        "year",
        synonyms=("tahun_mulai_usaha", "mulai_usaha", "tahun_mulai", "berdiri_sejak"),
        example=2015,
    ),
    _c(
        "modal_usaha",
        _("Modal usaha (Rp, tanpa tanah dan bangunan)"),
        UMKM,
        "money",
        synonyms=("modal", "modal_usaha_rp"),
        example=25_000_000,
    ),
    _c(
        "omzet_tahunan",
        _("Omzet tahunan (Rp)"),
        UMKM,
        "money",
        synonyms=(
            "omset",
            "omzet",
            "omset_tahunan",
            "omzet_per_tahun",
            "omset_per_tahun",
            "penjualan_tahunan",
        ),
        example=450_000_000,
    ),
    _c(
        "tenaga_kerja_laki",
        _("Tenaga kerja laki-laki"),
        UMKM,
        "count",
        synonyms=("tenaga_kerja_laki_laki", "tk_laki_laki", "tk_laki", "tk_l"),
        example=1,
    ),
    _c(
        "tenaga_kerja_perempuan",
        _("Tenaga kerja perempuan"),
        UMKM,
        "count",
        synonyms=("tk_perempuan", "tk_p"),
        example=3,
    ),
    _c("lat", _("Lintang (derajat desimal)"), BOTH, "lat", synonyms=("latitude", "lintang"), example=-3.9612),
    _c(
        "lon",
        _("Bujur (derajat desimal)"),
        BOTH,
        "lon",
        synonyms=("longitude", "bujur", "lng", "long"),
        example=122.5043,
    ),
    # --- koperasi figures ------------------------------------------------------------------
    _c(
        "jumlah_anggota_laki",
        _("Jumlah anggota laki-laki"),
        KOPERASI,
        "count",
        synonyms=("anggota_laki_laki", "anggota_laki", "anggota_l", "jumlah_anggota_laki_laki"),
        example=120,
    ),
    _c(
        "jumlah_anggota_perempuan",
        _("Jumlah anggota perempuan"),
        KOPERASI,
        "count",
        synonyms=("anggota_perempuan", "anggota_p"),
        example=85,
    ),
    _c("jumlah_karyawan", _("Jumlah karyawan"), KOPERASI, "count", synonyms=("karyawan",), example=4),
    _c(
        "tahun_rat_terakhir",
        _("Tahun buku RAT terakhir"),
        KOPERASI,
        "year",
        synonyms=("rat_terakhir", "tahun_rat", "tahun_buku_rat_terakhir"),
        example=2025,
    ),
    _c(
        "aset",
        _("Aset (Rp)"),
        KOPERASI,
        "money",
        synonyms=("asset", "total_aset", "jumlah_aset"),
        example=1_250_000_000,
    ),
    _c("modal_sendiri", _("Modal sendiri (Rp)"), KOPERASI, "money", example=400_000_000),
    _c("volume_usaha", _("Volume usaha (Rp)"), KOPERASI, "money", synonyms=("volume",), example=900_000_000),
    _c(
        "shu",
        _("SHU (Rp; negatif bila rugi)"),
        KOPERASI,
        "signed_money",
        synonyms=("sisa_hasil_usaha",),
        example=35_000_000,
    ),
    _c(
        "nama_ketua",
        _("Nama ketua"),
        KOPERASI,
        "text",
        max_length=200,
        synonyms=("ketua", "nama_ketua_koperasi"),
        example="La Ode Muhammad Yusuf",
    ),
    _c(
        "nik_ketua",
        _("NIK ketua (16 digit, sel teks)"),
        KOPERASI,
        "nik",
        text=True,
        synonyms=("nik_ketua_koperasi",),
        example="7471011708850001",
    ),
)

# Columns the templates do not know but clerks add: ignored with a notice, never an error.
IGNORED = frozenset(
    {
        "no",
        "nomor",
        "no_urut",
        "nomor_urut",
        "keterangan",
        "catatan",
        "ket",
        "status",
        # the export's own extra columns: an exported list comes back without complaint
        "id",
        "jenis_entitas",
        "kelas_usaha",
        "status_koperasi",
        "patuh_rat",
    }
)


@cache
def columns_for(kind: str) -> tuple[Column, ...]:
    return tuple(c for c in COLUMNS if kind in c.kinds)


def _index(kind: str) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for column in columns_for(kind):
        for key in (column.name, *column.synonyms):
            index[normalize_header(key)] = column
    return index


_INDEX = {kind: _index(kind) for kind in (UMKM, KOPERASI)}


def match_header(kind: str, header: str) -> Column | None:
    return _INDEX[kind].get(normalize_header(header))


def detect_kind(headers: list[str]) -> str | None:
    """UMKM or koperasi from the headers: the kind whose required name column is there."""
    found = {
        kind for kind in (UMKM, KOPERASI) for h in headers if (c := match_header(kind, h)) and c.required
    }
    hits = {kind: sum(1 for h in headers if match_header(kind, h)) for kind in (UMKM, KOPERASI)}
    if len(found) == 1:
        return found.pop()
    if hits[UMKM] != hits[KOPERASI]:
        return max(hits, key=hits.__getitem__)
    return None


@cache
def required_for(kind: str) -> tuple[Column, ...]:
    return tuple(c for c in columns_for(kind) if c.required)
