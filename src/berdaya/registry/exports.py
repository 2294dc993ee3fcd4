"""Export of the registry list to XLSX/CSV, and the downloadable import templates (SPEC §4).

An export is the registry list a user sees (``selectors.entities``: scoped, filtered,
sorted), written with the canonical column names of :mod:`berdaya.registry.columns`, so
a district can correct an exported list and import it again. It is streamed: rows come
from one ``values()`` query read in chunks (no model instances, no query per row), plus
one query per chunk for the koperasi chairs, so 150,000 rows never sit in memory at once.

Personal data (SPEC §6): NIK, phone and an individual's NPWP are written masked unless
the user holds ``personal_data.unmask``; every export is one audit event (format,
filters, row count, whether it was unmasked) instead of one event per revealed value.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from berdaya.accounts.permissions import has_permission
from berdaya.core import personal
from berdaya.core.audit import record
from berdaya.core.models import AuditAction
from berdaya.registry import rules, selectors
from berdaya.registry.columns import KOPERASI, UMKM, Column, columns_for
from berdaya.registry.models import (
    EntityKind,
    KoperasiJenis,
    KoperasiOfficer,
    LegalStatus,
    OfficerRole,
    Sex,
    SizeClass,
)
from berdaya.registry.selectors import RegistryFilters

log = logging.getLogger(__name__)

FORMATS = ("xlsx", "csv")
CHUNK = 2_000
# Read-only columns after the canonical ones: useful in a spreadsheet, ignored by the importer.
DERIVED = ("kelas_usaha", "status_koperasi", "patuh_rat")
_DERIVED_KINDS = {
    "kelas_usaha": frozenset({UMKM}),
    "status_koperasi": frozenset({KOPERASI}),
    "patuh_rat": frozenset({KOPERASI}),
}
KIND_COLUMN = "jenis_entitas"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


class ExportTooLarge(Exception):
    """More rows than ``BERDAYA_EXPORT_MAX_ROWS``: refused before anything is written."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.message = _(
            "Ekspor ditolak: daftar ini berisi lebih dari %(limit)s baris. Persempit saringan "
            "(misalnya per kabupaten/kota atau per jenis) lalu ekspor lagi."
        ) % {"limit": f"{limit:,}".replace(",", ".")}
        super().__init__(self.message)


@dataclass(frozen=True)
class SystemReader:
    """Who the command line reads as without ``--user``: the whole province, like its staff.

    It goes through the same scoping layer as a person (never around it); it is not a
    user, so audit events of such an export have no actor (channel "cli").
    """

    role: str = "dinas_provinsi"
    region_id: str = field(default_factory=lambda: settings.BERDAYA_PROVINCE)
    is_authenticated: bool = True
    is_active: bool = True
    pk: None = None


def export_limit() -> int:
    return int(getattr(settings, "BERDAYA_EXPORT_MAX_ROWS", 1_000_000))


def _kinds(kind: str | None) -> tuple[str, ...]:
    return (kind,) if kind in (UMKM, KOPERASI) else (UMKM, KOPERASI)


def export_columns(kind: str | None) -> list[Column]:
    """The canonical columns of one kind, or for a mixed list UMKM's then koperasi's own."""
    if kind in (UMKM, KOPERASI):
        return list(columns_for(kind))
    seen: set[str] = set()
    out: list[Column] = []
    for k in (UMKM, KOPERASI):
        for column in columns_for(k):
            if column.name not in seen:
                seen.add(column.name)
                out.append(column)
    return out


def export_headers(kind: str | None) -> list[str]:
    names = [c.name for c in export_columns(kind)]
    lead = ["id"] if kind in (UMKM, KOPERASI) else ["id", KIND_COLUMN]
    derived = [name for name in DERIVED if _DERIVED_KINDS[name] & set(_kinds(kind))]
    return [*lead, *names, *derived]


def text_columns(kind: str | None) -> frozenset[str]:
    """Identifier columns: text cells in XLSX, or Excel turns a 16-digit NIK into 7.47101E+15."""
    return frozenset(c.name for c in export_columns(kind) if c.text)


def _with_kind(filters: RegistryFilters | None, kind: str | None) -> RegistryFilters:
    filters = filters or RegistryFilters()
    if kind:
        filters = replace(filters, kind=kind)
    return filters


def _effective_kind(filters: RegistryFilters) -> str | None:
    return filters.kind if filters.kind in EntityKind.values else None


def may_unmask(user: Any, unmasked: bool | None) -> bool:
    """``None``: the role decides (web); ``True`` is refused for a role that may not unmask."""
    allowed = has_permission(user, "personal_data.unmask")
    if unmasked is None:
        return allowed
    if unmasked and not allowed:
        raise PermissionDenied("personal_data.unmask")
    return unmasked


def export_rows(
    user: Any,
    filters: RegistryFilters | None,
    kind: str | None = None,
    *,
    unmasked: bool | None = None,
    today: dt.date | None = None,
) -> tuple[list[str], Iterator[list[Any]]]:
    """The headers and a lazy iterator of rows of the user's filtered registry list."""
    filters = _with_kind(filters, kind)
    qs = selectors.entities(user, filters)
    return _rows(qs, _effective_kind(filters), may_unmask(user, unmasked), today or timezone.localdate())


# --- one row ---------------------------------------------------------------------------------

_BASE_FIELDS = (
    "id",
    "kind",
    "name",
    "region_id",
    "region__name",
    "region__depth",
    "kabkota__name",
    "kecamatan__name",
    "address",
    "phone_masked",
    "lat",
    "lon",
)
_UMKM_FIELDS = (
    "year_founded",
    "kbli_id",
    "kbli__title",
    "umkm__owner__name",
    "umkm__owner__nik_masked",
    "umkm__owner__sex",
    "umkm__nib",
    "umkm__npwp_masked",
    "umkm__modal_usaha",
    "umkm__annual_sales",
    "umkm__workers_male",
    "umkm__workers_female",
    "umkm__size_class",
)
_KOPERASI_FIELDS = (
    "koperasi__nik_koperasi",
    "koperasi__nomor_badan_hukum",
    "koperasi__tanggal_badan_hukum",
    "koperasi__jenis",
    "koperasi__members_male",
    "koperasi__members_female",
    "koperasi__employees",
    "koperasi__last_rat_year",
    "koperasi__assets",
    "koperasi__own_capital",
    "koperasi__business_volume",
    "koperasi__shu",
    "koperasi__legal_status",
)
# Ciphertexts are read only for an unmasked export: a masked one cannot leak what it never loads.
_SECRET_FIELDS = {
    UMKM: ("phone_encrypted", "umkm__owner__nik_encrypted", "umkm__npwp_encrypted"),
    KOPERASI: ("phone_encrypted",),
}

Row = dict[str, Any]
Getter = Callable[[Row], Any]


def _field(name: str) -> Getter:
    return lambda r: r[name]


def _iso(name: str) -> Getter:
    def get(r: Row) -> Any:
        value = r[name]
        return value.isoformat() if value is not None else None

    return get


class _Revealer:
    """Decrypts for an unmasked export without an audit event per value (the export has one).

    This is what ``Person.reveal_nik(log=False)`` does, on the ciphertext read by
    ``values()`` instead of a model instance. A value that cannot be opened (a rotated
    key) falls back to its masked form, so one bad row does not cut a streamed file short.
    """

    def __init__(self, unmasked: bool) -> None:
        self.unmasked = unmasked
        self.failures = 0

    def get(self, masked: str, secret: str) -> Getter:
        if not self.unmasked:
            return lambda r: r[masked] or None

        def get(r: Row) -> Any:
            token = r.get(secret)
            if not token:
                return r[masked] or None
            try:
                return personal.decrypt(token)
            except personal.PersonalDataError:
                self.failures += 1
                if self.failures == 1:
                    log.warning("export: a personal value could not be decrypted; written masked")
                return r[masked] or None

        return get


def _labels(choices: Any) -> dict[str, str]:
    # Always the deployment's language (Indonesian): an export is re-imported, and the importer
    # reads jenis_koperasi by its Indonesian label whatever language the officer's screen uses.
    with translation.override(settings.LANGUAGE_CODE):
        return {value: str(label) for value, label in choices.choices}


def _getters(kind: str | None, reveal: _Revealer, today: dt.date) -> dict[str, Getter]:
    jenis = _labels(KoperasiJenis)
    size = _labels(SizeClass)
    status = _labels(LegalStatus)
    sexes = set(Sex.values)
    window_start = rules.earliest_qualifying_book_year(today)

    def desa(r: Row) -> Any:
        return r["region__name"] if r["region__depth"] == 4 else None

    def rat(r: Row) -> Any:
        last = r["koperasi__last_rat_year"]
        return "ya" if last is not None and last >= window_start else "tidak"

    return {
        "id": _field("id"),
        KIND_COLUMN: _field("kind"),
        # UMKM
        "nama_usaha": _field("name"),
        "nama_pemilik": _field("umkm__owner__name"),
        "nik_pemilik": reveal.get("umkm__owner__nik_masked", "umkm__owner__nik_encrypted"),
        "jenis_kelamin_pemilik": lambda r: r["umkm__owner__sex"] if r["umkm__owner__sex"] in sexes else None,
        "nib": _field("umkm__nib"),
        # An individual's NPWP is their NIK since 2024: personal data like the NIK.
        "npwp": reveal.get("umkm__npwp_masked", "umkm__npwp_encrypted"),
        "kbli": _field("kbli_id"),
        # The registry keeps the KBLI, not a free-text sector: its title is the closest
        # reading of "bidang usaha" (the importer does not store this column).
        "bidang_usaha": _field("kbli__title"),
        "tahun_berdiri": _field("year_founded"),
        "modal_usaha": _field("umkm__modal_usaha"),
        "omzet_tahunan": _field("umkm__annual_sales"),
        "tenaga_kerja_laki": _field("umkm__workers_male"),
        "tenaga_kerja_perempuan": _field("umkm__workers_female"),
        # koperasi
        "nama_koperasi": _field("name"),
        "nik_koperasi": _field("koperasi__nik_koperasi"),
        "nomor_badan_hukum": lambda r: r["koperasi__nomor_badan_hukum"] or None,
        "tanggal_badan_hukum": _iso("koperasi__tanggal_badan_hukum"),
        "jenis_koperasi": lambda r: jenis.get(r["koperasi__jenis"]),
        "jumlah_anggota_laki": _field("koperasi__members_male"),
        "jumlah_anggota_perempuan": _field("koperasi__members_female"),
        "jumlah_karyawan": _field("koperasi__employees"),
        "tahun_rat_terakhir": _field("koperasi__last_rat_year"),
        "aset": _field("koperasi__assets"),
        "modal_sendiri": _field("koperasi__own_capital"),
        "volume_usaha": _field("koperasi__business_volume"),
        "shu": _field("koperasi__shu"),
        "nama_ketua": lambda r: r["_ketua"][0] if r["_ketua"] else None,
        "nik_ketua": lambda r: r["_ketua"][1] if r["_ketua"] else None,
        # where (both kinds)
        "kode_wilayah": _field("region_id"),
        "kabupaten_kota": _field("kabkota__name"),
        "kecamatan": _field("kecamatan__name"),
        "desa_kelurahan": desa,
        "alamat": lambda r: r["address"] or None,
        "telepon": reveal.get("phone_masked", "phone_encrypted"),
        "lat": _field("lat"),
        "lon": _field("lon"),
        # derived, read-only
        "kelas_usaha": lambda r: size.get(r["umkm__size_class"]),
        "status_koperasi": lambda r: status.get(r["koperasi__legal_status"]),
        "patuh_rat": rat,
    }


def _applies_to(name: str, kind: str | None) -> frozenset[str]:
    """Which entity kinds a header is filled for (blank in the other kind's rows)."""
    if name in ("id", KIND_COLUMN):
        return frozenset({UMKM, KOPERASI})
    if name in _DERIVED_KINDS:
        return _DERIVED_KINDS[name]
    return next(c.kinds for c in export_columns(kind) if c.name == name)


def _chunks(items: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _chairs(ids: list[int], unmasked: bool, reveal: _Revealer) -> dict[int, tuple[Any, Any]]:
    """The ketua (name, NIK) of these koperasi: the one in office, else the latest.

    ``ids`` come from the user's scoped list, so this reads no koperasi outside the scope.
    """
    fields = ["koperasi_id", "person__name", "person__nik_masked"]
    if unmasked:
        fields.append("person__nik_encrypted")
    rows = (
        KoperasiOfficer.objects.filter(koperasi_id__in=ids, role=OfficerRole.KETUA)
        .order_by("koperasi_id", F("until").desc(nulls_first=True), F("since").desc(nulls_last=True), "-id")
        .values(*fields)
    )
    nik = reveal.get("person__nik_masked", "person__nik_encrypted")
    out: dict[int, tuple[Any, Any]] = {}
    for row in rows:
        out.setdefault(row["koperasi_id"], (row["person__name"], nik(row)))
    return out


def _rows(
    qs: QuerySet, kind: str | None, unmasked: bool, today: dt.date
) -> tuple[list[str], Iterator[list[Any]]]:
    headers = export_headers(kind)
    kinds = _kinds(kind)
    fields = list(_BASE_FIELDS)
    # Only the joins the kind needs: an UMKM export never touches the koperasi table.
    if UMKM in kinds:
        fields += _UMKM_FIELDS
    if KOPERASI in kinds:
        fields += _KOPERASI_FIELDS
    if unmasked:
        fields += sorted({f for k in kinds for f in _SECRET_FIELDS[k]})
    reveal = _Revealer(unmasked)
    getters = _getters(kind, reveal, today)
    plan = [(getters[name], _applies_to(name, kind)) for name in headers]
    values = qs.values(*dict.fromkeys(fields))  # keeps the list's order (and search ranking)

    def generate() -> Iterator[list[Any]]:
        for chunk in _chunks(values.iterator(chunk_size=CHUNK), CHUNK):
            chairs: dict[int, tuple[Any, Any]] = {}
            if KOPERASI in kinds:
                ids = [r["id"] for r in chunk if r["kind"] == KOPERASI]
                chairs = _chairs(ids, unmasked, reveal) if ids else {}
            for r in chunk:
                r["_ketua"] = chairs.get(r["id"])
                row_kind = r["kind"]
                yield [get(r) if row_kind in applies else None for get, applies in plan]

    return headers, generate()


# --- an export as a business action ----------------------------------------------------------


@dataclass
class Export:
    headers: list[str]
    rows: Iterator[list[Any]]
    count: int
    unmasked: bool
    kind: str | None
    text_columns: frozenset[str]


def start_export(
    user: Any,
    filters: RegistryFilters | None,
    kind: str | None = None,
    *,
    fmt: str,
    unmasked: bool | None = None,
    today: dt.date | None = None,
) -> Export:
    """Count (refusing more than the limit), record the one audit event, return the rows.

    The event is written before the first row, with the number of rows the list has:
    a download that is cut off midway was still an export of personal data.
    Raises :class:`ExportTooLarge` or ``PermissionDenied`` (unmasked asked for, not allowed).
    """
    if fmt not in FORMATS:
        raise ValueError(fmt)
    filters = _with_kind(filters, kind)
    kind = _effective_kind(filters)
    unmasked = may_unmask(user, unmasked)
    qs = selectors.entities(user, filters)
    limit = export_limit()
    count, more = selectors.count_capped(qs, cap=limit)
    if more:
        raise ExportTooLarge(limit)
    headers, rows = _rows(qs, kind, unmasked, today or timezone.localdate())
    region = filters.kabkota or (user.region_id if getattr(user, "role", "") == "dinas_kabkota" else "")
    record(
        AuditAction.EXPORT,
        None,
        object_repr=_("Ekspor registri %(format)s: %(rows)s baris") % {"format": fmt.upper(), "rows": count},
        extra={
            "format": fmt,
            "filters": filters.active(),
            "sort": filters.sort,
            "rows": count,
            "unmasked": unmasked,
        },
        region_code=region or "",
    )
    return Export(headers, rows, count, unmasked, kind, text_columns(kind))


def export_filename(fmt: str, kind: str | None = None, today: dt.date | None = None) -> str:
    day = (today or timezone.localdate()).isoformat()
    return f"registri-{kind}-{day}.{fmt}" if kind else f"registri-{day}.{fmt}"


def write_export(target: str | Path | IO[bytes], export: Export, fmt: str) -> None:
    """Write the rows to a file: XLSX in constant memory, CSV line by line."""
    from berdaya.core.tabular import csv_lines, write_xlsx

    if fmt == "xlsx":
        write_xlsx(
            target, export.headers, export.rows, sheet_name="Registri", text_columns=export.text_columns
        )
        return
    if isinstance(target, str | Path):
        with open(target, "w", encoding="utf-8", newline="") as handle:
            handle.writelines(csv_lines(export.headers, export.rows))
    else:
        for line in csv_lines(export.headers, export.rows):
            target.write(line.encode("utf-8"))


# --- import templates ------------------------------------------------------------------------


def template_notes(kind: str) -> list[str]:
    """The explanation under each header: what goes in, whether it is required, an example.

    It is the template's "notes row", which the reader skips (``TEMPLATE_NOTES_NAME``),
    so the example sits where the clerk looks without becoming a row that gets imported.
    """
    notes = []
    for column in columns_for(kind):
        parts = [str(column.label)]
        if column.required:
            parts.append(_("wajib"))
        elif column.name in ("kode_wilayah", "kabupaten_kota"):
            parts.append(_("wajib salah satu: kode_wilayah atau kabupaten_kota"))
        note = " — ".join(parts)
        if column.example not in (None, ""):
            note += ". " + _("Contoh: %(example)s") % {"example": column.example}
        notes.append(note)
    return notes


def template_validations(kind: str) -> dict[str, list[str]]:
    """Drop-down lists of the template, by column name (``Column.choices``)."""
    from berdaya.regions.models import Region

    province = settings.BERDAYA_PROVINCE
    lists = {
        "sex": list(Sex.values),
        # Indonesian labels whatever the user's language: the importer reads them.
        "jenis": list(_labels(KoperasiJenis).values()),
        "kabkota": list(
            Region.objects.filter(depth=2, code__startswith=province + ".")
            .order_by("code")
            .values_list("name", flat=True)
        ),
    }
    return {c.name: lists[c.choices] for c in columns_for(kind) if c.choices}


def write_template(target: str | Path | IO[bytes], kind: str) -> None:
    """The downloadable import template: canonical headers, notes row, lists, text columns."""
    from berdaya.core.tabular import write_xlsx

    if kind not in (UMKM, KOPERASI):
        raise ValueError(kind)
    columns = columns_for(kind)
    write_xlsx(
        target,
        [c.name for c in columns],
        [],
        sheet_name="UMKM" if kind == UMKM else "Koperasi",
        column_widths={c.name: 24 if c.name.startswith("nama") else 18 for c in columns},
        text_columns=frozenset(c.name for c in columns if c.text),
        validations=template_validations(kind),
        notes_row=template_notes(kind),
    )
