from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DINAS_PROVINSI = "dinas_provinsi", _("Dinas provinsi")
    DINAS_KABKOTA = "dinas_kabkota", _("Dinas kabupaten/kota")
    PENDAMPING = "pendamping", _("Pendamping")
    KONSULTAN = "konsultan", _("Konsultan")
    MITRA = "mitra", _("Mitra")
    PELAKU_USAHA = "pelaku_usaha", _("Pelaku usaha")
    PIMPINAN = "pimpinan", _("Pimpinan")


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

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
