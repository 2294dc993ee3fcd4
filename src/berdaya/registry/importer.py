"""Spreadsheet import of UMKM and koperasi (SPEC §4 "Import templates", Part 4).

One pass over the file, in chunks: every cell parsed (``core/parsing.py``,
``registry/identifiers.py``), every row checked (region inside the uploader's scope,
code and names agreeing, KBLI known, coordinates inside the kab/kota, duplicates in
the file), matched to the registry by its natural key (NIB; NIK koperasi; the owner's
NIK and the business name; else names and kab/kota), then written. The whole import
is one transaction: a killed process leaves no rows of the batch behind, and
all-or-nothing mode simply rolls it back when a row was rejected.

New rows are written by :class:`~berdaya.core.bulk.RowWriter` (``COPY`` / multi-row
``INSERT``) with ids numbered under the table lock, as the demo seed does; changed rows
with ``bulk_update``. Each created or changed entity gets an ``ImportItem`` with the
values it replaced, which is what a rollback restores.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import itertools
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.core import personal
from berdaya.core.audit import record, record_many
from berdaya.core.bulk import New, RowWriter, Shape, sqlite_cache
from berdaya.core.models import AuditAction
from berdaya.core.parsing import (
    CellError,
    is_blank,
    normalize_header,
    parse_coordinate,
    parse_date,
    parse_int,
    parse_money,
    parse_sex,
    parse_text,
    parse_year,
)
from berdaya.core.tabular import Table, UnusableFile, open_table
from berdaya.regions import lookup
from berdaya.registry import identifiers
from berdaya.registry.batches import BatchStatus, ImportBatch, ImportItem, ImportMode, ItemAction
from berdaya.registry.columns import (
    IGNORED,
    KOPERASI,
    UMKM,
    Column,
    columns_for,
    detect_kind,
    match_header,
    required_for,
)
from berdaya.registry.events import entities_changed
from berdaya.registry.models import (
    Entity,
    EntityKind,
    Kbli,
    Koperasi,
    KoperasiJenis,
    KoperasiOfficer,
    NikParts,
    OfficerRole,
    Person,
    RatRecord,
    Umkm,
    nik_parts,
    phone_parts,
)
from berdaya.registry.text import normalize_name

EXIT_OK, EXIT_REJECTED, EXIT_UNUSABLE = 0, 1, 2
CHUNK = 2_000
MAX_ERRORS_KEPT = 200  # shown on the page; the report has them all
COUNT_MAX = 10_000_000

Progress = Callable[..., None]


class Unusable(Exception):
    """The file as a whole cannot be imported (exit code 2)."""

    def __init__(self, message: str, code: str = "unusable") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Outcome:
    status: str = BatchStatus.DONE
    kind: str = ""
    rows_total: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    message: str = ""
    written: bool = False

    @property
    def exit_code(self) -> int:
        if self.status == BatchStatus.UNUSABLE:
            return EXIT_UNUSABLE
        return EXIT_REJECTED if self.rows_rejected else EXIT_OK

    def error_sample(self, limit: int = MAX_ERRORS_KEPT) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for row in sorted(self.errors):
            for column, message in self.errors[row]:
                out.append({"row": row, "column": column, "message": message})
                if len(out) >= limit:
                    return out
        return out


def checksum(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def header_signature(headers: list[str]) -> str:
    """The shape of a file's header row: how its mapping is remembered for the next file."""
    normalized = "|".join(normalize_header(h) for h in headers)
    return hashlib.sha256(normalized.encode()).hexdigest()[:32]


# --- columns ---------------------------------------------------------------------------------


@dataclass
class Plan:
    kind: str
    columns: dict[int, Column]  # position in the row → our column
    notices: list[str]


def unknown_headers(headers: list[str], kind: str) -> list[str]:
    """Headers that are neither one of our columns (or a synonym) nor a known extra (No, Keterangan)."""
    return [
        str(h)
        for h in headers
        if str(h or "").strip() and match_header(kind, h) is None and normalize_header(h) not in IGNORED
    ]


def plan_columns(table: Table, kind: str | None, mapping: dict[str, str] | None = None) -> Plan:
    """Which of the file's columns feed which of ours; raises :class:`Unusable`.

    ``mapping`` (from the column-mapping page, or remembered) maps a header's position
    (as a string) to one of our column names, or to "" to ignore it; positions it does
    not name are matched by header synonyms.
    """
    headers = table.headers
    kind = kind or detect_kind(headers)
    if kind not in (UMKM, KOPERASI):
        raise Unusable(
            _(
                "Jenis data tidak dapat ditentukan dari judul kolom. Pilih UMKM atau koperasi, atau pakai "
                "templat (kolom nama_usaha untuk UMKM, nama_koperasi untuk koperasi)."
            ),
            "unknown_kind",
        )
    mapping = mapping or {}
    by_name = {c.name: c for c in columns_for(kind)}
    columns: dict[int, Column] = {}
    notices: list[str] = []
    unknown: list[str] = []
    for position, header in enumerate(headers):
        key = str(position)
        if key in mapping:
            target = mapping[key]
            if target and target in by_name:
                columns[position] = by_name[target]
            continue
        if not str(header or "").strip():
            continue
        column = match_header(kind, header)
        if column is not None:
            columns[position] = column
        elif normalize_header(header) in IGNORED:
            notices.append(_("Kolom '%(header)s' diabaikan.") % {"header": header})
        else:
            unknown.append(str(header))
    if unknown:
        notices.append(
            _("Kolom yang tidak dikenal diabaikan: %(headers)s.") % {"headers": ", ".join(unknown)}
        )
    seen: dict[str, int] = {}
    for position, column in sorted(columns.items()):
        if column.name in seen:
            raise Unusable(
                _("Kolom %(column)s muncul dua kali (kolom ke-%(a)d dan ke-%(b)d).")
                % {"column": column.name, "a": seen[column.name] + 1, "b": position + 1},
                "duplicate_column",
            )
        seen[column.name] = position
    missing = [c.name for c in required_for(kind) if c.name not in seen]
    if "kode_wilayah" not in seen and "kabupaten_kota" not in seen:
        missing.append("kode_wilayah / kabupaten_kota")
    if missing:
        raise Unusable(
            _("Kolom wajib tidak ada: %(columns)s. Judul kolom berkas: %(headers)s.")
            % {"columns": ", ".join(missing), "headers": ", ".join(str(h) for h in headers)},
            "missing_columns",
        )
    return Plan(kind, columns, notices)


# --- cells -----------------------------------------------------------------------------------

_JENIS = {
    normalize_header(text): value
    for value, label in KoperasiJenis.choices
    for text in (value, str(label), f"koperasi {label}", f"koperasi_{value}")
}
_JENIS.update(
    {
        "ksp": KoperasiJenis.SIMPAN_PINJAM,
        "usp": KoperasiJenis.SIMPAN_PINJAM,
        "kspps": KoperasiJenis.SIMPAN_PINJAM,
    }
)


def _masked(value: Any) -> bool:
    # An exported list shows masked NIKs/phones (7471**********01); importing it back
    # must not treat the mask as a new value.
    return isinstance(value, str) and "*" in value


def _identifier(validate: Callable[[Any], str | None]) -> Callable[[Any, Table], Any]:
    def parse(value: Any, table: Table) -> Any:
        if _masked(value):
            return None
        return validate(value)

    return parse


def _jenis(value: Any, table: Table) -> str | None:
    text = parse_text(value, max_length=60)
    if text is None:
        return None
    found = _JENIS.get(normalize_header(text))
    if found is None:
        labels = ", ".join(str(label) for _v, label in KoperasiJenis.choices)
        raise CellError(
            _("Jenis koperasi '%(value)s' tidak dikenal; pilih: %(labels)s.")
            % {"value": text, "labels": labels}
        )
    return found


def _signed_money(value: Any, table: Table) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        parsed = parse_money(-value)
        return -parsed if parsed is not None else None
    if isinstance(value, str):
        text = value.strip()
        negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
        if negative:
            parsed = parse_money(text.strip("-() "))
            return -parsed if parsed is not None else None
    return parse_money(value)


def _kbli(value: Any, table: Table) -> str | None:
    text = parse_text(value, max_length=10)
    if text is None:
        return None
    digits = text.replace(".", "").replace(" ", "")
    if isinstance(value, float) and value.is_integer():
        digits = str(int(value))
    if not digits.isdigit() or len(digits) != 5:
        raise CellError(_("Kode KBLI harus 5 digit (KBLI 2020), bukan '%(value)s'.") % {"value": text})
    if digits not in _kbli_codes():
        raise CellError(_("Kode KBLI %(code)s tidak ada dalam KBLI 2020.") % {"code": digits})
    return digits


@lru_cache(maxsize=1)
def _kbli_codes() -> frozenset[str]:
    return frozenset(Kbli.objects.filter(level="kelompok").values_list("code", flat=True))


PARSERS: dict[str, Callable[[Any, Table], Any]] = {
    "nik": _identifier(identifiers.validate_nik),
    "nib": _identifier(identifiers.validate_nib),
    "npwp": _identifier(identifiers.validate_npwp),
    "nik_koperasi": _identifier(identifiers.validate_nik_koperasi),
    "phone": _identifier(identifiers.validate_phone),
    "sex": lambda v, t: parse_sex(v),
    "date": lambda v, t: parse_date(v, datemode_1904=t.datemode_1904),
    "year": lambda v, t: parse_year(v),
    "money": lambda v, t: parse_money(v),
    "signed_money": _signed_money,
    "count": lambda v, t: parse_int(v, minimum=0, maximum=COUNT_MAX),
    "lat": lambda v, t: parse_coordinate(v, axis="lat"),
    "lon": lambda v, t: parse_coordinate(v, axis="lon"),
    "kbli": _kbli,
    "jenis": _jenis,
}


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(getattr(exc, "message", exc))


def parse_row(values: list[Any], plan: Plan, table: Table) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    clean: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for position, column in plan.columns.items():
        value = values[position] if position < len(values) else None
        if is_blank(value):
            continue
        try:
            if column.parser == "text":
                parsed = parse_text(value, max_length=column.max_length or 255)
            else:
                parsed = PARSERS[column.parser](value, table)
        except (CellError, ValidationError, ValueError) as exc:
            errors.append((column.name, _message(exc)))
            continue
        if parsed is not None:
            clean[column.name] = parsed
    for column in required_for(plan.kind):
        if column.name not in clean and not any(c == column.name for c, _m in errors):
            errors.append((column.name, _("%(column)s wajib diisi.") % {"column": column.name}))
    return clean, errors


# --- regions ---------------------------------------------------------------------------------


def _code_of(region: Any) -> str:
    return region.code if region is not None else ""


@lru_cache(maxsize=65_536)
def resolve_region(
    code: str | None, kabkota: str | None, kecamatan: str | None, desa: str | None, scope: str | None
) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """(the deepest region code the row names, errors) — memoised: files repeat their regions."""
    province = settings.BERDAYA_PROVINCE
    errors: list[tuple[str, str]] = []
    region = None
    if code:
        found = lookup.resolve_code(code)
        if not found.found:
            message = found.message
            digits = code.replace(".", "")
            if digits.isdigit() and len(digits) in (7, 10):
                message += " " + _("Jika ini kode BPS, pakai kode Kemendagri (bertitik, mis. 74.71.01.1005).")
            return None, (("kode_wilayah", message),)
        region = found.region
        if not region.code.startswith(province + ".") or region.depth < 2:
            return None, (
                (
                    "kode_wilayah",
                    _(
                        "Kode wilayah %(code)s bukan kabupaten/kota, kecamatan atau desa "
                        "di provinsi %(province)s."
                    )
                    % {"code": region.code, "province": province},
                ),
            )
        for column, text, depth, level in (
            ("kabupaten_kota", kabkota, 2, "kabkota"),
            ("kecamatan", kecamatan, 3, "kecamatan"),
            ("desa_kelurahan", desa, 4, "desa"),
        ):
            if not text or region.depth < depth:
                continue
            parent = ".".join(region.code.split(".")[: depth - 1])
            named = lookup.resolve_name(text, parent=parent, level=level)
            expected = ".".join(region.code.split(".")[:depth])
            if not named.found or named.region.code != expected:
                errors.append(
                    (
                        column,
                        _(
                            "'%(name)s' tidak cocok dengan kode wilayah %(code)s (%(region)s). "
                            "Periksa kode dan nama; mungkin kode BPS tertulis di tempat kode Kemendagri."
                        )
                        % {"name": text, "code": region.code, "region": region.name},
                    )
                )
    elif kabkota:
        found = lookup.resolve_name(kabkota, parent=province, level="kabkota")
        if not found.found:
            return None, (("kabupaten_kota", found.message),)
        region = found.region
        if kecamatan:
            kec = lookup.resolve_name(kecamatan, parent=region.code, level="kecamatan")
            if not kec.found:
                return None, (("kecamatan", kec.message),)
            region = kec.region
        if desa:
            village = lookup.resolve_name(desa, parent=region.code, level="desa")
            if not village.found:
                return None, (("desa_kelurahan", village.message),)
            region = village.region
    else:
        return None, (("kabupaten_kota", _("Isi kode_wilayah atau kabupaten_kota.")),)
    if scope and scope != province and not (region.code == scope or region.code.startswith(scope + ".")):
        return None, (
            (
                "kabupaten_kota" if not code else "kode_wilayah",
                _("Wilayah %(region)s di luar wilayah tugas Anda (%(scope)s).")
                % {"region": region.name, "scope": scope},
            ),
        )
    return region.code, tuple(errors)


# --- the import ------------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    region: str
    key: tuple
    entity: Entity | None = None  # the registry's entity with this natural key
    # NIK → what is stored for it, and the phone's (ciphertext, mask): computed with the
    # checks, which may run in another process (the encryption is most of a row's cost).
    niks: dict[str, NikParts] = field(default_factory=dict)
    phone: tuple[str, str] | None = None
    # A new UMKM's entity, detail and owner rows (RowWriter.write_values), ids to be filled
    # in by the writer: built with the checks, in the worker process, in case it is new.
    prepared: tuple[list, list, list] | None = None


def _natural_key(kind: str, values: dict[str, Any], region: str) -> tuple:
    kabkota = region[:5]
    name = normalize_name(values.get("nama_usaha") or values.get("nama_koperasi") or "")
    if kind == UMKM:
        if values.get("nib"):
            return ("nib", values["nib"])
        if values.get("nik_pemilik"):
            return ("nik", personal.lookup_hash(values["nik_pemilik"]), name)
        return ("name", normalize_name(values.get("nama_pemilik", "")), name, kabkota)
    if values.get("nik_koperasi"):
        return ("nik_koperasi", values["nik_koperasi"])
    return ("name", name, kabkota)


def _describe_key(key: tuple) -> str:
    if key[0] == "nib":
        return f"NIB {key[1]}"
    if key[0] == "nik_koperasi":
        return _("NIK koperasi %(nik)s") % {"nik": key[1]}
    if key[0] == "nik":
        return _("NIK pemilik dan nama usaha yang sama")
    return _("nama dan kabupaten/kota yang sama")


class Importer:
    """Runs one import. ``write=False`` checks and counts only (the preview)."""

    def __init__(
        self,
        path: str | Path,
        *,
        kind: str | None = None,
        mode: str = ImportMode.VALID_ONLY,
        user: Any = None,
        mapping: dict[str, str] | None = None,
        batch: ImportBatch | None = None,
        progress: Progress | None = None,
        original_name: str | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.path = Path(path)
        self.kind = kind
        self.mode = mode
        self.user = user
        self.mapping = mapping
        self.batch = batch
        self.progress = progress or (lambda *a, **k: None)
        self.original_name = original_name or self.path.name
        self.today = today or timezone.localdate()
        province = settings.BERDAYA_PROVINCE
        region = getattr(user, "region_id", None) if user is not None else None
        self.scope = region if region and region != province else None
        self.outcome = Outcome()
        self.table: Table | None = None
        self.plan: Plan | None = None
        self._seen: dict[int, int] = {}
        self._writing = False
        self._first_new_id: int | None = None

    # -- driving --------------------------------------------------------------------------------

    def run(self, *, write: bool = True) -> Outcome:
        out = self.outcome
        try:
            self.table = open_table(self.path, original_name=self.original_name)
            out.notices.extend(self.table.notices)
            self.plan = plan_columns(self.table, self.kind, self.mapping)
        except UnusableFile as exc:
            out.status, out.message = BatchStatus.UNUSABLE, exc.message
            return out
        except Unusable as exc:
            out.status, out.message = BatchStatus.UNUSABLE, exc.message
            return out
        out.kind = self.plan.kind
        out.notices.extend(self.plan.notices)
        if not write:
            for chunk in self._chunks():
                self._match(chunk)
                self._count(chunk)
            out.status = BatchStatus.CHECKED
            return out
        self._write_all()
        return out

    def _chunks(self) -> Iterator[list[Row]]:
        """Checked rows, chunk by chunk, every row counted and every rejection recorded.

        The checks (parsing, regions, identifiers, encryption) run in a worker process
        while this one matches and writes the previous chunk; duplicates within the file
        are found here, across chunks, in file order.
        """
        assert self.table is not None and self.plan is not None
        total = getattr(self.table, "total_rows", None)
        for checked in self._checked(self._raw_chunks()):
            rows, rejected, count = checked
            self.outcome.rows_total += count
            for number, errors in rejected:
                self._reject(number, errors)
            self.outcome.rows_rejected += len(rejected)
            fresh = self._unique(rows)
            self.progress("rows", self.outcome.rows_total, total)
            if fresh:
                yield fresh
        self.progress("rows", self.outcome.rows_total, total, force=True)

    def _raw_chunks(self) -> Iterator[list[tuple[int, list[Any]]]]:
        assert self.table is not None
        chunk: list[tuple[int, list[Any]]] = []
        for number, values in self.table.rows():
            chunk.append((number, values))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _checked(self, raw: Iterator[list[tuple[int, list[Any]]]]) -> Iterator[Checked]:
        first = next(raw, None)
        if first is None:
            return
        second = next(raw, None)
        workers = settings.BERDAYA_IMPORT_WORKERS
        if second is None or workers < 1:
            # One chunk (or no spare core): a process would cost more than it saves.
            yield self.check_chunk(first)
            if second is not None:
                yield self.check_chunk(second)
            for chunk in raw:
                yield self.check_chunk(chunk)
            return
        yield from _in_worker_processes(self, itertools.chain([first, second], raw), workers)

    def check_chunk(self, chunk: list[tuple[int, list[Any]]]) -> Checked:
        """Rows that passed every check, the rejected (row, errors), the rows seen. Pure: no
        database, no shared state (it runs in a worker process)."""
        rows: list[Row] = []
        rejected: list[tuple[int, list[tuple[str, str]]]] = []
        for number, values in chunk:
            row = self._check(number, values)
            if isinstance(row, Row):
                rows.append(row)
            else:
                rejected.append((number, row))
        return rows, rejected, len(chunk)

    def _unique(self, rows: list[Row]) -> list[Row]:
        """Rows whose natural key no earlier row of the file had.

        While writing, only this chunk is remembered: an earlier chunk's row is in the
        database by now, and matching finds it (see :meth:`_check_matches`), so memory stays
        flat whatever the file's size. A check that writes nothing keeps a hash per row.
        """
        seen: dict[Any, int] = {} if self._writing else self._seen
        fresh = []
        for row in rows:
            token = row.key if self._writing else hash(row.key)
            first = seen.get(token)
            if first is None:
                seen[token] = row.number
                fresh.append(row)
            else:
                self._duplicate(row, first)
        return fresh

    def _duplicate(self, row: Row, first: int | None) -> None:
        assert self.plan is not None
        column = "nib" if row.key[0] == "nib" else "nama_usaha" if self.plan.kind == UMKM else "nama_koperasi"
        message = (
            _("Baris ini sama dengan baris %(row)d (%(key)s).")
            % {"row": first, "key": _describe_key(row.key)}
            if first
            else _("Baris ini sama dengan baris sebelumnya (%(key)s).") % {"key": _describe_key(row.key)}
        )
        self._reject(row.number, [(column, message)])
        self.outcome.rows_rejected += 1

    def _reject(self, number: int, errors: Iterable[tuple[str, str]]) -> None:
        errors = list(errors)
        if errors:
            self.outcome.errors.setdefault(number, []).extend(errors)

    def _check(self, number: int, raw: list[Any]) -> Row | list[tuple[str, str]]:
        """The row, checked and ready to write, or its errors."""
        assert self.plan is not None and self.table is not None
        values, errors = parse_row(raw, self.plan, self.table)
        region, region_errors = resolve_region(
            values.get("kode_wilayah"),
            values.get("kabupaten_kota"),
            values.get("kecamatan"),
            values.get("desa_kelurahan"),
            self.scope,
        )
        errors.extend(region_errors)
        if region:
            errors.extend(self._check_values(values, region))
        if errors or not region:
            return errors
        row = Row(number, values, region, _natural_key(self.plan.kind, values, region))
        for column in ("nik_pemilik", "nik_ketua"):
            nik = values.get(column)
            if nik and nik not in row.niks:
                row.niks[nik] = nik_parts(nik, self.today)
        if values.get("telepon"):
            row.phone = phone_parts(values["telepon"])
        if self.plan.kind == UMKM:
            row.prepared = _prepare_umkm(row, self._makers())
        return row

    def _makers(self) -> dict[type, New]:
        makers = getattr(self, "_new", None)
        if makers is None:
            makers = self._new = {model: New(model) for model in (Person, Entity, Umkm, Koperasi)}
        return makers

    def _check_values(self, values: dict[str, Any], region: str) -> list[tuple[str, str]]:
        errors: list[tuple[str, str]] = []
        kind = self.plan.kind if self.plan else UMKM
        nik_column = "nik_pemilik" if kind == UMKM else "nik_ketua"
        sex = values.get("jenis_kelamin_pemilik")
        nik = values.get(nik_column)
        if nik and sex:
            facts = identifiers.nik_facts(nik, self.today)
            if facts.sex != sex:
                errors.append(
                    (
                        "jenis_kelamin_pemilik",
                        _("Jenis kelamin %(sex)s tidak sesuai dengan NIK (yang menandakan %(nik_sex)s).")
                        % {"sex": sex, "nik_sex": _("perempuan") if facts.sex == "P" else _("laki-laki")},
                    )
                )
        if kind == KOPERASI:
            if values.get("nik_ketua") and not values.get("nama_ketua"):
                errors.append(("nama_ketua", _("Isi nama_ketua bila nik_ketua diisi.")))
            founded = values.get("tanggal_badan_hukum")
            if founded and founded > self.today:
                errors.append(("tanggal_badan_hukum", _("Tanggal badan hukum belum tiba.")))
            rat = values.get("tahun_rat_terakhir")
            if rat and rat >= self.today.year:
                errors.append(
                    (
                        "tahun_rat_terakhir",
                        _("Tahun buku %(year)d belum selesai: RAT-nya belum mungkin.") % {"year": rat},
                    )
                )
        lat, lon = values.get("lat"), values.get("lon")
        if lat is not None or lon is not None:
            probe = Entity(region_id=region, lat=lat, lon=lon)
            probe.derive_fields()
            problems: dict[str, list] = {}
            probe._clean_coordinates(problems)
            for field_name, messages in problems.items():
                for message in messages:
                    errors.append((field_name, _message(message)))
        return errors

    # -- matching -------------------------------------------------------------------------------

    def _match(self, rows: list[Row]) -> None:
        """Attach to each row the registry entity with its natural key, in a few queries."""
        kind = self.plan.kind if self.plan else UMKM
        by_key: dict[tuple, Entity] = {}
        detail = "umkm" if kind == UMKM else "koperasi"
        base = Entity.objects.filter(kind=kind).select_related(
            detail, *(["umkm__owner"] if kind == UMKM else [])
        )
        # Each key is first looked up on its own unique index, and only the entities found
        # are loaded: a join filtered on the detail table let PostgreSQL pick plans that
        # scanned the growing table once per chunk (O(n²) over a 1M-row file).
        ids: set[int] = set()
        nibs = [r.key[1] for r in rows if r.key[0] == "nib"]
        if nibs:
            ids.update(Umkm.objects.filter(nib__in=nibs).values_list("entity_id", flat=True))
        niks = [r.key[1] for r in rows if r.key[0] == "nik_koperasi"]
        if niks:
            ids.update(Koperasi.objects.filter(nik_koperasi__in=niks).values_list("entity_id", flat=True))
        owner_keys = [r.key for r in rows if r.key[0] == "nik"]
        if owner_keys:
            owners = Person.objects.filter(nik_hash__in={k[1] for k in owner_keys}).values_list(
                "id", flat=True
            )
            names = {k[2] for k in owner_keys}
            ids.update(
                Umkm.objects.filter(owner_id__in=list(owners), entity__name_search__in=names).values_list(
                    "entity_id", flat=True
                )
            )
        if ids:
            for e in base.filter(id__in=ids):
                if kind == UMKM:
                    if e.umkm.nib:
                        by_key[("nib", e.umkm.nib)] = e
                    if e.umkm.owner.nik_hash:
                        by_key[("nik", e.umkm.owner.nik_hash, e.name_search)] = e
                elif e.koperasi.nik_koperasi:
                    by_key[("nik_koperasi", e.koperasi.nik_koperasi)] = e
        name_keys = [r.key for r in rows if r.key[0] == "name"]
        if name_keys:
            names = {k[-2] for k in name_keys}
            kabs = {k[-1] for k in name_keys}
            for e in base.filter(name_search__in=names, kabkota_id__in=kabs):
                if kind == UMKM:
                    by_key.setdefault(
                        ("name", normalize_name(e.umkm.owner.name), e.name_search, e.kabkota_id), e
                    )
                else:
                    by_key.setdefault(("name", e.name_search, e.kabkota_id), e)
        for row in rows:
            row.entity = by_key.get(row.key)
        self._check_matches(rows)

    def _check_matches(self, rows: list[Row]) -> None:
        """Rows that would change a record outside the uploader's scope, or give an owner's
        NIB to someone else, are rejected rather than applied."""
        keep = []
        earlier = self._earlier_rows(rows)
        for row in rows:
            entity = row.entity
            if entity is not None and entity.pk in earlier:
                self._duplicate(row, earlier[entity.pk])
                continue
            problem = None
            if entity is not None and self.scope and entity.kabkota_id != self.scope[:5]:
                problem = (
                    row.key[0] if row.key[0] != "name" else "nama_usaha",
                    _("%(key)s sudah terdaftar di kabupaten/kota lain.") % {"key": _describe_key(row.key)},
                )
            elif entity is not None and entity.kind == EntityKind.UMKM:
                nik = row.values.get("nik_pemilik")
                owner = entity.umkm.owner
                if nik and owner.nik_hash and owner.nik_hash != personal.lookup_hash(nik):
                    problem = (
                        "nik_pemilik",
                        _(
                            "NIB %(nib)s sudah terdaftar atas pemilik lain (%(owner)s, NIK %(masked)s): "
                            "periksa NIB atau NIK."
                        )
                        % {"nib": entity.umkm.nib, "owner": owner.name, "masked": owner.nik_masked},
                    )
            elif (
                entity is None
                and self.plan is not None
                and self.plan.kind == KOPERASI
                and not row.values.get("jenis_koperasi")
            ):
                problem = (
                    "jenis_koperasi",
                    _("jenis_koperasi wajib diisi untuk koperasi yang belum terdaftar."),
                )
            if problem:
                self._reject(row.number, [problem])
                self.outcome.rows_rejected += 1
            else:
                keep.append(row)
        rows[:] = keep

    def _earlier_rows(self, rows: list[Row]) -> dict[int, int | None]:
        """Entities this import created from an earlier chunk → that row's number."""
        if self._first_new_id is None:
            return {}
        made = {r.entity.pk for r in rows if r.entity is not None and r.entity.pk > self._first_new_id}
        if not made:
            return {}
        found: dict[int, int | None] = dict.fromkeys(made)
        if self.batch is not None:
            items = ImportItem.objects.filter(batch=self.batch, entity_id__in=made)
            found.update(items.values_list("entity_id", "row_number"))
        return found

    def _count(self, rows: list[Row]) -> None:
        for row in rows:
            self.outcome.rows_valid += 1
            if row.entity is None:
                self.outcome.created += 1
            elif self._changes(row):
                self.outcome.updated += 1
            else:
                self.outcome.unchanged += 1

    # -- writing --------------------------------------------------------------------------------

    def _write_all(self) -> None:
        out = self.outcome
        try:
            # A 32 MiB page cache (the seed takes 128): imports must keep their memory flat.
            with sqlite_cache(32_768), transaction.atomic():
                writer = RowWriter()
                writer.lock([Entity, Person])
                self._writer = writer
                self._next_entity = writer.id_base(Entity)
                self._first_new_id = self._next_entity
                self._writing = True
                self._next_person = writer.id_base(Person)
                self._persons: dict[str, int] = {}
                self._makers()
                for chunk in self._chunks():
                    self._match(chunk)
                    self._count(chunk)
                    self._write_chunk(chunk)
                if self.mode == ImportMode.ALL_OR_NOTHING and out.rows_rejected:
                    raise _Rejected
                writer.advance_sequence(Entity, self._next_entity)
                writer.advance_sequence(Person, self._next_person)
                out.status = BatchStatus.DONE
                out.written = True
                self.progress("commit", out.rows_total, out.rows_total, force=True)
                self._finish_batch()
        except _Rejected:
            out.status = BatchStatus.REJECTED
            out.written = False
            out.created = out.updated = out.unchanged = 0
            out.message = _(
                "%(n)d baris ditolak: dengan mode semua-atau-tidak-sama-sekali tidak ada yang disimpan."
            ) % {"n": out.rows_rejected}

    def _finish_batch(self) -> None:
        out = self.outcome
        batch = self.batch
        extra = {
            "file": self.original_name,
            "kind": out.kind,
            "mode": self.mode,
            "rows": out.rows_total,
            "created": out.created,
            "updated": out.updated,
            "unchanged": out.unchanged,
            "rejected": out.rows_rejected,
        }
        if batch is not None:
            extra["batch"] = batch.pk
            _apply_outcome(batch, out)
            batch.save()
        record(
            AuditAction.IMPORT,
            batch,
            object_repr=_("Impor %(file)s") % {"file": self.original_name},
            extra=extra,
            actor=self.user,
            region_code=self.scope or "",
        )

    def _write_chunk(self, rows: list[Row]) -> None:
        new = [r for r in rows if r.entity is None]
        changed = [r for r in rows if r.entity is not None and self._changes(r)]
        if new:
            created = self._create(new)
            if self.batch is not None:
                # Plain rows through the writer: one per new entity, nothing to restore.
                items = [
                    (self.batch.pk, pk, number, ItemAction.CREATED.value, "{}", "{}")
                    for pk, number in created
                ]
                self._writer.write(ImportItem, ITEM_COLUMNS, items)
            record_many(
                AuditAction.CREATE,
                Entity,
                (
                    (
                        pk,
                        row.values.get("nama_usaha") or row.values.get("nama_koperasi", ""),
                        row.region[:5],
                        {},
                        self._provenance(number),
                    )
                    for (pk, number), row in zip(created, new, strict=True)
                ),
                actor=self.user,
            )
        # People met in this chunk; the next chunk finds them in the database (one query).
        self._persons.clear()
        if changed:
            items = self._update(changed)
            if self.batch is not None:
                ImportItem.objects.bulk_create(items, batch_size=1000)
            self._audit_updates(changed)

    def _provenance(self, number: int) -> dict[str, Any]:
        """What an imported record's history says about where it came from."""
        return {
            "import_batch": self.batch.pk if self.batch else None,
            "file": self.original_name,
            "row": number,
        }

    def _audit_updates(self, rows: list[Row]) -> None:
        """One UPDATE event per changed record (entity, and UMKM/koperasi details apart), in
        the shape the save signals write: field name → [before, after]."""
        by_model: dict[str, list[tuple]] = {}
        for row in rows:
            entity = row.entity
            assert entity is not None
            grouped: dict[str, dict[str, list[Any]]] = {}
            for key, (before, after) in self._changes(row).items():
                model, attr = key.split(".", 1)
                name = attr.removesuffix("_id") if attr in FOREIGN_KEYS else attr
                grouped.setdefault(model, {})[name] = [_jsonable(before), _jsonable(after)]
            for model, changes in grouped.items():
                by_model.setdefault(model, []).append(
                    (entity.pk, entity.name, entity.kabkota_id or "", changes, self._provenance(row.number))
                )
        models_by_name = {"entity": Entity, "umkm": Umkm, "koperasi": Koperasi}
        for model, entries in by_model.items():
            record_many(AuditAction.UPDATE, models_by_name[model], entries, actor=self.user)

    def _person(
        self,
        name: str,
        nik: str | None,
        sex: str | None,
        region: str,
        persons: list[Person],
        parts: dict[str, NikParts],
    ) -> int:
        """The id of the person with this NIK (existing or new in this import), else a new one."""
        if nik:
            known = self._persons.get(nik)
            if known:
                return known
        self._next_person += 1
        person = self._new[Person](id=self._next_person, name=name, region_id=region, sex=sex or "")
        if nik:
            person.apply_nik(parts[nik])
        person.derive_fields()
        persons.append(person)
        if nik:
            self._persons[nik] = person.id
        return person.id

    def _known_persons(self, rows: list[Row]) -> None:
        """People of these rows already in the registry, by NIK hash: one query per chunk."""
        wanted = {}
        for row in rows:
            for column in ("nik_pemilik", "nik_ketua"):
                nik = row.values.get(column)
                if nik and nik not in self._persons:
                    wanted[personal.lookup_hash(nik)] = nik
        if wanted:
            for pk, digest in Person.objects.filter(nik_hash__in=list(wanted)).values_list("id", "nik_hash"):
                self._persons[wanted[digest]] = pk

    def _create(self, rows: list[Row]) -> list[tuple[int, int]]:
        """Write the new entities (and their people); (entity id, row number) of each."""
        kind = self.plan.kind if self.plan else UMKM
        writer = self._writer
        persons: list[Person] = []
        entities: list[Entity] = []
        details: list[Any] = []
        officers: list[KoperasiOfficer] = []
        rats: list[RatRecord] = []
        items: list[tuple[int, int]] = []
        self._known_persons(rows)
        if kind == UMKM:
            return self._create_umkm(rows)
        for row in rows:
            v = row.values
            self._next_entity += 1
            entity = self._new[Entity](id=self._next_entity, kind=kind, region_id=row.region)
            _apply_entity(entity, v)
            if row.phone:
                entity.phone_encrypted, entity.phone_masked = row.phone
            entity.derive_fields()
            entities.append(entity)
            if kind == UMKM:
                owner = self._person(
                    v["nama_pemilik"],
                    v.get("nik_pemilik"),
                    v.get("jenis_kelamin_pemilik"),
                    row.region,
                    persons,
                    row.niks,
                )
                umkm = self._new[Umkm](entity_id=entity.id, owner_id=owner)
                _apply_umkm(umkm, v)
                umkm.derive_fields()
                details.append(umkm)
            else:
                koperasi = self._new[Koperasi](entity_id=entity.id)
                _apply_koperasi(koperasi, v)
                if v.get("tahun_rat_terakhir"):
                    koperasi.last_rat_year = v["tahun_rat_terakhir"]
                    rats.append(RatRecord(koperasi_id=entity.id, book_year=v["tahun_rat_terakhir"]))
                details.append(koperasi)
                if v.get("nama_ketua"):
                    chair = self._person(
                        v["nama_ketua"], v.get("nik_ketua"), None, row.region, persons, row.niks
                    )
                    officers.append(
                        KoperasiOfficer(koperasi_id=entity.id, person_id=chair, role=OfficerRole.KETUA)
                    )
            items.append((entity.id, row.number))
        writer.write_instances(Person, persons)
        writer.write_instances(Entity, entities)
        writer.write_instances(Umkm if kind == UMKM else Koperasi, details)
        if officers:
            KoperasiOfficer.objects.bulk_create(officers)
        if rats:
            RatRecord.objects.bulk_create(rats)
        return items

    def _create_umkm(self, rows: list[Row]) -> list[tuple[int, int]]:
        """New UMKM from the rows prepared with the checks: only ids are added here."""
        entity_shape, umkm_shape = Shape.of(Entity), Shape.of(Umkm)
        entity_id, detail_entity, detail_owner = (
            entity_shape.index["id"],
            umkm_shape.index["entity_id"],
            umkm_shape.index["owner_id"],
        )
        person_id = Shape.of(Person).index["id"]
        entities, details, persons, items = [], [], [], []
        for row in rows:
            assert row.prepared is not None
            entity, detail, owner = (list(part) for part in row.prepared)
            self._next_entity += 1
            entity[entity_id] = detail[detail_entity] = self._next_entity
            nik = row.values.get("nik_pemilik")
            known = self._persons.get(nik) if nik else None
            if known is None:
                self._next_person += 1
                known = owner[person_id] = self._next_person
                persons.append(owner)
                if nik:
                    self._persons[nik] = known
            detail[detail_owner] = known
            entities.append(entity)
            details.append(detail)
            items.append((self._next_entity, row.number))
        writer = self._writer
        writer.write_values(Person, persons)
        writer.write_values(Entity, entities)
        writer.write_values(Umkm, details)
        return items

    def _changes(self, row: Row) -> dict[str, tuple[Any, Any]]:
        """Field → (before, after) for the values the row gives that differ from the registry."""
        if getattr(row, "_changes", None) is not None:
            return row._changes  # type: ignore[attr-defined]
        entity = row.entity
        assert entity is not None
        changes: dict[str, tuple[Any, Any]] = {}
        v = row.values
        targets: list[tuple[Any, dict[str, str]]] = [(entity, ENTITY_FIELDS)]
        if entity.kind == EntityKind.UMKM:
            targets.append((entity.umkm, UMKM_FIELDS))
        else:
            targets.append((entity.koperasi, KOPERASI_FIELDS))
        for obj, fields in targets:
            for column, attr in fields.items():
                if column in v and getattr(obj, attr) != v[column]:
                    changes[f"{obj._meta.model_name}.{attr}"] = (getattr(obj, attr), v[column])
        if (
            v.get("kode_wilayah") or v.get("kecamatan") or v.get("desa_kelurahan")
        ) and row.region != entity.region_id:
            changes["entity.region_id"] = (entity.region_id, row.region)
        row._changes = changes  # type: ignore[attr-defined]
        return changes

    def _update(self, rows: list[Row]) -> list[ImportItem]:
        entities, umkms, koperasis, items = [], [], [], []
        entity_fields: set[str] = set()
        detail_fields: dict[str, set[str]] = {"umkm": set(), "koperasi": set()}
        now = timezone.now()
        for row in rows:
            entity = row.entity
            assert entity is not None
            changes = self._changes(row)
            before = {k: _jsonable(b) for k, (b, _a) in changes.items()}
            after = {k: _jsonable(a) for k, (_b, a) in changes.items()}
            for key, (_b, new) in changes.items():
                model, attr = key.split(".", 1)
                target = entity if model == "entity" else getattr(entity, model)
                setattr(target, attr, new)
                (entity_fields if model == "entity" else detail_fields[model]).add(attr)
            entity.derive_fields()
            entity.updated_at = now
            entities.append(entity)
            if entity.kind == EntityKind.UMKM and detail_fields["umkm"]:
                entity.umkm.derive_fields()
                umkms.append(entity.umkm)
            elif entity.kind == EntityKind.KOPERASI and detail_fields["koperasi"]:
                koperasis.append(entity.koperasi)
            items.append(
                ImportItem(
                    batch=self.batch,
                    entity_id=entity.id,
                    row_number=row.number,
                    action=ItemAction.UPDATED,
                    before=before,
                    after=after,
                )
            )
        derived = {"name_search", "kabkota_id", "kecamatan_id", "kbli_category", "updated_at"}
        Entity.objects.bulk_update(entities, sorted(entity_fields | derived), batch_size=500)
        entities_changed.send(sender=Entity, ids=[entity.pk for entity in entities])
        if umkms:
            Umkm.objects.bulk_update(
                umkms, sorted(detail_fields["umkm"] | {"size_class", "size_basis"}), batch_size=500
            )
        if koperasis:
            Koperasi.objects.bulk_update(koperasis, sorted(detail_fields["koperasi"]), batch_size=500)
        return items


FOREIGN_KEYS = frozenset({"region_id", "kbli_id"})
ITEM_COLUMNS = ("batch_id", "entity_id", "row_number", "action", "before", "after")


class _Rejected(Exception):
    pass


Checked = tuple[list["Row"], list[tuple[int, list[tuple[str, str]]]], int]

# --- the worker process ----------------------------------------------------------------------

_IMPORTER: Importer | None = None  # the importer a forked worker checks rows for


def _forget_connections() -> None:
    """In a forked worker: drop the parent's database connections without closing them (a
    close would end the parent's session on PostgreSQL). The worker never queries."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.connection = None


def _check_in_worker(chunk: list[tuple[int, list[Any]]]) -> Checked:
    assert _IMPORTER is not None
    return _IMPORTER.check_chunk(chunk)


def _warm_caches(importer: Importer) -> None:
    """Everything the checks read from the database, loaded before the fork."""
    _kbli_codes()
    lookup.resolve_code(settings.BERDAYA_PROVINCE)
    identifiers.check_nik("7471011708850001")
    personal.lookup_hash("0")
    Entity(region_id=settings.BERDAYA_PROVINCE + ".71", lat=0.0, lon=0.0).derive_fields()


def _in_worker_processes(importer: Importer, chunks: Iterator[list], workers: int) -> Iterator[Checked]:
    """Check chunks in ``workers`` forked processes, in order, at most ``workers + 1`` ahead
    (so a 1M-row file is never all in memory at once)."""
    global _IMPORTER
    _warm_caches(importer)
    _IMPORTER = importer
    context = multiprocessing.get_context("fork")
    try:
        with context.Pool(workers, initializer=_forget_connections) as pool:
            pending: collections.deque = collections.deque()
            for chunk in chunks:
                pending.append(pool.apply_async(_check_in_worker, (chunk,)))
                if len(pending) > workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _IMPORTER = None


# Column → model attribute, for the columns an import may set on an existing record.
ENTITY_FIELDS = {
    "nama_usaha": "name",
    "nama_koperasi": "name",
    "alamat": "address",
    "lat": "lat",
    "lon": "lon",
    "kbli": "kbli_id",
    "tahun_berdiri": "year_founded",
}
UMKM_FIELDS = {
    "nib": "nib",
    "modal_usaha": "modal_usaha",
    "omzet_tahunan": "annual_sales",
    "tenaga_kerja_laki": "workers_male",
    "tenaga_kerja_perempuan": "workers_female",
}
KOPERASI_FIELDS = {
    "nik_koperasi": "nik_koperasi",
    "nomor_badan_hukum": "nomor_badan_hukum",
    "tanggal_badan_hukum": "tanggal_badan_hukum",
    "jenis_koperasi": "jenis",
    "jumlah_anggota_laki": "members_male",
    "jumlah_anggota_perempuan": "members_female",
    "jumlah_karyawan": "employees",
    "aset": "assets",
    "modal_sendiri": "own_capital",
    "volume_usaha": "business_volume",
    "shu": "shu",
}


def _apply_entity(entity: Entity, v: dict[str, Any]) -> None:
    for column, attr in ENTITY_FIELDS.items():
        if column in v:
            setattr(entity, attr, v[column])


def _prepare_umkm(row: Row, new: dict[type, New]) -> tuple[list, list, list]:
    """The rows a new UMKM would be written as, every field derived by the models' own code."""
    v = row.values
    entity = new[Entity](kind=UMKM, region_id=row.region)
    _apply_entity(entity, v)
    if row.phone:
        entity.phone_encrypted, entity.phone_masked = row.phone
    entity.derive_fields()
    umkm = new[Umkm]()
    _apply_umkm(umkm, v)
    umkm.derive_fields()
    owner = new[Person](
        name=v["nama_pemilik"], region_id=row.region, sex=v.get("jenis_kelamin_pemilik") or ""
    )
    nik = v.get("nik_pemilik")
    if nik:
        owner.apply_nik(row.niks[nik])
    owner.derive_fields()
    return (Shape.of(Entity).values(entity), Shape.of(Umkm).values(umkm), Shape.of(Person).values(owner))


def _apply_umkm(umkm: Umkm, v: dict[str, Any]) -> None:
    for column, attr in UMKM_FIELDS.items():
        if column in v:
            setattr(umkm, attr, v[column])
    if v.get("npwp"):
        umkm.npwp = v["npwp"]


def _apply_koperasi(koperasi: Koperasi, v: dict[str, Any]) -> None:
    for column, attr in KOPERASI_FIELDS.items():
        if column in v:
            setattr(koperasi, attr, v[column])


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _apply_outcome(batch: ImportBatch, out: Outcome) -> None:
    batch.kind = out.kind or batch.kind
    batch.status = out.status
    batch.rows_total = out.rows_total
    batch.rows_valid = out.rows_valid
    batch.rows_rejected = out.rows_rejected
    batch.created, batch.updated, batch.unchanged = out.created, out.updated, out.unchanged
    batch.notices = out.notices
    batch.message = out.message
    batch.errors_sample = out.error_sample()
    batch.finished_at = timezone.now()
