"""What a capital grant (bantuan permodalan) adds to the programme engine: the money paid out,
to which account, and the recipient's report of its use."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from berdaya.core.audit import track
from berdaya.core.scoping import scoped

_APPLICATION_SCOPE = {
    "region": "application__kabkota",
    "region_depth": 2,
    "owner": "application__entity__memberships__user",
    "assignee": "application__entity__assignments__user",
}


def _region(row: models.Model) -> str:
    return row.application.kabkota_id or ""


class PaymentChannel(models.TextChoices):
    TRANSFER = "transfer", _("Transfer bank")
    CASH = "tunai", _("Tunai")
    GIRO = "giro", _("Cek / giro")


@scoped(**_APPLICATION_SCOPE)
@track(exclude=("account_encrypted",), region=_region)
class Disbursement(models.Model):
    """One payment of an approved grant (several tranches are possible)."""

    application = models.ForeignKey(
        "programmes.Application", on_delete=models.PROTECT, related_name="disbursements"
    )
    paid_on = models.DateField(_("tanggal penyaluran"))
    amount = models.BigIntegerField(_("jumlah (Rp)"))
    channel = models.CharField(_("cara penyaluran"), max_length=10, choices=PaymentChannel.choices)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    # The recipient's account number is personal data (SPEC §6): encrypted, shown masked.
    account_encrypted = models.CharField(
        _("rekening (terenkripsi)"), max_length=255, blank=True, editable=False
    )
    account_masked = models.CharField(_("nomor rekening"), max_length=40, blank=True, editable=False)
    account_holder = models.CharField(_("nama pemilik rekening"), max_length=200, blank=True)
    reference = models.CharField(_("nomor bukti / SP2D"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("penyaluran")
        verbose_name_plural = _("penyaluran")
        ordering = ["application", "paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="grants_amount_positive")]

    def __str__(self) -> str:
        return f"{self.application} – {self.amount}"


@scoped(**_APPLICATION_SCOPE)
@track(region=_region)
class UsageReport(models.Model):
    """Laporan penggunaan: how the recipient used the grant."""

    application = models.OneToOneField(
        "programmes.Application", on_delete=models.PROTECT, related_name="usage_report"
    )
    submitted_on = models.DateField(_("tanggal laporan"))
    amount_used = models.BigIntegerField(_("jumlah digunakan (Rp)"))
    summary = models.TextField(_("uraian penggunaan"))
    document = models.ForeignKey(
        "registry.EntityDocument", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("laporan penggunaan")
        verbose_name_plural = _("laporan penggunaan")
        constraints = [
            models.CheckConstraint(condition=Q(amount_used__gte=0), name="grants_used_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.application} – {self.submitted_on:%d/%m/%Y}"
