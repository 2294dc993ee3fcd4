"""The intervention ledger: every service delivered to an entity, whatever programme gave it.

SPEC §3 "Intervention": one service delivered to one entity by one programme. Each programme
kind (grants, training, credit, …) writes its deliveries here, so the entity's timeline, the
"not yet served" filter of the diagnosis worklist and the reach figures read one table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from berdaya.core.audit import track
from berdaya.core.scoping import scoped
from berdaya.registry.models import Entity


class InterventionKind(models.TextChoices):
    """What the office can do about a weak factor (SPEC §1); programme kinds deliver these."""

    GRANT = "hibah", _("Bantuan permodalan (hibah)")
    KUR_REFERRAL = "kur", _("Fasilitasi kredit / KUR")
    TRAINING = "pelatihan", _("Pendidikan dan pelatihan")
    DIGITAL_TRAINING = "digitalisasi", _("Pelatihan digitalisasi")
    EVENT = "pameran", _("Pameran / bazar")
    CATALOGUE = "katalog", _("Katalog produk")
    PARTNERSHIP = "kemitraan", _("Fasilitasi kemitraan")
    CONSULTATION = "konsultasi", _("Konsultasi / pendampingan")
    LEGALITY = "legalitas", _("Fasilitasi legalitas (NIB, halal, P-IRT)")


def _entity_region(row: models.Model) -> str:
    return row.entity.kabkota_id or ""


@scoped(
    region="entity__kabkota",
    region_depth=2,
    owner="entity__memberships__user",
    assignee="entity__assignments__user",
)
@track(region=_entity_region)
class Intervention(models.Model):
    entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="interventions", verbose_name=_("entitas")
    )
    kind = models.CharField(_("jenis intervensi"), max_length=20, choices=InterventionKind.choices)
    delivered_on = models.DateField(_("tanggal"))
    title = models.CharField(_("uraian"), max_length=200)
    amount = models.BigIntegerField(_("nilai (Rp)"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("intervensi")
        verbose_name_plural = _("intervensi")
        ordering = ["-delivered_on", "-id"]
        indexes = [models.Index(fields=["entity", "delivered_on"], name="programmes_interv_entity")]

    def __str__(self) -> str:
        return f"{self.entity} – {self.title}"
