"""Loads the Kemendagri hierarchy shipped in ``regions/data`` (see SOURCES.md there)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"
NATIONAL_FILE = DATA_DIR / "regions_indonesia_kabkota.csv"
VALID_LEVELS = {"provinsi", "kabupaten", "kota", "kecamatan", "kelurahan", "desa", "desa_adat"}


class RegionDataError(ValueError):
    pass


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None

    @property
    def depth(self) -> int:
        return self.code.count(".") + 1


def province_file(province: str) -> Path:
    return DATA_DIR / f"regions_{province}_full.csv"


def read_rows(path: Path) -> list[RegionRow]:
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["code", "name", "level", "parent_code"]:
            raise RegionDataError(
                f"{path.name}: kolom harus code,name,level,parent_code (ditemukan {reader.fieldnames})."
            )
        for line, raw in enumerate(reader, start=2):
            code, level = raw["code"].strip(), raw["level"].strip()
            parent = raw["parent_code"].strip() or None
            if level not in VALID_LEVELS:
                raise RegionDataError(f"{path.name} baris {line}: tingkat {level!r} tidak dikenal.")
            if parent != (code.rpartition(".")[0] or None):
                raise RegionDataError(
                    f"{path.name} baris {line}: induk {parent!r} tidak cocok dengan {code}."
                )
            rows.append(RegionRow(code, raw["name"].strip(), level, parent))
    return rows


def rows_for(provinces: Iterable[str]) -> list[RegionRow]:
    """National provinces and kabupaten/kota, plus every level below for ``provinces``."""
    by_code = {row.code: row for row in read_rows(NATIONAL_FILE)}
    for province in provinces:
        path = province_file(province)
        if not path.exists():
            raise RegionDataError(f"Data wilayah lengkap untuk provinsi {province} tidak ada ({path.name}).")
        by_code.update((row.code, row) for row in read_rows(path))
    return sorted(by_code.values(), key=lambda row: (row.depth, row.code))


@transaction.atomic
def load(region_model, rows: list[RegionRow]) -> tuple[int, int]:
    """Upsert ``rows`` parents first; returns (created, updated). Never deletes: codes are referenced."""
    existing = {r.code: r for r in region_model.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        current = existing.get(row.code)
        if current is None:
            to_create.append(
                region_model(
                    code=row.code, name=row.name, level=row.level, depth=row.depth, parent_id=row.parent_code
                )
            )
        elif (current.name, current.level, current.parent_id) != (row.name, row.level, row.parent_code):
            current.name, current.level, current.parent_id = row.name, row.level, row.parent_code
            current.depth = row.depth
            to_update.append(current)
    # Sorted by depth, so every parent is inserted before its children.
    region_model.objects.bulk_create(to_create, batch_size=1000)
    region_model.objects.bulk_update(to_update, ["name", "level", "depth", "parent"], batch_size=1000)
    from berdaya.regions import lookup  # bulk writes send no signals: drop the lookup index here

    transaction.on_commit(lookup.clear_cache)
    lookup.clear_cache()
    return len(to_create), len(to_update)


def shipped_full_provinces() -> list[str]:
    return sorted(p.stem.split("_")[1] for p in DATA_DIR.glob("regions_*_full.csv"))
