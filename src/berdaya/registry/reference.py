"""Reference data the registry checks against, read once per process from shipped files.

* KBLI 2020 (``data/kbli2020.csv``, see ``data/SOURCES.md``): loaded into the
  :class:`~berdaya.registry.models.Kbli` table by a data migration, and kept here as
  an in-memory map so that deriving an entity's KBLI category costs no query, even
  for a million rows in an import.
* Kabupaten/kota bounding boxes, from the boundary files of the regions app: a
  coordinate must fall inside its entity's kab/kota (plus a margin).
* Kemendagri province codes, from the national regions file: the first two digits
  of a NIK.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.db import transaction

from berdaya.regions import loader as region_loader

DATA_DIR = Path(__file__).resolve().parent / "data"
KBLI_FILE = DATA_DIR / "kbli2020.csv"
KBLI_LEVELS = ("kategori", "golongan_pokok", "golongan", "subgolongan", "kelompok")

# Boundary polygons are simplified and islets may be missing: accept points this far
# (in degrees, about 5.5 km at the equator) outside the kab/kota's bounding box.
BOUNDS_MARGIN_DEGREES = 0.05
# The whole of Indonesia, for kab/kota whose boundary is not shipped.
INDONESIA_BOUNDS = (-11.5, 94.5, 6.5, 141.5)  # (min_lat, min_lon, max_lat, max_lon)


class KbliDataError(ValueError):
    pass


@dataclass(frozen=True)
class KbliRow:
    code: str
    title: str
    level: str
    parent_code: str | None
    category: str


def read_kbli(path: Path = KBLI_FILE) -> list[KbliRow]:
    """Rows in file order (parents before children), each with its category letter."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["code", "title", "level", "parent_code"]:
            raise KbliDataError(
                f"{path.name}: kolom harus code,title,level,parent_code (ditemukan {reader.fieldnames})."
            )
        raw = list(reader)
    category: dict[str, str] = {}
    rows = []
    for line, row in enumerate(raw, start=2):
        code, level = row["code"].strip(), row["level"].strip()
        parent = row["parent_code"].strip() or None
        if level not in KBLI_LEVELS:
            raise KbliDataError(f"{path.name} baris {line}: tingkat {level!r} tidak dikenal.")
        if level == "kategori":
            category[code] = code
        elif parent not in category:
            raise KbliDataError(f"{path.name} baris {line}: induk {parent!r} belum ada.")
        else:
            category[code] = category[parent]
        rows.append(KbliRow(code, row["title"].strip(), level, parent, category[code]))
    return rows


@transaction.atomic
def load_kbli(kbli_model, rows: Iterable[KbliRow]) -> tuple[int, int]:
    """Upsert the KBLI rows (parents first); returns (created, updated). Never deletes."""
    existing = {k.code: k for k in kbli_model.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        current = existing.get(row.code)
        values = {
            "title": row.title,
            "level": row.level,
            "parent_id": row.parent_code,
            "category": row.category,
        }
        if current is None:
            to_create.append(kbli_model(code=row.code, **values))
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            to_update.append(current)
    kbli_model.objects.bulk_create(to_create, batch_size=1000)
    kbli_model.objects.bulk_update(to_update, ["title", "level", "parent", "category"], batch_size=1000)
    return len(to_create), len(to_update)


@lru_cache(maxsize=1)
def _kbli_categories() -> dict[str, str]:
    return {row.code: row.category for row in read_kbli()}


def kbli_category(code: str | None) -> str:
    """The category letter (A–U) of a KBLI code of any level; "" when unknown."""
    if not code:
        return ""
    return _kbli_categories().get(code, "")


def kbli_exists(code: str) -> bool:
    return code in _kbli_categories()


def _walk_points(coordinates) -> Iterable[tuple[float, float]]:
    if coordinates and isinstance(coordinates[0], int | float):
        yield coordinates[0], coordinates[1]
        return
    for part in coordinates:
        yield from _walk_points(part)


@lru_cache(maxsize=1)
def _kabkota_bounds() -> dict[str, tuple[float, float, float, float]]:
    bounds = {}
    for path in sorted(region_loader.DATA_DIR.glob("boundaries_*_kabkota.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            points = list(_walk_points(feature["geometry"]["coordinates"]))  # GeoJSON: [lon, lat]
            lons, lats = [p[0] for p in points], [p[1] for p in points]
            bounds[feature["properties"]["kode"]] = (min(lats), min(lons), max(lats), max(lons))
    return bounds


def kabkota_bounds(code: str) -> tuple[float, float, float, float] | None:
    """(min_lat, min_lon, max_lat, max_lon) of kab/kota ``code``, margin included; None if unknown."""
    box = _kabkota_bounds().get(code)
    if box is None:
        return None
    m = BOUNDS_MARGIN_DEGREES
    return box[0] - m, box[1] - m, box[2] + m, box[3] + m


@lru_cache(maxsize=1)
def province_codes() -> frozenset[str]:
    """Every Kemendagri province code (38), from the shipped national regions file."""
    return frozenset(
        row.code for row in region_loader.read_rows(region_loader.NATIONAL_FILE) if row.depth == 1
    )
