"""Spreadsheet import of UMKM rows (SPEC §5): ours against django-import-export and raw COPY.

    .venv/bin/python bench/import_entities.py        # 100k rows, csv + xlsx, sqlite + postgres
    .venv/bin/python bench/import_entities.py --rows 1000000 --db postgres --formats csv \\
        --contenders ours,limit
    .venv/bin/python bench/import_entities.py --rows 5000 --bad-share 0.1 --no-append --no-profile

A deterministic UMKM file of ``--rows`` rows is generated under var/bench/ (CSV: ";" and a
UTF-8 BOM via ``core.tabular.csv_lines``; XLSX via ``core.tabular.write_xlsx`` with NIK, NIB,
KBLI, region code and phone as text cells), with the canonical template columns: valid NIKs
(kab/kec of a real desa of province 74, DDMMYY with +40 for women, serial ≠ 0000, unique),
unique 13-digit NIBs, KBLI "kelompok" codes that exist, real desa codes, money sometimes as
"Rp 1.500.000" text. ``--bad-share 0.1`` makes that share of rows invalid (bad NIK, unknown
region or negative money, in turn).

Contenders, each in its own process on a fresh, migrated database (migration in a separate
process before it, so the peak RSS is the import's own: VmHWM after resetting it through
/proc/self/clear_refs just before the timed region):

- ours: ``Importer(path, kind="umkm").run(write=True)``; created must equal the valid rows.
- peer: django-import-export in bulk mode (``use_bulk=True, batch_size=1000``) on the same file
  read the library's way (tablib / openpyxl) into the same three tables (registry_person,
  registry_entity, registry_umkm); see :func:`peer_resource` for what it does and does not do.
  Two configurations: ``default`` (the library's default validation: the widgets) and
  ``full_clean`` (``clean_model_instances=True``: the models' own validation as well).
- limit (PostgreSQL only): raw ``COPY`` of exactly the rows our import stored (dumped with
  ``COPY … TO`` after ours ran, outside any timed region) into the same, indexed, empty tables
  of another fresh database, in one transaction, commit included.

Targets (SPEC §5): ours ≥ 10× the peer's rows/s; ours ≤ 1.5× the limit's time; peak RSS
< 200 MB at 1M rows. A cProfile of ours (CSV) per database goes to
``bench/plans/import-<db>-<rows>.md`` and its top ten into the results. Results are appended to
bench/RESULTS.md (``--no-append`` prints them only; the figures are kept as JSON under
var/bench/ so that ``--from-json FILE --note-file NOTE`` can append them with a written note).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

SRC = _common.ROOT / "src" / "berdaya"
REGIONS_FILE = SRC / "regions" / "data" / "regions_74_full.csv"
KBLI_FILE = SRC / "registry" / "data" / "kbli2020.csv"

TARGET_PEER_RATIO = 10.0  # ours rows/s ÷ peer rows/s, at least
TARGET_LIMIT_RATIO = 1.5  # ours time ÷ limit time, at most
TARGET_RSS_MIB = 200.0  # peak RSS at 1M rows, below

HEADERS = (
    "nama_usaha",
    "nama_pemilik",
    "nik_pemilik",
    "jenis_kelamin_pemilik",
    "nib",
    "kbli",
    "kode_wilayah",
    "alamat",
    "telepon",
    "tahun_berdiri",
    "modal_usaha",
    "omzet_tahunan",
    "tenaga_kerja_laki",
    "tenaga_kerja_perempuan",
)
TEXT_COLUMNS = ("nik_pemilik", "nib", "kbli", "kode_wilayah", "telepon")
CONTENDERS = ("ours", "limit", "peer")
PEER_VARIANTS = ("default", "full_clean")
TABLES = ("registry_person", "registry_entity", "registry_umkm")  # in foreign-key order


# --- the file -------------------------------------------------------------------------------

MEN = (
    "Muhammad", "Ahmad", "La Ode", "Andi", "Abdul", "Rahman", "Hasan", "Irwan", "Budi", "Agus",
    "Hendra", "Syamsul", "Yusuf", "Arifin", "Rusli", "Jumadil", "Sahrul", "Asrun", "Marzuki",
)  # fmt: skip
WOMEN = (
    "Wa Ode", "Siti", "Nurhayati", "Sitti", "Hasnah", "Rahmawati", "Fatmawati", "Dewi", "Sri",
    "Nur", "Rosmini", "Asni", "Halima", "Marlina", "Hartati", "Suriani", "Jumriah",
)  # fmt: skip
FAMILY = (
    "Hamid", "Saleh", "Tamburaka", "Sarita", "Rahim", "Baso", "Karim", "Mustari", "Bahar",
    "Sudirman", "Malik", "Pratama", "Wijaya", "Lakidende", "Nggawu", "Rasyid", "Umar", "Samad",
)  # fmt: skip
SHOPS = (
    "Toko", "Warung", "Kedai", "UD", "Usaha", "Kios", "Rumah Makan", "Bengkel", "Konveksi",
    "Kue", "Depot", "Laundry", "Jahit", "Tenun", "Kopi",
)  # fmt: skip
WORDS = (
    "Sinar Jaya", "Berkah", "Makmur", "Sejahtera", "Mandiri", "Abadi", "Bahari", "Anugerah",
    "Lestari", "Sentosa", "Barokah", "Harapan", "Mulia", "Bersama", "Indah", "Permai", "Sahabat",
    "Tiga Saudara", "Putra", "Putri", "Cahaya", "Murni", "Rezeki",
)  # fmt: skip
STREETS = (
    "Jl. Sao-Sao", "Jl. MT Haryono", "Jl. Ahmad Yani", "Jl. Pattimura", "Jl. Poros", "Jl. Lasandara",
    "Jl. Diponegoro", "Jl. Sultan Hasanuddin", "Jl. Bunggasi", "Jl. Malaka", "Lorong Mekar",
)  # fmt: skip
# Common UMKM activities (used when they are in the shipped KBLI); other rows draw any kelompok.
COMMON_KBLI = ("47111", "56101", "56102", "10792", "47112", "14111", "10794", "47191", "96011", "13921")
BAD_KINDS = ("bad NIK", "unknown region", "negative money")


def desa_codes() -> list[str]:
    with REGIONS_FILE.open(encoding="utf-8", newline="") as handle:
        return [r["code"] for r in csv.DictReader(handle) if r["level"] in ("desa", "kelurahan")]


def kbli_codes() -> tuple[list[str], list[str]]:
    with KBLI_FILE.open(encoding="utf-8", newline="") as handle:
        codes = [r["code"] for r in csv.DictReader(handle) if r["level"] == "kelompok"]
    present = set(codes)
    return [c for c in COMMON_KBLI if c in present], codes


def rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def generate_rows(n: int, seed: int, bad_share: float, stats: dict[str, int]):
    """The file's rows, one tuple per row in HEADERS order (typed: XLSX keeps the numbers)."""
    rng = random.Random(seed)
    desa = desa_codes()
    common, all_kbli = kbli_codes()
    seen_nik: set[str] = set()
    bad_turn = 0
    for i in range(n):
        female = rng.random() < 0.45
        code = rng.choice(desa)
        born = rng.randint(1955, 2004)
        while True:
            day = rng.randint(1, 28) + (40 if female else 0)
            nik = f"{code[:8].replace('.', '')}{day:02d}{rng.randint(1, 12):02d}{born % 100:02d}"
            nik += f"{rng.randint(1, 9999):04d}"
            if nik not in seen_nik:
                seen_nik.add(nik)
                break
        first = rng.choice(WOMEN if female else MEN)
        owner = f"{first} {rng.choice(FAMILY)}"
        name = f"{rng.choice(SHOPS)} {rng.choice(WORDS)}"
        if rng.random() < 0.3:
            name += f" {'Bu' if female else 'Pak'} {first.split()[-1]}"
        nib = str(9_120_000_000_000 + i * 37 + rng.randrange(37))
        kbli = rng.choice(common) if common and rng.random() < 0.6 else rng.choice(all_kbli)
        address = f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}"
        p = rng.random()
        if p < 0.75:
            phone = f"08{rng.choice('1235')}{rng.randint(10**8, 10**9 - 1)}"
        elif p < 0.85:
            digits = (
                f"8{rng.choice('1235')}{rng.randint(1, 9)}",
                rng.randint(1000, 9999),
                rng.randint(1000, 9999),
            )
            phone = "+62 {}-{}-{}".format(*digits)
        else:
            phone = None
        year = rng.randint(1985, 2025) if rng.random() < 0.9 else None
        modal_amount = round(rng.lognormvariate(16.5, 1.1), -3)
        sales_amount = round(rng.lognormvariate(18.5, 1.3), -3)
        m, s = rng.random(), rng.random()
        modal: Any = int(modal_amount) if m < 0.6 else rupiah(int(modal_amount)) if m < 0.85 else None
        sales: Any = (
            int(sales_amount)
            if s < 0.5
            else rupiah(int(sales_amount))
            if s < 0.85
            else f"{int(sales_amount):,}".replace(",", ".")
        )
        men = rng.randint(0, 5) if rng.random() < 0.95 else None
        women = rng.randint(0, 5) if rng.random() < 0.95 else None
        if bad_share and rng.random() < bad_share:
            kind = BAD_KINDS[bad_turn % len(BAD_KINDS)]
            bad_turn += 1
            stats[kind] = stats.get(kind, 0) + 1
            if kind == "bad NIK":
                nik = rng.choice(
                    (nik[:15], nik[:12] + "0000", nik[:6] + "32" + nik[8:], "99" + nik[2:], nik + "7")
                )
            elif kind == "unknown region":
                code = "74.99.99.9999"
            else:
                modal = -int(modal_amount or 1000)
        sex = "P" if female else "L"
        yield (name, owner, nik, sex, nib, kbli, code, address, phone, year, modal, sales, men, women)


def generate(path: Path, fmt: str, n: int, seed: int, bad_share: float) -> dict[str, Any]:
    from berdaya.core.tabular import csv_lines, write_xlsx

    stats: dict[str, int] = {}
    rows = generate_rows(n, seed, bad_share, stats)
    t = time.perf_counter()
    tmp = path.with_suffix(path.suffix + ".part")
    if fmt == "csv":
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            for line in csv_lines(HEADERS, rows):
                handle.write(line)
    else:
        write_xlsx(tmp, HEADERS, rows, text_columns=TEXT_COLUMNS)
    tmp.replace(path)
    return {
        "rows": n,
        "bad": sum(stats.values()),
        "bad_kinds": stats,
        "seconds": time.perf_counter() - t,
        "bytes": path.stat().st_size,
    }


def data_file(fmt: str, rows: int, seed: int, bad_share: float) -> Path:
    return _common.SCRATCH / f"import-umkm-{rows}-bad{round(bad_share * 100)}-seed{seed}.{fmt}"


# --- measuring inside a child -----------------------------------------------------------------


def _status_kib(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS, so the peak measured is the timed region's."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def peak_mib() -> float:
    return (_status_kib("VmHWM") or _common.max_rss_mib() * 1024) / 1024


def rss_mib() -> float:
    return _status_kib("VmRSS") / 1024


class Ticker:
    """Progress lines on stderr, at most every few seconds."""

    def __init__(self, label: str, total: int, every: float = 5.0) -> None:
        self.label, self.total, self.every = label, total, every
        self.t0 = self.last = time.perf_counter()

    def __call__(self, stage: str, done: int | None = None, total: int | None = None, force: bool = False):
        now = time.perf_counter()
        if not force and now - self.last < self.every:
            return
        self.last = now
        of = f"/{self.total:,}" if self.total else ""
        count = f" {done:,}{of}" if done is not None else ""
        print(f"    [{self.label}] {stage}{count} · {now - self.t0:.1f} s", file=sys.stderr, flush=True)


def registry_counts() -> dict[str, int]:
    from berdaya.registry.models import Entity, Person, Umkm

    return {"person": Person.objects.count(), "entity": Entity.objects.count(), "umkm": Umkm.objects.count()}


def check_counts(label: str, counts: dict[str, int], expected: int) -> None:
    if any(v != expected for v in counts.values()):
        raise SystemExit(f"{label}: registry holds {counts} after the import, expected {expected:,} each")


def child_prepare(url: str) -> dict[str, Any]:
    _common.configure(url)
    from django.core.management import call_command

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    return {"migrate_seconds": time.perf_counter() - t}


def child_generate(path: Path, fmt: str, rows: int, seed: int, bad_share: float) -> dict[str, Any]:
    _common.configure(_common.database_url("sqlite", "berdaya_bench_import_unused"))
    return generate(path, fmt, rows, seed, bad_share)


def _run_ours(path: Path, label: str, rows: int):
    from berdaya.registry.importer import Importer

    ticker = Ticker(label, rows)
    return Importer(path, kind="umkm", progress=ticker).run(write=True)


def child_ours(
    url: str, path: Path, rows: int, expected: int, label: str, dump: Path | None
) -> dict[str, Any]:
    _common.configure(url)
    from django.db import connection

    import berdaya.registry.importer  # noqa: F401  (module import outside the timed region)

    base = rss_mib()
    reset_ok = reset_peak()
    t = time.perf_counter()
    out = _run_ours(path, label, rows)
    seconds = time.perf_counter() - t
    peak = peak_mib()
    if out.created != expected:
        sample = "\n".join(f"  row {e['row']} {e['column']}: {e['message']}" for e in out.error_sample(10))
        raise SystemExit(
            f"{label}: ours created {out.created:,} of {expected:,} valid rows (status {out.status}, "
            f"rejected {out.rows_rejected:,}, message {out.message!r})\n{sample}"
        )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    counts = registry_counts()
    check_counts(label, counts, expected)
    if dump is not None:
        _dump_tables(connection, dump)
    connection.close()
    from django.conf import settings

    return {
        "seconds": seconds,
        "workers": getattr(settings, "BERDAYA_IMPORT_WORKERS", 0),
        "children_maxrss_mib": children,
        "peak_mib": peak,
        "base_mib": base,
        "peak_reset": reset_ok,
        "created": out.created,
        "rejected": out.rows_rejected,
        "rows_total": out.rows_total,
    }


def _dump_tables(connection, dump: Path) -> None:
    """The rows ours stored, in COPY text format, for the limit (not timed)."""
    dump.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        for table in TABLES:
            with (
                (dump / f"{table}.copy").open("wb") as handle,
                cursor.copy(f"COPY {table} TO STDOUT") as copy,
            ):
                for block in copy:
                    handle.write(block)


def child_limit(url: str, dump: Path, expected: int) -> dict[str, Any]:
    import psycopg

    base = rss_mib()
    reset_ok = reset_peak()
    with psycopg.connect(url) as conn:
        t = time.perf_counter()
        with conn.transaction():
            for table in TABLES:
                with (
                    conn.cursor() as cursor,
                    cursor.copy(f"COPY {table} FROM STDIN") as copy,
                    (dump / f"{table}.copy").open("rb") as handle,
                ):
                    while block := handle.read(1 << 20):
                        copy.write(block)
        seconds = time.perf_counter() - t
        peak = peak_mib()
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        indexes = {
            table: f"{n} indexes" + (f" ({gin} GIN)" if gin else "")
            for table, n, gin in conn.execute(
                "SELECT tablename, count(*), count(*) FILTER (WHERE indexdef LIKE '%% USING gin %%') "
                "FROM pg_indexes WHERE tablename = ANY(%s) GROUP BY tablename",
                [list(TABLES)],
            )
        }
    if any(v != expected for v in counts.values()):
        raise SystemExit(f"limit: tables hold {counts} after COPY, expected {expected:,} each")
    return {
        "seconds": seconds,
        "peak_mib": peak,
        "base_mib": base,
        "peak_reset": reset_ok,
        "created": expected,
        "indexes": indexes,
    }


def child_profile(url: str, path: Path, rows: int, expected: int, label: str) -> dict[str, Any]:
    """cProfile of ours: the main process (reading, matching, writing) and, separately, the
    forked processes that check rows (``Importer.check_chunk`` wrapped with a profiler of
    their own, dumped after every chunk since pool workers are terminated, not ended)."""
    import cProfile
    import pstats

    _common.configure(url)
    from django.conf import settings

    from berdaya.registry.importer import Importer

    folder = Path(tempfile.mkdtemp(prefix="import-profile-", dir=_common.SCRATCH))
    original = Importer.check_chunk
    main_pid = os.getpid()
    profilers: dict[int, Any] = {}

    def profiled_check(self, chunk):
        if os.getpid() == main_pid:  # checked in place (one chunk, or no worker)
            return original(self, chunk)
        prof = profilers.setdefault(os.getpid(), cProfile.Profile())
        prof.enable()
        try:
            return original(self, chunk)
        finally:
            prof.disable()
            prof.dump_stats(folder / f"worker-{os.getpid()}.prof")

    Importer.check_chunk = profiled_check  # type: ignore[method-assign]
    profiler = cProfile.Profile()
    t = time.perf_counter()
    profiler.enable()
    out = _run_ours(path, label, rows)
    profiler.disable()
    seconds = time.perf_counter() - t
    Importer.check_chunk = original  # type: ignore[method-assign]
    if out.created != expected:
        raise SystemExit(f"{label}: profiled run created {out.created:,} of {expected:,}")
    parts = [("main process (read, match, write)", pstats.Stats(profiler))]
    dumps = sorted(folder.glob("worker-*.prof"))
    if dumps:
        name = f"checking worker{'s' if len(dumps) > 1 else ''} ({len(dumps)})"
        parts.append((name, pstats.Stats(*map(str, dumps))))
    shutil.rmtree(folder, ignore_errors=True)
    profiles = []
    for name, stats in parts:
        profiles.append(
            {
                "process": name,
                "profile_total": sum(v[2] for v in stats.stats.values()),  # type: ignore[attr-defined]
                "cumulative": _top(stats, "cumulative", 40),
                "tottime": _top(stats, "tottime", 30),
                "buckets": _buckets(stats),
            }
        )
    return {"seconds": seconds, "workers": settings.BERDAYA_IMPORT_WORKERS, "processes": profiles}


def _where(key: tuple[str, int, str]) -> str:
    file, line, func = key
    if file == "~":
        return func
    short = file
    for marker in ("/site-packages/", "/src/", "/lib/python3"):
        if marker in file:
            short = file.split(marker, 1)[1]
            if marker == "/lib/python3":  # the standard library: drop ".11/"
                short = short.split("/", 1)[-1]
            break
    short = short.removeprefix(str(_common.ROOT) + "/")
    return f"{short}:{line}({func})"


def _top(stats, order: str, n: int) -> list[dict[str, Any]]:
    rows = []
    index = 2 if order == "tottime" else 3
    ranked = sorted(stats.stats.items(), key=lambda item: item[1][index], reverse=True)
    for key, (_cc, calls, tt, ct, _callers) in ranked[:n]:
        rows.append({"where": _where(key), "calls": calls, "tottime": tt, "cumtime": ct})
    return rows


# Where the time goes, by the module of each function's own time (tottime).
BUCKETS = (
    (
        "reading the file (tabular, csv, calamine, zip)",
        ("core/tabular.py", "_csv.", "calamine", "codecs", "zipfile"),
    ),
    ("cell parsing (core/parsing.py)", ("core/parsing.py",)),
    ("identifiers: NIK/NIB/phone checks", ("registry/identifiers.py",)),
    (
        "encryption + hashing (Fernet, HMAC)",
        ("core/personal.py", "cryptography", "hmac", "fernet", "_hashlib", "base64"),
    ),
    ("regions + KBLI lookup", ("regions/",)),
    (
        "model instances + derive_fields",
        (
            "django/db/models/base.py",
            "django/db/models/fields/",
            "django/db/models/query_utils.py",
            "registry/models.py",
            "registry/text.py",
            "registry/rules.py",
        ),
    ),
    (
        "writing + queries (RowWriter, COPY, INSERT, SQL)",
        (
            "core/bulk.py",
            "psycopg",
            "sqlite",
            "SQLite",
            "django/db/models/sql/",
            "django/db/models/query.py",
            "django/db/backends/",
            "django/db/transaction.py",
        ),
    ),
    ("importer control flow (importer.py)", ("registry/importer.py", "registry/columns.py")),
    ("waiting on / talking to the worker (pool, pickle)", ("multiprocessing/", "threading.py", "pickle")),
)


def _bucket(where: str) -> str | None:
    return next((name for name, needles in BUCKETS if any(n in where for n in needles)), None)


def _buckets(stats) -> list[tuple[str, float]]:
    """Own time per bucket; a C builtin's time goes to the bucket of the function that called it."""
    other = "other (Django internals, gettext, builtins called from them …)"
    sums: dict[str, float] = {}
    for key, (_cc, _calls, tt, _ct, callers) in stats.stats.items():
        where = _where(key)
        label = _bucket(where)
        if label is None and key[0] == "~" and callers:
            for caller, caller_stats in callers.items():
                part = caller_stats[2]
                name = _bucket(_where(caller)) or other
                sums[name] = sums.get(name, 0.0) + part
            continue
        label = label or other
        sums[label] = sums.get(label, 0.0) + tt
    return sorted(sums.items(), key=lambda item: item[1], reverse=True)


# --- the peer: django-import-export ----------------------------------------------------------


def peer_resource(full_clean: bool):
    """The ModelResource a developer would write for this registry with django-import-export.

    The registry row spans three tables, so the resource is on ``Umkm`` (the table with the
    natural key, the NIB) and two plain ModelResources read the ``Entity`` and ``Person``
    (owner) columns of the same row with their widgets; ``bulk_create`` writes owners and
    entities first (ids come back from ``bulk_create`` on PostgreSQL and SQLite ≥ 3.35),
    then the UMKM rows. Tuned as the library's "Bulk imports" docs advise: ``use_bulk``,
    ``batch_size=1000``, ``skip_diff`` (no per-row diff), ``CachedInstanceLoader`` on the NIB
    (one query for the file's NIBs instead of one per row), and the two reference-table
    lookups (region, KBLI) from an in-memory map instead of one ``.get()`` per row.

    What it checks: each cell through its widget (integers, Rupiah text with a small
    ``RupiahWidget``, non-negative money, region and KBLI codes that exist); the NIK and phone
    through the models' own write-only ``nik``/``phone`` properties, which validate them and
    store ciphertext + hash + mask, so it does encrypt like ours. With ``full_clean`` also
    ``full_clean()`` of the three instances: field lengths and choices, value ranges, region in
    the province, year not in the future, sex against the NIK, a duplicate NIK / NIB query
    per row and Django's existence query for each foreign key (region ×2, KBLI).
    What it does not do (ours does): detect kinds and synonyms of headers, parse the many
    spellings of sex, money, years and identifiers ours accepts, check region names against
    codes, scope by the uploader's region, detect duplicates within the file, reuse an owner
    (same NIK) for a second business, update matched rows in all three tables (only the
    Umkm columns), write an import batch with counts; derived columns (kab/kota, kecamatan,
    name_search, size class) are set by calling the models' ``derive_fields()`` before the
    bulk write, since ``bulk_create`` skips ``save()``.
    """
    from django.core.exceptions import ValidationError
    from import_export import fields, resources, widgets
    from import_export.instance_loaders import CachedInstanceLoader

    from berdaya.regions.models import Region
    from berdaya.registry.models import Entity, EntityKind, Kbli, Person, Umkm

    class CachedForeignKeyWidget(widgets.ForeignKeyWidget):
        """The docs' advice for ForeignKeyWidget in bulk imports: look the table up once."""

        def __init__(self, model, field="pk", **filters):
            super().__init__(model, field)
            self.filters = filters
            self._objects: dict[str, Any] | None = None

        def clean(self, value, row=None, **kwargs):
            if value is None or str(value).strip() == "":
                return None
            if self._objects is None:
                qs = self.model.objects.filter(**self.filters)
                self._objects = {str(getattr(o, self.field)): o for o in qs}
            try:
                return self._objects[str(value).strip()]
            except KeyError:
                raise ValueError(f"{self.model._meta.verbose_name} {value} tidak ada.") from None

    class RupiahWidget(widgets.IntegerWidget):
        """Whole Rupiah from 1500000, "1.500.000" or "Rp 1.500.000,00"; never negative."""

        def clean(self, value, row=None, **kwargs):
            if self.is_empty(value):
                return None
            if isinstance(value, int | float):
                amount = int(value)
            else:
                text = str(value).strip().removeprefix("Rp").removeprefix("rp").strip()
                text = text.removesuffix(",-").removesuffix(",00").replace(".", "").replace(" ", "")
                amount = int(text)
            if amount < 0:
                raise ValueError("Jumlah uang tidak boleh negatif.")
            return amount

    region_widget = CachedForeignKeyWidget(Region, "code")

    class EntityPart(resources.ModelResource):
        name = fields.Field("name", "nama_usaha", widget=widgets.CharWidget())
        region = fields.Field("region", "kode_wilayah", widget=region_widget)
        address = fields.Field("address", "alamat", widget=widgets.CharWidget())
        phone = fields.Field("phone", "telepon", widget=widgets.CharWidget(allow_blank=False))
        kbli = fields.Field("kbli", "kbli", widget=CachedForeignKeyWidget(Kbli, "code", level="kelompok"))
        year_founded = fields.Field("year_founded", "tahun_berdiri", widget=widgets.IntegerWidget())

        class Meta:
            model = Entity
            fields = ("name", "region", "address", "phone", "kbli", "year_founded")

    class PersonPart(resources.ModelResource):
        name = fields.Field("name", "nama_pemilik", widget=widgets.CharWidget())
        nik = fields.Field("nik", "nik_pemilik", widget=widgets.CharWidget(allow_blank=False))
        sex = fields.Field("sex", "jenis_kelamin_pemilik", widget=widgets.CharWidget())
        region = fields.Field("region", "kode_wilayah", widget=region_widget)

        class Meta:
            model = Person
            fields = ("name", "nik", "sex", "region")

    class UmkmResource(resources.ModelResource):
        nib = fields.Field("nib", "nib", widget=widgets.CharWidget(allow_blank=False))
        modal_usaha = fields.Field("modal_usaha", "modal_usaha", widget=RupiahWidget())
        annual_sales = fields.Field("annual_sales", "omzet_tahunan", widget=RupiahWidget())
        workers_male = fields.Field("workers_male", "tenaga_kerja_laki", widget=widgets.IntegerWidget())
        workers_female = fields.Field(
            "workers_female", "tenaga_kerja_perempuan", widget=widgets.IntegerWidget()
        )

        class Meta:
            model = Umkm
            fields = ("nib", "modal_usaha", "annual_sales", "workers_male", "workers_female")
            import_id_fields = ("nib",)
            instance_loader_class = CachedInstanceLoader
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            clean_model_instances = full_clean

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.entity_part = EntityPart()
            self.person_part = PersonPart()

        def import_instance(self, instance, row, **kwargs):
            errors: dict[str, Any] = {}
            try:
                super().import_instance(instance, row, **kwargs)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
            if instance.pk:
                entity, owner = instance.entity, instance.owner
            else:
                entity, owner = Entity(kind=EntityKind.UMKM), Person()
            instance._peer_entity, instance._peer_owner = entity, owner
            for part, obj in ((self.entity_part, entity), (self.person_part, owner)):
                try:
                    part.import_instance(obj, row, **kwargs)
                except ValidationError as exc:  # a widget's ValueError, or the nik/phone setter's
                    errors = exc.update_error_dict(errors)
            if errors:
                raise ValidationError(errors)

        def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
            errors = dict(import_validation_errors or {})
            if self._meta.clean_model_instances:
                for obj, exclude in (
                    (instance._peer_owner, ()),
                    (instance._peer_entity, ()),
                    (instance, ("entity", "owner")),  # not written yet: bulk_create links them
                ):
                    try:
                        obj.full_clean(exclude=[*exclude, *errors], validate_unique=validate_unique)
                    except ValidationError as exc:
                        errors = exc.update_error_dict(errors)
            if errors:
                raise ValidationError(errors)

        def before_save_instance(self, instance, row, **kwargs):
            instance._peer_owner.derive_fields()
            instance._peer_entity.derive_fields()
            instance.derive_fields()

        def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
            new = [u for u in self.create_instances if u.pk is None]
            if new and (using_transactions or not dry_run):
                try:
                    Person.objects.bulk_create([u._peer_owner for u in new], batch_size=batch_size)
                    Entity.objects.bulk_create([u._peer_entity for u in new], batch_size=batch_size)
                    for u in new:
                        u.owner = u._peer_owner
                        u.entity = u._peer_entity
                except Exception as exc:
                    self.create_instances.clear()
                    self.handle_import_error(result, exc, raise_errors)
                    return
            super().bulk_create(using_transactions, dry_run, raise_errors, batch_size, result)

    return UmkmResource


def load_dataset(path: Path, fmt: str):
    """The file as the library reads it (its format classes, tablib underneath)."""
    from import_export.formats import base_formats

    if fmt == "csv":
        return base_formats.CSV(encoding="utf-8-sig").create_dataset(path.read_bytes(), delimiter=";")
    return base_formats.XLSX().create_dataset(path.read_bytes())


def child_peer(
    url: str, path: Path, fmt: str, rows: int, expected: int, variant: str, label: str
) -> dict[str, Any]:
    _common.configure(url)
    from django.db import connection
    from import_export.results import RowResult

    resource_class = peer_resource(full_clean=variant == "full_clean")
    ticker = Ticker(label, rows)

    class Watched(resource_class):  # progress only: one cheap call per row
        def after_import_row(self, row, row_result, **kwargs):
            ticker("rows", kwargs.get("row_number"))

    base = rss_mib()
    reset_ok = reset_peak()
    t = time.perf_counter()
    dataset = load_dataset(path, fmt)
    read_seconds = time.perf_counter() - t
    ticker("read", len(dataset), force=True)
    result = Watched().import_data(dataset, dry_run=False, use_transactions=True, raise_errors=False)
    seconds = time.perf_counter() - t
    peak = peak_mib()
    totals = dict(result.totals)
    if result.has_errors():
        errors = [str(e.error) for e in result.base_errors[:3]]
        errors += [str(e.error) for _n, row_errors in result.row_errors()[:3] for e in row_errors[:1]]
        raise SystemExit(f"{label}: the peer reported errors (rolled back): {errors}")
    created = totals.get(RowResult.IMPORT_TYPE_NEW, 0)
    if created != expected:
        invalid = [
            f"row {r.number}: {dict(r.error.message_dict) if hasattr(r.error, 'message_dict') else r.error}"
            for r in result.invalid_rows[:5]
        ]
        raise SystemExit(f"{label}: the peer created {created:,} of {expected:,}; totals {totals}; {invalid}")
    counts = registry_counts()
    check_counts(label, counts, expected)
    connection.close()
    return {
        "seconds": seconds,
        "read_seconds": read_seconds,
        "peak_mib": peak,
        "base_mib": base,
        "peak_reset": reset_ok,
        "created": created,
        "rejected": totals.get(RowResult.IMPORT_TYPE_INVALID, 0),
    }


# --- the parent: orchestration ---------------------------------------------------------------


def _kib(path: str, keys: tuple[str, ...]) -> int:
    total = 0
    try:
        with open(path, encoding="ascii") as handle:
            for line in handle:
                name, _sep, rest = line.partition(":")
                if name in keys:
                    total += int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return total


def _descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    kids = [int(x) for x in handle.read().split()]
            except OSError:
                continue
            found += kids
            stack += kids
    return found


def tree_mib(pid: int) -> float:
    """The process's RSS plus the memory private to its descendants (forked workers share the
    parent's pages until they write them: counting their whole RSS would count those twice)."""
    main = _kib(f"/proc/{pid}/status", ("VmRSS",))
    private = sum(
        _kib(f"/proc/{child}/smaps_rollup", ("Private_Clean", "Private_Dirty", "Private_Hugetlb"))
        for child in _descendants(pid)
    )
    return (main + private) / 1024


def run_child(args: list[str], sample: bool = False) -> dict[str, Any]:
    """Run one child; with ``sample``, track the peak memory of its process tree every 0.1 s."""
    command = [sys.executable, __file__, "--child", *args]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        proc = subprocess.Popen(command, stdout=out, text=True)
        peak = 0.0
        while proc.poll() is None:
            if sample:
                peak = max(peak, tree_mib(proc.pid))
            time.sleep(0.1)
        out.seek(0)
        stdout = out.read()
    line = next((x for x in stdout.splitlines() if x.startswith("RESULT ")), None)
    if proc.returncode or line is None:
        raise SystemExit(f"child {args[:1]} failed (exit {proc.returncode})\n{stdout[-3000:]}")
    result = json.loads(line.removeprefix("RESULT "))
    if sample:
        result["tree_mib"] = peak
    return result


def fresh(db: str, name: str) -> tuple[str, float]:
    url = _common.fresh_database(db, name)
    prepared = run_child(["prepare", "--url", url])
    return url, prepared["migrate_seconds"]


def drop(db: str, name: str, url: str) -> None:
    if db == "postgres":
        _common.pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
    else:
        path = _common.sqlite_path(url)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def measure(
    db: str,
    fmt: str,
    contender: str,
    variant: str,
    files: dict,
    rows: int,
    expected: int,
    dump_for_limit: bool,
) -> dict[str, Any]:
    tag = contender if contender != "peer" else f"peer-{variant}"
    name = f"berdaya_bench_import_{tag.replace('-', '_')}_{fmt}_{rows}"
    label = f"{db}/{fmt}/{tag}"
    url, migrate_seconds = fresh(db, name)
    dump = _common.SCRATCH / f"import-dump-{rows}-{fmt}"
    load = _common.machine()["load"].split(" / ")[0]
    print(f"  {label}: fresh database migrated in {migrate_seconds:.1f} s; importing …", flush=True)
    try:
        common = ["--url", url, "--rows", str(rows), "--expected", str(expected), "--label", label]
        if contender == "ours":
            extra = ["--dump", str(dump)] if db == "postgres" and dump_for_limit else []
            result = run_child(["ours", *common, "--file", str(files[fmt]), *extra], sample=True)
        elif contender == "limit":
            result = run_child(["limit", *common, "--dump", str(dump)], sample=True)
            shutil.rmtree(dump, ignore_errors=True)
        else:
            result = run_child(
                ["peer", *common, "--file", str(files[fmt]), "--fmt", fmt, "--variant", variant], sample=True
            )
    finally:
        drop(db, name, url)
    result.update({"db": db, "fmt": fmt, "contender": contender, "variant": variant, "load": load})
    result["rows_per_s"] = rows / result["seconds"]
    print(
        f"  {label}: {result['seconds']:.1f} s, {result['rows_per_s']:,.0f} rows/s, "
        f"peak RSS {result['peak_mib']:.0f} MiB (base {result['base_mib']:.0f})",
        flush=True,
    )
    return result


def profile(db: str, fmt: str, files: dict, rows: int, expected: int) -> dict[str, Any]:
    name = f"berdaya_bench_import_profile_{fmt}_{rows}"
    label = f"{db}/{fmt}/ours+cProfile"
    url, _m = fresh(db, name)
    print(f"  {label}: profiling …", flush=True)
    try:
        common = ["--url", url, "--rows", str(rows), "--expected", str(expected), "--label", label]
        result = run_child(["profile", *common, "--file", str(files[fmt])])
    finally:
        drop(db, name, url)
    result.update({"db": db, "fmt": fmt})
    return result


# --- the report ------------------------------------------------------------------------------


def _mem(r: dict[str, Any]) -> float:
    """The peak memory judged: the sampled process tree, else the main process's VmHWM."""
    return max(r.get("tree_mib", 0.0), r["peak_mib"])


def _fmt_row(r: dict[str, Any]) -> str:
    who = r["contender"] if r["contender"] != "peer" else f"peer ({r['variant']})"
    if r.get("workers"):
        who += f" ({r['workers']} checking worker{'s' if r['workers'] > 1 else ''})"
    extra = f"; read {r['read_seconds']:.1f} s" if "read_seconds" in r else ""
    return (
        f"| {r['db']} | {r['fmt']} | {who} | {r['rows_per_s']:,.0f} | {r['seconds']:.1f} s{extra} | "
        f"{_mem(r):.0f} MiB | {r['peak_mib']:.0f} MiB (base {r['base_mib']:.0f}) | {r['created']:,} | "
        f"{r['load']} |"
    )


def _ratios(data: dict[str, Any], db: str, fmt: str, misses: list[str]) -> str | None:
    rows, results = data["rows"], data["results"]
    mine = [r for r in results if r["db"] == db and r["fmt"] == fmt]
    ours = next((r for r in mine if r["contender"] == "ours"), None)
    if ours is None:
        return None
    peers = {r["variant"]: r for r in mine if r["contender"] == "peer"}
    limit = next((r for r in mine if r["contender"] == "limit"), None)
    cells, met = [], []
    for variant in PEER_VARIANTS:
        p = peers.get(variant)
        if p is None:
            cells.append("–")
            continue
        ratio = ours["rows_per_s"] / p["rows_per_s"]
        cells.append(f"{ratio:.1f}×")
        met.append(ratio >= TARGET_PEER_RATIO)
        if ratio < TARGET_PEER_RATIO:
            misses.append(
                f"{db}/{fmt}: {ratio:.1f}× the peer's rows/s ({variant}), target ≥ {TARGET_PEER_RATIO:.0f}×"
            )
    if limit is not None:
        lr = ours["seconds"] / limit["seconds"]
        cells.append(f"{lr:.2f}× ({ours['seconds']:.1f} s vs {limit['seconds']:.1f} s)")
        met.append(lr <= TARGET_LIMIT_RATIO)
        if lr > TARGET_LIMIT_RATIO:
            misses.append(
                f"{db}/{fmt}: {lr:.1f}× the limit's time ({ours['seconds']:.1f} s vs "
                f"{limit['seconds']:.1f} s), target ≤ {TARGET_LIMIT_RATIO}×"
            )
    else:
        cells.append("n/a (SQLite)" if db == "sqlite" else "not run")
    memory = _mem(ours)
    rss_note = f"{memory:.0f} MiB"
    if rows >= 1_000_000:
        met.append(memory < TARGET_RSS_MIB)
        if memory >= TARGET_RSS_MIB:
            misses.append(f"{db}/{fmt}: peak memory {memory:.0f} MiB at {rows:,} rows, target < 200 MB")
    else:
        rss_note += " (target is at 1M)"
        if memory >= TARGET_RSS_MIB:
            misses.append(
                f"{db}/{fmt}: peak memory already {memory:.0f} MiB at {rows:,} rows "
                f"(target < {TARGET_RSS_MIB:.0f} MB at 1M)"
            )
    verdict = "yes" if met and all(met) else "**no**" if met else "–"
    return f"| {db} | {fmt} | {' | '.join(cells)} | {rss_note} | {verdict} |"


def report(data: dict[str, Any], note: str = "") -> tuple[str, dict[str, str]]:
    """(the RESULTS.md section body, the plans files' text by name)."""
    rows, bad = data["rows"], data["bad"]
    results, profiles = data["results"], data["profiles"]
    lines = [
        f"UMKM file of {rows:,} rows ({bad:,} invalid: {data['bad_kinds'] or 'none'}), canonical template "
        f"columns, generated with seed {data['seed']} (CSV {data['sizes'].get('csv', '–')}, XLSX "
        f"{data['sizes'].get('xlsx', '–')}). Every contender in its own process on a fresh, migrated "
        "database; time = opening the file to commit; rows/s = rows in the file ÷ time. Memory: the "
        "peak of the contender's process tree sampled every 0.1 s (its RSS plus the memory private to "
        "forked workers, whose shared pages are the parent's), and the main process's VmHWM, reset "
        "just before the timed region (base = its RSS then, Python and Django loaded). Targets "
        f"(SPEC §5): ours ≥ {TARGET_PEER_RATIO:.0f}× the peer's rows/s, ≤ {TARGET_LIMIT_RATIO}× the "
        f"limit's time, < {TARGET_RSS_MIB:.0f} MB at 1M rows.",
        "",
        _common.machine_line(data["machine"]),
    ]
    if data.get("code_changed"):
        lines += ["", f"**Warning:** the code under src/ changed during this run ({data['code_changed']})."]
    lines += [
        "",
        "| db | format | contender | rows/s | time | peak memory (tree) | main VmHWM | created | load 1' |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
        *[_fmt_row(r) for r in results],
        "",
        "| db | format | ours ÷ peer (default) rows/s | ours ÷ peer (full_clean) rows/s | ours time ÷ limit "
        "| ours peak memory | targets met |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    misses: list[str] = []
    for db in data["dbs"]:
        for fmt in data["formats"]:
            line = _ratios(data, db, fmt, misses)
            if line:
                lines.append(line)
    limits = [r for r in results if r["contender"] == "limit"]
    if limits:
        indexes = ", ".join(f"{t} {n}" for t, n in sorted(limits[0].get("indexes", {}).items()))
        lines += [
            "",
            "The limit is a raw COPY (psycopg, text format, one transaction, commit included) of the "
            "rows ours stored, dumped after ours ran, into the same empty tables of a fresh database "
            f"with all their indexes ({indexes}): one registry row is three table rows.",
        ]
    if "peer" in data["contenders"]:
        lines += ["", "Peer configuration: " + " ".join((peer_resource.__doc__ or "").split())]
    else:
        lines += [
            "",
            "The peer was not run at this scale: at the 2,000 rows/s it reached at 100k rows it would "
            "take over 8 minutes per file (and bulk mode keeps a result per row in memory).",
        ]
    lines += ["", "**What misses and why.** " + ("; ".join(misses) + "." if misses else "No target missed.")]
    for p in profiles:
        for proc in p["processes"]:
            shares = ", ".join(
                f"{label} {100 * seconds / proc['profile_total']:.0f} %"
                for label, seconds in proc["buckets"][:8]
                if seconds / proc["profile_total"] >= 0.005
            )
            lines.append(
                f"Profile of ours ({p['db']}/{p['fmt']}), {proc['process']}: own time by module "
                f"(cProfile inflates Python-heavy parts): {shares}."
            )
    if note:
        lines += ["", note.strip()]
    plans: dict[str, str] = {}
    for p in profiles:
        plan_name = f"import-{p['db']}-{rows}.md"
        for proc in p["processes"]:
            lines += [
                "",
                f"<details><summary>Profile of ours, {p['db']}/{p['fmt']} ({p['seconds']:.1f} s under "
                f"cProfile), {proc['process']}: top 10 by cumulative time (more in "
                f"<code>bench/plans/{plan_name}</code>)</summary>",
                "",
                "| function | calls | own s | cumulative s |",
                "|---|---:|---:|---:|",
                *[
                    f"| `{r['where']}` | {r['calls']:,} | {r['tottime']:.2f} | {r['cumtime']:.2f} |"
                    for r in proc["cumulative"][:10]
                ],
                "",
                "</details>",
            ]
        plans[plan_name] = _plan_text(p, rows, data)
    return "\n".join(lines), plans


def _plan_text(p: dict[str, Any], rows: int, data: dict[str, Any]) -> str:
    out = [
        f"# Profile: import of {rows:,} UMKM rows ({p['fmt']}), {p['db']}",
        "",
        _common.machine_line(data["machine"]),
        "",
        f"cProfile of `Importer(path, kind='umkm').run(write=True)` on a fresh database with "
        f"{p['workers']} checking worker process(es): {p['seconds']:.1f} s under the profiler (the "
        "unprofiled run is in bench/RESULTS.md). The main process and the forked workers are "
        "profiled separately; a C function's own time is counted in the bucket of its caller.",
    ]
    for proc in p["processes"]:
        out += [
            "",
            f"## {proc['process'][0].upper()}{proc['process'][1:]}",
            "",
            "| own time by module | s | share |",
            "|---|---:|---:|",
            *[
                f"| {label} | {seconds:.2f} | {100 * seconds / proc['profile_total']:.0f} % |"
                for label, seconds in proc["buckets"]
            ],
        ]
        for title, key in (("cumulative time", "cumulative"), ("own time", "tottime")):
            out += [
                "",
                f"### Top {len(proc[key])} by {title}",
                "",
                "| function | calls | own s | cumulative s |",
                "|---|---:|---:|---:|",
                *[
                    f"| `{r['where']}` | {r['calls']:,} | {r['tottime']:.2f} | {r['cumtime']:.2f} |"
                    for r in proc[key]
                ],
            ]
    return "\n".join(out) + "\n"


def code_state() -> str:
    """HEAD and a digest of the uncommitted changes under src/: to notice edits during a run."""
    import hashlib

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=_common.ROOT, capture_output=True, text=True).stdout

    digest = hashlib.sha256((git("diff", "HEAD", "--", "src") + git("status", "--porcelain", "src")).encode())
    return f"{git('rev-parse', '--short', 'HEAD').strip()}:{digest.hexdigest()[:12]}"


def publish(data: dict[str, Any], note: str, append: bool) -> None:
    body, plans = report(data, note)
    for name, text in plans.items():
        path = Path(__file__).parent / "plans" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"Profile written to bench/plans/{name}.")
    print("\n" + body)
    if append:
        dbs = ", ".join(data["dbs"])
        _common.append_results(
            f"Import {data['rows']:,} UMKM rows ({', '.join(data['formats'])}; {dbs})", body
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--formats", default="csv,xlsx", help="comma-separated: csv,xlsx")
    parser.add_argument("--contenders", default="ours,limit,peer", help="comma-separated: ours,limit,peer")
    parser.add_argument(
        "--peer-variants", default="default,full_clean", help="comma-separated: default,full_clean"
    )
    parser.add_argument(
        "--full-clean-all-formats",
        action="store_true",
        help="run the peer's full_clean variant on every format (default: the first only)",
    )
    parser.add_argument("--bad-share", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--regenerate", action="store_true", help="write the data files even if present")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-append", action="store_true", help="do not write bench/RESULTS.md")
    parser.add_argument(
        "--from-json", type=Path, help="report the figures of an earlier run, measure nothing"
    )
    parser.add_argument(
        "--note-file", type=Path, help="a written 'what misses and why' to add to the section"
    )
    # child mode
    parser.add_argument("--child", help=argparse.SUPPRESS)
    for option in ("--url", "--file", "--fmt", "--variant", "--label", "--dump"):
        parser.add_argument(option, help=argparse.SUPPRESS)
    parser.add_argument("--expected", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print("RESULT " + json.dumps(run_as_child(args)))
        return

    note = args.note_file.read_text(encoding="utf-8") if args.note_file else ""
    if args.from_json:
        publish(json.loads(args.from_json.read_text(encoding="utf-8")), note, not args.no_append)
        return

    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    formats = [f for f in args.formats.split(",") if f]
    contenders = [c for c in args.contenders.split(",") if c]
    variants = [v for v in args.peer_variants.split(",") if v]
    if (
        set(formats) - {"csv", "xlsx"}
        or set(contenders) - set(CONTENDERS)
        or set(variants) - set(PEER_VARIANTS)
    ):
        raise SystemExit("unknown format, contender or peer variant")
    facts = _common.machine()
    started = time.perf_counter()
    code_before = code_state()

    files, sizes, manifest = {}, {}, None
    for fmt in formats:
        path = data_file(fmt, args.rows, args.seed, args.bad_share)
        meta = path.with_suffix(path.suffix + ".json")
        if args.regenerate or not path.exists() or not meta.exists():
            print(f"Generating {path.relative_to(_common.ROOT)} …", flush=True)
            info = run_child(
                ["generate", "--file", str(path), "--fmt", fmt, "--rows", str(args.rows),
                 "--seed", str(args.seed), "--bad-share", str(args.bad_share)]
            )  # fmt: skip
            meta.write_text(json.dumps(info), encoding="utf-8")
            print(f"  {info['bytes'] / 2**20:.1f} MiB in {info['seconds']:.1f} s", flush=True)
        info = json.loads(meta.read_text(encoding="utf-8"))
        files[fmt], sizes[fmt], manifest = path, f"{info['bytes'] / 2**20:.1f} MiB", info
    assert manifest is not None
    expected = args.rows - manifest["bad"]

    results, profiles = [], []
    for db in dbs:
        for fmt in formats:
            print(f"{db}, {fmt}, {args.rows:,} rows ({expected:,} valid):", flush=True)
            for contender in CONTENDERS:
                if contender not in contenders:
                    continue
                if contender == "limit" and (db != "postgres" or "ours" not in contenders):
                    continue
                for variant in variants if contender == "peer" else [""]:
                    if variant == "full_clean" and fmt != formats[0] and not args.full_clean_all_formats:
                        continue  # the models' validation costs the same whatever the format
                    results.append(
                        measure(
                            db, fmt, contender, variant, files, args.rows, expected, "limit" in contenders
                        )
                    )
        if not args.no_profile:
            profiles.append(profile(db, formats[0], files, args.rows, expected))

    data = {
        "rows": args.rows,
        "bad": manifest["bad"],
        "bad_kinds": manifest["bad_kinds"],
        "seed": args.seed,
        "sizes": sizes,
        "dbs": dbs,
        "formats": formats,
        "contenders": contenders,
        "machine": facts,
        "results": results,
        "profiles": profiles,
        "wall_seconds": time.perf_counter() - started,
        "code_changed": "" if code_state() == code_before else f"{code_before} → {code_state()}",
    }
    saved = _common.SCRATCH / f"import-results-{args.rows}-{'-'.join(dbs)}-{'-'.join(formats)}.json"
    saved.write_text(json.dumps(data, indent=1), encoding="utf-8")
    print(
        f"\nAll runs took {data['wall_seconds']:.0f} s; figures saved to {saved.relative_to(_common.ROOT)}."
    )
    publish(data, note, not args.no_append)


def run_as_child(args: argparse.Namespace) -> dict[str, Any]:
    file = Path(args.file) if args.file else None
    dump = Path(args.dump) if args.dump else None
    if args.child == "prepare":
        return child_prepare(args.url)
    if args.child == "generate":
        return child_generate(file, args.fmt, args.rows, args.seed, args.bad_share)
    if args.child == "ours":
        return child_ours(args.url, file, args.rows, args.expected, args.label, dump)
    if args.child == "limit":
        return child_limit(args.url, dump, args.expected)
    if args.child == "peer":
        return child_peer(args.url, file, args.fmt, args.rows, args.expected, args.variant, args.label)
    if args.child == "profile":
        return child_profile(args.url, file, args.rows, args.expected, args.label)
    raise SystemExit(f"unknown child mode {args.child!r}")


if __name__ == "__main__":
    main()
