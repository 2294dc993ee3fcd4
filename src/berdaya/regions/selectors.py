"""Reads of region data. Regions are public reference data: no scoping applies."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, QuerySet

from berdaya.regions.models import Region


def configured_province() -> Region | None:
    return Region.objects.filter(code=settings.BERDAYA_PROVINCE).first()


def children_of(code: str | None) -> QuerySet[Region]:
    if code is None:
        return Region.objects.filter(parent__isnull=True)
    return Region.objects.filter(parent_id=code)


def counts_by_level(province: Region) -> dict[str, int]:
    rows = (
        Region.objects.filter(code__startswith=f"{province.code}.")
        .values("level")
        .annotate(n=Count("code"))
        .order_by()
    )
    return {row["level"]: row["n"] for row in rows}


def ancestors(region: Region) -> list[Region]:
    """From the province down to ``region`` itself, in one query."""
    parts = region.code.split(".")
    codes = [".".join(parts[: i + 1]) for i in range(len(parts))]
    by_code = Region.objects.in_bulk(codes)
    return [by_code[c] for c in codes if c in by_code]
