"""Assessments of an entity against a versioned instrument, and the rules that turn weak factors
into recommended interventions.

An instrument (a questionnaire) is configuration; each of its versions holds its whole
definition as data (``definition.py``) and is frozen once published, so an assessment keeps
the exact questions, weights and bands it was scored with. Editing an instrument in use makes
a new version (``services.edit_version``).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from berdaya.core.audit import track
from berdaya.core.scoping import scoped, unscoped
from berdaya.diagnosis.definition import Definition
from berdaya.programmes.models import InterventionKind
from berdaya.registry.models import ENTITY_SCOPE, Entity, entity_region


class Purpose(models.TextChoices):
    VULNERABILITY = "kerentanan", _("Diagnosis faktor kerentanan")
    KOPERASI_HEALTH = "kesehatan_koperasi", _("Kesehatan koperasi (KSP/USP)")


class AppliesTo(models.TextChoices):
    ALL = "semua", _("Koperasi dan UMKM")
    UMKM = "umkm", _("UMKM")
    KOPERASI = "koperasi", _("Koperasi")


@unscoped("configuration: the office's questionnaires, the same for every user")
@track()
class Instrument(models.Model):
    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    purpose = models.CharField(_("tujuan"), max_length=20, choices=Purpose.choices)
    applies_to = models.CharField(_("berlaku untuk"), max_length=10, choices=AppliesTo.choices)
    description = models.TextField(_("keterangan"), blank=True)
    active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("instrumen penilaian")
        verbose_name_plural = _("instrumen penilaian")
        ordering = ["purpose", "code"]

    def __str__(self) -> str:
        return self.name

    def fits(self, entity: Entity) -> bool:
        return self.applies_to in (AppliesTo.ALL, entity.kind)

    def current_version(self) -> InstrumentVersion | None:
        return self.versions.filter(status=VersionStatus.PUBLISHED).first()


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    PUBLISHED = "published", pgettext_lazy("status versi instrumen", "Berlaku")
    RETIRED = "retired", _("Tidak berlaku")


_FROZEN_SPECS: dict[tuple, Definition] = {}


@unscoped("configuration: a version of a questionnaire")
@track(exclude=("definition",))
class InstrumentVersion(models.Model):
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="versions", verbose_name=_("instrumen")
    )
    number = models.PositiveIntegerField(_("versi"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    definition = models.JSONField(_("definisi"))
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("turunan dari"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    published_at = models.DateTimeField(_("diberlakukan"), null=True, blank=True)

    class Meta:
        verbose_name = _("versi instrumen")
        verbose_name_plural = _("versi instrumen")
        ordering = ["instrument", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="diagnosis_version_number"),
            models.UniqueConstraint(
                fields=["instrument"],
                condition=Q(status="published"),
                name="diagnosis_one_published_version",
            ),
            models.UniqueConstraint(
                fields=["instrument"], condition=Q(status="draft"), name="diagnosis_one_draft_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.number} ({self.spec.label})"

    @cached_property
    def spec(self) -> Definition:
        if self.is_frozen and self.pk:
            # A published or retired version never changes: parse it once per process, not once
            # per row of a worklist page (each row has its own instance).
            # (keyed with the publication time too: a restored or test database may reuse a pk)
            key = (self.pk, self.published_at)
            cached = _FROZEN_SPECS.get(key)
            if cached is None:
                cached = _FROZEN_SPECS[key] = Definition.model_validate(self.definition)
            return cached
        return Definition.model_validate(self.definition)

    def refresh_from_db(self, *args, **kwargs) -> None:
        self.__dict__.pop("spec", None)  # the definition may have changed
        super().refresh_from_db(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.status != VersionStatus.DRAFT


class Source(models.TextChoices):
    FORM = "form", _("Formulir")
    IMPORT = "import", _("Impor berkas")
    API = "api", _("API")
    SEED = "seed", _("Data demo")


@scoped(**ENTITY_SCOPE)
@track(region=entity_region)
class Assessment(models.Model):
    """One entity assessed against one instrument version on one date, with its scores."""

    # Chosen by the client before the first try: a form re-sent after a dropped connection,
    # an API retry or a re-imported file finds the assessment it already made.
    key = models.UUIDField(_("kunci idempoten"), unique=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("entitas")
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="+", verbose_name=_("instrumen")
    )
    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("versi")
    )
    assessed_on = models.DateField(_("tanggal penilaian"))
    book_year = models.PositiveSmallIntegerField(_("tahun buku"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("penilai"),
    )
    source = models.CharField(_("sumber"), max_length=10, choices=Source.choices, default=Source.FORM)
    answers = models.JSONField(_("jawaban"), default=dict)
    overall_score = models.DecimalField(_("skor keseluruhan"), max_digits=5, decimal_places=2)
    band = models.CharField(_("tingkat"), max_length=40)
    weak_count = models.PositiveSmallIntegerField(_("jumlah faktor lemah"), default=0)
    lat = models.FloatField(_("lintang kunjungan"), null=True, blank=True)
    lon = models.FloatField(_("bujur kunjungan"), null=True, blank=True)
    location_accuracy = models.PositiveIntegerField(_("akurasi lokasi (m)"), null=True, blank=True)
    photo = models.ForeignKey(
        "registry.EntityDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("foto kunjungan"),
    )
    notes = models.TextField(_("catatan"), blank=True)
    # The newest assessment of this entity with this instrument: what the profile, the worklist
    # and the dashboard read, kept by the service so readers never compute "latest per entity".
    is_latest = models.BooleanField(_("terbaru"), default=False, editable=False)
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("penilaian")
        verbose_name_plural = _("penilaian")
        ordering = ["-assessed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "instrument"], condition=Q(is_latest=True), name="diagnosis_one_latest"
            ),
            models.CheckConstraint(
                condition=Q(overall_score__gte=0) & Q(overall_score__lte=100), name="diagnosis_overall_range"
            ),
        ]
        indexes = [
            models.Index(fields=["entity", "instrument", "-assessed_on"], name="diagnosis_entity_history"),
            # the worklist: most weak factors first, then the lowest score
            models.Index(
                fields=["instrument", "-weak_count", "overall_score"],
                condition=Q(is_latest=True),
                name="diagnosis_latest_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity} – {self.instrument} {self.assessed_on:%d/%m/%Y}"

    @property
    def band_spec(self):
        return next((b for b in self.version.spec.bands if b.code == self.band), None)


@scoped(
    region="kabkota",
    region_depth=2,
    owner="entity__memberships__user",
    assignee="entity__assignments__user",
)
@track(region=lambda row: row.kabkota_id or "")
class SectionScore(models.Model):
    """The score of one section (factor) of one assessment: what aggregates count set-wise.

    Written once with its assessment (the assessment's audit covers it); ``entity``,
    ``instrument`` and ``is_latest`` repeat the assessment's, and ``kabkota`` /
    ``kbli_category`` the entity's (kept in step by ``services.sync_entity_facts``), so that
    "weak factors by kab/kota and sector" is one index-only scan with no join (D18).
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="section_scores", verbose_name=_("penilaian")
    )
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+", verbose_name=_("entitas"))
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    section = models.CharField(_("bagian"), max_length=40)
    score = models.DecimalField(_("skor"), max_digits=5, decimal_places=2, null=True, blank=True)
    is_factor = models.BooleanField(_("faktor"), default=True)
    weak = models.BooleanField(_("lemah"), default=False)
    is_latest = models.BooleanField(_("terbaru"), default=False)
    kabkota = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    kbli_category = models.CharField(_("kategori KBLI"), max_length=1, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("skor bagian")
        verbose_name_plural = _("skor bagian")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "section"], name="diagnosis_section_once"),
        ]
        indexes = [
            models.Index(
                fields=["instrument", "section", "weak", "entity"],
                condition=Q(is_latest=True),
                name="diagnosis_latest_section",
            ),
            # the dashboard's weak factors by kab/kota and sector, read off the index alone
            models.Index(
                fields=["instrument", "kabkota", "kbli_category", "section", "weak"],
                condition=Q(is_latest=True, is_factor=True, score__isnull=False),
                name="diagnosis_latest_by_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section}: {self.score}"


@unscoped("configuration: the office's recommendation rules")
@track()
class RecommendationRule(models.Model):
    """A weak factor (a section of an instrument) → an intervention worth offering."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="rules", verbose_name=_("instrumen")
    )
    section = models.CharField(_("faktor / aspek"), max_length=40)
    applies_to = models.CharField(
        _("berlaku untuk"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.ALL
    )
    below = models.DecimalField(
        _("jika skor di bawah"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Kosongkan untuk memakai batas faktor lemah instrumen."),
    )
    intervention = models.CharField(_("intervensi"), max_length=20, choices=InterventionKind.choices)
    topic = models.CharField(_("topik"), max_length=160, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("prioritas"), default=50, help_text=_("Kecil = lebih dulu.")
    )
    active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("aturan rekomendasi")
        verbose_name_plural = _("aturan rekomendasi")
        ordering = ["instrument", "section", "priority", "id"]

    def __str__(self) -> str:
        return f"{self.section} → {self.get_intervention_display()}"

    def threshold(self, weak_below: Decimal | None) -> Decimal | None:
        return self.below if self.below is not None else weak_below
