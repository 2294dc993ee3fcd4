"""Import batches: one uploaded spreadsheet, what it did to the registry, and how to undo it.

A batch is written in one transaction with the rows it imports, so a batch that
exists as "selesai" has all its rows and a killed import leaves only its "antre" /
"berjalan" record (shown as interrupted), never half its rows. Each entity the batch
created or changed has an :class:`ImportItem` (with the values it replaced), which is
what an admin's rollback uses.
"""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.core.audit import track
from berdaya.core.scoping import scoped


class ImportMode(models.TextChoices):
    VALID_ONLY = "valid-only", _("Simpan baris yang valid")
    ALL_OR_NOTHING = "all-or-nothing", _("Semua atau tidak sama sekali")


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Diunggah")
    CHECKING = "checking", _("Diperiksa")
    CHECKED = "checked", _("Siap disimpan")
    QUEUED = "queued", _("Antre")
    RUNNING = "running", _("Berjalan")
    DONE = "done", _("Selesai")
    REJECTED = "rejected", _("Ditolak")  # all-or-nothing with rejected rows: nothing saved
    UNUSABLE = "unusable", _("Berkas tidak dapat dipakai")
    FAILED = "failed", _("Gagal")
    ROLLED_BACK = "rolled_back", _("Dibatalkan")


ACTIVE = (BatchStatus.CHECKING, BatchStatus.QUEUED, BatchStatus.RUNNING)


def _upload_to(instance: ImportBatch, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:6]
    return f"impor/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


@scoped(region="region", region_depth=2, owner="uploaded_by")
@track(exclude=("errors_sample", "notices", "mapping"), region=lambda b: b.region_id or "")
class ImportBatch(models.Model):
    kind = models.CharField(_("jenis entitas"), max_length=10)
    mode = models.CharField(
        _("mode"), max_length=16, choices=ImportMode.choices, default=ImportMode.VALID_ONLY
    )
    status = models.CharField(
        _("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.UPLOADED
    )
    file = models.FileField(_("berkas"), upload_to=_upload_to, max_length=200, blank=True)
    original_name = models.CharField(_("nama berkas"), max_length=200)
    checksum = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("ukuran (bita)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pengunggah"),
    )
    # The uploader's scope (province or one kab/kota): who else may see the batch, and
    # where its rows may lie.
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("wilayah"),
    )
    mapping = models.JSONField(_("pemetaan kolom"), default=dict, blank=True)
    notices = models.JSONField(_("catatan"), default=list, blank=True)
    message = models.TextField(_("pesan"), blank=True)
    rows_total = models.PositiveIntegerField(_("baris"), default=0)
    rows_valid = models.PositiveIntegerField(_("baris valid"), default=0)
    rows_rejected = models.PositiveIntegerField(_("baris ditolak"), default=0)
    created = models.PositiveIntegerField(_("baru"), default=0)
    updated = models.PositiveIntegerField(_("diperbarui"), default=0)
    unchanged = models.PositiveIntegerField(_("tidak berubah"), default=0)
    errors_sample = models.JSONField(_("contoh kesalahan"), default=list, blank=True)
    report = models.FileField(
        _("laporan kesalahan"), upload_to="impor/laporan/%Y/%m", max_length=200, blank=True
    )
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dibatalkan oleh"),
    )

    class Meta:
        app_label = "registry"
        verbose_name = _("batch impor")
        verbose_name_plural = _("batch impor")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def can_commit(self) -> bool:
        return self.status == BatchStatus.CHECKED and self.rows_valid > 0

    @property
    def can_roll_back(self) -> bool:
        return self.status == BatchStatus.DONE and (self.created or self.updated)


class ItemAction(models.TextChoices):
    CREATED = "created", _("Baru")
    UPDATED = "updated", _("Diperbarui")


@scoped(region="batch__region", region_depth=2, owner="batch__uploaded_by")
@track(region=lambda i: i.batch.region_id or "")  # written in bulk: the batch's IMPORT event covers them
class ImportItem(models.Model):
    """One entity a batch created or changed, with the values it replaced (for rollback)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="items")
    entity = models.ForeignKey(
        "registry.Entity", on_delete=models.SET_NULL, null=True, blank=True, related_name="import_items"
    )
    row_number = models.PositiveIntegerField(_("baris"))
    action = models.CharField(_("tindakan"), max_length=8, choices=ItemAction.choices)
    before = models.JSONField(_("sebelum"), default=dict, blank=True)
    after = models.JSONField(_("sesudah"), default=dict, blank=True)

    class Meta:
        app_label = "registry"
        verbose_name = _("baris impor")
        verbose_name_plural = _("baris impor")
        indexes = [models.Index(fields=["batch", "action"], name="registry_importitem_batch")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


@scoped(region="region", region_depth=2, owner="updated_by")
@track(region=lambda m: m.region_id or "")
class ColumnMapping(models.Model):
    """How an office's own headers map to ours, remembered for its next file of that shape."""

    kind = models.CharField(_("jenis entitas"), max_length=10)
    signature = models.CharField(_("tanda kolom"), max_length=64)
    headers = models.JSONField(_("judul kolom"), default=list)
    mapping = models.JSONField(_("pemetaan"), default=dict)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "registry"
        constraints = [
            models.UniqueConstraint(fields=["kind", "signature", "region"], name="registry_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.signature[:8]}"
