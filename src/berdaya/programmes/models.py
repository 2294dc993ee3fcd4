"""The intervention ledger: every service delivered to an entity, whatever programme gave it.

SPEC §3 "Intervention": one service delivered to one entity by one programme. Each programme
kind (grants, training, credit, …) writes its deliveries here, so the entity's timeline, the
"not yet served" filter of the diagnosis worklist and the reach figures read one table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from berdaya.core.audit import track
from berdaya.core.scoping import scoped, unscoped
from berdaya.registry.models import ENTITY_SCOPE, Entity, entity_region


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


@scoped(**ENTITY_SCOPE)
@track(region=entity_region)
class Intervention(models.Model):
    entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="interventions", verbose_name=_("entitas")
    )
    kind = models.CharField(_("jenis intervensi"), max_length=20, choices=InterventionKind.choices)
    delivered_on = models.DateField(_("tanggal"))
    title = models.CharField(_("uraian"), max_length=200)
    amount = models.BigIntegerField(_("nilai (Rp)"), null=True, blank=True)
    programme = models.ForeignKey(
        "Programme", on_delete=models.PROTECT, null=True, blank=True, related_name="interventions"
    )
    application = models.OneToOneField(
        "Application", on_delete=models.PROTECT, null=True, blank=True, related_name="intervention"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("intervensi")
        verbose_name_plural = _("intervensi")
        ordering = ["-delivered_on", "-id"]
        indexes = [
            models.Index(fields=["entity", "delivered_on"], name="programmes_interv_entity"),
            models.Index(fields=["kind", "delivered_on", "entity"], name="programmes_interv_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} – {self.title}"


# --- programmes -----------------------------------------------------------------------------


class ProgrammeKind(models.TextChoices):
    """A pillar of the office's work run on the engine; each adds only what is its own."""

    GRANT = "hibah", _("Bantuan permodalan (hibah)")


class FundingSource(models.TextChoices):
    APBD_PROVINSI = "apbd_provinsi", _("APBD provinsi")
    APBD_KABKOTA = "apbd_kabkota", _("APBD kabupaten/kota")
    APBN_DAK = "apbn_dak", _("APBN / DAK")
    CSR = "csr", _("CSR")


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    OPEN = "open", _("Dibuka")
    CLOSED = "closed", _("Ditutup")
    COMPLETED = "completed", _("Selesai")


@unscoped("the office's programmes are shown to every office role; applications carry the scope")
@track()
class Programme(models.Model):
    kind = models.CharField(_("jenis program"), max_length=20, choices=ProgrammeKind.choices)
    name = models.CharField(_("nama program"), max_length=200)
    year = models.PositiveSmallIntegerField(_("tahun anggaran"))
    funding_source = models.CharField(_("sumber dana"), max_length=20, choices=FundingSource.choices)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("wilayah sasaran"),
        help_text=_("Provinsi untuk seluruh provinsi, atau satu kabupaten/kota."),
    )
    total_budget = models.BigIntegerField(_("pagu anggaran (Rp)"))
    ceiling = models.BigIntegerField(_("batas per penerima (Rp)"))
    opens_on = models.DateField(_("dibuka"))
    closes_on = models.DateField(_("ditutup"))
    unit = models.CharField(_("unit penanggung jawab"), max_length=200, blank=True)
    description = models.TextField(_("keterangan"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    # Eligibility conditions as data (programmes/eligibility.py); evaluated set-wise.
    eligibility = models.JSONField(_("syarat kelayakan"), default=list, blank=True)
    # Kept by the approval service under the programme's row lock: the budget check reads these.
    approved_total = models.BigIntegerField(_("jumlah disetujui (Rp)"), default=0, editable=False)
    approved_count = models.PositiveIntegerField(_("penerima disetujui"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("program")
        ordering = ["-year", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(total_budget__gt=0), name="programmes_budget_positive"),
            models.CheckConstraint(condition=Q(ceiling__gt=0), name="programmes_ceiling_positive"),
            models.CheckConstraint(
                condition=Q(approved_total__lte=models.F("total_budget")), name="programmes_within_budget"
            ),
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="programmes_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    @property
    def remaining(self) -> int:
        return self.total_budget - self.approved_total


@unscoped("part of a programme's configuration; counts are not personal data")
@track()
class DistrictQuota(models.Model):
    """How many recipients a kab/kota may have in a programme (kept under the quota row's lock)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="quotas")
    kabkota = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("kabupaten/kota")
    )
    quota = models.PositiveIntegerField(_("kuota penerima"))
    approved = models.PositiveIntegerField(_("disetujui"), default=0, editable=False)

    class Meta:
        verbose_name = _("kuota kabupaten/kota")
        verbose_name_plural = _("kuota kabupaten/kota")
        ordering = ["programme", "kabkota"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "kabkota"], name="programmes_quota_once"),
            models.CheckConstraint(
                condition=Q(approved__lte=models.F("quota")), name="programmes_within_quota"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} – {self.kabkota_id}: {self.approved}/{self.quota}"


class Stage(models.TextChoices):
    SUBMITTED = "submitted", _("Diajukan")
    VERIFIED = "verified", _("Terverifikasi")
    APPROVED = "approved", _("Disetujui")
    DELIVERED = "delivered", _("Disalurkan")
    REPORTED = "reported", _("Laporan penggunaan masuk")
    CLOSED = "closed", _("Selesai")
    REJECTED = "rejected", _("Ditolak")
    WITHDRAWN = "withdrawn", pgettext_lazy("tahap permohonan", "Dibatalkan")


# Stages after which an application no longer holds its place in the programme.
ENDED_WITHOUT_AWARD = (Stage.REJECTED, Stage.WITHDRAWN)


class Channel(models.TextChoices):
    NOMINATED = "nominated", _("Diusulkan petugas")
    PORTAL = "portal", _("Diajukan pelaku usaha")
    IMPORT = "import", _("Impor")
    SEED = "seed", _("Data demo")


@scoped(
    region="kabkota",
    region_depth=2,
    owner="entity__memberships__user",
    assignee="entity__assignments__user",
)
@track(region=lambda a: a.kabkota_id or "")
class Application(models.Model):
    """One entity in one programme, from nomination or application to closure."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="applications", verbose_name=_("program")
    )
    entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="applications", verbose_name=_("entitas")
    )
    # The entity's kab/kota when it applied: scope and quota follow it even if the entity moves.
    kabkota = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("kabupaten/kota")
    )
    stage = models.CharField(_("tahap"), max_length=12, choices=Stage.choices, default=Stage.SUBMITTED)
    channel = models.CharField(_("jalur"), max_length=12, choices=Channel.choices)
    amount_requested = models.BigIntegerField(_("jumlah diajukan (Rp)"), null=True, blank=True)
    amount_approved = models.BigIntegerField(_("jumlah disetujui (Rp)"), null=True, blank=True)
    purpose = models.TextField(_("rencana penggunaan"), blank=True)
    rejected_at_stage = models.CharField(
        _("ditolak pada tahap"), max_length=12, choices=Stage.choices, blank=True
    )
    reason = models.TextField(_("alasan"), blank=True)
    # What the approval was based on (size class, scores, amounts, eligibility): later registry
    # edits cannot change it (the OpenSPP lesson, ARCHITECTURE.md).
    frozen = models.JSONField(_("fakta saat disetujui"), default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("permohonan")
        verbose_name_plural = _("permohonan")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One entity, one place in a programme; a rejected or withdrawn one may try again.
            models.UniqueConstraint(
                fields=["programme", "entity"],
                condition=~Q(stage__in=["rejected", "withdrawn"]),
                name="programmes_one_application",
                violation_error_message=_("Entitas ini sudah terdaftar dalam program ini."),
            ),
            models.CheckConstraint(
                condition=Q(amount_requested__isnull=True) | Q(amount_requested__gt=0),
                name="programmes_requested_positive",
            ),
            models.CheckConstraint(
                condition=Q(amount_approved__isnull=True) | Q(amount_approved__gt=0),
                name="programmes_approved_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "stage", "kabkota"], name="programmes_app_queue"),
            models.Index(fields=["kabkota", "stage"], name="programmes_app_district"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} – {self.programme}"


@scoped(
    region="application__kabkota",
    region_depth=2,
    owner="application__entity__memberships__user",
    assignee="application__entity__assignments__user",
)
@track(region=lambda e: e.application.kabkota_id or "")
class ApplicationEvent(models.Model):
    """One step of an application: the trail its detail page shows (the audit log keeps all fields)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(_("dari"), max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("ke"), max_length=12, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("catatan"), blank=True)
    at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("langkah permohonan")
        verbose_name_plural = _("langkah permohonan")
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_stage} → {self.to_stage}"


@scoped(
    region="application__kabkota",
    region_depth=2,
    owner="application__entity__memberships__user",
    assignee="application__entity__assignments__user",
)
@track(region=lambda d: d.application.kabkota_id or "")
class ApplicationDocument(models.Model):
    """A document attached to an application (stored as the entity's document, scope-checked)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey("registry.EntityDocument", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("dokumen permohonan")
        verbose_name_plural = _("dokumen permohonan")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.document_id}"
