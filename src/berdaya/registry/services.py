"""Every write to the registry: one function per business action, atomic, validated, audited.

Each function validates with ``full_clean`` (so forms, the API and the importer's
per-row path get the same Indonesian messages), collects every field error before
raising one :class:`~django.core.exceptions.ValidationError`, and writes inside one
transaction. The audit trail is written by ``@track`` on the models, in the
current audit context (request, API token or command).

Bulk paths (importer, seeder) do not go through here row by row: they call the
models' ``derive_fields()`` and ``bulk_create``, and record one audit event per batch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.registry.models import (
    STATUS_TRANSITIONS,
    Entity,
    EntityKind,
    EntityYearMetrics,
    Koperasi,
    KoperasiStatusChange,
    LegalStatus,
    Person,
    RatRecord,
    Umkm,
)

ENTITY_FIELDS = frozenset({"name", "region", "address", "phone", "lat", "lon", "year_founded", "kbli"})
UMKM_FIELDS = frozenset(
    {
        "owner",
        "nib",
        "npwp",
        "legal_form",
        "modal_usaha",
        "annual_sales",
        "workers_male",
        "workers_female",
        "halal_certificate",
        "pirt_number",
        "sni_certificate",
        "business_status",
    }
)
KOPERASI_FIELDS = frozenset(
    {
        "nik_koperasi",
        "nomor_badan_hukum",
        "tanggal_badan_hukum",
        "jenis",
        "tingkat",
        "members_male",
        "members_female",
        "employees",
        "assets",
        "own_capital",
        "business_volume",
        "shu",
    }
)
PERSON_FIELDS = frozenset({"name", "nik", "sex", "phone", "region"})
METRIC_FIELDS = frozenset(
    {
        "sales",
        "assets",
        "modal",
        "workers_male",
        "workers_female",
        "members_male",
        "members_female",
        "own_capital",
        "business_volume",
        "shu",
    }
)
# Foreign keys that may be given as an instance or as their code.
_CODE_KEYS = {"region": "region_id", "kbli": "kbli_id"}


def _check_keys(values: dict[str, Any], allowed: frozenset[str], action: str) -> None:
    unknown = set(values) - allowed
    if unknown:
        # A programming error, not a user's: derived and protected fields are never writable.
        raise TypeError(f"{action}: unknown or read-only fields {sorted(unknown)}")


def _apply(instance: Model, values: dict[str, Any], errors: dict[str, list]) -> None:
    for name, value in values.items():
        try:
            if name in _CODE_KEYS and (value is None or isinstance(value, str)):
                setattr(instance, _CODE_KEYS[name], value or None)
            else:
                setattr(instance, name, value)  # phone/nik/npwp setters validate here
        except ValidationError as exc:
            exc.update_error_dict(errors)


def _validate(instance: Model, errors: dict[str, list], exclude: tuple[str, ...] = ()) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        exc.update_error_dict(errors)


def _raise_if(errors: dict[str, list]) -> None:
    if errors:
        raise ValidationError(errors)


# --- people --------------------------------------------------------------------------------


@transaction.atomic
def create_person(**values: Any) -> Person:
    """A new pelaku; ``nik`` and ``phone`` are validated and stored encrypted."""
    _check_keys(values, PERSON_FIELDS, "create_person")
    person = Person()
    errors: dict[str, list] = {}
    _apply(person, {k: v for k, v in values.items() if k != "nik"}, errors)
    _apply(person, {"nik": values.get("nik")}, errors)  # after ``sex``, so a mismatch is noticed
    _validate(person, errors)
    _raise_if(errors)
    person.save()
    return person


@transaction.atomic
def update_person(person: Person, **values: Any) -> Person:
    _check_keys(values, PERSON_FIELDS, "update_person")
    locked = Person.objects.select_for_update().get(pk=person.pk)
    errors: dict[str, list] = {}
    _apply(locked, {k: v for k, v in values.items() if k != "nik"}, errors)
    if "nik" in values:
        _apply(locked, {"nik": values["nik"]}, errors)
    _validate(locked, errors)
    _raise_if(errors)
    locked.save()
    return locked


# --- entities --------------------------------------------------------------------------------


def _split(values: dict[str, Any], detail_fields: frozenset[str], action: str) -> tuple[dict, dict]:
    _check_keys(values, ENTITY_FIELDS | detail_fields, action)
    entity_values = {k: v for k, v in values.items() if k in ENTITY_FIELDS}
    detail_values = {k: v for k, v in values.items() if k in detail_fields}
    return entity_values, detail_values


@transaction.atomic
def create_umkm(*, owner: Person, **values: Any) -> Umkm:
    """A new UMKM (its Entity and its Umkm row). ``region`` and ``kbli`` may be codes.

    An owner without an address region is placed in the business's region, so that
    district staff who see the business also see its owner.
    """
    entity_values, detail_values = _split(values, UMKM_FIELDS - {"owner"}, "create_umkm")
    entity = Entity(kind=EntityKind.UMKM)
    umkm = Umkm(owner=owner)
    errors: dict[str, list] = {}
    _apply(entity, entity_values, errors)
    _apply(umkm, detail_values, errors)
    _validate(entity, errors)
    _validate(umkm, errors, exclude=("entity",))
    _raise_if(errors)
    entity.save()
    umkm.entity = entity
    umkm.save()
    if owner.region_id is None and owner.pk is not None:
        owner.region_id = entity.region_id
        owner.save()
    return umkm


@transaction.atomic
def create_koperasi(*, legal_status: str = LegalStatus.AKTIF, **values: Any) -> Koperasi:
    """A new koperasi (its Entity and its Koperasi row), in ``legal_status`` as found.

    Later changes of status go through :func:`change_koperasi_status`; RATs through
    :func:`record_rat` (``last_rat_year`` is derived from them).
    """
    entity_values, detail_values = _split(values, KOPERASI_FIELDS, "create_koperasi")
    entity = Entity(kind=EntityKind.KOPERASI)
    koperasi = Koperasi(legal_status=legal_status)
    errors: dict[str, list] = {}
    _apply(entity, entity_values, errors)
    _apply(koperasi, detail_values, errors)
    _validate(entity, errors)
    _validate(koperasi, errors, exclude=("entity",))
    if legal_status not in LegalStatus.values:
        errors.setdefault("legal_status", []).append(
            ValidationError(_("Status badan hukum tidak dikenal."), code="invalid_choice")
        )
    _raise_if(errors)
    entity.save()
    koperasi.entity = entity
    koperasi.save()
    return koperasi


@transaction.atomic
def update_entity(entity: Entity, **values: Any) -> Entity:
    """Change the given fields of an entity and of its UMKM/koperasi details.

    The row is re-read under a lock and only the given fields are applied, so two
    officers editing different fields at once both keep their change.
    """
    detail_fields = UMKM_FIELDS if entity.kind == EntityKind.UMKM else KOPERASI_FIELDS
    entity_values, detail_values = _split(values, detail_fields, "update_entity")
    locked = Entity.objects.select_for_update().get(pk=entity.pk)
    detail = None
    if detail_values:
        model = Umkm if locked.kind == EntityKind.UMKM else Koperasi
        detail = model.objects.select_for_update().filter(pk=locked.pk).first()
    errors: dict[str, list] = {}
    _apply(locked, entity_values, errors)
    _validate(locked, errors)
    if detail is not None:
        detail.entity = locked
        _apply(detail, detail_values, errors)
        _validate(detail, errors)
    _raise_if(errors)
    locked.save()
    if detail is not None:
        detail.save()
    return locked


# --- koperasi life -----------------------------------------------------------------------------


@transaction.atomic
def change_koperasi_status(
    koperasi: Koperasi, to: str, date: dt.date, reason: str, by: Any = None
) -> KoperasiStatusChange:
    """Move a koperasi to another legal status, writing the transition with its date and reason."""
    # The lock makes two officers' simultaneous changes apply one after the other,
    # each from the status the other left (no transition row with a stale "from").
    locked = Koperasi.objects.select_for_update().select_related("entity").get(pk=koperasi.pk)
    current = locked.legal_status
    errors: dict[str, list] = {}
    if to not in LegalStatus.values:
        errors["to_status"] = [ValidationError(_("Status badan hukum tidak dikenal."), code="invalid_choice")]
    elif to == current:
        errors["to_status"] = [
            ValidationError(
                _("Koperasi sudah berstatus %(status)s."),
                code="same_status",
                params={"status": LegalStatus(current).label},
            )
        ]
    elif to not in STATUS_TRANSITIONS[current]:
        errors["to_status"] = [
            ValidationError(
                _("Status tidak dapat berpindah dari %(from)s ke %(to)s."),
                code="transition_not_allowed",
                params={"from": LegalStatus(current).label, "to": LegalStatus(to).label},
            )
        ]
    if not (reason or "").strip():
        errors["reason"] = [ValidationError(_("Alasan perubahan status wajib diisi."), code="required")]
    if date is None:
        errors["date"] = [ValidationError(_("Tanggal berlaku wajib diisi."), code="required")]
    elif date > timezone.localdate():
        errors["date"] = [ValidationError(_("Tanggal belum tiba."), code="future_date")]
    else:
        last = locked.status_changes.order_by("-date").values_list("date", flat=True).first()
        if last is not None and date < last:
            errors["date"] = [
                ValidationError(
                    _("Tanggal berlaku sebelum perubahan status terakhir (%(date)s)."),
                    code="before_last_change",
                    params={"date": last},
                )
            ]
    _raise_if(errors)
    change = KoperasiStatusChange(
        koperasi=locked, from_status=current, to_status=to, date=date, reason=reason.strip(), by=by
    )
    change.full_clean()
    locked.legal_status = to
    locked._status_change = True
    locked.save()
    change.save()
    koperasi.legal_status = koperasi._stored_legal_status = to  # keep the caller's copy in step
    return change


@transaction.atomic
def record_rat(koperasi: Koperasi, book_year: int, held_on: dt.date | None = None) -> RatRecord:
    """Record (or correct the date of) the RAT for ``book_year``; keeps ``last_rat_year`` in step."""
    locked = Koperasi.objects.select_for_update().get(pk=koperasi.pk)
    rat = RatRecord.objects.filter(koperasi=locked, book_year=book_year).first()
    if rat is None:
        rat = RatRecord(koperasi=locked, book_year=book_year)
    rat.held_on = held_on
    rat.full_clean()
    rat.save()
    last = RatRecord.objects.filter(koperasi=locked).aggregate(last=Max("book_year"))["last"]
    if locked.last_rat_year != last:
        locked.last_rat_year = last
        locked.save(update_fields=["last_rat_year"])
    koperasi.last_rat_year = last
    return rat


@transaction.atomic
def set_year_metrics(entity: Entity, year: int, **values: Any) -> EntityYearMetrics:
    """Set some of one year's figures; other years' rows are never touched."""
    _check_keys(values, METRIC_FIELDS, "set_year_metrics")
    # Locking the entity serialises the first write of a year (no duplicate-row race).
    locked = Entity.objects.select_for_update().get(pk=entity.pk)
    row = EntityYearMetrics.objects.filter(entity=locked, year=year).first()
    if row is None:
        row = EntityYearMetrics(entity=locked, year=year)
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row
