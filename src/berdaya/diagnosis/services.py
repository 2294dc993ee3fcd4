"""Every write of the diagnosis app: instruments and their versions, assessments, rules.

Each function is one business action, atomic, and audited (the models are tracked; bulk
paths write their events through ``core.audit.record_many``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError as SchemaError

from berdaya.accounts.models import Role
from berdaya.accounts.permissions import require
from berdaya.core.scoping import visible
from berdaya.diagnosis import scoring
from berdaya.diagnosis.definition import Definition, InstrumentFile
from berdaya.diagnosis.models import (
    Assessment,
    Instrument,
    InstrumentVersion,
    Purpose,
    SectionScore,
    Source,
    VersionStatus,
)
from berdaya.registry.models import Entity

SHIPPED = Path(__file__).resolve().parent / "instruments"


# --- instruments -----------------------------------------------------------------------------


def definition_errors(data: Any) -> list[str]:
    """Messages for a definition that does not hold together (empty when it does)."""
    try:
        Definition.model_validate(data)
    except SchemaError as exc:
        return [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
    return []


def install_shipped(directory: Path = SHIPPED) -> list[Instrument]:
    """Create the instruments shipped in ``instruments/*.json`` that do not exist yet (published v1)."""
    installed = []
    for path in sorted(directory.glob("*.json")):
        shipped = InstrumentFile.model_validate_json(path.read_text(encoding="utf-8"))
        if Instrument.objects.filter(code=shipped.code).exists():
            continue
        with transaction.atomic():
            instrument = Instrument.objects.create(
                code=shipped.code,
                name=shipped.name,
                purpose=shipped.purpose,
                applies_to=shipped.applies_to,
                description=shipped.description,
            )
            InstrumentVersion.objects.create(
                instrument=instrument,
                number=1,
                status=VersionStatus.PUBLISHED,
                definition=json.loads(shipped.version.model_dump_json()),
                published_at=timezone.now(),
            )
        installed.append(instrument)
    return installed


def draft_of(instrument: Instrument, user: Any) -> InstrumentVersion:
    """The instrument's draft, made from the version in force when there is none yet."""
    require(user, "diagnosis.manage")
    with transaction.atomic():
        Instrument.objects.select_for_update().get(pk=instrument.pk)  # one draft at a time
        draft = instrument.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is not None:
            return draft
        base = instrument.current_version() or instrument.versions.order_by("-number").first()
        number = (instrument.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        return InstrumentVersion.objects.create(
            instrument=instrument,
            number=number,
            status=VersionStatus.DRAFT,
            definition=base.definition if base else {},
            based_on=base,
            created_by=user,
        )


def edit_version(version: InstrumentVersion, definition: Mapping[str, Any], user: Any) -> InstrumentVersion:
    """Save a changed definition. A version in force or retired is never changed: the change goes
    to the instrument's draft (made from it), so the assessments scored with it keep their scores."""
    require(user, "diagnosis.manage")
    errors = definition_errors(definition)
    if errors:
        raise ValidationError({"definition": errors})
    target = version
    if version.is_frozen:
        target = draft_of(version.instrument, user)
        stored = InstrumentVersion.objects.values_list("definition", flat=True).get(pk=version.pk)
        if target.based_on_id == version.pk and target.definition != stored:
            # The draft already holds other changes: writing "this version + one change" over it
            # would silently drop them. The editor applies changes to the draft itself.
            raise ValidationError(
                _("Sudah ada draf (versi %(n)s) dengan perubahan lain; sunting draf itu.")
                % {"n": target.number},
                code="draft_exists",
            )
    target.definition = json.loads(Definition.model_validate(definition).model_dump_json())
    target.__dict__.pop("spec", None)
    target.save(update_fields=["definition"])
    return target


def publish(version: InstrumentVersion, user: Any) -> InstrumentVersion:
    require(user, "diagnosis.manage")
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Hanya draf yang dapat diberlakukan."), code="not_draft")
    errors = definition_errors(version.definition)
    if errors:
        raise ValidationError({"definition": errors})
    with transaction.atomic():
        Instrument.objects.select_for_update().get(pk=version.instrument_id)
        for old in InstrumentVersion.objects.filter(
            instrument=version.instrument_id, status=VersionStatus.PUBLISHED
        ):
            old.status = VersionStatus.RETIRED
            old.save(update_fields=["status"])
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.save(update_fields=["status", "published_at"])
    return version


def discard_draft(version: InstrumentVersion, user: Any) -> None:
    require(user, "diagnosis.manage")
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Hanya draf yang dapat dibuang."), code="not_draft")
    version.delete()


# --- assessments -----------------------------------------------------------------------------


class AssessmentRefused(ValidationError):
    pass


@dataclass(frozen=True)
class Visit:
    """Evidence of the field visit (all optional)."""

    lat: float | None = None
    lon: float | None = None
    accuracy: int | None = None
    notes: str = ""
    photo: Any = None  # an uploaded file; stored as an entity document (registry.documents)


def check_can_assess(user: Any, entity: Entity, instrument: Instrument) -> None:
    """Raise unless ``user`` may assess ``entity`` with ``instrument`` today.

    Out of scope is reported as not found by the callers (they look the entity up through
    ``visible``); this adds what the scope layer does not know: a pendamping assesses only the
    entities currently assigned to them, not those of an ended assignment.
    """
    require(user, "diagnosis.assess")
    if not visible(user, Entity).filter(pk=entity.pk).exists():
        raise PermissionDenied("entity outside the user's scope")
    if user.role == Role.PENDAMPING:
        today = timezone.localdate()
        current = entity.assignments.filter(user=user, since__lte=today).exclude(until__lt=today)
        if not current.exists():
            raise AssessmentRefused(
                _("Entitas ini tidak (lagi) ditugaskan kepada Anda."), code="not_assigned"
            )
    if not instrument.active:
        raise AssessmentRefused(_("Instrumen ini tidak aktif."), code="inactive")
    if not instrument.fits(entity):
        raise AssessmentRefused(
            _("Instrumen %(name)s tidak berlaku untuk %(kind)s.")
            % {"name": instrument.name, "kind": entity.get_kind_display()},
            code="wrong_kind",
        )


def _check_date(assessed_on: dt.date) -> None:
    today = timezone.localdate()
    if assessed_on > today:
        raise ValidationError({"assessed_on": _("Tanggal penilaian belum tiba.")}, code="future_date")
    if assessed_on.year < 2000:
        raise ValidationError({"assessed_on": _("Tanggal penilaian terlalu lama.")}, code="too_old")


def _check_visit(visit: Visit) -> None:
    if (visit.lat is None) != (visit.lon is None):
        raise ValidationError(
            {"lat": _("Isi lintang dan bujur bersama-sama.")}, code="coordinates_incomplete"
        )
    if visit.lat is not None and not (-90 <= visit.lat <= 90 and -180 <= visit.lon <= 180):
        raise ValidationError({"lat": _("Koordinat kunjungan tidak mungkin.")}, code="coordinates_invalid")


def assess(
    user: Any,
    entity: Entity,
    instrument: Instrument,
    answers: Mapping[str, Any],
    *,
    assessed_on: dt.date | None = None,
    key: uuid.UUID | str | None = None,
    book_year: int | None = None,
    visit: Visit | None = None,
    source: str = Source.FORM,
) -> tuple[Assessment, bool]:
    """Score and store one assessment; ``(assessment, created)``.

    ``key`` makes it idempotent: the same key again returns the assessment already stored
    (a form re-sent after a dropped connection, an API retry) instead of a second one.
    Invalid answers raise ``scoring.InvalidAnswers`` listing every question at fault.
    """
    require(user, "diagnosis.assess")
    if key is not None:
        key = uuid.UUID(str(key))
        existing = Assessment.objects.filter(key=key).first()
        if existing is not None:
            return _same_or_conflict(existing, entity), False
    check_can_assess(user, entity, instrument)
    version = instrument.current_version()
    if version is None:
        raise AssessmentRefused(_("Instrumen ini belum memiliki versi yang berlaku."), code="no_version")
    assessed_on = assessed_on or timezone.localdate()
    _check_date(assessed_on)
    visit = visit or Visit()
    _check_visit(visit)
    result = scoring.score(version.spec, answers)
    try:
        with transaction.atomic():
            # Serialise assessments of one entity: two arriving at once would each leave their own
            # row as the latest (the other not yet committed) and break "one latest per entity".
            Entity.objects.select_for_update().only("pk").get(pk=entity.pk)
            photo = None
            if visit.photo is not None:
                from berdaya.registry.documents import DocumentKind, add_document

                photo = add_document(
                    entity,
                    kind=DocumentKind.PHOTO,
                    title=_("Foto kunjungan %(date)s") % {"date": assessed_on.strftime("%d/%m/%Y")},
                    upload=visit.photo,
                    user=user,
                )
            assessment = Assessment.objects.create(
                key=key or uuid.uuid4(),
                entity=entity,
                instrument=instrument,
                version=version,
                assessed_on=assessed_on,
                book_year=book_year,
                assessed_by=user if getattr(user, "is_authenticated", False) else None,
                source=source,
                answers=result.answers,
                overall_score=result.overall,
                band=result.band.code,
                weak_count=result.weak_count,
                lat=visit.lat,
                lon=visit.lon,
                location_accuracy=visit.accuracy,
                photo=photo,
                notes=visit.notes.strip(),
                is_latest=False,
            )
            SectionScore.objects.bulk_create(section_rows(assessment, result))
            refresh_latest(instrument.pk, [entity.pk])
    except IntegrityError:
        # the same key sent twice at the same moment: the other request stored it
        existing = Assessment.objects.filter(key=key).first() if key else None
        if existing is None:
            raise
        return _same_or_conflict(existing, entity), False
    assessment.refresh_from_db(fields=["is_latest"])
    return assessment, True


def _same_or_conflict(existing: Assessment, entity: Entity) -> Assessment:
    if existing.entity_id != entity.pk:
        raise AssessmentRefused(
            _("Kunci penilaian ini sudah dipakai untuk entitas lain."), code="key_conflict"
        )
    return existing


def section_rows(assessment: Assessment, result: scoring.Result) -> list[SectionScore]:
    return [
        SectionScore(
            assessment=assessment,
            entity_id=assessment.entity_id,
            instrument_id=assessment.instrument_id,
            section=section.code,
            score=section.score,
            is_factor=section.is_factor,
            weak=section.weak,
            is_latest=False,
        )
        for section in result.sections
    ]


def refresh_latest(instrument_id: int, entity_ids: Iterable[int]) -> None:
    """Mark the newest assessment of each entity as the latest, set-wise: by book year for koperasi
    health (the state of the latest books), then by date, then by entry.

    Two statements, not one: the partial unique index "one latest per entity" is checked row by
    row, so every flag is cleared before the new ones are set.
    """
    ids = list(entity_ids)
    purpose = Instrument.objects.values_list("purpose", flat=True).get(pk=instrument_id)
    order = ["-assessed_on", "-id"]
    if purpose == Purpose.KOPERASI_HEALTH:
        order.insert(0, F("book_year").desc(nulls_last=True))
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = Assessment.objects.filter(instrument_id=instrument_id, entity_id__in=chunk)
        rows.filter(is_latest=True).update(is_latest=False)
        newest = Subquery(
            Assessment.objects.filter(entity_id=OuterRef("entity_id"), instrument_id=instrument_id)
            .order_by(*order)
            .values("pk")[:1]
        )
        rows.filter(pk=newest).update(is_latest=True)
        scores = SectionScore.objects.filter(instrument_id=instrument_id, entity_id__in=chunk)
        scores.filter(is_latest=True).update(is_latest=False)
        # By assessment id (the foreign key's index), not a join: inside one long transaction
        # PostgreSQL has no statistics for fresh rows and a join plan can go quadratic.
        latest = Assessment.objects.filter(instrument_id=instrument_id, entity_id__in=chunk, is_latest=True)
        SectionScore.objects.filter(assessment_id__in=latest.values("pk")).update(is_latest=True)
    sync_entity_facts(ids)


def sync_entity_facts(entity_ids: Iterable[int]) -> int:
    """Copy each entity's kab/kota and KBLI category onto its section scores (set-wise).

    Called by every writer of section scores (through refresh_latest) and whenever entities
    change (registry saves and bulk updates, see apps.py), so the denormalised columns the
    dashboard groups by never drift from the registry.
    """
    ids = list(entity_ids)
    changed = 0
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        entity = Entity.objects.filter(pk=OuterRef("entity_id"))
        changed += SectionScore.objects.filter(entity_id__in=chunk).update(
            kabkota_id=Subquery(entity.values("kabkota_id")[:1]),
            kbli_category=Subquery(entity.values("kbli_category")[:1]),
        )
    return changed


def weak_below(version: InstrumentVersion) -> Decimal | None:
    return version.spec.weak_below
