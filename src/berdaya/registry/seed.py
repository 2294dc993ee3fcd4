"""The demo registry: ~148,000 koperasi and UMKM of the province, generated, fast and repeatable.

``seed(n, seed=...)`` fills an empty registry with ``n`` entities that look like the
province's own: businesses and cooperatives spread over its kabupaten/kota in
realistic proportions, each in a real desa/kelurahan with coordinates inside its
kecamatan; owners and officers with valid, unique NIKs; size classes derived by the
model's own rules (PP 7/2021) from generated modal and sales; koperasi with a RAT
history of which about half is out of date (SPEC §3); and yearly figures for the
last four closed years.

Deterministic: the same ``seed`` and ``n`` on the same day give the same names,
places, numbers and NIKs (only the Fernet ciphertexts differ, by design: each
carries a random IV). No Faker at run time: the word lists below are ours.

Speed (SPEC §5: 147,977 entities in < 90 s on SQLite, 2 cores). The seeder writes
about a million rows (entities, people, details, RATs, officers, yearly figures).
``bulk_create`` was measured here at ~7,500 rows/s on SQLite: it binds at most 999
parameters per statement (about 60 rows) and prepares every value through its
field (~7 µs a value), which alone would take ~2 minutes. So the seeder still
builds model instances and derives their fields with the models' own helpers
(``derive_entities``, ``derive_umkms``, ``Person.derive_fields``, the NIK/phone/NPWP
setters that validate, encrypt and hash each value), but writes the finished rows
itself: multi-row ``INSERT`` statements on SQLite, ``COPY`` on PostgreSQL. Entities
and people are numbered by the seeder from the table's largest id, under a write
lock held to commit (SQLite: BEGIN IMMEDIATE; PostgreSQL: LOCK TABLE … EXCLUSIVE,
then ``setval``), so details and officers point at them without reading anything
back. Rows are generated in a second thread while the previous chunk is written:
the database releases the GIL while it works, so the two overlap.

The SQLite FTS triggers of migration 0003 stay in place and fire for every entity
row; they are the largest single cost of the write (measured: 160,000 entity rows
in ~13 s with the trigger, ~6.5 s without).

Generated and written in chunks (default 20,000 entities), all in one transaction:
memory stays flat up to a million entities, and a failed seed leaves nothing.
Model signals do not fire for these writes, so one audit event records the batch.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import queue
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from stdnum import luhn

from berdaya.core.audit import record
from berdaya.core.bulk import New, RowWriter, sqlite_cache
from berdaya.core.models import AuditAction
from berdaya.regions import geo
from berdaya.regions.models import Region
from berdaya.registry.models import (
    BusinessStatus,
    Entity,
    EntityKind,
    EntityYearMetrics,
    Kbli,
    KbliLevel,
    Koperasi,
    KoperasiJenis,
    KoperasiOfficer,
    KoperasiStatusChange,
    KoperasiTingkat,
    LegalForm,
    LegalStatus,
    OfficerRole,
    Person,
    RatRecord,
    Umkm,
    derive_entities,
    derive_umkms,
)
from berdaya.registry.rules import MILIAR, earliest_qualifying_book_year

DEFAULT_ENTITIES = 147_977  # what the province reports (SPEC §4)
DEFAULT_SEED = 2026
CHUNK = 20_000
# Sulawesi Tenggara reported 4,634 koperasi among 147,977 entities (SPEC §3): ≈ 3.1 %.
KOPERASI_PER_ENTITIES = (4_634, 147_977)
METRIC_YEARS = 4  # yearly figures for the last four closed book years (2022–2025 in 2026)

Progress = Callable[[str, int, int], None]


class RegistryNotEmpty(RuntimeError):
    """The demo data goes into an empty registry only (its NIKs and NIBs would collide)."""


@dataclass
class SeedStats:
    seed: int
    entities: int = 0
    umkm: int = 0
    koperasi: int = 0
    persons: int = 0
    officers: int = 0
    rat_records: int = 0
    status_changes: int = 0
    metrics: int = 0
    koperasi_rat_compliant: int = 0
    database: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "entities": self.entities,
            "umkm": self.umkm,
            "koperasi": self.koperasi,
            "koperasi_rat_compliant": self.koperasi_rat_compliant,
            "persons": self.persons,
            "officers": self.officers,
            "rat_records": self.rat_records,
            "status_changes": self.status_changes,
            "metrics": self.metrics,
        }


# --- word lists ------------------------------------------------------------------------------


def _split(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


MALE_FIRST = _split(
    "Muhammad Ahmad Abdul Andi Arif Asrun Baharuddin Basri Budi Darmawan Fajar Hamka Hasan Hendra "
    "Irwan Jufri Kadir Rahman Ruslan Safaruddin Syamsul Tamrin Usman Wahyu Yusuf Zainal Agus Amir "
    "Arman Bahtiar Haerul Ilham Iqbal Jamaluddin Kamaruddin Mansyur Nasrun Rusdin Sahrul Sudirman "
    "Taufik Yamin Herman Rizal Saiful Ridwan Alimuddin Masri Samsuddin Hasrun Ruksamin Surunuddin "
    "Lukman Asri Akbar Firman Syahrir Hamzah Nasir Anwar Hasanuddin Rustam Sukri Amran Muhlis Erwin"
)
FEMALE_FIRST = _split(
    "Siti Nur Sitti Ani Asmawati Fatimah Hasna Hartati Irma Juliana Kartini Marlina Nurhayati "
    "Rahmawati Rosmiati Sri Suriani Wati Yuliana Hasmiah Jumriah Nurlina Sahariah Hadijah Murni "
    "Darmawati Risna Erni Ratna Hasriani Fitri Dewi Nurjannah Mardiana Rosnawati Harniati Halima "
    "Salmiah Sumarni Wa_Ode_Nurhayati Nining Hasrawati Musdalifah Rahmi Jumiati Sartika Yusnita "
    "Nurhaeda Asniar Rostina Herlina Megawati Surianti Hamsinah Marwah"
)
MUNA_BUTON_SHORT_MALE = _split("Ali Baco Ode Hamu Sida Rani Mbau Suma Ndoke Kaimu Ndiri Sabu")
MUNA_BUTON_SHORT_FEMALE = _split("Ana Ati Ina Sia Ndoke Nuru Mini Hani Rusi Tina")
GENERAL_SURNAMES = _split(
    "Hidayat Rahman Saleh Ismail Idrus Mahmud Abdullah Sulaiman Syarif Hamid Rasyid Latif Malik "
    "Amiruddin Kurniawan Setiawan Nugroho Wijaya Hakim Yunus Arsyad Mustafa Halim Hasyim Jafar "
    "Rahim Nurdin Syukur Tahir Lestari Wulandari Purnamasari Handayani Susanti Permatasari"
)
TOLAKI_SURNAMES = _split("Lakidende Tamburaka Sorumba Mekuo Konggoasa Lasolo Abunawas Saranani Sabara Pondiu")
BUGIS_SURNAMES = _split("Baso Tenri Mappe Lallo Sompa Beddu Patta Sennang Mappiare Pananrang Upe Sallatu")
BUTON_MUNA_SURNAMES = _split("Kaimuddin Manarfa Hamiru Sabirin Maulana Bolu Sida Rianse Ridwan Talili")

# Flavour of personal names by kab/kota of province 74: (general, Tolaki, Bugis, Muna/Buton) shares.
NAME_STYLES_74: dict[str, tuple[float, float, float, float]] = {
    "74.71": (0.35, 0.25, 0.20, 0.20),  # Kota Kendari: everyone
    "74.02": (0.30, 0.55, 0.10, 0.05),  # Konawe
    "74.05": (0.40, 0.40, 0.15, 0.05),  # Konawe Selatan (many transmigrants)
    "74.09": (0.30, 0.55, 0.10, 0.05),  # Konawe Utara
    "74.12": (0.35, 0.45, 0.10, 0.10),  # Konawe Kepulauan (Wawonii)
    "74.11": (0.35, 0.40, 0.20, 0.05),  # Kolaka Timur
    "74.01": (0.30, 0.30, 0.35, 0.05),  # Kolaka
    "74.08": (0.25, 0.15, 0.55, 0.05),  # Kolaka Utara
    "74.06": (0.40, 0.10, 0.35, 0.15),  # Bombana
}
DEFAULT_STYLE = (0.35, 0.0, 0.15, 0.50)  # Muna and Buton islands, Bau-Bau, Wakatobi
OTHER_PROVINCE_STYLE = (0.8, 0.0, 0.2, 0.0)

# Business words; common ones repeated so that "Sinar Jaya", "Berkah" … recur as in real life.
WORDS = _split(
    "Sinar Sinar Sinar Jaya Jaya Jaya Jaya Berkah Berkah Berkah Abadi Abadi Makmur Makmur Sejahtera "
    "Sumber Rezeki Rezeki Mandiri Mandiri Bersama Indah Sentosa Maju Maju Barokah Amanah Harapan Mulia "
    "Karya Lestari Bahari Anugerah Cahaya Mutiara Permata Putra Putri Sehati Bintang Fajar Pelangi "
    "Samudera Anoa Murni Baru Rizki Keluarga Nusantara Tunas Sari Rahmat Hidayah Mekar Subur Gemilang "
    "Setia Agung Mitra Utama Kencana Lancar Nikmat Citra Tiga Dua Kasih Pertiwi Wonua Bumi"
)
COMMODITIES = _split(
    "Kakao|Jambu Mete|Rumput Laut|Kelapa|Cengkeh|Lada|Sagu|Kopi|Padi|Ikan|Madu Hutan|Nilam", "|"
)
STREETS = _split(
    "Ahmad Yani|Jenderal Sudirman|Diponegoro|Pattimura|MT Haryono|Sao-Sao|Bunggasi|Lakidende|Malaka|"
    "Budi Utomo|Pierre Tendean|Supu Yusuf|Betoambari|Sultan Hasanuddin|Gatot Subroto|Saranani|"
    "Abunawas|Chairil Anwar|Mayjen Sutoyo|Made Sabara|Syech Yusuf|Orinunggu|Kijang|Poros|Pendidikan|"
    "Pelabuhan|Pasar Baru|Merdeka|Veteran|Kartini",
    "|",
)
ROMAN = ("I", "II", "III", "IV", "V")
MOBILE_PREFIXES = _split(
    "0811 0812 0812 0813 0813 0821 0821 0822 0823 0852 0852 0853 0851 0857 0858 0856 0877 0878 0895 "
    "0896 0838 0831"
)
# Fixed-line area codes (Kendari 0401, Raha 0403, Bau-Bau 0402, Kolaka 0405 …); others use 0401.
AREA_CODES = {"74.71": "0401", "74.72": "0402", "74.03": "0403", "74.01": "0405", "74.05": "0401"}
TAX_OFFICES = ("811", "812", "813", "815")  # KPP codes for the NPWP's office part

# Kab/kota weights of province 74, in per mille of all entities: the cities and the large
# mainland kabupaten lead (Kota Kendari, Konawe Selatan), the small islands trail.
KABKOTA_WEIGHTS_74 = {
    "74.71": 170,  # Kota Kendari
    "74.05": 130,  # Konawe Selatan
    "74.02": 100,  # Konawe
    "74.01": 90,  # Kolaka
    "74.03": 80,  # Muna
    "74.72": 80,  # Kota Bau-Bau
    "74.06": 55,  # Bombana
    "74.08": 50,  # Kolaka Utara
    "74.11": 45,  # Kolaka Timur
    "74.04": 40,  # Buton
    "74.14": 35,  # Buton Tengah
    "74.13": 30,  # Muna Barat
    "74.09": 30,  # Konawe Utara
    "74.10": 25,  # Buton Utara
    "74.07": 18,  # Wakatobi
    "74.15": 17,  # Buton Selatan
    "74.12": 10,  # Konawe Kepulauan
}


@dataclass(frozen=True)
class Line:
    """A line of business: its share, owner sex mix, KBLI kelompok codes and name patterns.

    Patterns: ``{w}`` a business word, ``{first}`` the owner's first name, ``{hon}`` Bu/Pak,
    ``{place}`` the kecamatan, ``{c}`` a commodity.
    """

    weight: float
    female: float
    kbli: tuple[str, ...]
    patterns: tuple[str, ...]
    food: bool = False


# Shares: trade ~40 %, food processing ~20 %, food service ~12 %, farming/fishing ~12 %,
# crafts/textiles ~8 %, services ~8 %.
LINES = (
    Line(
        17,
        0.62,
        ("47112",),
        ("Toko {w} {w}", "Kios {first}", "Toko {first}", "Kios {w} {w}", "Warung {first}"),
    ),
    Line(
        6,
        0.65,
        ("47241", "47242", "47243", "47249", "47215", "47213", "47212"),
        ("Kios {w} {w}", "Toko {w} {w}", "UD {w} {w}", "Lapak {hon} {first}"),
    ),
    Line(
        5,
        0.65,
        ("47815", "47813", "47812", "47822", "47829", "47832"),
        ("Lapak {hon} {first}", "Kios {first}", "Jualan {hon} {first}"),
    ),
    Line(
        4,
        0.75,
        ("47711", "47712", "47714", "47724", "47511"),
        ("Butik {first}", "Toko {w} {w}", "{w} Collection", "Toko Kain {w}"),
    ),
    Line(1.5, 0.2, ("47528", "47521", "47524"), ("Toko Bangunan {w} {w}", "UD {w} {w}")),
    Line(1.5, 0.3, ("47414",), ("Konter {w} Cell", "{w} Phone", "Counter Pulsa {first}")),
    Line(1, 0.15, ("45406",), ("Toko {w} Motor", "Sparepart {w} {w}")),
    Line(
        4,
        0.3,
        ("46206", "46209", "46201", "46314", "46311"),
        ("UD {w} {w}", "UD Hasil Laut {w}", "UD {w} Tani", "Pengepul {c} {first}"),
    ),
    Line(
        8,
        0.88,
        ("10792", "10710", "10794", "10796"),
        ("Usaha Kue {hon} {first}", "Kue {first}", "Dapur {first}", "Roti {w} {w}", "Keripik {w} {w}"),
        food=True,
    ),
    Line(
        5,
        0.62,
        ("10211", "10212", "10219", "10216", "10750"),
        ("Abon Ikan {w}", "Ikan Asin {hon} {first}", "Olahan Ikan {w} {w}", "Bakso Ikan {first}"),
        food=True,
    ),
    Line(
        1.5,
        0.55,
        ("10391", "10392"),
        ("Tahu Tempe {first}", "Pabrik Tahu {w} {w}", "Tempe {hon} {first}"),
        food=True,
    ),
    Line(1, 0.5, ("10761",), ("Kopi {w} {w}", "Bubuk Kopi {first}"), food=True),
    Line(1.5, 0.6, ("10722", "10629"), ("Gula Aren {w}", "Olahan Sagu {first}", "Sagu {w} {w}"), food=True),
    Line(3, 0.3, ("11052",), ("Depot Air {w} {w}", "Air Isi Ulang {w}"), food=True),
    Line(
        7,
        0.78,
        ("56102",),
        ("Warung Makan {hon} {first}", "Rumah Makan {w} {w}", "RM {w} {w}", "Warung {first}"),
        food=True,
    ),
    Line(3, 0.35, ("56303", "56304"), ("Warkop {w}", "Kedai Kopi {w}", "Kedai {first}"), food=True),
    Line(2, 0.55, ("56104",), ("Bakso {first}", "Pisang Goreng {hon} {first}", "Sari Laut {w}"), food=True),
    Line(4, 0.08, ("03111", "03112", "03113"), ("Nelayan {first}", "UD {w} Bahari", "Kapal {w} {w}")),
    Line(
        3,
        0.35,
        ("03217", "03216", "03221", "03211"),
        ("Budidaya Rumput Laut {first}", "Tambak {first}", "Tambak {w} {w}"),
    ),
    Line(
        4,
        0.3,
        ("01133", "01131", "01132", "01270", "01261", "01122"),
        ("Tani {w} {w}", "Kebun {first}", "Usaha Tani {first}", "Kebun {c} {first}"),
    ),
    Line(1, 0.3, ("01464", "01442", "01411"), ("Peternakan {w} {w}", "Ternak Ayam {first}")),
    Line(3, 0.95, ("13122", "13121"), ("Tenun {w} {w}", "Tenun Ikat {first}", "Tenun {place}")),
    Line(3, 0.72, ("14120", "14111"), ("Penjahit {first}", "Konveksi {w} {w}", "Jahit {hon} {first}")),
    Line(
        2,
        0.4,
        ("16291", "16293", "31001", "23932", "32112"),
        ("Kerajinan {w} {w}", "Mebel {w} {w}", "Anyaman {first}", "Perak {w}"),
    ),
    Line(3, 0.03, ("45407", "45201"), ("Bengkel {w} Motor", "Bengkel {first}", "Bengkel {w} {w}")),
    Line(1.2, 0.92, ("96112",), ("Salon {first}", "Salon {w}")),
    Line(0.8, 0.05, ("96111",), ("Pangkas Rambut {w}", "Barbershop {w}")),
    Line(1, 0.6, ("96200",), ("Laundry {w}", "{w} Laundry")),
    Line(1, 0.1, ("95210", "95110"), ("Servis {w} Elektronik", "Service HP {first}")),
    Line(1, 0.35, ("74201", "18111"), ("Studio Foto {w}", "Percetakan {w} {w}")),
)


@dataclass(frozen=True)
class KoperasiKind:
    jenis: str
    weight: float
    kbli: tuple[str, ...]
    patterns: tuple[str, ...]


KOPERASI_KINDS = (
    KoperasiKind(
        KoperasiJenis.SIMPAN_PINJAM,
        30,
        ("64141", "64141", "64141", "64145"),
        (
            "KSP {w} {w}",
            "Koperasi Simpan Pinjam {w} {w}",
            "KSP {w} {place}",
            "Koperasi Simpan Pinjam {w} {place}",
        ),
    ),
    KoperasiKind(
        KoperasiJenis.KONSUMEN,
        30,
        ("47112", "47191", "47111"),
        (
            "Koperasi Konsumen {w} {place}",
            "KPRI {w} {place}",
            "Koperasi Karyawan {w} {w}",
            "Koperasi Serba Usaha {w} {w}",
            "Koperasi Wanita {w} {place}",
        ),
    ),
    KoperasiKind(
        KoperasiJenis.PRODUSEN,
        22,
        ("01270", "01133", "03111", "03217", "46201"),
        (
            "KUD {w} {place}",
            "Koperasi Produsen {c} {place}",
            "Koperasi Tani {w} {place}",
            "Koperasi Nelayan {w} {place}",
        ),
    ),
    KoperasiKind(
        KoperasiJenis.PEMASARAN,
        8,
        ("46209", "46201", "46314", "46206"),
        ("Koperasi Pemasaran {c} {place}", "Koperasi Pemasaran {w} {w}"),
    ),
    KoperasiKind(
        KoperasiJenis.JASA,
        10,
        ("49414", "79111", "82990"),
        ("Koperasi Jasa {w} {place}", "Koperasi Jasa Angkutan {w}", "Koperasi Jasa Wisata {w} {place}"),
    ),
)

STATUS_REASONS = {
    LegalStatus.TIDAK_AKTIF: "Tidak menyelenggarakan RAT tiga tahun buku berturut-turut.",
    LegalStatus.DALAM_PEMBUBARAN: "Keputusan Rapat Anggota untuk membubarkan koperasi.",
    LegalStatus.BUBAR: "Pembubaran selesai; badan hukum koperasi dihapus.",
}


# --- reference data --------------------------------------------------------------------------


@dataclass
class _Place:
    code: str
    name: str
    kelurahan: bool


class _World:
    """Regions, KBLI codes and coordinate pools, read once per seed (a handful of queries)."""

    def __init__(self, province: str, rng: random.Random, pool: int) -> None:
        regions = list(
            Region.objects.filter(code__startswith=f"{province}.").values_list(
                "code", "name", "level", "depth"
            )
        )
        self.kec_names = {code: name for code, name, _, depth in regions if depth == 3}
        desa_by_kab: dict[str, list[_Place]] = defaultdict(list)
        for code, name, level, depth in sorted(regions):
            if depth == 4:
                desa_by_kab[code[:5]].append(_Place(code, name, level == "kelurahan"))
        if not desa_by_kab:
            raise RuntimeError(
                f"Data wilayah provinsi {province} sampai desa/kelurahan belum dimuat "
                "(jalankan load_regions)."
            )
        self.kabkota = sorted(desa_by_kab)
        self.desa_by_kab = dict(desa_by_kab)
        weights = KABKOTA_WEIGHTS_74 if province == "74" else {}
        # Elsewhere: proportional to the number of desa (a fair default without local figures).
        self.kab_weights = [weights.get(k, len(self.desa_by_kab[k])) for k in self.kabkota]
        self.kab_cum = list(_cumulative(self.kab_weights))

        kbli = set(Kbli.objects.filter(level=KbliLevel.KELOMPOK).values_list("code", flat=True))
        used = {c for line in LINES for c in line.kbli} | {c for k in KOPERASI_KINDS for c in k.kbli}
        missing = sorted(used - kbli)
        if missing:
            raise RuntimeError(f"Kode KBLI {', '.join(missing)} tidak ada di tabel KBLI (tingkat kelompok).")
        self.line_cum = list(_cumulative(line.weight for line in LINES))
        self.kop_cum = list(_cumulative(k.weight for k in KOPERASI_KINDS))

        # Points: sampled once per kecamatan, kept only when they also fall inside the
        # kab/kota polygon (the two boundary files were simplified separately).
        self.shapes: dict[str, _BandedShape] = {}
        self.pools: dict[str, list[tuple[float, float]]] = {}
        for kec in sorted(self.kec_names):
            shape, kab_shape = geo.shape_for(kec), geo.shape_for(kec[:5])
            if shape is None or kab_shape is None:
                continue
            if kec[:5] not in self.shapes:
                self.shapes[kec[:5]] = _BandedShape(kab_shape)
            self.shapes[kec] = _BandedShape(shape)
            points = [p for p in shape.sample(rng, pool) if self.shapes[kec[:5]].contains(*p)]
            if points:
                self.pools[kec] = points

    def style(self, kab: str) -> tuple[float, float, float, float]:
        if not kab.startswith("74."):
            return OTHER_PROVINCE_STYLE
        return NAME_STYLES_74.get(kab, DEFAULT_STYLE)


class _BandedShape:
    """``geo.Shape.contains`` with each ring's edges bucketed by latitude band.

    The even-odd test of ``geo._in_ring`` only flips on edges with
    ``(yi > lat) != (yj > lat)``, i.e. ``min(yi, yj) <= lat < max(yi, yj)``; every such
    edge is in the band of ``lat``, and the flip is computed with the same expression,
    so the answer is exactly geo's — in ~2 µs instead of ~17 µs for a kab/kota of a few
    hundred vertices (it runs twice per entity).
    """

    BANDS = 64

    def __init__(self, shape: geo.Shape) -> None:
        self.bbox = shape.bbox
        self.polygons = [tuple(self._ring(ring) for ring in polygon) for polygon in shape.polygons]

    def _ring(self, ring: geo.Ring) -> tuple[float, float, list[list[tuple[float, float, float, float]]]]:
        lats = [pt[1] for pt in ring]
        low, high = min(lats), max(lats)
        height = (high - low) / self.BANDS or 1.0
        bands: list[list[tuple[float, float, float, float]]] = [[] for _ in range(self.BANDS + 1)]
        n = len(ring)
        for i in range(n):
            xi, yi = ring[i]
            xj, yj = ring[i - 1]  # geo walks j = i - 1 (wrapping), the same edges
            first = int((min(yi, yj) - low) / height)
            last = int((max(yi, yj) - low) / height)
            for b in range(max(first, 0), min(last, self.BANDS) + 1):
                bands[b].append((xi, yi, xj, yj))
        return low, height, bands

    def _in_ring(self, lon: float, lat: float, ring) -> bool:
        low, height, bands = ring
        b = int((lat - low) / height)
        if b < 0 or b > self.BANDS:
            return False
        inside = False
        for xi, yi, xj, yj in bands[b]:
            if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                inside = not inside
        return inside

    def contains(self, lat: float, lon: float) -> bool:
        min_lon, min_lat, max_lon, max_lat = self.bbox
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            return False
        for outer, *holes in self.polygons:
            if self._in_ring(lon, lat, outer) and not any(self._in_ring(lon, lat, h) for h in holes):
                return True
        return False


def _cumulative(weights: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


# --- the generator -----------------------------------------------------------------------------


METRIC_COLUMNS = (
    "entity_id",
    "year",
    "sales",
    "assets",
    "modal",
    "workers_male",
    "workers_female",
    "members_male",
    "members_female",
    "own_capital",
    "business_volume",
    "shu",
    "updated_at",
)
RAT_COLUMNS = ("koperasi_id", "book_year", "held_on")
OFFICER_COLUMNS = ("koperasi_id", "person_id", "role", "since", "until")
STATUS_COLUMNS = ("koperasi_id", "from_status", "to_status", "date", "reason", "by_id", "created_at")

# Size tiers by annual sales (PP 7/2021 bounds), with the share of UMKM in each: almost all
# mikro, about 1 % kecil, a few hundred menengah and a handful of large firms in 148k.
SALES_TIERS = (
    # share, median sales, sigma, (low, high] sales bounds, (low, high] modal bounds
    (0.98650, 85_000_000, 1.0, (0, 2 * MILIAR), (0, 1 * MILIAR)),
    (0.01115, 4 * MILIAR, 0.5, (2 * MILIAR, 15 * MILIAR), (1 * MILIAR, 5 * MILIAR)),
    (0.00225, 24 * MILIAR, 0.35, (15 * MILIAR, 50 * MILIAR), (5 * MILIAR, 10 * MILIAR)),
    (0.00010, 80 * MILIAR, 0.4, (50 * MILIAR, 400 * MILIAR), (10 * MILIAR, 80 * MILIAR)),
)
WORKERS_BY_TIER = ((1, 4), (5, 19), (20, 99), (100, 300))


class _Generator:
    """Makes the rows, chunk by chunk. Touches no database: it may run in its own thread."""

    def __init__(
        self,
        world: _World,
        rng: random.Random,
        today: dt.date,
        *,
        now: Any,
        adapt_date: Callable[[dt.date | None], Any],
        entity_base: int,
        person_base: int,
    ):
        self.world, self.rng, self.today = world, rng, today
        self.now, self.date = now, adapt_date
        self.last_entity_id, self.last_person_id = entity_base, person_base
        self.new_entity, self.new_person = New(Entity), New(Person)
        self.new_umkm, self.new_koperasi = New(Umkm), New(Koperasi)
        self.year = today.year
        self.metric_years = list(range(self.year - METRIC_YEARS, self.year))
        self.rat_from = earliest_qualifying_book_year(today)
        # NIK serials: one counter per kecamatan (see _nik).
        self.nik_counters: dict[str, int] = defaultdict(int)
        # NIB: an affine permutation of the issue number over 13-digit numbers — unique by
        # construction, yet not sequential-looking, and O(1) memory at any scale.
        self.nib_mod = 9 * 10**12
        self.nib_mul = 7_919_000_000_003  # coprime with 9·10^12 (not divisible by 2, 3 or 5)
        self.nib_add = rng.randrange(self.nib_mod)
        self.nib_seq = 0
        self.npwp_seq = 0
        self.nik_kop_seq = 0
        self.cert_seq = 0
        self.encrypt_seconds = 0.0
        self.seconds = 0.0
        self.done = 0

    def chunk(self, size: int, total: int) -> _Chunk:
        """The next ``size`` entities; koperasi keep their share of the running total exactly."""
        started = time.perf_counter()
        kop = _koperasi_target(self.done + size, total) - _koperasi_target(self.done, total)
        kinds = [True] * kop + [False] * (size - kop)
        self.rng.shuffle(kinds)
        out = _Chunk()
        owner_pool: dict[str, list[tuple]] = defaultdict(list)
        for is_koperasi in kinds:
            self.last_entity_id += 1
            entity = self.new_entity(id=self.last_entity_id)
            kab = self.kab()
            if is_koperasi:
                self.koperasi(entity, kab, out)
            else:
                self.umkm(entity, kab, owner_pool, out)
            out.entities.append(entity)
        derive_entities(out.entities)
        derive_umkms(out.umkm)
        self.done += size
        self.seconds += time.perf_counter() - started
        return out

    # -- small pickers ---------------------------------------------------------------------

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.rng.random() * len(seq))]

    def pick_cum(self, items: Sequence[Any], cum: Sequence[float]) -> Any:
        x = self.rng.random() * cum[-1]
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return items[lo]

    def words(self) -> tuple[str, str]:
        w1 = self.pick(WORDS)
        w2 = self.pick(WORDS)
        while w2 == w1:
            w2 = self.pick(WORDS)
        return w1, w2

    def fill(self, pattern: str, first: str, female: bool, place: str) -> str:
        w1, w2 = self.words()
        text = pattern.replace("{w}", w1, 1).replace("{w}", w2, 1)
        return (
            text.replace("{first}", first)
            .replace("{hon}", "Bu" if female else "Pak")
            .replace("{place}", place)
            .replace("{c}", self.pick(COMMODITIES))
        )

    # -- people ----------------------------------------------------------------------------

    def person_name(self, female: bool, kab: str) -> tuple[str, str]:
        """(full name, the first name as used in business names)."""
        rng = self.rng
        general, tolaki, bugis, _ = self.world.style(kab)
        r = rng.random()
        first = self.pick(FEMALE_FIRST if female else MALE_FIRST).replace("_", " ")
        if r < general:
            return (f"{first} {self.pick(GENERAL_SURNAMES)}" if rng.random() < 0.7 else first), first
        if r < general + tolaki:
            return f"{first} {self.pick(TOLAKI_SURNAMES)}", first
        if r < general + tolaki + bugis:
            if rng.random() < 0.25:
                return f"Andi {first} {self.pick(BUGIS_SURNAMES)}", first
            return f"{first} {self.pick(BUGIS_SURNAMES)}", first
        # Muna/Buton: La/Wa before the name, La Ode/Wa Ode for the nobility.
        s = rng.random()
        if s < 0.2:
            return f"{'Wa Ode' if female else 'La Ode'} {first}", first
        if s < 0.55:
            short = self.pick(MUNA_BUTON_SHORT_FEMALE if female else MUNA_BUTON_SHORT_MALE)
            return f"{'Wa' if female else 'La'} {short}", short
        return f"{first} {self.pick(BUTON_MUNA_SURNAMES)}", first

    def _nik(self, kec: str, female: bool, min_age: int, max_age: int) -> str:
        """A valid NIK, unique by construction (no set of every NIK kept in memory).

        PPRRSS is the person's kecamatan, DDMMYY the birth date (+40 for women), then a
        4-digit serial 0001–9999 from a counter per kecamatan. When a kecamatan passes 9,999
        people the serials repeat, so the birth date of the c-th round is moved (by at most
        15 days) to a day whose ordinal ≡ c (mod 16): two people with the same serial then
        differ in birth date. That covers 160,000 people per kecamatan.
        """
        count = self.nik_counters[kec]
        self.nik_counters[kec] = count + 1
        cycle, serial = divmod(count, 9_999)
        if cycle >= 16:
            raise RuntimeError(f"Terlalu banyak pelaku di kecamatan {kec} untuk NIK demo yang unik.")
        rng = self.rng
        age = min_age + int((max_age - min_age) * (rng.random() + rng.random()) / 2)  # peaks mid-range
        start = dt.date(self.year - age, 1, 1).toordinal()
        ordinal = start + int(rng.random() * 365)
        ordinal -= (ordinal - cycle) % 16
        born = dt.date.fromordinal(ordinal)
        day = born.day + (40 if female else 0)
        return f"{kec.replace('.', '')}{day:02d}{born.month:02d}{born.year % 100:02d}{serial + 1:04d}"

    def phone(self, kab: str, landline_share: float = 0.0) -> str:
        rng = self.rng
        if landline_share and rng.random() < landline_share:
            return f"{AREA_CODES.get(kab, '0401')}{rng.randrange(3_000_000, 3_999_999)}"
        digits = 8 if rng.random() < 0.75 else 7
        return f"{self.pick(MOBILE_PREFIXES)}{rng.randrange(10 ** (digits - 1), 10**digits)}"

    def person(
        self, region: str, female: bool, name: str, *, min_age: int, max_age: int, phone: str | None
    ) -> tuple[Person, str]:
        """A new Person (id reserved) and its NIK in clear, for the caller's row only."""
        nik = self._nik(region[:8], female, min_age, max_age)
        self.last_person_id += 1
        p = self.new_person(id=self.last_person_id, name=name, sex="P" if female else "L", region_id=region)
        t = time.perf_counter()
        p.nik = nik  # the model's setter: validates, encrypts, hashes, masks, birth year
        if phone:
            p.phone = phone
        self.encrypt_seconds += time.perf_counter() - t
        p.derive_fields()
        return p, nik

    # -- places ----------------------------------------------------------------------------

    def place(self, kab: str) -> tuple[_Place, float | None, float | None, str]:
        desa = self.pick(self.world.desa_by_kab[kab])
        kec = desa.code[:8]
        pool = self.world.pools.get(kec)
        lat = lon = None
        if pool:
            lat, lon = self.pick(pool)
            # A little jitter (≤ ~150 m) so businesses sharing a pool point do not stack;
            # kept only when still inside the kecamatan and the kab/kota.
            jlat = round(lat + (self.rng.random() - 0.5) * 0.0028, 6)
            jlon = round(lon + (self.rng.random() - 0.5) * 0.0028, 6)
            shapes = self.world.shapes
            if shapes[kec].contains(jlat, jlon) and shapes[kab].contains(jlat, jlon):
                lat, lon = jlat, jlon
        if desa.kelurahan:
            address = f"Jl. {self.pick(STREETS)} No. {self.rng.randrange(1, 250)}, Kel. {desa.name}"
        else:
            address = f"Dusun {self.pick(ROMAN)}, Desa {desa.name}"
        return desa, lat, lon, address

    def kab(self) -> str:
        return self.pick_cum(self.world.kabkota, self.world.kab_cum)

    # -- UMKM ------------------------------------------------------------------------------

    def _tier(self) -> int:
        x = self.rng.random()
        acc = 0.0
        for i, tier in enumerate(SALES_TIERS):
            acc += tier[0]
            if x < acc:
                return i
        return 0

    def _amount(self, median: float, sigma: float, low: int, high: int, step: int) -> int:
        rng = self.rng
        mu = math.log(median)
        for _ in range(20):
            value = round(rng.lognormvariate(mu, sigma) / step) * step
            if low < value <= high:
                return value
        return min(max(round(median / step) * step, low + step), high)

    def umkm(self, entity: Entity, kab: str, owner_pool: dict[str, list[tuple]], out: _Chunk) -> None:
        rng = self.rng
        line: Line = self.pick_cum(LINES, self.world.line_cum)
        desa, lat, lon, address = self.place(kab)
        tier = self._tier()
        _, median, sigma, (s_low, s_high), (m_low, m_high) = SALES_TIERS[tier]
        sales = self._amount(median, sigma, s_low, s_high, 100_000)
        modal = min(
            max(round(sales * rng.lognormvariate(math.log(0.3), 0.6) / 500_000) * 500_000, m_low + 500_000),
            m_high,
        )
        known = rng.random()
        if known >= 0.99:
            sales = modal = None  # neither figure collected: no size class
        elif known >= 0.97:
            modal = None
        elif known >= 0.88:
            sales = None  # classified by modal usaha
        founded = self.year - 1 - min(int(rng.expovariate(1 / 8)) + 4 * tier, self.year - 1 - 1975)

        # The owner: usually new; ~2 % already own another business in the same kab/kota.
        owners = owner_pool[kab]
        female = rng.random() < line.female
        nik = None
        if owners and rng.random() < 0.02:
            owner, first, female = self.pick(owners)
        else:
            name, first = self.person_name(female, kab)
            owner, nik = self.person(
                desa.code,
                female,
                name,
                min_age=19,
                max_age=70,
                phone=self.phone(kab) if rng.random() < 0.45 else None,
            )
            out.persons.append(owner)
            if len(owners) < 500:
                owners.append((owner, first, female))

        entity.kind = EntityKind.UMKM
        entity.name = self.fill(self.pick(line.patterns), first, female, self.world.kec_names[desa.code[:8]])
        entity.region_id = desa.code
        entity.address = address
        entity.lat, entity.lon = lat, lon
        entity.year_founded = founded
        entity.kbli_id = self.pick(line.kbli)
        if rng.random() < 0.65:
            self._encrypt(entity, "phone", self.phone(kab, landline_share=0.05))

        lo, hi = WORKERS_BY_TIER[tier]
        workers = lo + int((hi - lo + 1) * rng.random() ** 2)
        women = sum(1 for _ in range(min(workers, 30)) if rng.random() < line.female)
        women = round(women * workers / min(workers, 30))
        u = self.new_umkm(
            entity_id=entity.id,
            owner_id=owner.id,
            modal_usaha=modal,
            annual_sales=sales,
            workers_male=workers - women,
            workers_female=women,
            business_status=BusinessStatus.AKTIF,
        )
        s = rng.random()
        if s > 0.97:
            u.business_status = BusinessStatus.TUTUP
        elif s > 0.92:
            u.business_status = BusinessStatus.TIDAK_AKTIF
        nib_share = 0.95 if tier else (0.68 if founded >= 2019 else 0.52)
        if rng.random() < nib_share:
            u.nib = str(10**12 + (self.nib_mul * self.nib_seq + self.nib_add) % self.nib_mod)
            self.nib_seq += 1
        if rng.random() < (0.75 if tier else 0.1):
            self._encrypt(u, "npwp", self._npwp(nik if rng.random() < 0.5 else None))
        f = rng.random()
        if tier == 0:
            u.legal_form = (
                LegalForm.PT_PERORANGAN if f < 0.03 else LegalForm.CV if f < 0.04 else LegalForm.PERORANGAN
            )
        else:
            u.legal_form = (
                LegalForm.PERORANGAN
                if f < 0.3 - 0.1 * tier
                else LegalForm.CV
                if f < 0.6
                else LegalForm.PT_PERORANGAN
                if f < 0.7
                else LegalForm.PT
            )
        if line.food:
            kab_digits = kab.replace(".", "")
            if rng.random() < 0.3:
                self.cert_seq += 1
                u.pirt_number = (
                    f"{rng.randrange(1, 6)}{rng.randrange(1, 16):02d}{kab_digits}"
                    f"{self.cert_seq % 10_000:04d}-{(self.year + rng.randrange(1, 5)) % 100:02d}"
                )
            if rng.random() < 0.12:
                self.cert_seq += 1
                u.halal_certificate = f"ID{kab_digits}{self.cert_seq:013d}"
        out.umkm.append(u)
        self._umkm_metrics(entity.id, founded, sales, modal, u.workers_male, u.workers_female, out)

    def _npwp(self, nik: str | None) -> str:
        if nik:
            return nik  # since 2024 an individual's NPWP is their NIK
        self.npwp_seq += 1
        body = f"{self.rng.randrange(1, 10):02d}{self.npwp_seq % 1_000_000:06d}"
        return f"{body}{luhn.calc_check_digit(body)}{self.pick(TAX_OFFICES)}000"

    def _encrypt(self, obj: Any, attr: str, value: str) -> None:
        t = time.perf_counter()
        setattr(obj, attr, value)  # the model's setter: validate, encrypt, mask (and hash)
        self.encrypt_seconds += time.perf_counter() - t

    def _umkm_metrics(self, entity_id, founded, sales, modal, men, women, out: _Chunk) -> None:
        rng = self.rng
        if sales is None and modal is None:
            return
        now = self.now
        years = [y for y in self.metric_years if y >= founded]
        value = sales
        rows = []
        for year in reversed(years):  # from the latest year back, undoing each year's growth
            assets = None if modal is None else round(modal * rng.uniform(1.1, 2.5) / 100_000) * 100_000
            rows.append(
                (entity_id, year, value, assets, modal, men, women, None, None, None, None, None, now)
            )
            if value is not None:
                growth = min(max(rng.gauss(0.07, 0.18), -0.4), 0.9)
                value = round(value / (1 + growth) / 100_000) * 100_000
        out.metrics.extend(reversed(rows))

    # -- koperasi --------------------------------------------------------------------------

    def koperasi(self, entity: Entity, kab: str, out: _Chunk) -> None:
        rng = self.rng
        kind: KoperasiKind = self.pick_cum(KOPERASI_KINDS, self.world.kop_cum)
        desa, lat, lon, address = self.place(kab)
        kec_name = self.world.kec_names[desa.code[:8]]
        pattern = self.pick(kind.patterns)
        founded = self.year - 1 - min(int(rng.expovariate(1 / 14)), self.year - 1 - 1970)
        entity.kind = EntityKind.KOPERASI
        entity.name = self.fill(pattern, "", False, kec_name)
        entity.region_id = desa.code
        entity.address = address
        entity.lat, entity.lon = lat, lon
        entity.year_founded = founded
        entity.kbli_id = "64145" if pattern.startswith("KSPPS") else self.pick(kind.kbli)
        if entity.name.startswith("Koperasi Nelayan"):
            entity.kbli_id = "03111"
        if rng.random() < 0.85:
            self._encrypt(entity, "phone", self.phone(kab, landline_share=0.3))
        women_only = "Wanita" in entity.name

        # Legal status, then a RAT history that fits it: about half hold RAT in the window.
        s = rng.random()
        status = (
            LegalStatus.AKTIF
            if s < 0.78
            else LegalStatus.TIDAK_AKTIF
            if s < 0.94
            else LegalStatus.DALAM_PEMBUBARAN
            if s < 0.98
            else LegalStatus.BUBAR
        )
        compliant = rng.random() < (0.62 if status == LegalStatus.AKTIF else 0.0)
        last_rat = None
        if compliant:
            last_rat = max(self.year - 1 if rng.random() < 0.7 else self.rat_from, founded)
        elif rng.random() < 0.6 and founded <= self.rat_from - 1:
            last_rat = rng.randint(max(founded, self.year - 12), self.rat_from - 1)
        rat_years: list[int] = []
        if last_rat is not None:
            year = last_rat
            while year >= founded and len(rat_years) < 10:
                rat_years.append(year)
                year -= 1 if rng.random() < 0.85 else 2
                if rng.random() < 0.2:
                    break
        for year in rat_years:
            held = dt.date(year + 1, rng.randint(2, 6), rng.randint(1, 28))
            out.rat.append((entity.id, year, self.date(min(held, self.today))))

        members = max(
            20,
            round(
                rng.lognormvariate(math.log(120 if kind.jenis == KoperasiJenis.SIMPAN_PINJAM else 45), 0.9)
            ),
        )
        female_share = 1.0 if women_only else rng.uniform(0.25, 0.6)
        base = rng.lognormvariate(
            math.log(1_500_000_000 if kind.jenis == KoperasiJenis.SIMPAN_PINJAM else 350_000_000), 1.2
        )
        k = self.new_koperasi(
            entity_id=entity.id,
            jenis=kind.jenis,
            tingkat=KoperasiTingkat.SEKUNDER if rng.random() < 0.02 else KoperasiTingkat.PRIMER,
            members_female=round(members * female_share),
            members_male=members - round(members * female_share),
            employees=int(rng.expovariate(1 / 3)) if status == LegalStatus.AKTIF else 0,
            legal_status=status,
            last_rat_year=max(rat_years) if rat_years else None,
        )
        self.nik_kop_seq += 1
        if rng.random() < 0.8:
            k.nik_koperasi = f"{kab.replace('.', '')}{self.nik_kop_seq:012d}"
        est = dt.date(founded, rng.randint(1, 12), rng.randint(1, 28))
        k.tanggal_badan_hukum = min(est, self.today)
        k.nomor_badan_hukum = (
            f"AHU-{rng.randrange(1, 9_999_999):07d}.AH.01.26.TAHUN {founded}"
            if founded >= 2013
            else f"{rng.randrange(1, 999)}/BH/{_roman(rng.randint(1, 30))}/{founded}"
        )
        # Yearly figures come from the RAT books: one row per book year with a RAT in the window.
        value = base
        for year in sorted((y for y in rat_years if y in self.metric_years), reverse=True):
            assets = round(value / 100_000) * 100_000
            volume = round(value * rng.uniform(0.3, 1.5) / 100_000) * 100_000
            shu = round(volume * rng.gauss(0.04, 0.05) / 10_000) * 10_000
            own = round(assets * rng.uniform(0.2, 0.7) / 100_000) * 100_000
            out.metrics.append(
                (
                    entity.id,
                    year,
                    None,
                    assets,
                    None,
                    None,
                    None,
                    k.members_male,
                    k.members_female,
                    own,
                    volume,
                    shu,
                    self.now,
                )
            )
            value = value / (1 + min(max(rng.gauss(0.05, 0.12), -0.3), 0.6))
        if rat_years:
            k.assets = round(base / 100_000) * 100_000
            k.own_capital = round(k.assets * rng.uniform(0.2, 0.7) / 100_000) * 100_000
            k.business_volume = round(base * rng.uniform(0.3, 1.5) / 100_000) * 100_000
            k.shu = round(k.business_volume * rng.gauss(0.04, 0.05) / 10_000) * 10_000
        out.koperasi.append(k)
        self._status_history(entity.id, status, last_rat or founded, out)
        self._officers(entity.id, desa.code, kab, women_only, founded, status, kind, out)

    def _status_history(self, kop_id: int, status: str, since_year: int, out: _Chunk) -> None:
        if status == LegalStatus.AKTIF:
            return
        rng = self.rng
        steps = {
            LegalStatus.TIDAK_AKTIF: [(LegalStatus.AKTIF, LegalStatus.TIDAK_AKTIF)],
            LegalStatus.DALAM_PEMBUBARAN: [(LegalStatus.AKTIF, LegalStatus.DALAM_PEMBUBARAN)],
            LegalStatus.BUBAR: [
                (LegalStatus.AKTIF, LegalStatus.DALAM_PEMBUBARAN),
                (LegalStatus.DALAM_PEMBUBARAN, LegalStatus.BUBAR),
            ],
        }[status]
        day = dt.date(min(since_year + 3, self.year), 1, 1).toordinal()
        last = self.today.toordinal()
        for frm, to in steps:
            day = min(day + rng.randint(30, 700), last)
            out.status.append(
                (
                    kop_id,
                    frm,
                    to,
                    self.date(dt.date.fromordinal(day)),
                    STATUS_REASONS[to],
                    None,
                    self.now,
                )
            )

    def _officers(self, kop_id, desa, kab, women_only, founded, status, kind, out: _Chunk) -> None:
        rng = self.rng
        roles = [OfficerRole.KETUA, OfficerRole.SEKRETARIS, OfficerRole.BENDAHARA]
        if rng.random() < 0.7:
            roles.append(OfficerRole.PENGAWAS)
        if rng.random() < (0.4 if kind.jenis == KoperasiJenis.SIMPAN_PINJAM else 0.1):
            roles.append(OfficerRole.MANAJER)
        term = max(founded, self.year - 5)
        since = self.date(min(dt.date(rng.randint(term, self.year - 1), rng.randint(1, 12), 1), self.today))
        until = self.date(self.today) if status == LegalStatus.BUBAR else None
        for role in roles:
            female = women_only or rng.random() < 0.35
            name, _ = self.person_name(female, kab)
            region = desa if rng.random() < 0.7 else self.pick(self.world.desa_by_kab[kab]).code
            p, _ = self.person(
                region,
                female,
                name,
                min_age=28,
                max_age=70,
                phone=self.phone(kab) if rng.random() < 0.4 else None,
            )
            out.persons.append(p)
            out.officers.append((kop_id, p.id, role, since, until))


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


@dataclass
class _Chunk:
    entities: list[Entity] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    umkm: list[Umkm] = field(default_factory=list)
    koperasi: list[Koperasi] = field(default_factory=list)
    rat: list[tuple] = field(default_factory=list)
    officers: list[tuple] = field(default_factory=list)
    status: list[tuple] = field(default_factory=list)
    metrics: list[tuple] = field(default_factory=list)


def _koperasi_target(done: int, total: int) -> int:
    """Koperasi among the first ``done`` entities: 3.13 % (exactly 4,634 of 147,977), and at
    least one in any registry of 32 or more, so that small demo sets show both kinds."""
    num, den = KOPERASI_PER_ENTITIES
    share = max(num * total // den, 1 if total >= 32 else 0)
    return done * share // total if total else 0


# --- entry point -------------------------------------------------------------------------------


def seed(
    n: int = DEFAULT_ENTITIES,
    *,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
    today: dt.date | None = None,
) -> SeedStats:
    """Fill the empty registry with ``n`` demo entities; deterministic for ``seed``.

    ``progress(stage, done, total)`` is called after the preparation (``"prepare"``)
    and after each chunk is written (``"entities"``). Raises :class:`RegistryNotEmpty`
    when entities or people already exist. Everything is one transaction.
    """
    if n < 0:
        raise ValueError("n must be ≥ 0")
    started = time.perf_counter()
    timings: dict[str, float] = defaultdict(float)
    stats = SeedStats(seed=seed, database=connection.vendor)
    today = today or timezone.localdate()
    province = settings.BERDAYA_PROVINCE
    report = progress or (lambda stage, done, total: None)
    gc_was_enabled = gc.isenabled()
    # Hundreds of thousands of live model instances make the cyclic collector rescan the
    # heap over and over; nothing here builds cycles worth collecting before the end.
    gc.disable()
    try:
        with sqlite_cache(), transaction.atomic():
            t = time.perf_counter()
            if Entity.objects.exists() or Person.objects.exists():
                raise RegistryNotEmpty(
                    "Registri sudah berisi data: data demo hanya dimuat ke registri yang kosong."
                )
            writer = RowWriter()
            writer.lock([Entity, Person])
            # Points pre-sampled per kecamatan: ~1 per 400 entities (24–240), jittered per entity.
            pool = min(max(n // 400, 24), 240)
            world = _World(province, random.Random(seed * 7919 + 1), pool)
            gen = _Generator(
                world,
                random.Random(seed),
                today,
                now=writer.now,
                adapt_date=writer.date,
                entity_base=writer.id_base(Entity),
                person_base=writer.id_base(Person),
            )
            timings["prepare"] = time.perf_counter() - t
            report("prepare", 1, 1)

            for out in _pipelined(gen, n, chunk_size, timings):
                _write_chunk(writer, out, timings)
                _count(stats, out, gen.rat_from)
                report("entities", stats.entities, n)

            t = time.perf_counter()
            writer.advance_sequence(Entity, gen.last_entity_id)
            writer.advance_sequence(Person, gen.last_person_id)
            record(
                AuditAction.OTHER,
                None,
                object_repr="Data demo registri",
                extra={"event": "demo_seed", **stats.counts(), "seed": seed, "province": province},
            )
            timings["audit"] = time.perf_counter() - t
            t = time.perf_counter()
        timings["commit"] = time.perf_counter() - t
        t = time.perf_counter()
        _analyze()
        timings["analyze"] = time.perf_counter() - t
    finally:
        if gc_was_enabled:
            gc.enable()
    timings["generate (own thread)"] = gen.seconds
    timings["encrypt (part of generate)"] = gen.encrypt_seconds
    stats.timings = dict(timings)
    stats.seconds = time.perf_counter() - started
    return stats


def _analyze() -> None:
    """Fresh planner statistics: without them SQLite picks the kab/kota index for every
    filter (it has no idea how selective a size class is) and PostgreSQL waits for autovacuum."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _pipelined(gen: _Generator, n: int, chunk_size: int, timings: dict[str, float]) -> Iterable[_Chunk]:
    """Chunks from ``gen`` made in a second thread while this one writes the previous chunk.

    SQLite and psycopg release the GIL while the database works (FTS triggers, indexes,
    COPY), so generating chunk k + 1 overlaps with writing chunk k: on two cores the seed
    takes about the longer of the two instead of their sum. The queue holds one chunk, so
    at most three are in memory.
    """
    chunks: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            made = 0
            while made < n and not stop.is_set():
                size = min(chunk_size, n - made)
                item: Any = gen.chunk(size, n)
                made += size
                while not stop.is_set():
                    try:
                        chunks.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
            item = done
        except BaseException as exc:  # handed to the writing thread, which re-raises it
            item = exc
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    worker = threading.Thread(target=produce, name="seed-generator", daemon=True)
    worker.start()
    try:
        while True:
            t = time.perf_counter()
            item = chunks.get()
            timings["wait for generator"] += time.perf_counter() - t
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


WRITES = (
    ("write entities", Entity, "entities", None),
    ("write persons", Person, "persons", None),
    ("write umkm", Umkm, "umkm", None),
    ("write koperasi", Koperasi, "koperasi", None),
    ("write rat records", RatRecord, "rat", RAT_COLUMNS),
    ("write officers", KoperasiOfficer, "officers", OFFICER_COLUMNS),
    ("write status changes", KoperasiStatusChange, "status", STATUS_COLUMNS),
    ("write yearly metrics", EntityYearMetrics, "metrics", METRIC_COLUMNS),
)


def _write_chunk(writer: RowWriter, out: _Chunk, timings: dict[str, float]) -> None:
    # Parents first: people and entities, then what points at them.
    for label, model, attr, columns in WRITES:
        t = time.perf_counter()
        rows = getattr(out, attr)
        if columns is None:
            writer.write_instances(model, rows)
        else:
            writer.write(model, columns, rows)
        timings[label] += time.perf_counter() - t


def _count(stats: SeedStats, out: _Chunk, rat_from: int) -> None:
    stats.entities += len(out.entities)
    stats.umkm += len(out.umkm)
    stats.koperasi += len(out.koperasi)
    stats.persons += len(out.persons)
    stats.officers += len(out.officers)
    stats.rat_records += len(out.rat)
    stats.status_changes += len(out.status)
    stats.metrics += len(out.metrics)
    stats.koperasi_rat_compliant += sum(
        1 for k in out.koperasi if k.last_rat_year is not None and k.last_rat_year >= rat_from
    )
