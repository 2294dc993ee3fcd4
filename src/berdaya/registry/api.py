"""The registry on the API: entities (UMKM and koperasi) and persons (pelaku), under /api/v1.

Every read goes through :mod:`berdaya.registry.selectors` or the scoping layer
(:func:`~berdaya.core.scoping.visible`), every write through
:mod:`berdaya.registry.services`; this module only translates HTTP to those calls.
Order of the checks in each operation: authentication (401), the role's permission
(403, ``accounts/permissions.py``), the record's visibility (404, out of scope looks
like missing), then validation (400 with per-field messages; 409 for a duplicate
identifier). Request bodies declare every field optional, so a caller without the
permission learns nothing from a validation error: required fields are checked by
the services, after the permission.

Writes must land inside the caller's scope: a record that a district officer would
not be able to see after the write (another kabupaten/kota, or a person without an
address region) is refused with 403 and nothing is written (the write is rolled back).

Cursor pagination of ``GET /entities``
--------------------------------------
Each sort of :data:`selectors.SORTS` is a total order ending in ``id``. The cursor
carries the sort key of the last row of the page (e.g. ``[name_search, id]``) and the
next page is "rows strictly after that key" (keyset pagination): rows inserted or
deleted elsewhere never shift a page, so paging is stable under inserts — no row
is returned twice or skipped. NULL kecamatan sort first (ascending) and last
(descending) on both SQLite and PostgreSQL.

Name search with the default sort (``q`` with ``sort=nama``) is ordered by relevance,
which is no stored column: there the cursor carries an offset instead. That mode is
stable only as long as the matches do not change between requests (an insert that
matches may shift later pages by one); ask for another sort (e.g. ``sort=nama`` without
``q`` or ``sort=wilayah`` with ``q``) for strict keyset paging of a search.

The cursor is opaque to clients: signed (``django.core.signing``) JSON holding the sort,
a fingerprint of the filters it was made for, and the key or offset. A cursor used
with other filters or another sort, or altered, is a 400.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from berdaya.accounts.permissions import require
from berdaya.api.common import ErrorResponse, RegionRef, region_ref
from berdaya.api.errors import ApiError, ConflictError
from berdaya.core import audit
from berdaya.core.models import AuditAction
from berdaya.core.scoping import get_visible_or_404, visible
from berdaya.regions import lookup
from berdaya.registry import identifiers, rules, selectors, services
from berdaya.registry.models import (
    BusinessStatus,
    Entity,
    EntityKind,
    KoperasiJenis,
    KoperasiTingkat,
    LegalForm,
    LegalStatus,
    Person,
    SizeClass,
)

entities_router = Router()
persons_router = Router()

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_SALT = "berdaya.registry.api.entities-cursor"
CURSOR_VERSION = 1
# Sort columns that may hold NULL (the keyset condition treats them specially).
NULLABLE_SORT_COLUMNS = frozenset({"kecamatan_id"})
# Identifier errors that mean "this already exists" (409), and the param naming the holder.
CONFLICT_CODES = {
    "duplicate_nib": "entity_id",
    "duplicate_nik_koperasi": "entity_id",
    "duplicate_nik": "person_id",
}
# Text columns that hold "" rather than NULL: ``null`` in a request body clears them.
TEXT_FIELDS = frozenset(
    {
        "name",
        "address",
        "sex",
        "legal_form",
        "business_status",
        "halal_certificate",
        "pirt_number",
        "sni_certificate",
        "nomor_badan_hukum",
        "jenis",
        "tingkat",
    }
)
UMKM_ONLY = frozenset(services.UMKM_FIELDS - {"owner"}) | {"owner_id"}
KOPERASI_ONLY = services.KOPERASI_FIELDS


class OutOfScope(ApiError):
    status = 403
    code = "permission_denied"


# --- schemas: output ------------------------------------------------------------------------


class KbliBrief(Schema):
    code: str = Field(..., description="Kode KBLI 2020 lima digit.")
    title: str


class PersonBrief(Schema):
    id: int
    name: str
    nik_masked: str = Field(..., description="NIK tersamar (mis. 7471**********01).")
    phone_masked: str = Field(..., description="Nomor telepon tersamar.")


class EntityBrief(Schema):
    id: int
    kind: str
    name: str


class EntityListItem(Schema):
    id: int
    kind: str = Field(..., description="umkm atau koperasi.")
    name: str = Field(..., description="Nama usaha atau koperasi.")
    region_code: str = Field(..., description="Kode wilayah lokasi (desa/kelurahan bila diketahui).")
    kabkota: RegionRef
    kecamatan: RegionRef | None
    kbli: str | None = Field(None, description="Kode KBLI 2020.")
    kbli_category: str = Field(..., description="Kategori KBLI (A–U); kosong bila KBLI belum diisi.")
    nib: str | None = Field(None, description="NIB (UMKM).")
    size_class: str | None = Field(None, description="Skala usaha UMKM (diturunkan, PP 7/2021).")
    nik_koperasi: str | None = Field(None, description="Nomor Induk Koperasi.")
    jenis: str | None = Field(None, description="Jenis koperasi.")
    legal_status: str | None = Field(None, description="Status badan hukum koperasi.")
    rat_active: bool | None = Field(None, description="Koperasi aktif menurut aturan RAT (null untuk UMKM).")
    updated_at: dt.datetime


class EntityPage(Schema):
    items: list[EntityListItem]
    next_cursor: str | None = Field(
        ..., description="Kirim sebagai `cursor` untuk halaman berikutnya; null bila sudah habis."
    )


class UmkmDetail(Schema):
    owner: PersonBrief = Field(..., description="Pemilik (data pribadi tersamar).")
    nib: str | None
    npwp_masked: str = Field(..., description="NPWP tersamar.")
    legal_form: str
    legal_form_label: str
    modal_usaha: int | None = Field(None, description="Modal usaha, Rupiah, tanpa tanah dan bangunan.")
    annual_sales: int | None = Field(None, description="Omzet (hasil penjualan) tahunan, Rupiah.")
    workers_male: int | None
    workers_female: int | None
    halal_certificate: str
    pirt_number: str
    sni_certificate: str
    business_status: str
    business_status_label: str
    size_class: str | None = Field(None, description="Skala usaha, diturunkan (PP 7/2021), tidak diketik.")
    size_class_label: str | None
    size_basis: str | None = Field(None, description="Dasar skala: omzet atau modal.")
    size_basis_label: str | None


class KoperasiDetail(Schema):
    nik_koperasi: str | None
    nomor_badan_hukum: str
    tanggal_badan_hukum: dt.date | None
    jenis: str
    jenis_label: str
    tingkat: str
    members_male: int | None
    members_female: int | None
    employees: int | None
    assets: int | None = Field(None, description="Aset, Rupiah.")
    own_capital: int | None = Field(None, description="Modal sendiri, Rupiah.")
    business_volume: int | None = Field(None, description="Volume usaha, Rupiah.")
    shu: int | None = Field(None, description="Sisa hasil usaha, Rupiah (negatif bila rugi).")
    legal_status: str
    legal_status_label: str
    last_rat_year: int | None = Field(None, description="Tahun buku RAT terakhir.")
    rat_window_start: int = Field(..., description="Tahun buku tertua yang RAT-nya masih membuat aktif.")
    rat_active: bool = Field(..., description="Aktif menurut aturan RAT (RAT dalam jendela tahun buku).")


class EntityDetail(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    region: RegionRef
    kabkota: RegionRef
    kecamatan: RegionRef | None
    address: str
    phone_masked: str = Field(..., description="Nomor telepon tersamar.")
    lat: float | None
    lon: float | None
    year_founded: int | None
    kbli: KbliBrief | None
    kbli_category: str
    created_at: dt.datetime
    updated_at: dt.datetime
    umkm: UmkmDetail | None = Field(None, description="Rincian UMKM (null untuk koperasi).")
    koperasi: KoperasiDetail | None = Field(None, description="Rincian koperasi (null untuk UMKM).")


class PersonOut(Schema):
    id: int
    name: str
    nik_masked: str = Field(..., description="NIK tersamar; NIK utuh hanya lewat /persons/{id}/nik.")
    sex: str = Field(..., description="L atau P (kosong bila tidak diketahui).")
    birth_year: int | None = Field(None, description="Tahun lahir (dari NIK).")
    phone_masked: str = Field(..., description="Nomor telepon tersamar.")
    region: RegionRef | None = Field(None, description="Wilayah alamat.")
    kabkota: RegionRef | None
    umkm: list[EntityBrief] = Field(..., description="UMKM miliknya yang boleh Anda lihat.")
    created_at: dt.datetime
    updated_at: dt.datetime


class NikOut(Schema):
    id: int
    nik: str | None = Field(None, description="NIK utuh. Setiap permintaan dicatat di jejak audit.")


# --- schemas: input --------------------------------------------------------------------------


class _In(Schema):
    # A misspelt field must not be silently ignored (a PATCH that changes nothing).
    model_config = ConfigDict(extra="forbid")


class PersonIn(_In):
    name: str | None = Field(None, description="Nama lengkap (wajib saat membuat).")
    nik: str | None = Field(None, description="NIK 16 digit, sebagai teks (disimpan terenkripsi).")
    sex: str | None = Field(None, description="L atau P; bila kosong diturunkan dari NIK.")
    phone: str | None = Field(None, description="Nomor telepon, mis. 081234567890 (disimpan terenkripsi).")
    region: str | None = Field(None, description="Kode wilayah alamat, paling tidak kabupaten/kota.")


class EntityFieldsIn(_In):
    name: str | None = Field(None, description="Nama usaha atau koperasi (wajib saat membuat).")
    region: str | None = Field(
        None,
        description="Kode wilayah Kemendagri, bertitik atau tidak: desa/kelurahan bila diketahui, "
        "paling tidak kabupaten/kota (wajib saat membuat).",
    )
    address: str | None = Field(None, description="Alamat.")
    phone: str | None = Field(None, description="Nomor telepon usaha (disimpan terenkripsi).")
    lat: float | None = Field(None, description="Lintang (WGS84).")
    lon: float | None = Field(None, description="Bujur (WGS84).")
    year_founded: int | None = Field(None, description="Tahun berdiri.")
    kbli: str | None = Field(None, description="Kode KBLI 2020 lima digit, mis. 10792.")


class UmkmFieldsIn(_In):
    nib: str | None = Field(None, description="NIB dari OSS, 13 digit, sebagai teks.")
    npwp: str | None = Field(None, description="NPWP 15 atau 16 digit, sebagai teks (disimpan terenkripsi).")
    legal_form: LegalForm | None = Field(None, description="Bentuk usaha.")
    modal_usaha: int | None = Field(None, description="Modal usaha, Rupiah (bilangan bulat).")
    annual_sales: int | None = Field(None, description="Omzet tahunan, Rupiah (bilangan bulat).")
    workers_male: int | None = Field(None, description="Tenaga kerja laki-laki.")
    workers_female: int | None = Field(None, description="Tenaga kerja perempuan.")
    halal_certificate: str | None = Field(None, description="Nomor sertifikat halal.")
    pirt_number: str | None = Field(None, description="Nomor P-IRT.")
    sni_certificate: str | None = Field(None, description="Nomor sertifikat SNI.")
    business_status: BusinessStatus | None = Field(None, description="Status usaha.")


class KoperasiFieldsIn(_In):
    nik_koperasi: str | None = Field(None, description="Nomor Induk Koperasi (ODS), 16 digit, sebagai teks.")
    nomor_badan_hukum: str | None = Field(None, description="Nomor badan hukum, teks bebas.")
    tanggal_badan_hukum: dt.date | None = Field(None, description="Tanggal badan hukum.")
    jenis: KoperasiJenis | None = Field(None, description="Jenis koperasi (wajib saat membuat).")
    tingkat: KoperasiTingkat | None = Field(None, description="Primer atau sekunder.")
    members_male: int | None = Field(None, description="Anggota laki-laki.")
    members_female: int | None = Field(None, description="Anggota perempuan.")
    employees: int | None = Field(None, description="Karyawan.")
    assets: int | None = Field(None, description="Aset, Rupiah.")
    own_capital: int | None = Field(None, description="Modal sendiri, Rupiah.")
    business_volume: int | None = Field(None, description="Volume usaha, Rupiah.")
    shu: int | None = Field(None, description="SHU, Rupiah (negatif bila rugi).")


class UmkmIn(EntityFieldsIn, UmkmFieldsIn):
    owner_id: int | None = Field(None, description="Pemilik yang sudah terdaftar (id pelaku).")
    owner: PersonIn | None = Field(None, description="Atau pemilik baru, dibuat bersama UMKM ini.")


class KoperasiIn(EntityFieldsIn, KoperasiFieldsIn):
    legal_status: LegalStatus | None = Field(
        None,
        description="Status badan hukum saat didaftarkan (bawaan: aktif); perubahan berikutnya "
        "dicatat dengan tanggal dan alasan, bukan lewat API ini.",
    )


class EntityPatch(EntityFieldsIn, UmkmFieldsIn, KoperasiFieldsIn):
    owner_id: int | None = Field(None, description="Ganti pemilik UMKM (id pelaku).")


class EntityListQuery(Schema):
    q: str | None = Field(None, max_length=100, description="Cari nama (toleran salah ketik).")
    kind: EntityKind | None = Field(None, description="umkm atau koperasi.")
    kabkota: str | None = Field(None, description="Kode kabupaten/kota, mis. 74.71 atau 7471.")
    kecamatan: str | None = Field(None, description="Kode kecamatan, mis. 74.71.01.")
    size_class: SizeClass | None = Field(None, description="Skala usaha UMKM.")
    kbli_category: str | None = Field(None, pattern=r"^[A-Ua-u]$", description="Kategori KBLI (A–U).")
    jenis: KoperasiJenis | None = Field(None, description="Jenis koperasi.")
    legal_status: LegalStatus | None = Field(None, description="Status badan hukum koperasi.")
    rat: Literal["patuh", "tidak"] | None = Field(
        None, description="Koperasi yang RAT-nya dalam jendela (patuh) atau tidak."
    )
    has_nib: Literal["ya", "tidak"] | None = Field(None, description="UMKM ber-NIB (ya) atau belum (tidak).")
    sort: Literal[tuple(selectors.SORTS)] = Field(  # type: ignore[valid-type]
        selectors.DEFAULT_SORT,
        description="Urutan: nama, -nama, wilayah, -wilayah, baru, lama. Dengan `q`, `nama` berarti "
        "paling cocok dulu.",
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Baris per halaman (1–200).")
    cursor: str | None = Field(None, max_length=2000, description="`next_cursor` dari halaman sebelumnya.")


# --- helpers ----------------------------------------------------------------------------------


def _region_code(value: str | None) -> str | None:
    """A dotted Kemendagri code from what the client sent; unknown values go on to the
    model, which reports them against the field."""
    if value is None or not str(value).strip():
        return None
    result = lookup.resolve_code(value)
    return result.region.code if result.status == lookup.Status.FOUND else str(value).strip()


def _filter_code(value: str | None, field: str) -> str:
    if not value:
        return ""
    result = lookup.resolve_code(value)
    if result.status != lookup.Status.FOUND:
        message = result.message or _("Kode wilayah tidak dikenal.")
        raise ApiError(message, fields={field: [message]})
    return result.region.code


def _messages(exc: ValidationError, rename: dict[str, str] | None = None) -> dict[str, list[str]]:
    rename = rename or {}
    return {rename.get(name, name): list(messages) for name, messages in exc.message_dict.items()}


def _conflict(exc: ValidationError) -> tuple[str, str, Any] | None:
    """(field, message, other id) when every error is a duplicate identifier."""
    if not hasattr(exc, "error_dict"):
        return None
    found = None
    for name, errors in exc.error_dict.items():
        for error in errors:
            key = CONFLICT_CODES.get(error.code or "")
            if key is None:
                return None
            found = (name, next(iter(error)), (error.params or {}).get(key))
    return found


def _raise_for(exc: ValidationError, rename: dict[str, str] | None = None, prefix: str = "") -> None:
    """A service's ValidationError as the API's 409 (duplicate identifier) or 400."""
    conflict = _conflict(exc)
    if conflict is not None:
        name, message, other = conflict
        name = prefix + (rename or {}).get(name, name)
        text = _("%(message)s Id data yang sudah ada: %(id)s.") % {"message": message.rstrip(), "id": other}
        raise ConflictError(text, fields={name: [text]})
    fields = {prefix + name: messages for name, messages in _messages(exc, rename).items()}
    raise ApiError(_("Data yang dikirim tidak valid."), fields=fields)


@contextmanager
def _writing() -> Iterator[None]:
    """One transaction for a write and its scope check; service errors become 400/409."""
    try:
        with transaction.atomic():
            yield
    except ValidationError as exc:
        _raise_for(exc, {"owner": "owner_id"})


def _scope_label(user) -> str:
    return user.region.name if getattr(user, "region", None) is not None else "-"


def _ensure_visible(user, model: type, pk: int, where: str | None) -> None:
    """Refuse (403, rolled back) a write whose result the caller could no longer see."""
    if not visible(user, model).filter(pk=pk).exists():
        if where:
            message = _(
                "Wilayah %(region)s berada di luar wilayah kerja Anda (%(scope)s): Anda hanya dapat "
                "menambah atau mengubah data di wilayah kerja Anda."
            ) % {"region": where, "scope": _scope_label(user)}
        else:
            message = _(
                "Data tanpa wilayah berada di luar wilayah kerja Anda (%(scope)s): isi wilayahnya "
                "di dalam wilayah kerja Anda."
            ) % {"scope": _scope_label(user)}
        raise OutOfScope(message)


def _clean_values(values: dict[str, Any]) -> dict[str, Any]:
    """Body values as the services take them: enums as their value, ``null`` text as ""."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if hasattr(value, "value") and isinstance(value, str):
            value = value.value
        if value is None and name in TEXT_FIELDS:
            value = ""
        if name == "region":
            value = _region_code(value)
        out[name] = value
    return out


def _visible_person(user, pk: int | None, field: str) -> Person:
    try:
        return get_visible_or_404(user, Person, pk=pk)
    except Http404:
        message = _("Pelaku dengan id %(id)s tidak ditemukan.") % {"id": pk}
        raise ApiError(_("Data yang dikirim tidak valid."), fields={field: [message]}) from None


# --- serialisation ---------------------------------------------------------------------------


def _list_item(entity: Entity, today: dt.date) -> dict:
    umkm = getattr(entity, "umkm", None) if entity.kind == EntityKind.UMKM else None
    koperasi = getattr(entity, "koperasi", None) if entity.kind == EntityKind.KOPERASI else None
    return {
        "id": entity.pk,
        "kind": entity.kind,
        "name": entity.name,
        "region_code": entity.region_id,
        "kabkota": region_ref(entity.kabkota),
        "kecamatan": region_ref(entity.kecamatan),
        "kbli": entity.kbli_id,
        "kbli_category": entity.kbli_category,
        "nib": umkm.nib if umkm else None,
        "size_class": (umkm.size_class or None) if umkm else None,
        "nik_koperasi": koperasi.nik_koperasi if koperasi else None,
        "jenis": koperasi.jenis if koperasi else None,
        "legal_status": koperasi.legal_status if koperasi else None,
        "rat_active": rules.koperasi_is_active(koperasi.last_rat_year, today) if koperasi else None,
        "updated_at": entity.updated_at,
    }


def _detail(entity: Entity, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    out = {
        "id": entity.pk,
        "kind": entity.kind,
        "kind_label": str(entity.get_kind_display()),
        "name": entity.name,
        "region": region_ref(entity.region),
        "kabkota": region_ref(entity.kabkota),
        "kecamatan": region_ref(entity.kecamatan),
        "address": entity.address,
        "phone_masked": entity.phone_masked,
        "lat": entity.lat,
        "lon": entity.lon,
        "year_founded": entity.year_founded,
        "kbli": {"code": entity.kbli.code, "title": entity.kbli.title} if entity.kbli_id else None,
        "kbli_category": entity.kbli_category,
        "created_at": entity.created_at,
        "updated_at": entity.updated_at,
        "umkm": None,
        "koperasi": None,
    }
    if entity.kind == EntityKind.UMKM and hasattr(entity, "umkm"):
        u = entity.umkm
        out["umkm"] = {
            "owner": {
                "id": u.owner.pk,
                "name": u.owner.name,
                "nik_masked": u.owner.nik_masked,
                "phone_masked": u.owner.phone_masked,
            },
            "nib": u.nib,
            "npwp_masked": u.npwp_masked,
            "legal_form": u.legal_form,
            "legal_form_label": str(u.get_legal_form_display()),
            "modal_usaha": u.modal_usaha,
            "annual_sales": u.annual_sales,
            "workers_male": u.workers_male,
            "workers_female": u.workers_female,
            "halal_certificate": u.halal_certificate,
            "pirt_number": u.pirt_number,
            "sni_certificate": u.sni_certificate,
            "business_status": u.business_status,
            "business_status_label": str(u.get_business_status_display()),
            "size_class": u.size_class or None,
            "size_class_label": str(u.get_size_class_display()) if u.size_class else None,
            "size_basis": u.size_basis or None,
            "size_basis_label": str(u.get_size_basis_display()) if u.size_basis else None,
        }
    if entity.kind == EntityKind.KOPERASI and hasattr(entity, "koperasi"):
        k = entity.koperasi
        out["koperasi"] = {
            "nik_koperasi": k.nik_koperasi,
            "nomor_badan_hukum": k.nomor_badan_hukum,
            "tanggal_badan_hukum": k.tanggal_badan_hukum,
            "jenis": k.jenis,
            "jenis_label": str(k.get_jenis_display()),
            "tingkat": k.tingkat,
            "members_male": k.members_male,
            "members_female": k.members_female,
            "employees": k.employees,
            "assets": k.assets,
            "own_capital": k.own_capital,
            "business_volume": k.business_volume,
            "shu": k.shu,
            "legal_status": k.legal_status,
            "legal_status_label": str(k.get_legal_status_display()),
            "last_rat_year": k.last_rat_year,
            "rat_window_start": rules.earliest_qualifying_book_year(today),
            "rat_active": rules.koperasi_is_active(k.last_rat_year, today),
        }
    return out


def _person(user, person: Person) -> dict:
    owned = (
        visible(user, Entity).filter(umkm__owner=person).order_by("name", "id").values("id", "kind", "name")
    )
    return {
        "id": person.pk,
        "name": person.name,
        "nik_masked": person.nik_masked,
        "sex": person.sex,
        "birth_year": person.birth_year,
        "phone_masked": person.phone_masked,
        "region": region_ref(person.region),
        "kabkota": region_ref(person.kabkota),
        "umkm": list(owned[:100]),
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def _person_or_404(user, pk: int) -> Person:
    return get_visible_or_404(user, Person.objects.select_related("region", "kabkota"), pk=pk)


# --- cursor pagination -----------------------------------------------------------------------


def _order(sort: str) -> list[tuple[str, bool]]:
    """The (column, descending) keys of a sort; the last is always ``id``."""
    return [(key.lstrip("-"), key.startswith("-")) for key in selectors.SORTS[sort]]


def _order_by(keys: list[tuple[str, bool]]) -> list:
    # NULLs first ascending and last descending, on SQLite and PostgreSQL alike, so that
    # the keyset condition below means the same on both.
    out = []
    for name, desc in keys:
        nullable = name in NULLABLE_SORT_COLUMNS
        if desc:
            out.append(F(name).desc(nulls_last=True) if nullable else F(name).desc())
        else:
            out.append(F(name).asc(nulls_first=True) if nullable else F(name).asc())
    return out


def _strictly_after(name: str, desc: bool, value: Any) -> Q | None:
    if value is None:  # NULL sorts first ascending (all non-NULL follow), last descending (none)
        return None if desc else Q(**{f"{name}__isnull": False})
    if desc:
        condition = Q(**{f"{name}__lt": value})
        return condition | Q(**{f"{name}__isnull": True}) if name in NULLABLE_SORT_COLUMNS else condition
    return Q(**{f"{name}__gt": value})


def _after(keys: list[tuple[str, bool]], values: list[Any]) -> Q:
    """Rows strictly after ``values`` in the order ``keys`` (keyset pagination)."""
    condition: Q | None = None
    equal = Q()
    for (name, desc), value in zip(keys, values, strict=True):
        step = _strictly_after(name, desc, value)
        if step is not None:
            condition = (equal & step) if condition is None else condition | (equal & step)
        equal &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
    return condition if condition is not None else Q(pk__in=[])


def _fingerprint(filters: selectors.RegistryFilters) -> str:
    data = json.dumps(filters.active(), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def _bad_cursor(message: str) -> ApiError:
    return ApiError(message, fields={"cursor": [message]})


def _read_cursor(cursor: str, sort: str, fingerprint: str, keyed: bool, n_keys: int) -> dict:
    try:
        data = signing.loads(cursor, salt=CURSOR_SALT)
    except signing.BadSignature:
        raise _bad_cursor(_("Kursor tidak sah. Mulai lagi dari halaman pertama (tanpa cursor).")) from None
    if (
        not isinstance(data, dict)
        or data.get("v") != CURSOR_VERSION
        or data.get("s") != sort
        or data.get("f") != fingerprint
    ):
        raise _bad_cursor(
            _("Kursor ini dibuat untuk filter atau urutan lain. Mulai lagi dari halaman pertama.")
        )
    if keyed:
        if not isinstance(data.get("k"), list) or len(data["k"]) != n_keys:
            raise _bad_cursor(_("Kursor tidak sah. Mulai lagi dari halaman pertama (tanpa cursor)."))
    elif not isinstance(data.get("o"), int) or data["o"] < 0:
        raise _bad_cursor(_("Kursor tidak sah. Mulai lagi dari halaman pertama (tanpa cursor)."))
    return data


def _make_cursor(sort: str, fingerprint: str, **position: Any) -> str:
    return signing.dumps({"v": CURSOR_VERSION, "s": sort, "f": fingerprint, **position}, salt=CURSOR_SALT)


def _page(qs: QuerySet, filters: selectors.RegistryFilters, limit: int, cursor: str | None):
    """One page of the registry list and the cursor of the next (None on the last page)."""
    sort = filters.sort
    fingerprint = _fingerprint(filters)
    keyed = not (filters.q and sort == selectors.DEFAULT_SORT)  # ranked search: offset
    keys = _order(sort)
    position = _read_cursor(cursor, sort, fingerprint, keyed, len(keys)) if cursor else None
    if keyed:
        qs = qs.order_by(*_order_by(keys))
        if position is not None:
            qs = qs.filter(_after(keys, position["k"]))
        rows = list(qs[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = (
            _make_cursor(sort, fingerprint, k=[getattr(rows[-1], name) for name, _d in keys])
            if more
            else None
        )
        return rows, nxt
    offset = position["o"] if position else 0
    rows = list(qs[offset : offset + limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (_make_cursor(sort, fingerprint, o=offset + limit) if more else None)


# --- entities ----------------------------------------------------------------------------------

ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}
WRITE_ERRORS = {**ERRORS, 409: ErrorResponse}


@entities_router.get(
    "/entities",
    response={200: EntityPage, **ERRORS},
    summary="Daftar entitas (UMKM dan koperasi)",
    description="Daftar registri dalam cakupan Anda, dengan filter yang sama seperti halaman Registri, "
    "berhalaman dengan kursor (`next_cursor`). Pencarian nama dengan urutan `nama` diurutkan menurut "
    "kecocokan dan berhalaman dengan offset di dalam kursor.",
)
def list_entities(request: HttpRequest, params: Query[EntityListQuery]):
    require(request.user, "registry.view")
    filters = selectors.RegistryFilters(
        q=(params.q or "").strip(),
        kind=params.kind.value if params.kind else "",
        kabkota=_filter_code(params.kabkota, "kabkota"),
        kecamatan=_filter_code(params.kecamatan, "kecamatan"),
        size_class=params.size_class.value if params.size_class else "",
        kbli_category=(params.kbli_category or "").upper(),
        jenis=params.jenis.value if params.jenis else "",
        legal_status=params.legal_status.value if params.legal_status else "",
        rat=params.rat or "",
        has_nib=params.has_nib or "",
        sort=params.sort,
    )
    qs = selectors.entities(request.user, filters).select_related("umkm", "koperasi")
    rows, next_cursor = _page(qs, filters, params.limit, params.cursor)
    today = timezone.localdate()
    return {"items": [_list_item(entity, today) for entity in rows], "next_cursor": next_cursor}


@entities_router.get(
    "/entities/lookup",
    response={200: EntityDetail, **ERRORS},
    summary="Cari entitas dari NIB atau NIK koperasi",
    description="Pencocokan persis. Isi salah satu: `nib` (UMKM) atau `nik_koperasi`. Entitas di luar "
    "cakupan Anda dijawab 404, sama seperti yang tidak ada.",
)
def lookup_entity(request: HttpRequest, nib: str | None = None, nik_koperasi: str | None = None):
    require(request.user, "registry.view")
    if bool(nib) == bool(nik_koperasi):
        message = _("Isi salah satu: nib atau nik_koperasi.")
        raise ApiError(message, fields={"nib": [message], "nik_koperasi": [message]})
    field, validate = (
        ("nib", identifiers.validate_nib) if nib else ("nik_koperasi", identifiers.validate_nik_koperasi)
    )
    try:
        value = validate(nib or nik_koperasi)
    except ValidationError as exc:
        raise ApiError(_("Data yang dikirim tidak valid."), fields={field: exc.messages}) from None
    condition = Q(umkm__nib=value) if field == "nib" else Q(koperasi__nik_koperasi=value)
    pk = visible(request.user, Entity).filter(condition).values_list("pk", flat=True).first()
    if pk is None:
        raise Http404
    return _detail(selectors.entity_detail(request.user, pk))


@entities_router.get(
    "/entities/{entity_id}",
    response={200: EntityDetail, **ERRORS},
    summary="Rincian entitas",
    description="Identitas, rincian UMKM atau koperasi, skala usaha dan dasarnya, status RAT. Data "
    "pribadi hanya tersamar.",
)
def get_entity(request: HttpRequest, entity_id: int):
    require(request.user, "registry.view")
    return _detail(selectors.entity_detail(request.user, entity_id))


def _create_entity(request: HttpRequest, create: Callable[[], Any]) -> Status:
    require(request.user, "registry.create")
    with _writing():
        detail = create()
        _ensure_visible(request.user, Entity, detail.pk, detail.entity.region_id)
    return Status(201, _detail(selectors.entity_detail(request.user, detail.pk)))


@entities_router.post(
    "/umkm",
    response={201: EntityDetail, **WRITE_ERRORS},
    summary="Daftarkan UMKM",
    description="Pemilik: `owner_id` (pelaku yang sudah terdaftar dan dalam cakupan Anda) atau `owner` "
    "(pelaku baru). Wilayah harus di dalam wilayah kerja Anda (403 bila tidak). NIB yang sudah dipakai: "
    "409 dengan id entitas pemiliknya.",
)
def create_umkm(request: HttpRequest, payload: UmkmIn):
    values = payload.dict(exclude_none=True)
    owner_id = values.pop("owner_id", None)
    owner_values = values.pop("owner", None)

    def create():
        errors: dict[str, list[str]] = {}
        owner = None
        if owner_id is not None and owner_values is not None:
            errors["owner_id"] = [_("Isi salah satu: owner_id atau owner, bukan keduanya.")]
        elif owner_id is not None:
            try:
                owner = _visible_person(request.user, owner_id, "owner_id")
            except ApiError as exc:
                errors.update(exc.fields or {})
        elif owner_values is not None:
            try:
                owner = services.create_person(**_clean_values(owner_values))
            except ValidationError as exc:
                conflict = _conflict(exc)
                if conflict is not None:
                    _raise_for(exc, prefix="owner.")
                errors.update({f"owner.{k}": v for k, v in _messages(exc).items()})
        else:
            errors["owner_id"] = [
                _("Pemilik wajib diisi: owner_id (pelaku terdaftar) atau owner (pelaku baru).")
            ]
        try:
            umkm = services.create_umkm(owner=owner, **_clean_values(values))
        except ValidationError as exc:
            if not errors:
                raise
            messages = _messages(exc, {"owner": "owner_id"})
            messages.pop("owner_id", None)  # already explained above
            errors.update(messages)
        if errors:
            raise ApiError(_("Data yang dikirim tidak valid."), fields=errors)
        return umkm

    return _create_entity(request, create)


@entities_router.post(
    "/koperasi",
    response={201: EntityDetail, **WRITE_ERRORS},
    summary="Daftarkan koperasi",
    description="Wilayah harus di dalam wilayah kerja Anda (403 bila tidak). NIK koperasi yang sudah "
    "dipakai: 409 dengan id entitasnya. RAT dicatat terpisah; status aktif menurut RAT diturunkan.",
)
def create_koperasi(request: HttpRequest, payload: KoperasiIn):
    values = _clean_values(payload.dict(exclude_none=True))
    return _create_entity(request, lambda: services.create_koperasi(**values))


@entities_router.patch(
    "/entities/{entity_id}",
    response={200: EntityDetail, **WRITE_ERRORS},
    summary="Ubah entitas",
    description="Hanya kolom yang dikirim yang diubah (`null` mengosongkan). Kolom UMKM hanya untuk UMKM, "
    "kolom koperasi hanya untuk koperasi. Status badan hukum dan RAT tidak diubah di sini.",
)
def update_entity(request: HttpRequest, entity_id: int, payload: EntityPatch):
    require(request.user, "registry.change")
    entity = selectors.entity_detail(request.user, entity_id)
    values = _clean_values(payload.dict(exclude_unset=True))
    not_for_kind = KOPERASI_ONLY if entity.kind == EntityKind.UMKM else UMKM_ONLY
    wrong = sorted(set(values) & not_for_kind)
    if wrong:
        message = (
            _("Hanya untuk koperasi, bukan UMKM.")
            if entity.kind == EntityKind.UMKM
            else _("Hanya untuk UMKM, bukan koperasi.")
        )
        raise ApiError(_("Data yang dikirim tidak valid."), fields={name: [message] for name in wrong})
    if "owner_id" in values:
        owner_id = values.pop("owner_id")
        if owner_id is None:
            message = _("Pemilik wajib diisi.")
            raise ApiError(_("Data yang dikirim tidak valid."), fields={"owner_id": [message]})
        values["owner"] = _visible_person(request.user, owner_id, "owner_id")
    if not values:
        return _detail(entity)  # nothing to change: no write, no audit event
    with _writing():
        updated = services.update_entity(entity, **values)
        _ensure_visible(request.user, Entity, updated.pk, updated.region_id)
    return _detail(selectors.entity_detail(request.user, entity_id))


# --- persons -----------------------------------------------------------------------------------


@persons_router.get(
    "/lookup",
    response={200: PersonOut, **ERRORS},
    summary="Cari pelaku dari NIK",
    description="Pencocokan persis lewat hash berkunci (NIK tidak pernah disimpan terbuka). Setiap "
    "pencarian dicatat di jejak audit sebagai akses data pribadi, tanpa NIK-nya. Pelaku di luar cakupan "
    "Anda dijawab 404.",
)
def lookup_person(request: HttpRequest, nik: str):
    require(request.user, "registry.view")
    try:
        matches = Person.objects.with_nik(nik)
    except ValidationError as exc:
        raise ApiError(_("Data yang dikirim tidak valid."), fields=_messages(exc)) from None
    person = visible(request.user, matches).select_related("region", "kabkota").first()
    # The search itself is processing of personal data (SPEC §6): logged found or not, never the NIK.
    audit.record(
        AuditAction.VIEW_PERSONAL,
        person,
        extra={"field": "nik", "via": "api_lookup", "found": person is not None},
    )
    if person is None:
        raise Http404
    return _person(request.user, person)


@persons_router.get(
    "/{person_id}",
    response={200: PersonOut, **ERRORS},
    summary="Rincian pelaku",
    description="NIK dan telepon tersamar.",
)
def get_person(request: HttpRequest, person_id: int):
    require(request.user, "registry.view")
    return _person(request.user, _person_or_404(request.user, person_id))


@persons_router.get(
    "/{person_id}/nik",
    response={200: NikOut, **ERRORS},
    summary="Buka NIK pelaku",
    description="NIK utuh, hanya untuk peran yang berwenang membuka data pribadi; setiap permintaan "
    "dicatat di jejak audit.",
)
def reveal_person_nik(request: HttpRequest, person_id: int, response: HttpResponse):
    require(request.user, "personal_data.unmask")
    person = _person_or_404(request.user, person_id)
    response["Cache-Control"] = "no-store"
    return {"id": person.pk, "nik": person.reveal_nik()}


@persons_router.post(
    "",
    response={201: PersonOut, **WRITE_ERRORS},
    summary="Daftarkan pelaku",
    description="NIK yang sudah terdaftar: 409 dengan id pelakunya. Wilayah alamat harus di dalam "
    "wilayah kerja Anda (403 bila tidak).",
)
def create_person(request: HttpRequest, payload: PersonIn):
    require(request.user, "registry.create")
    values = _clean_values(payload.dict(exclude_none=True))
    with _writing():
        person = services.create_person(**values)
        _ensure_visible(request.user, Person, person.pk, person.region_id)
    return Status(201, _person(request.user, _person_or_404(request.user, person.pk)))


@persons_router.patch(
    "/{person_id}",
    response={200: PersonOut, **WRITE_ERRORS},
    summary="Ubah pelaku",
    description="Hanya kolom yang dikirim yang diubah (`null` mengosongkan NIK atau telepon).",
)
def update_person(request: HttpRequest, person_id: int, payload: PersonIn):
    require(request.user, "registry.change")
    person = _person_or_404(request.user, person_id)
    values = _clean_values(payload.dict(exclude_unset=True))
    if not values:
        return _person(request.user, person)  # nothing to change: no write, no audit event
    with _writing():
        updated = services.update_person(person, **values)
        _ensure_visible(request.user, Person, updated.pk, updated.region_id)
    return _person(request.user, _person_or_404(request.user, person_id))
