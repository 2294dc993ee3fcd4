"""Figures for the dashboard: how many entities are weak in each factor, by kab/kota and by sector.

Computed set-wise from the latest section scores (one GROUP BY, selectors.weak_factor_counts),
then pivoted in Python over at most (kab/kota × sector × factor) rows — never per entity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from berdaya.diagnosis import selectors
from berdaya.diagnosis.models import Instrument
from berdaya.regions.models import Region
from berdaya.registry.models import Kbli, KbliLevel


@dataclass
class Cell:
    assessed: int = 0
    weak: int = 0

    @property
    def share(self) -> float | None:
        return self.weak / self.assessed if self.assessed else None


@dataclass
class Row:
    key: str
    name: str
    assessed: int = 0  # entities assessed (the most of any factor: every factor is asked of all)
    cells: dict[str, Cell] = field(default_factory=dict)

    def cell(self, factor: str) -> Cell:
        return self.cells.get(factor) or Cell()

    def cells_in(self, factors: list[tuple[str, str]]) -> list[Cell]:
        return [self.cell(code) for code, _name in factors]


@dataclass
class WeakFactorTable:
    factors: list[tuple[str, str]]
    by_region: list[Row]
    by_sector: list[Row]
    total: Row


def _pivot(counts: list[dict[str, Any]], key: str, names: dict[str, str]) -> list[Row]:
    rows: dict[str, Row] = {}
    for item in counts:
        code = item[key] or ""
        row = rows.setdefault(code, Row(code, names.get(code, code or "–")))
        cell = row.cells.setdefault(item["factor"], Cell())
        cell.assessed += item["assessed"]
        cell.weak += item["weak"]
    for row in rows.values():
        row.assessed = max((c.assessed for c in row.cells.values()), default=0)
    return sorted(rows.values(), key=lambda r: r.key)


def weak_factors(user: Any, instrument: Instrument) -> WeakFactorTable:
    version = instrument.current_version()
    factors = [(s.code, s.name) for s in version.spec.sections if s.is_factor] if version else []
    counts = selectors.weak_factor_counts(user, instrument)
    regions = dict(Region.objects.filter(depth=2).values_list("code", "name"))
    sectors = dict(Kbli.objects.filter(level=KbliLevel.KATEGORI).values_list("code", "title"))
    total = _pivot([{**c, "all": "*"} for c in counts], "all", {"*": "Total"})
    return WeakFactorTable(
        factors=factors,
        by_region=_pivot(counts, "kabkota", regions),
        by_sector=_pivot(counts, "category", sectors),
        total=total[0] if total else Row("*", "Total"),
    )
