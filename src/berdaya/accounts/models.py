from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.core.audit import track
from berdaya.core.scoping import scoped, unscoped


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DINAS_PROVINSI = "dinas_provinsi", _("Dinas provinsi")
    DINAS_KABKOTA = "dinas_kabkota", _("Dinas kabupaten/kota")
    PENDAMPING = "pendamping", _("Pendamping")
    KONSULTAN = "konsultan", _("Konsultan")
    MITRA = "mitra", _("Mitra")
    PELAKU_USAHA = "pelaku_usaha", _("Pelaku usaha")
    PIMPINAN = "pimpinan", _("Pimpinan")


class PartnerKind(models.TextChoices):
    BANK = "bank", _("Bank / lembaga keuangan")
    BPJS = "bpjs", _("BPJS Ketenagakerjaan")
    INSTITUTE = "lembaga", _("Lembaga / instansi")
    BUYER = "pembeli", _("Pembeli / offtaker")
    OTHER = "lainnya", _("Lainnya")


@scoped(partner="pk")
@track()
class Partner(models.Model):
    """A partner institution (bank, BPJS, institute, buyer) whose staff are ``mitra`` users."""

    name = models.CharField(_("nama lembaga"), max_length=200, unique=True)
    kind = models.CharField(_("jenis"), max_length=10, choices=PartnerKind.choices)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("lembaga mitra")
        verbose_name_plural = _("lembaga mitra")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `berdaya createsuperuser` must give a working administrator: the pages and the
        # scoping layer go by role and region, not by is_superuser.
        extra_fields.setdefault("role", Role.ADMIN)
        extra_fields.setdefault("region_id", settings.BERDAYA_PROVINCE)
        return super().create_superuser(username, email, password, **extra_fields)


@unscoped("user accounts: managed by admins only (accounts.manage_users)")
@track(
    exclude=("password", "last_login"),
    permission_fields=("role", "region", "partner", "is_active", "is_staff", "is_superuser"),
    region=lambda user: user.region_id or "",
)
class User(AbstractUser):
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices, default=Role.PELAKU_USAHA)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("wilayah tugas"),
        help_text=_("Provinsi atau satu kabupaten/kota; membatasi data yang dapat dilihat."),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("lembaga mitra"),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    @property
    def is_province_wide(self) -> bool:
        return self.role in {Role.ADMIN, Role.DINAS_PROVINSI, Role.PIMPINAN}

    def clean(self) -> None:
        super().clean()
        errors = scope_errors(self.role, self.region_id, self.partner_id)
        if errors:
            raise ValidationError(errors)


PROVINCE_ROLES = frozenset({Role.ADMIN, Role.DINAS_PROVINSI, Role.PIMPINAN})
# The scope of these roles comes from assignments, ownership or the partner institution;
# their region is where they work, and is optional only for business owners.
REGION_OPTIONAL_ROLES = frozenset({Role.PELAKU_USAHA})


def scope_errors(role: str, region_code: str | None, partner_id: int | None) -> dict[str, list[str]]:
    """What is wrong with this combination of role, region and partner (empty when valid).

    The region decides what a district officer sees (core/scoping.py), so a wrong one
    silently widens or empties their view: it is checked here, for every way a user is saved
    through a form (our pages and Django's admin site).
    """
    province = settings.BERDAYA_PROVINCE
    errors: dict[str, list[str]] = {}
    depth = region_code.count(".") + 1 if region_code else 0
    if region_code and region_code != province and not region_code.startswith(f"{province}."):
        errors["region"] = [_("Wilayah tugas harus berada di provinsi ini (%(code)s).") % {"code": province}]
    elif depth > 2:
        errors["region"] = [
            _("Wilayah tugas adalah provinsi atau satu kabupaten/kota, bukan kecamatan/desa.")
        ]
    elif role in PROVINCE_ROLES and region_code != province:
        errors["region"] = [_("Peran ini bertugas untuk seluruh provinsi: pilih wilayah provinsi.")]
    elif role == Role.DINAS_KABKOTA and depth != 2:
        errors["region"] = [_("Petugas dinas kabupaten/kota harus diberi satu kabupaten/kota.")]
    elif not region_code and role not in REGION_OPTIONAL_ROLES:
        errors["region"] = [_("Pilih wilayah tugas.")]
    if role == Role.MITRA and not partner_id:
        errors["partner"] = [_("Pengguna mitra harus terhubung ke satu lembaga mitra.")]
    elif role != Role.MITRA and partner_id:
        errors["partner"] = [_("Lembaga mitra hanya diisi untuk peran mitra.")]
    return errors


TOKEN_PREFIX = "bdy_"


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random strings: a plain SHA-256 is enough to make a stolen
    # table useless, and it lets us look a token up by its hash (argon2 could not).
    return hashlib.sha256(raw.encode()).hexdigest()


@scoped(owner="user")
@track(exclude=("token_hash", "last_used_at"), region=lambda t: "")
class ApiToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nama token"), max_length=80)
    prefix = models.CharField(_("awalan"), max_length=16, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    expires_at = models.DateTimeField(_("berlaku sampai"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def generate(cls) -> tuple[str, str, str]:
        """A new raw token, its public prefix and its hash. The raw token is shown once."""
        prefix = TOKEN_PREFIX + secrets.token_hex(4)
        raw = f"{prefix}_{secrets.token_urlsafe(32)}"
        return raw, prefix, hash_token(raw)

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
