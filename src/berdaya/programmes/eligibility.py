"""Eligibility rules as data, evaluated set-wise over the whole registry.

A programme's ``eligibility`` is a list of conditions, each ``{"field": …, "op": …, "value": …}``
(plus ``factor`` / ``kind`` / ``years`` for the fields that need them), built in a form. Every
field of :data:`FIELDS` turns a condition into one boolean SQL expression over ``Entity``, so

* the candidate list is ``Entity.objects.filter(*expressions)`` — one query, whatever the size
  of the registry (no per-entity Python loop: the benchmark in bench/eligibility.py);
* the explanation of a page of entities is the same expressions annotated as columns, so
  "why (not)" is computed by the very SQL that decided.

An unknown value (no sales figure, no founding year, no assessment) never satisfies a
condition: SQL's NULL is read as "not met", and the explanation says "tidak diketahui".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from berdaya.core.money import format_rupiah
from berdaya.registry import rules
from berdaya.registry.models import Entity, EntityKind, KoperasiJenis, SizeClass

Expression = Any  # a boolean expression Django can filter and annotate with


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    op: str = "in"
    value: Any = None
    factor: str = ""  # factor_score / weak_factor: a section of the vulnerability instrument
    kind: str = ""  # no_intervention: an InterventionKind
    years: int | None = None  # no_intervention: the look-back

    @field_validator("field")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in FIELDS:
            raise ValueError(f"unknown field {value!r}")
        return value


@dataclass(frozen=True)
class Field:
    code: str
    label: Any
    ops: tuple[str, ...]
    value_type: str  # "choices", "number", "money", "bool", "factor", "intervention"
    build: Callable[[Condition, dt.date], Expression]
    describe: Callable[[Condition], str]
    choices: Callable[[], list[tuple[str, str]]] | None = None


def _as_bool(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def _choice_labels(choices: Iterable[tuple[str, Any]], values: Iterable[str]) -> str:
    labels = dict(choices)
    return ", ".join(str(labels.get(v, v)) for v in values)


def _compare(expression: Any, op: str, value: Any) -> Expression:
    if op == "gte":
        return GreaterThanOrEqual(expression, Value(value))
    if op == "lte":
        return LessThanOrEqual(expression, Value(value))
    raise ValueError(op)


_OP_WORDS = {"gte": gettext_lazy("paling sedikit"), "lte": gettext_lazy("paling banyak")}


def _number(value: Any) -> str:
    return number_format(value, decimal_pos=0 if float(value).is_integer() else 1)


# --- the fields ---------------------------------------------------------------------------------


def _kind(c: Condition, today: dt.date) -> Expression:
    return _as_bool(Q(kind__in=c.value))


def _size_class(c: Condition, today: dt.date) -> Expression:
    return _as_bool(Q(umkm__size_class__in=c.value))


def _kabkota(c: Condition, today: dt.date) -> Expression:
    return _as_bool(Q(kabkota_id__in=c.value))


def _kbli_category(c: Condition, today: dt.date) -> Expression:
    return _as_bool(Q(kbli_category__in=c.value))


def _koperasi_jenis(c: Condition, today: dt.date) -> Expression:
    return _as_bool(Q(koperasi__jenis__in=c.value))


def _business_age(c: Condition, today: dt.date) -> Expression:
    # age ≥ N ⇔ founded in or before today.year − N (the same whole-year rule as rules.business_age)
    if c.op == "gte":
        return _as_bool(Q(year_founded__lte=today.year - int(c.value)))
    return _as_bool(Q(year_founded__gte=today.year - int(c.value)))


def _has_nib(c: Condition, today: dt.date) -> Expression:
    has = Q(umkm__nib__isnull=False)
    return _as_bool(has if c.value else Q(kind=EntityKind.UMKM) & ~has)


def _koperasi_active(c: Condition, today: dt.date) -> Expression:
    active = rules.koperasi_active_q(today, prefix="koperasi__")
    return _as_bool(active if c.value else Q(kind=EntityKind.KOPERASI) & ~active)


def _workers(c: Condition, today: dt.date) -> Expression:
    total = Coalesce(F("umkm__workers_male"), Value(0)) + Coalesce(F("umkm__workers_female"), Value(0))
    known = Q(umkm__workers_male__isnull=False) | Q(umkm__workers_female__isnull=False)
    return _as_bool(known & Q(_compare(total, c.op, int(c.value))))


def _annual_sales(c: Condition, today: dt.date) -> Expression:
    return _as_bool(Q(_compare(F("umkm__annual_sales"), c.op, int(c.value))))


def _latest_scores():
    from berdaya.diagnosis.models import Purpose, SectionScore

    return SectionScore.objects.filter(
        entity_id=OuterRef("pk"), is_latest=True, instrument__purpose=Purpose.VULNERABILITY
    )


def _factor_score(c: Condition, today: dt.date) -> Expression:
    lookup = "score__lt" if c.op == "lt" else "score__gte"
    return Exists(_latest_scores().filter(section=c.factor, **{lookup: Decimal(str(c.value))}))


def _weak_factor(c: Condition, today: dt.date) -> Expression:
    weak = Exists(_latest_scores().filter(section=c.factor, weak=True))
    return weak if c.value in (True, None) else ~weak


def _no_intervention(c: Condition, today: dt.date) -> Expression:
    from berdaya.programmes.models import Intervention
    from berdaya.programmes.services import years_before

    since = years_before(today, int(c.years)) if c.years else dt.date.min
    recent = Intervention.objects.filter(entity_id=OuterRef("pk"), delivered_on__gte=since)
    if c.kind:
        recent = recent.filter(kind=c.kind)
    return ~Exists(recent)


def _kabkota_choices() -> list[tuple[str, str]]:
    from django.conf import settings

    from berdaya.regions.models import Region

    return list(
        Region.objects.filter(parent_id=settings.BERDAYA_PROVINCE)
        .order_by("code")
        .values_list("code", "name")
    )


def _kbli_choices() -> list[tuple[str, str]]:
    from berdaya.registry.models import Kbli, KbliLevel

    rows = Kbli.objects.filter(level=KbliLevel.KATEGORI).order_by("code").values_list("code", "title")
    return [(code, f"{code} – {title[:40]}") for code, title in rows]


def _factor_choices() -> list[tuple[str, str]]:
    from berdaya.diagnosis.selectors import section_names, vulnerability_instrument

    instrument = vulnerability_instrument()
    return list(section_names(instrument).items()) if instrument else []


def _intervention_choices() -> list[tuple[str, str]]:
    from berdaya.programmes.models import InterventionKind

    return list(InterventionKind.choices)


def _describe_choices(label: Any, choices: Callable[[], list[tuple[str, str]]]):
    return lambda c: f"{label}: {_choice_labels(choices(), c.value)}"


def _describe_compare(label: Any, unit: Any = "", money: bool = False):
    def describe(c: Condition) -> str:
        # the unit is translated when described, not when the module loads
        shown = format_rupiah(int(c.value)) if money else f"{_number(c.value)} {unit}".rstrip()
        return f"{label} {_OP_WORDS[c.op]} {shown}"

    return describe


def _describe_bool(yes: Any, no: Any):
    return lambda c: str(yes if c.value else no)


def _describe_factor_score(c: Condition) -> str:
    names = dict(_factor_choices())
    word = _("di bawah") if c.op == "lt" else _("paling sedikit")
    return _("Skor %(factor)s %(word)s %(value)s") % {
        "factor": names.get(c.factor, c.factor),
        "word": word,
        "value": _number(c.value),
    }


def _describe_weak(c: Condition) -> str:
    names = dict(_factor_choices())
    name = names.get(c.factor, c.factor)
    if c.value in (True, None):
        return _("Faktor %(factor)s lemah pada diagnosis terakhir") % {"factor": name}
    return _("Faktor %(factor)s tidak lemah pada diagnosis terakhir") % {"factor": name}


def _describe_no_intervention(c: Condition) -> str:
    kinds = dict(_intervention_choices())
    what = kinds.get(c.kind, _("intervensi apa pun")) if c.kind else _("intervensi apa pun")
    if c.years:
        return _("Belum menerima %(what)s dalam %(years)s tahun terakhir") % {"what": what, "years": c.years}
    return _("Belum pernah menerima %(what)s") % {"what": what}


FIELDS: dict[str, Field] = {
    f.code: f
    for f in (
        Field(
            "kind",
            gettext_lazy("Jenis entitas"),
            ("in",),
            "choices",
            _kind,
            _describe_choices(gettext_lazy("Jenis"), lambda: list(EntityKind.choices)),
            lambda: list(EntityKind.choices),
        ),
        Field(
            "size_class",
            gettext_lazy("Skala usaha (UMKM)"),
            ("in",),
            "choices",
            _size_class,
            _describe_choices(gettext_lazy("Skala usaha"), lambda: list(SizeClass.choices)),
            lambda: list(SizeClass.choices),
        ),
        Field(
            "kabkota",
            gettext_lazy("Kabupaten/kota"),
            ("in",),
            "choices",
            _kabkota,
            _describe_choices(gettext_lazy("Kabupaten/kota"), _kabkota_choices),
            _kabkota_choices,
        ),
        Field(
            "kbli_category",
            gettext_lazy("Sektor (kategori KBLI)"),
            ("in",),
            "choices",
            _kbli_category,
            _describe_choices(gettext_lazy("Sektor"), _kbli_choices),
            _kbli_choices,
        ),
        Field(
            "koperasi_jenis",
            gettext_lazy("Jenis koperasi"),
            ("in",),
            "choices",
            _koperasi_jenis,
            _describe_choices(gettext_lazy("Jenis koperasi"), lambda: list(KoperasiJenis.choices)),
            lambda: list(KoperasiJenis.choices),
        ),
        Field(
            "business_age",
            gettext_lazy("Umur usaha (tahun)"),
            ("gte", "lte"),
            "number",
            _business_age,
            _describe_compare(gettext_lazy("Umur usaha"), gettext_lazy("tahun")),
        ),
        Field(
            "has_nib",
            gettext_lazy("Memiliki NIB (UMKM)"),
            ("is",),
            "bool",
            _has_nib,
            _describe_bool(gettext_lazy("Memiliki NIB"), gettext_lazy("Belum memiliki NIB")),
        ),
        Field(
            "koperasi_active",
            gettext_lazy("Koperasi aktif (RAT)"),
            ("is",),
            "bool",
            _koperasi_active,
            _describe_bool(
                gettext_lazy("Koperasi aktif (RAT dalam jendela keaktifan)"),
                gettext_lazy("Koperasi tidak aktif"),
            ),
        ),
        Field(
            "workers",
            gettext_lazy("Tenaga kerja (orang, UMKM)"),
            ("gte", "lte"),
            "number",
            _workers,
            _describe_compare(gettext_lazy("Tenaga kerja"), gettext_lazy("orang")),
        ),
        Field(
            "annual_sales",
            gettext_lazy("Omzet tahunan (UMKM)"),
            ("gte", "lte"),
            "money",
            _annual_sales,
            _describe_compare(gettext_lazy("Omzet tahunan"), money=True),
        ),
        Field(
            "factor_score",
            gettext_lazy("Skor faktor diagnosis"),
            ("lt", "gte"),
            "factor",
            _factor_score,
            _describe_factor_score,
            _factor_choices,
        ),
        Field(
            "weak_factor",
            gettext_lazy("Faktor lemah (diagnosis)"),
            ("is",),
            "factor",
            _weak_factor,
            _describe_weak,
            _factor_choices,
        ),
        Field(
            "no_intervention",
            gettext_lazy("Belum menerima intervensi"),
            ("none",),
            "intervention",
            _no_intervention,
            _describe_no_intervention,
            _intervention_choices,
        ),
    )
}


class RuleError(ValueError):
    """Conditions that cannot be evaluated; ``errors`` lists a message per condition (1-based)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def parse(raw: Iterable[dict[str, Any]]) -> list[Condition]:
    """Validate stored or submitted conditions; RuleError names each faulty one in Indonesian."""
    conditions: list[Condition] = []
    errors: list[str] = []
    for n, item in enumerate(raw, start=1):
        try:
            condition = Condition.model_validate(item)
        except ValidationError:
            errors.append(_("Syarat %(n)s: kolom tidak dikenal.") % {"n": n})
            continue
        message = _check(condition)
        if message:
            errors.append(_("Syarat %(n)s: %(message)s") % {"n": n, "message": message})
        else:
            conditions.append(condition)
    if errors:
        raise RuleError(errors)
    return conditions


def _check(c: Condition) -> str:
    spec = FIELDS[c.field]
    if c.op not in spec.ops:
        return _("cara membandingkan ini tidak berlaku untuk %(field)s.") % {"field": spec.label}
    if spec.value_type == "choices":
        allowed = {code for code, _label in spec.choices()}
        if not isinstance(c.value, list) or not c.value:
            return _("pilih paling sedikit satu nilai.")
        unknown = [v for v in c.value if v not in allowed]
        if unknown:
            return _("nilai tidak dikenal: %(values)s.") % {"values": ", ".join(map(str, unknown))}
    elif spec.value_type in ("number", "money"):
        if isinstance(c.value, bool) or not isinstance(c.value, int | float) or c.value < 0:
            return _("isi angka nol atau lebih.")
    elif spec.value_type == "bool":
        if not isinstance(c.value, bool):
            return _("pilih ya atau tidak.")
    elif spec.value_type == "factor":
        if c.factor not in dict(spec.choices()):
            return _("pilih faktor diagnosis.")
        if c.field == "factor_score" and (
            isinstance(c.value, bool) or not isinstance(c.value, int | float) or not 0 <= c.value <= 100
        ):
            return _("skor antara 0 dan 100.")
    elif spec.value_type == "intervention":
        if c.kind and c.kind not in dict(spec.choices()):
            return _("jenis intervensi tidak dikenal.")
        if c.years is not None and not 1 <= c.years <= 50:
            return _("jangka waktu 1 sampai 50 tahun.")
    return ""


@dataclass(frozen=True)
class Check:
    label: str
    met: bool | None  # None: unknown (a figure the registry does not have)


def expressions(conditions: list[Condition], today: dt.date | None = None) -> list[Expression]:
    today = today or timezone.localdate()
    return [FIELDS[c.field].build(c, today) for c in conditions]


def describe(conditions: list[Condition]) -> list[str]:
    return [FIELDS[c.field].describe(c) for c in conditions]


def eligible(
    qs: QuerySet[Entity], conditions: list[Condition], today: dt.date | None = None
) -> QuerySet[Entity]:
    """``qs`` narrowed to the entities meeting every condition: one query."""
    exprs = expressions(conditions, today)
    return qs.filter(*exprs) if exprs else qs


def explained(
    qs: QuerySet[Entity], conditions: list[Condition], today: dt.date | None = None
) -> QuerySet[Entity]:
    """``qs`` with one boolean column per condition (``c0``, ``c1`` …), for a page of entities."""
    exprs = expressions(conditions, today)
    return qs.annotate(**{f"c{i}": expr for i, expr in enumerate(exprs)})


def checks_of(entity: Any, conditions: list[Condition]) -> list[Check]:
    """The per-condition verdicts of one row of :func:`explained`."""
    labels = describe(conditions)
    return [Check(labels[i], getattr(entity, f"c{i}")) for i in range(len(conditions))]


def explain_one(entity: Entity, conditions: list[Condition], today: dt.date | None = None) -> list[Check]:
    row = explained(Entity.objects.filter(pk=entity.pk), conditions, today).first()
    return checks_of(row, conditions) if row is not None else []
