from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from berdaya.core.scoping import unscoped


class Level(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan")
    DESA = "desa", _("Desa")
    DESA_ADAT = "desa_adat", _("Desa adat")


# Depth of a dotted Kemendagri code = number of segments.
DEPTH_PROVINCE, DEPTH_KABKOTA, DEPTH_KECAMATAN, DEPTH_DESA = 1, 2, 3, 4


@unscoped("Kemendagri reference data, the same for everyone")
class Region(models.Model):
    """One Kemendagri administrative region; the code is the key (``74.71.01.1001``)."""

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=120)
    level = models.CharField(_("tingkat"), max_length=12, choices=Level.choices)
    depth = models.PositiveSmallIntegerField(_("kedalaman"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("induk"),
    )

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        indexes = [models.Index(fields=["depth", "name"]), models.Index(fields=["parent", "name"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def kabkota_code(self) -> str | None:
        return self.code[:5] if self.depth >= DEPTH_KABKOTA else None
