"""Answers the registry already knows (SPEC Part 5: "inputs from the koperasi's financial figures
where present"): the form shows them filled in, the assessor may change them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from berdaya.diagnosis.definition import Definition
from berdaya.registry.models import EntityKind


def _ratio(numerator: int | None, denominator: int | None) -> str | None:
    if numerator is None or not denominator:
        return None
    value = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return str(value)


def _koperasi(entity: Any) -> Any:
    return getattr(entity, "koperasi", None) if entity.kind == EntityKind.KOPERASI else None


def _umkm(entity: Any) -> Any:
    return getattr(entity, "umkm", None) if entity.kind == EntityKind.UMKM else None


def _sum(*values: int | None) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _from_koperasi(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda entity: fn(k) if (k := _koperasi(entity)) is not None else None


def _has_nib(entity: Any) -> str | None:
    umkm = _umkm(entity)
    if umkm is None:
        return None
    return "ya" if umkm.nib else "tidak"


def _rat_recent(entity: Any) -> str | None:
    koperasi = _koperasi(entity)
    if koperasi is None:
        return None
    return "ya" if koperasi.is_active(timezone.localdate()) else "tidak"


def _workers(entity: Any) -> int | None:
    umkm = _umkm(entity)
    return _sum(umkm.workers_male, umkm.workers_female) if umkm is not None else None


SOURCES: dict[str, Callable[[Any], Any]] = {
    "own_capital_to_assets": _from_koperasi(lambda k: _ratio(k.own_capital, k.assets)),
    "shu_to_own_capital": _from_koperasi(lambda k: _ratio(k.shu, k.own_capital)),
    "shu_to_assets": _from_koperasi(lambda k: _ratio(k.shu, k.assets)),
    "business_volume_to_assets": _from_koperasi(lambda k: _ratio(k.business_volume, k.assets)),
    "members_total": _from_koperasi(lambda k: _sum(k.members_male, k.members_female)),
    "workers_total": _workers,
    "has_nib": _has_nib,
    "rat_recent": _rat_recent,
}


def prefill(definition: Definition, entity: Any) -> dict[str, Any]:
    """Question code → value from the registry, for the questions that name a source."""
    values: dict[str, Any] = {}
    for question in definition.questions():
        if question.prefill and (value := SOURCES[question.prefill](entity)) is not None:
            values[question.code] = value
    return values
