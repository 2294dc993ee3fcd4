"""Region boundaries (simplified polygons, see data/SOURCES.md): containment and sampling.

Plain Python on a few thousand vertices is enough here: a point test walks one
kecamatan's rings (tens of vertices) after a bounding-box check, so no GEOS/GDAL
dependency is needed for an office server.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

Ring = tuple[tuple[float, float], ...]  # (lon, lat) pairs, closed or not


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    polygons: tuple[tuple[Ring, ...], ...]  # each: outer ring, then holes
    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat

    def contains(self, lat: float, lon: float) -> bool:
        min_lon, min_lat, max_lon, max_lat = self.bbox
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            return False
        for outer, *holes in self.polygons:
            if _in_ring(lon, lat, outer) and not any(_in_ring(lon, lat, h) for h in holes):
                return True
        return False

    def sample(self, rng: random.Random, n: int) -> list[tuple[float, float]]:
        """``n`` points (lat, lon) uniformly inside the shape, deterministic for ``rng``."""
        min_lon, min_lat, max_lon, max_lat = self.bbox
        points: list[tuple[float, float]] = []
        attempts = 0
        while len(points) < n and attempts < n * 200:
            attempts += 1
            lat = rng.uniform(min_lat, max_lat)
            lon = rng.uniform(min_lon, max_lon)
            if self.contains(lat, lon):
                points.append((round(lat, 6), round(lon, 6)))
        return points


def _load(filename: str) -> dict[str, Shape]:
    path = DATA_DIR / filename
    if not path.exists():
        return {}
    shapes = {}
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        props, geometry = feature["properties"], feature["geometry"]
        coords = geometry["coordinates"]
        polygons = coords if geometry["type"] == "MultiPolygon" else [coords]
        rings = tuple(tuple(tuple(tuple(pt) for pt in ring) for ring in poly) for poly in polygons)
        xs = [pt[0] for poly in rings for pt in poly[0]]
        ys = [pt[1] for poly in rings for pt in poly[0]]
        shapes[props["kode"]] = Shape(
            props["kode"], props["nama"], rings, (min(xs), min(ys), max(xs), max(ys))
        )
    return shapes


@functools.cache
def kabkota_shapes() -> dict[str, Shape]:
    return _load("boundaries_74_kabkota.geojson")


@functools.cache
def kecamatan_shapes() -> dict[str, Shape]:
    return _load("boundaries_74_kecamatan.geojson")


def shape_for(code: str) -> Shape | None:
    """The boundary of a kab/kota or kecamatan code, when the data has it."""
    depth = code.count(".") + 1
    if depth == 2:
        return kabkota_shapes().get(code)
    if depth == 3:
        return kecamatan_shapes().get(code)
    return None


def kabkota_at(lat: float, lon: float) -> str | None:
    """Which kab/kota a point lies in (None when outside every boundary we have)."""
    for code, shape in kabkota_shapes().items():
        if shape.contains(lat, lon):
            return code
    return None


def kabkota_geojson() -> dict:
    """The kab/kota boundaries as GeoJSON, for the registry map (no tile server needed)."""
    return json.loads((DATA_DIR / "boundaries_74_kabkota.geojson").read_text(encoding="utf-8"))
