"""The registry: every koperasi and UMKM of the province, the people behind them, their history.

Shape
-----
``Entity`` is what every programme targets (SPEC §3). Its kind-specific details
live in ``Umkm`` and ``Koperasi``, each a one-to-one row whose primary key *is* the
entity's (not Django multi-table inheritance, which ``bulk_create`` cannot insert:
the importer and the seeder create a million rows at a time).

Derived fields (``Entity.kabkota``/``kecamatan``/``kbli_category``/``name_search``,
``Umkm.size_class``/``size_basis``, ``Person.kabkota``) are set by each model's
``derive_fields()``, which ``save()`` and ``full_clean()`` call and which bulk code
calls itself before ``bulk_create`` (it never queries the database).

Personal data (NIK, phone, an individual's NPWP) is never stored in clear: see
:mod:`berdaya.core.personal`. Setting ``person.nik = "…"`` validates the number and
stores its ciphertext, keyed hash and masked form; reading it back is an explicit,
audited ``reveal_nik()``.

Writes go through :mod:`berdaya.registry.services`; every model here is audited by
``@track`` and located for the scoping layer by ``@scoped``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.signals import pre_delete
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.accounts.models import Role
from berdaya.core import personal
from berdaya.core.audit import track
from berdaya.core.scoping import scoped, unscoped
from berdaya.registry import identifiers, rules
from berdaya.registry.reference import INDONESIA_BOUNDS, kabkota_bounds, kbli_category
from berdaya.registry.text import normalize_name

MAX_RUPIAH = 10**15  # Rp 1.000 triliun: far above any koperasi or UMKM, so a typo or unit error
MIN_YEAR = 1900

# --- field helpers ----------------------------------------------------------------------

_MONEY_TOO_LARGE = _("Jumlah ini tidak masuk akal: harus di bawah Rp 1.000.000.000.000.000.")


def money_field(verbose_name: Any, *, signed: bool = False, help_text: Any = "") -> models.BigIntegerField:
    """Integer Rupiah, unknown = NULL. Non-negative unless ``signed`` (SHU can be a loss)."""
    low = (
        MinValueValidator(-(MAX_RUPIAH - 1), message=_MONEY_TOO_LARGE)
        if signed
        else MinValueValidator(0, message=_("Jumlah uang tidak boleh negatif."))
    )
    return models.BigIntegerField(
        verbose_name,
        null=True,
        blank=True,
        validators=[low, MaxValueValidator(MAX_RUPIAH - 1, message=_MONEY_TOO_LARGE)],
        help_text=help_text,
    )


def count_field(verbose_name: Any) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, null=True, blank=True)


def year_field(verbose_name: Any, **kwargs: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name,
        validators=[MinValueValidator(MIN_YEAR, message=_("Tahun harus %(limit_value)s atau sesudahnya."))],
        **kwargs,
    )


def _check_not_future_year(year: int | None, field: str, errors: dict[str, list]) -> None:
    if year is not None and year > timezone.localdate().year:
        errors.setdefault(field, []).append(
            ValidationError(_("Tahun %(year)s belum tiba."), code="future_year", params={"year": year})
        )


def _blank_to_none(instance: models.Model, names: Iterable[str]) -> None:
    # A unique optional column must hold NULL, never "": two blanks would collide.
    for name in names:
        value = getattr(instance, name)
        if isinstance(value, str) and not value.strip():
            setattr(instance, name, None)


def _field_error(field: str, exc: ValidationError) -> ValidationError:
    return ValidationError({field: exc.error_list})


class IdentifierFieldsMixin:
    """Normalises identifier columns (``identifier_fields``: name → validator) before the
    field checks, so ``"0123 4567 89012"`` becomes ``0123456789012`` and a bad value gets
    the Indonesian message of :mod:`berdaya.registry.identifiers`, not a length error."""

    identifier_fields: dict[str, Callable[[Any], str | None]] = {}

    def clean_fields(self, exclude: Iterable[str] | None = None) -> None:
        exclude = set(exclude or ())
        errors: dict[str, list] = {}
        for name, validate in self.identifier_fields.items():
            if name in exclude:
                continue
            try:
                setattr(self, name, validate(getattr(self, name)))
            except ValidationError as exc:
                errors[name] = exc.error_list
                exclude.add(name)
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def _reveal(instance: models.Model, token: str | None, field: str, log: bool) -> str | None:
    value = personal.decrypt(token)
    if log and value is not None:
        from berdaya.core.audit import record
        from berdaya.core.models import AuditAction

        # SPEC §6: every view of personal data is logged (who, when, which record, which field).
        record(AuditAction.VIEW_PERSONAL, instance, extra={"field": field})
    return value


# --- reference data ------------------------------------------------------------------------


class KbliLevel(models.TextChoices):
    KATEGORI = "kategori", _("Kategori")
    GOLONGAN_POKOK = "golongan_pokok", _("Golongan pokok")
    GOLONGAN = "golongan", _("Golongan")
    SUBGOLONGAN = "subgolongan", _("Subgolongan")
    KELOMPOK = "kelompok", _("Kelompok")


@unscoped("BPS KBLI 2020 reference data")
class Kbli(models.Model):
    """One KBLI 2020 class; the code keeps its leading zeros (``01111``)."""

    code = models.CharField(_("kode"), max_length=5, primary_key=True)
    title = models.CharField(_("judul"), max_length=255)
    level = models.CharField(_("tingkat"), max_length=16, choices=KbliLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("induk"),
    )
    category = models.CharField(_("kategori"), max_length=1, db_index=True)

    class Meta:
        verbose_name = _("KBLI")
        verbose_name_plural = _("KBLI")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


# --- people -------------------------------------------------------------------------------


class Sex(models.TextChoices):
    LAKI_LAKI = "L", _("Laki-laki")
    PEREMPUAN = "P", _("Perempuan")


def _kabkota_of(code: str | None) -> str | None:
    return code[:5] if code and len(code) >= 5 else None


@dataclass(frozen=True)
class NikParts:
    """What the registry stores for one valid NIK: never the NIK itself in clear."""

    encrypted: str
    hash: str
    masked: str
    birth_year: int
    sex: str


def nik_parts(nik: str, today: dt.date) -> NikParts:
    """Encrypt, hash and mask a validated NIK; pure (no database), so bulk work may run it
    in another process."""
    facts = identifiers.nik_facts(nik, today)
    return NikParts(
        personal.encrypt(nik) or "",
        personal.lookup_hash(nik),
        personal.mask_nik(nik),
        facts.birth_date.year,
        facts.sex,
    )


def phone_parts(phone: str | None) -> tuple[str, str]:
    """(ciphertext, mask) of a validated phone number."""
    return personal.encrypt(phone) or "", personal.mask_phone(phone)


class PersonQuerySet(models.QuerySet):
    def with_nik(self, nik: Any) -> models.QuerySet:
        """People holding this NIK (0 or 1), found by keyed hash; raises ValidationError if invalid."""
        try:
            normalised = identifiers.validate_nik(nik)
        except ValidationError as exc:
            raise _field_error("nik", exc) from None
        if normalised is None:
            return self.none()
        return self.filter(nik_hash=personal.lookup_hash(normalised))


@scoped(
    region="kabkota",
    region_depth=2,
    owner="umkms__entity__memberships__user",
    assignee="umkms__entity__assignments__user",
)
@track(exclude=("nik_encrypted", "nik_hash", "phone_encrypted"), region=lambda p: p.kabkota_id or "")
class Person(models.Model):
    """A pelaku: owner, member, officer or worker, identified by NIK.

    Located (for district scoping) by the kab/kota of the address region; a person
    without one is visible to province-wide roles only.
    """

    name = models.CharField(_("nama"), max_length=200)
    nik_encrypted = models.CharField(_("NIK (terenkripsi)"), max_length=255, blank=True, editable=False)
    nik_hash = models.CharField(
        _("NIK (hash pencarian)"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    nik_masked = models.CharField(_("NIK"), max_length=16, blank=True, editable=False)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices, blank=True)
    # Only the year is kept in clear: with the masked NIK and the address, the full
    # birth date would give back 12 of the NIK's 16 digits (see docs/decisions.md).
    birth_year = models.PositiveSmallIntegerField(_("tahun lahir"), null=True, blank=True, editable=False)
    phone_encrypted = models.CharField(_("telepon (terenkripsi)"), max_length=255, blank=True, editable=False)
    phone_masked = models.CharField(_("telepon"), max_length=16, blank=True, editable=False)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("wilayah alamat"),
    )
    kabkota = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("kabupaten/kota"),
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("pelaku")
        verbose_name_plural = _("pelaku")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.nik_masked})" if self.nik_masked else self.name

    def save(self, *args, **kwargs) -> None:
        self.derive_fields()
        super().save(*args, **kwargs)

    # -- personal data: write-only attributes, explicit reveal --------------------------------

    def set_nik(self, value: Any) -> None:
        """Validate and store a NIK (ciphertext, hash, mask); derives sex and birth year."""
        try:
            nik = identifiers.validate_nik(value)
        except ValidationError as exc:
            raise _field_error("nik", exc) from None
        if nik is None:
            self.nik_encrypted, self.nik_hash = "", None
            self.nik_masked = ""
            self.birth_year = None
            self._nik_sex = None
            return
        self.apply_nik(nik_parts(nik, timezone.localdate()))

    def apply_nik(self, parts: NikParts) -> None:
        """Store a NIK already validated and encrypted (see :func:`nik_parts`)."""
        self.nik_encrypted, self.nik_hash, self.nik_masked = parts.encrypted, parts.hash, parts.masked
        self.birth_year = parts.birth_year
        self._nik_sex = parts.sex
        if not self.sex:
            self.sex = parts.sex

    nik = property(fset=set_nik, doc="Write-only: ``person.nik = '…'``; read with reveal_nik().")

    def set_phone(self, value: Any) -> None:
        try:
            phone = identifiers.validate_phone(value)
        except ValidationError as exc:
            raise _field_error("phone", exc) from None
        self.phone_encrypted, self.phone_masked = phone_parts(phone)

    phone = property(fset=set_phone, doc="Write-only: ``person.phone = '…'``; read with reveal_phone().")

    def reveal_nik(self, *, log: bool = True) -> str | None:
        """The NIK in clear, for roles that need it; the view is written to the audit trail."""
        return _reveal(self, self.nik_encrypted, "nik", log)

    def reveal_phone(self, *, log: bool = True) -> str | None:
        return _reveal(self, self.phone_encrypted, "phone", log)

    # -- derivation and validation -------------------------------------------------------------

    def derive_fields(self) -> None:
        self.name = " ".join((self.name or "").split())
        self.kabkota_id = _kabkota_of(self.region_id)
        _blank_to_none(self, ("nik_hash",))

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True) -> None:
        self.derive_fields()
        exclude = {*(exclude or ()), "kabkota"}
        super().full_clean(
            exclude=exclude, validate_unique=validate_unique, validate_constraints=validate_constraints
        )

    def validate_unique(self, exclude=None) -> None:
        # The NIK is checked in clean(), with a message that names the other person.
        super().validate_unique(exclude={*(exclude or ()), "nik_hash"})

    def clean(self) -> None:
        errors: dict[str, list] = {}
        nik_sex = getattr(self, "_nik_sex", None)
        if nik_sex and self.sex and self.sex != nik_sex:
            errors["sex"] = [
                ValidationError(
                    _("Jenis kelamin tidak cocok dengan NIK (NIK menunjukkan %(sex)s)."),
                    code="sex_mismatch",
                    params={"sex": Sex(nik_sex).label},
                )
            ]
        if self.region_id and self.region_id.count(".") < 1:
            errors["region"] = [
                ValidationError(
                    _("Wilayah alamat harus paling tidak kabupaten/kota."), code="region_too_coarse"
                )
            ]
        if self.nik_hash:
            other = Person.objects.filter(nik_hash=self.nik_hash).exclude(pk=self.pk).first()
            if other is not None:
                errors["nik"] = [
                    ValidationError(
                        _("NIK ini sudah terdaftar atas nama %(name)s."),
                        code="duplicate_nik",
                        params={"name": other.name, "person_id": other.pk},
                    )
                ]
        if errors:
            raise ValidationError(errors)


# --- entities -----------------------------------------------------------------------------


class EntityKind(models.TextChoices):
    UMKM = "umkm", _("UMKM")
    KOPERASI = "koperasi", _("Koperasi")


@scoped(region="kabkota", region_depth=2, owner="memberships__user", assignee="assignments__user")
@track(exclude=("phone_encrypted", "name_search"), region=lambda e: e.kabkota_id or "")
class Entity(models.Model):
    """A koperasi or an UMKM: what every programme targets (details in ``umkm`` / ``koperasi``)."""

    kind = models.CharField(_("jenis entitas"), max_length=10, choices=EntityKind.choices)
    name = models.CharField(_("nama"), max_length=255)
    name_search = models.CharField(_("nama (pencarian)"), max_length=255, blank=True, editable=False)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("wilayah"),
        help_text=_("Desa/kelurahan bila diketahui, jika tidak kecamatan atau kabupaten/kota."),
        error_messages={"invalid": _("Kode wilayah %(value)s tidak dikenal.")},
    )
    kabkota = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        blank=True,
        editable=False,
        verbose_name=_("kabupaten/kota"),
    )
    kecamatan = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("kecamatan"),
    )
    address = models.TextField(_("alamat"), blank=True)
    phone_encrypted = models.CharField(_("telepon (terenkripsi)"), max_length=255, blank=True, editable=False)
    phone_masked = models.CharField(_("telepon"), max_length=16, blank=True, editable=False)
    lat = models.FloatField(_("lintang"), null=True, blank=True)
    lon = models.FloatField(_("bujur"), null=True, blank=True)
    year_founded = year_field(_("tahun berdiri"), null=True, blank=True)
    kbli = models.ForeignKey(
        Kbli,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("KBLI"),
        error_messages={"invalid": _("Kode KBLI %(value)s tidak ada dalam KBLI 2020.")},
    )
    kbli_category = models.CharField(_("kategori KBLI"), max_length=1, blank=True, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("entitas")
        verbose_name_plural = _("entitas")
        ordering = ["name", "id"]
        indexes = [
            # kind + kab/kota, in name order: "koperasi of Kota Kendari" (all named K…) would
            # otherwise walk the district's name index through every UMKM before them.
            models.Index(
                fields=["kind", "kabkota", "name_search", "id"], name="registry_entity_kind_kab_name"
            ),
            models.Index(fields=["kabkota", "kecamatan"], name="registry_entity_kab_kec"),
            models.Index(fields=["kbli_category"], name="registry_entity_kbli_cat"),
            models.Index(fields=["name_search"], name="registry_entity_name_search"),
            # The list's default order (by name) within a kab/kota or a kind: a page of
            # 50 is read straight off the index instead of sorting the district's rows.
            models.Index(fields=["kabkota", "name_search", "id"], name="registry_entity_kab_name"),
            models.Index(fields=["kind", "name_search", "id"], name="registry_entity_kind_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.derive_fields()
        super().save(*args, **kwargs)

    def set_phone(self, value: Any) -> None:
        try:
            phone = identifiers.validate_phone(value)
        except ValidationError as exc:
            raise _field_error("phone", exc) from None
        self.phone_encrypted, self.phone_masked = phone_parts(phone)

    phone = property(fset=set_phone, doc="Write-only: ``entity.phone = '…'``; read with reveal_phone().")

    def reveal_phone(self, *, log: bool = True) -> str | None:
        return _reveal(self, self.phone_encrypted, "phone", log)

    def derive_fields(self) -> None:
        """Set every derived column from the typed ones, without a query (usable before bulk_create)."""
        self.name = " ".join((self.name or "").split())
        self.name_search = normalize_name(self.name)
        code = self.region_id or ""
        self.kabkota_id = _kabkota_of(code)
        self.kecamatan_id = code[:8] if len(code) >= 8 else None
        self.kbli_category = kbli_category(self.kbli_id)

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True) -> None:
        self.derive_fields()
        # Derived regions follow from ``region``; its errors are reported there.
        exclude = {*(exclude or ()), "kabkota", "kecamatan", "kbli_category", "name_search"}
        super().full_clean(
            exclude=exclude, validate_unique=validate_unique, validate_constraints=validate_constraints
        )

    def clean(self) -> None:
        errors: dict[str, list] = {}
        self._clean_region(errors)
        self._clean_coordinates(errors)
        _check_not_future_year(self.year_founded, "year_founded", errors)
        if errors:
            raise ValidationError(errors)

    def _clean_region(self, errors: dict[str, list]) -> None:
        code = self.region_id
        if not code:
            return
        province = settings.BERDAYA_PROVINCE
        if code != province and not code.startswith(province + "."):
            errors["region"] = [
                ValidationError(
                    _("Wilayah %(code)s berada di luar provinsi %(province)s."),
                    code="region_outside_province",
                    params={"code": code, "province": province},
                )
            ]
        elif code.count(".") < 1:
            errors["region"] = [
                ValidationError(
                    _("Wilayah harus paling tidak kabupaten/kota, bukan provinsi."), code="region_too_coarse"
                )
            ]

    def _clean_coordinates(self, errors: dict[str, list]) -> None:
        lat, lon = self.lat, self.lon
        if lat is None and lon is None:
            return
        if lat is None or lon is None:
            errors["lat" if lat is None else "lon"] = [
                ValidationError(_("Isi lintang dan bujur bersama-sama."), code="coordinates_incomplete")
            ]
            return
        box = kabkota_bounds(self.kabkota_id) if self.kabkota_id else None
        within = _within(lat, lon, box or INDONESIA_BOUNDS)
        if within:
            return
        if _within(lon, lat, box or INDONESIA_BOUNDS):
            message = _("Lintang dan bujur tampaknya tertukar: lintang %(lat)s, bujur %(lon)s.")
            code = "coordinates_swapped"
        elif box is not None:
            message = _("Koordinat %(lat)s, %(lon)s berada di luar %(region)s.")
            code = "coordinates_outside_region"
        else:
            message = _("Koordinat %(lat)s, %(lon)s berada di luar Indonesia.")
            code = "coordinates_outside_indonesia"
        errors["lat"] = [
            ValidationError(message, code=code, params={"lat": lat, "lon": lon, "region": self.kabkota_id})
        ]


def _within(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= lat <= box[2] and box[1] <= lon <= box[3]


def derive_entities(entities: Iterable[Entity]) -> None:
    """Bulk helper: set the derived columns of unsaved entities before ``bulk_create``."""
    for entity in entities:
        entity.derive_fields()


# --- UMKM -----------------------------------------------------------------------------------


class LegalForm(models.TextChoices):
    PERORANGAN = "perorangan", _("Perorangan")
    CV = "cv", _("CV")
    PT_PERORANGAN = "pt_perorangan", _("PT perorangan")
    PT = "pt", _("PT")
    FIRMA = "firma", _("Firma")
    LAINNYA = "lainnya", _("Lainnya")


class BusinessStatus(models.TextChoices):
    AKTIF = "aktif", _("Aktif")
    TIDAK_AKTIF = "tidak_aktif", _("Tidak aktif")
    TUTUP = "tutup", _("Tutup")


class SizeClass(models.TextChoices):
    MIKRO = rules.SizeClass.MIKRO.value, _("Mikro")
    KECIL = rules.SizeClass.KECIL.value, _("Kecil")
    MENENGAH = rules.SizeClass.MENENGAH.value, _("Menengah")
    BESAR = rules.SizeClass.BESAR.value, _("Besar")


class SizeBasis(models.TextChoices):
    OMZET = rules.SizeBasis.OMZET.value, _("hasil penjualan tahunan")
    MODAL = rules.SizeBasis.MODAL.value, _("modal usaha")


def entity_region(detail: models.Model) -> str:
    """The audit trail's region of a record that hangs off an entity (other apps use it too)."""
    return detail.entity.kabkota_id or ""


_entity_region = entity_region


@scoped(
    region="entity__kabkota",
    region_depth=2,
    owner="entity__memberships__user",
    assignee="entity__assignments__user",
)
@track(exclude=("npwp_encrypted", "npwp_hash"), region=_entity_region)
class Umkm(IdentifierFieldsMixin, models.Model):
    """The UMKM details of an entity. Its size class is derived (PP 7/2021), never typed."""

    identifier_fields = {"nib": identifiers.validate_nib}

    entity = models.OneToOneField(
        Entity, on_delete=models.CASCADE, primary_key=True, related_name="umkm", verbose_name=_("entitas")
    )
    owner = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="umkms", verbose_name=_("pemilik")
    )
    nib = models.CharField(_("NIB"), max_length=13, unique=True, null=True, blank=True)
    # An individual's NPWP is their NIK since 2024, so the NPWP is personal data too.
    npwp_encrypted = models.CharField(_("NPWP (terenkripsi)"), max_length=255, blank=True, editable=False)
    npwp_hash = models.CharField(_("NPWP (hash pencarian)"), max_length=64, blank=True, editable=False)
    npwp_masked = models.CharField(_("NPWP"), max_length=16, blank=True, editable=False)
    legal_form = models.CharField(
        _("bentuk usaha"), max_length=16, choices=LegalForm.choices, default=LegalForm.PERORANGAN
    )
    modal_usaha = money_field(_("modal usaha"), help_text=_("Rupiah, tidak termasuk tanah dan bangunan."))
    annual_sales = money_field(_("omzet tahunan"), help_text=_("Hasil penjualan setahun, Rupiah."))
    workers_male = count_field(_("tenaga kerja laki-laki"))
    workers_female = count_field(_("tenaga kerja perempuan"))
    halal_certificate = models.CharField(_("nomor sertifikat halal"), max_length=64, blank=True)
    pirt_number = models.CharField(_("nomor P-IRT"), max_length=64, blank=True)
    sni_certificate = models.CharField(_("nomor sertifikat SNI"), max_length=64, blank=True)
    business_status = models.CharField(
        _("status usaha"), max_length=12, choices=BusinessStatus.choices, default=BusinessStatus.AKTIF
    )
    size_class = models.CharField(
        _("skala usaha"), max_length=10, choices=SizeClass.choices, blank=True, editable=False
    )
    size_basis = models.CharField(
        _("dasar skala usaha"), max_length=10, choices=SizeBasis.choices, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("UMKM")
        verbose_name_plural = _("UMKM")
        indexes = [
            models.Index(fields=["size_class"], name="registry_umkm_size_class"),
            models.Index(fields=["npwp_hash"], name="registry_umkm_npwp_hash"),
        ]

    def __str__(self) -> str:
        return str(self.entity) if self.entity_id else "UMKM"

    def save(self, *args, **kwargs) -> None:
        self.derive_fields()
        super().save(*args, **kwargs)

    def set_npwp(self, value: Any) -> None:
        try:
            npwp = identifiers.validate_npwp(value)
        except ValidationError as exc:
            raise _field_error("npwp", exc) from None
        self.npwp_encrypted = personal.encrypt(npwp) or ""
        self.npwp_hash = personal.lookup_hash(npwp) if npwp else ""
        self.npwp_masked = personal.mask_nik(npwp)

    npwp = property(fset=set_npwp, doc="Write-only: ``umkm.npwp = '…'``; read with reveal_npwp().")

    def reveal_npwp(self, *, log: bool = True) -> str | None:
        return _reveal(self, self.npwp_encrypted, "npwp", log)

    def derive_fields(self) -> None:
        klass, basis = rules.size_class(self.modal_usaha, self.annual_sales)
        self.size_class = klass.value if klass else ""
        self.size_basis = basis.value if basis else ""
        _blank_to_none(self, ("nib",))

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True) -> None:
        self.derive_fields()
        super().full_clean(
            exclude=exclude, validate_unique=validate_unique, validate_constraints=validate_constraints
        )

    def validate_unique(self, exclude=None) -> None:
        # NIB is checked in clean(), with a message naming the entity that has it.
        super().validate_unique(exclude={*(exclude or ()), "nib"})

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.entity_id and self.entity.kind != EntityKind.UMKM:
            errors["entity"] = [ValidationError(_("Entitas ini bukan UMKM."), code="wrong_kind")]
        if self.nib:
            other = Umkm.objects.filter(nib=self.nib).exclude(pk=self.pk).select_related("entity").first()
            if other is not None:
                errors["nib"] = [
                    ValidationError(
                        _("NIB %(nib)s sudah dipakai oleh %(name)s."),
                        code="duplicate_nib",
                        params={"nib": self.nib, "name": other.entity.name, "entity_id": other.pk},
                    )
                ]
        if errors:
            raise ValidationError(errors)


def derive_umkms(umkms: Iterable[Umkm]) -> None:
    """Bulk helper: size class and basis of unsaved or bulk-updated UMKM rows."""
    for umkm in umkms:
        umkm.derive_fields()


# --- Koperasi -------------------------------------------------------------------------------


class KoperasiJenis(models.TextChoices):
    SIMPAN_PINJAM = "simpan_pinjam", _("Simpan pinjam")
    KONSUMEN = "konsumen", _("Konsumen")
    PRODUSEN = "produsen", _("Produsen")
    PEMASARAN = "pemasaran", _("Pemasaran")
    JASA = "jasa", _("Jasa")


class KoperasiTingkat(models.TextChoices):
    PRIMER = "primer", _("Primer")
    SEKUNDER = "sekunder", _("Sekunder")


class LegalStatus(models.TextChoices):
    AKTIF = "aktif", _("Aktif")
    TIDAK_AKTIF = "tidak_aktif", _("Tidak aktif")
    DALAM_PEMBUBARAN = "dalam_pembubaran", _("Dalam pembubaran")
    BUBAR = "bubar", _("Bubar")


# Where a koperasi may go from each status. Bubar is final: the legal entity no longer exists.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    LegalStatus.AKTIF: frozenset({LegalStatus.TIDAK_AKTIF, LegalStatus.DALAM_PEMBUBARAN}),
    LegalStatus.TIDAK_AKTIF: frozenset({LegalStatus.AKTIF, LegalStatus.DALAM_PEMBUBARAN}),
    LegalStatus.DALAM_PEMBUBARAN: frozenset({LegalStatus.AKTIF, LegalStatus.TIDAK_AKTIF, LegalStatus.BUBAR}),
    LegalStatus.BUBAR: frozenset(),
}


class KoperasiCannotBeDeleted(PermissionError):
    pass


class StatusChangeOutsideService(PermissionError):
    pass


_DELETE_ALLOWED: ContextVar[bool] = ContextVar("koperasi_delete_allowed", default=False)


@contextmanager
def allow_koperasi_delete() -> Iterator[None]:
    """Only for undoing a record that should never have existed (an import batch rolled
    back by an admin): a koperasi that was really registered changes status instead."""
    token = _DELETE_ALLOWED.set(True)
    try:
        yield
    finally:
        _DELETE_ALLOWED.reset(token)


class KoperasiQuerySet(models.QuerySet):
    def delete(self):
        if not _DELETE_ALLOWED.get():
            raise KoperasiCannotBeDeleted(_NO_DELETE)
        return super().delete()


_NO_DELETE = "Koperasi adalah badan hukum: tidak dapat dihapus. Ubah statusnya (misalnya bubar)."


@scoped(
    region="entity__kabkota",
    region_depth=2,
    owner="entity__memberships__user",
    assignee="entity__assignments__user",
)
@track(region=_entity_region)
class Koperasi(IdentifierFieldsMixin, models.Model):
    """The koperasi details of an entity. A legal entity: never deleted, it changes status."""

    identifier_fields = {"nik_koperasi": identifiers.validate_nik_koperasi}

    entity = models.OneToOneField(
        Entity, on_delete=models.PROTECT, primary_key=True, related_name="koperasi", verbose_name=_("entitas")
    )
    nik_koperasi = models.CharField(_("NIK koperasi"), max_length=16, unique=True, null=True, blank=True)
    nomor_badan_hukum = models.CharField(_("nomor badan hukum"), max_length=120, blank=True)
    tanggal_badan_hukum = models.DateField(_("tanggal badan hukum"), null=True, blank=True)
    jenis = models.CharField(_("jenis koperasi"), max_length=16, choices=KoperasiJenis.choices)
    tingkat = models.CharField(
        _("tingkat"), max_length=10, choices=KoperasiTingkat.choices, default=KoperasiTingkat.PRIMER
    )
    members_male = count_field(_("anggota laki-laki"))
    members_female = count_field(_("anggota perempuan"))
    employees = count_field(_("karyawan"))
    assets = money_field(_("aset"))
    own_capital = money_field(_("modal sendiri"))
    business_volume = money_field(_("volume usaha"))
    shu = money_field(_("SHU"), signed=True, help_text=_("Sisa hasil usaha; negatif bila rugi."))
    legal_status = models.CharField(
        _("status badan hukum"),
        max_length=20,
        choices=LegalStatus.choices,
        default=LegalStatus.AKTIF,
        editable=False,
    )
    last_rat_year = models.PositiveSmallIntegerField(
        _("tahun buku RAT terakhir"), null=True, blank=True, editable=False
    )

    objects = KoperasiQuerySet.as_manager()

    class Meta:
        verbose_name = _("koperasi")
        verbose_name_plural = _("koperasi")
        indexes = [
            models.Index(fields=["jenis"], name="registry_koperasi_jenis"),
            models.Index(fields=["last_rat_year"], name="registry_koperasi_last_rat"),
            models.Index(fields=["legal_status"], name="registry_koperasi_status"),
        ]

    def __str__(self) -> str:
        return str(self.entity) if self.entity_id else "Koperasi"

    def save(self, *args, **kwargs) -> None:
        stored = getattr(self, "_stored_legal_status", None)
        if stored is not None and stored != self.legal_status and not getattr(self, "_status_change", False):
            # The status of a legal entity changes only with a date and a reason.
            raise StatusChangeOutsideService(
                "Status koperasi hanya dapat diubah melalui services.change_koperasi_status()."
            )
        _blank_to_none(self, ("nik_koperasi",))
        super().save(*args, **kwargs)
        self._stored_legal_status = self.legal_status
        self._status_change = False

    def delete(self, *args, **kwargs):
        raise KoperasiCannotBeDeleted(_NO_DELETE)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_legal_status = instance.__dict__.get("legal_status")
        return instance

    def is_active(self, today: dt.date | None = None) -> bool:
        """Active by the RAT rule (SPEC §3), which is not the same as its legal status."""
        return rules.koperasi_is_active(self.last_rat_year, today or timezone.localdate())

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True) -> None:
        _blank_to_none(self, ("nik_koperasi",))
        super().full_clean(
            exclude=exclude, validate_unique=validate_unique, validate_constraints=validate_constraints
        )

    def validate_unique(self, exclude=None) -> None:
        super().validate_unique(exclude={*(exclude or ()), "nik_koperasi"})

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.entity_id and self.entity.kind != EntityKind.KOPERASI:
            errors["entity"] = [ValidationError(_("Entitas ini bukan koperasi."), code="wrong_kind")]
        if self.nik_koperasi:
            other = (
                Koperasi.objects.filter(nik_koperasi=self.nik_koperasi)
                .exclude(pk=self.pk)
                .select_related("entity")
                .first()
            )
            if other is not None:
                errors["nik_koperasi"] = [
                    ValidationError(
                        _("NIK koperasi %(nik_koperasi)s sudah dipakai oleh %(name)s."),
                        code="duplicate_nik_koperasi",
                        params={
                            "nik_koperasi": self.nik_koperasi,
                            "name": other.entity.name,
                            "entity_id": other.pk,
                        },
                    )
                ]
        if self.tanggal_badan_hukum and self.tanggal_badan_hukum > timezone.localdate():
            errors["tanggal_badan_hukum"] = [ValidationError(_("Tanggal belum tiba."), code="future_date")]
        if errors:
            raise ValidationError(errors)


def _refuse_koperasi_delete(sender, instance, **kwargs):
    # Also covers deletes that do not go through Koperasi.delete() (cascades, raw querysets).
    if not _DELETE_ALLOWED.get():
        raise KoperasiCannotBeDeleted(_NO_DELETE)


pre_delete.connect(_refuse_koperasi_delete, sender=Koperasi, dispatch_uid="registry-koperasi-no-delete")


def _koperasi_region(row: models.Model) -> str:
    return row.koperasi.entity.kabkota_id or ""


_KOPERASI_SCOPE = {
    "region": "koperasi__entity__kabkota",
    "region_depth": 2,
    "owner": "koperasi__entity__memberships__user",
    "assignee": "koperasi__entity__assignments__user",
}


@scoped(**_KOPERASI_SCOPE)
@track(region=_koperasi_region)
class KoperasiStatusChange(models.Model):
    """One move of a koperasi's legal status, with its date and reason. Append-only."""

    koperasi = models.ForeignKey(
        Koperasi, on_delete=models.PROTECT, related_name="status_changes", verbose_name=_("koperasi")
    )
    from_status = models.CharField(_("dari status"), max_length=20, choices=LegalStatus.choices)
    to_status = models.CharField(_("ke status"), max_length=20, choices=LegalStatus.choices)
    date = models.DateField(_("tanggal berlaku"))
    reason = models.TextField(_("alasan"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("oleh"),
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("perubahan status koperasi")
        verbose_name_plural = _("perubahan status koperasi")
        ordering = ["koperasi", "-date", "-id"]

    def __str__(self) -> str:
        return f"{self.koperasi}: {self.from_status} → {self.to_status} ({self.date})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("Riwayat status koperasi tidak boleh diubah.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Riwayat status koperasi tidak boleh dihapus.")


@scoped(**_KOPERASI_SCOPE)
@track(region=_koperasi_region)
class RatRecord(models.Model):
    """The Rapat Anggota Tahunan held for one book year."""

    koperasi = models.ForeignKey(
        Koperasi, on_delete=models.PROTECT, related_name="rat_records", verbose_name=_("koperasi")
    )
    book_year = year_field(_("tahun buku"))
    # Imports often know the book year only, so the meeting date may be missing.
    held_on = models.DateField(_("tanggal RAT"), null=True, blank=True)

    class Meta:
        verbose_name = _("RAT")
        verbose_name_plural = _("RAT")
        ordering = ["koperasi", "-book_year"]
        constraints = [
            models.UniqueConstraint(fields=["koperasi", "book_year"], name="registry_rat_one_per_book_year")
        ]

    def __str__(self) -> str:
        return f"RAT {self.book_year} {self.koperasi}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        today = timezone.localdate()
        if self.book_year is not None and self.book_year >= today.year:
            errors["book_year"] = [
                ValidationError(
                    _("Tahun buku %(year)s belum ditutup: RAT-nya diadakan sesudah tahun itu berakhir."),
                    code="book_year_open",
                    params={"year": self.book_year},
                )
            ]
        if self.held_on is not None:
            if self.held_on > today:
                errors["held_on"] = [ValidationError(_("Tanggal belum tiba."), code="future_date")]
            elif self.book_year is not None and self.held_on.year <= self.book_year:
                errors["held_on"] = [
                    ValidationError(
                        _("RAT tahun buku %(year)s diadakan sesudah tahun buku itu berakhir."),
                        code="held_before_book_year_end",
                        params={"year": self.book_year},
                    )
                ]
        if errors:
            raise ValidationError(errors)


class OfficerRole(models.TextChoices):
    KETUA = "ketua", _("Ketua")
    SEKRETARIS = "sekretaris", _("Sekretaris")
    BENDAHARA = "bendahara", _("Bendahara")
    PENGAWAS = "pengawas", _("Pengawas")
    MANAJER = "manajer", _("Manajer")


@scoped(**_KOPERASI_SCOPE)
@track(region=_koperasi_region)
class KoperasiOfficer(models.Model):
    koperasi = models.ForeignKey(
        Koperasi, on_delete=models.PROTECT, related_name="officers", verbose_name=_("koperasi")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="koperasi_roles", verbose_name=_("pelaku")
    )
    role = models.CharField(_("jabatan"), max_length=12, choices=OfficerRole.choices)
    since = models.DateField(_("sejak"), null=True, blank=True)
    until = models.DateField(_("sampai"), null=True, blank=True)

    class Meta:
        verbose_name = _("pengurus koperasi")
        verbose_name_plural = _("pengurus koperasi")
        ordering = ["koperasi", "role", "-since"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.koperasi}"

    def clean(self) -> None:
        if self.since and self.until and self.until < self.since:
            raise ValidationError(
                {
                    "until": ValidationError(
                        _("Tanggal akhir sebelum tanggal mulai."), code="until_before_since"
                    )
                }
            )


# --- history and links --------------------------------------------------------------------

# The scope of any record that hangs off an entity (``entity`` FK): other apps declare with it.
ENTITY_SCOPE = {
    "region": "entity__kabkota",
    "region_depth": 2,
    "owner": "entity__memberships__user",
    "assignee": "entity__assignments__user",
}
_ENTITY_SCOPE = ENTITY_SCOPE
KOPERASI_ONLY_METRICS = ("members_male", "members_female", "own_capital", "business_volume", "shu")


@scoped(**_ENTITY_SCOPE)
@track(region=_entity_region)
class EntityYearMetrics(models.Model):
    """One year's figures of an entity. Each year is its own row: history is never overwritten."""

    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="year_metrics", verbose_name=_("entitas")
    )
    year = year_field(_("tahun"))
    sales = money_field(_("omzet"))
    assets = money_field(_("aset"))
    modal = money_field(_("modal usaha"))
    workers_male = count_field(_("tenaga kerja laki-laki"))
    workers_female = count_field(_("tenaga kerja perempuan"))
    members_male = count_field(_("anggota laki-laki"))
    members_female = count_field(_("anggota perempuan"))
    own_capital = money_field(_("modal sendiri"))
    business_volume = money_field(_("volume usaha"))
    shu = money_field(_("SHU"), signed=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("data tahunan entitas")
        verbose_name_plural = _("data tahunan entitas")
        ordering = ["entity", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "year"], name="registry_metrics_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.year}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        _check_not_future_year(self.year, "year", errors)
        if self.entity_id and self.entity.kind == EntityKind.UMKM:
            for name in KOPERASI_ONLY_METRICS:
                if getattr(self, name) is not None:
                    errors[name] = [
                        ValidationError(_("Hanya untuk koperasi, bukan UMKM."), code="koperasi_only")
                    ]
        if errors:
            raise ValidationError(errors)


@scoped(region="entity__kabkota", region_depth=2, owner="user")
@track(region=_entity_region)
class EntityMembership(models.Model):
    """A pelaku_usaha user who owns or runs an entity (confirmed by an officer)."""

    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("entitas")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="entity_memberships",
        verbose_name=_("pengguna"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dikonfirmasi oleh"),
    )
    confirmed_at = models.DateTimeField(_("dikonfirmasi pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("keanggotaan entitas")
        verbose_name_plural = _("keanggotaan entitas")
        constraints = [models.UniqueConstraint(fields=["entity", "user"], name="registry_membership_once")]

    def __str__(self) -> str:
        return f"{self.user} – {self.entity}"

    def clean(self) -> None:
        if self.user_id and self.user.role != Role.PELAKU_USAHA:
            raise ValidationError(
                {
                    "user": ValidationError(
                        _("Hanya pengguna pelaku usaha yang dapat memiliki entitas."), code="role"
                    )
                }
            )


@scoped(region="entity__kabkota", region_depth=2, assignee="user")
@track(region=_entity_region)
class EntityAssignment(models.Model):
    """A pendamping assigned to an entity for a period (``until`` empty: still assigned)."""

    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("entitas")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="entity_assignments",
        verbose_name=_("pendamping"),
    )
    since = models.DateField(_("sejak"), default=timezone.localdate)
    until = models.DateField(_("sampai"), null=True, blank=True)

    class Meta:
        verbose_name = _("penugasan pendamping")
        verbose_name_plural = _("penugasan pendamping")
        ordering = ["entity", "-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "user"],
                condition=models.Q(until__isnull=True),
                name="registry_assignment_one_open",
                violation_error_message=_("Pendamping ini sudah ditugaskan ke entitas ini."),
            )
        ]
        indexes = [models.Index(fields=["user", "until"], name="registry_assign_user_until")]

    def __str__(self) -> str:
        return f"{self.user} → {self.entity}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.user_id and self.user.role != Role.PENDAMPING:
            errors["user"] = [ValidationError(_("Yang ditugaskan harus pengguna pendamping."), code="role")]
        if self.since and self.until and self.until < self.since:
            errors["until"] = [
                ValidationError(_("Tanggal akhir sebelum tanggal mulai."), code="until_before_since")
            ]
        if errors:
            raise ValidationError(errors)


# --- self-service claims ------------------------------------------------------------------------


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu verifikasi")
    CONFIRMED = "confirmed", _("Dikonfirmasi")
    REJECTED = "rejected", _("Ditolak")


@scoped(region="entity__kabkota", region_depth=2, owner="user")
@track(region=_entity_region)
class EntityClaim(models.Model):
    """A pelaku_usaha user's request to be recognised as owner/officer of an entity.

    The user gives the entity's NIB (UMKM) or NIK koperasi; a district officer of the
    entity's kab/kota (or province staff) confirms it, which creates the
    :class:`EntityMembership`, or rejects it with a reason. Only identifiers that match
    an entity become claims, but the user is told the same thing either way, so the
    form cannot be used to find out which businesses are registered.
    """

    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="claims", verbose_name=_("entitas")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="entity_claims",
        verbose_name=_("pengguna"),
    )
    identifier = models.CharField(
        _("nomor yang dipakai"), max_length=16, help_text=_("NIB (UMKM) atau NIK koperasi.")
    )
    status = models.CharField(
        _("status klaim"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diputuskan oleh"),
    )
    decided_at = models.DateTimeField(_("diputuskan pada"), null=True, blank=True)
    reason = models.TextField(_("alasan"), blank=True)
    created_at = models.DateTimeField(_("diajukan pada"), auto_now_add=True)

    class Meta:
        verbose_name = _("klaim usaha")
        verbose_name_plural = _("klaim usaha")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "user"],
                condition=models.Q(status="pending"),
                name="registry_claim_one_pending",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="registry_claim_status")]

    def __str__(self) -> str:
        return f"{self.user} → {self.entity}"

    def clean(self) -> None:
        if self.user_id and self.user.role != Role.PELAKU_USAHA:
            raise ValidationError(
                {
                    "user": ValidationError(
                        _("Hanya pengguna pelaku usaha yang dapat mengklaim usaha."), code="role"
                    )
                }
            )


# Documents live in their own module (upload rules, storage); Django finds models imported here.
from berdaya.registry.batches import ColumnMapping, ImportBatch, ImportItem  # noqa: E402, F401
from berdaya.registry.documents import DocumentKind, EntityDocument  # noqa: E402, F401
