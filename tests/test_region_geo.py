from __future__ import annotations

import random

from berdaya.regions import geo


def test_every_kabkota_and_kecamatan_of_74_has_a_boundary():
    assert len(geo.kabkota_shapes()) == 17
    assert len(geo.kecamatan_shapes()) == 221


def test_known_points():
    # Kendari city centre (Mandonga) and Baubau harbour
    assert geo.kabkota_at(-3.97, 122.51) == "74.71"
    assert geo.kabkota_at(-5.47, 122.60) == "74.72"
    # Makassar (South Sulawesi) and the open Banda Sea are outside the province
    assert geo.kabkota_at(-5.14, 119.42) is None
    assert geo.kabkota_at(-5.5, 124.5) is None


def test_samples_fall_inside_their_shape_and_are_deterministic():
    shape = geo.shape_for("74.71.01")
    points = shape.sample(random.Random(7), 50)
    assert len(points) == 50
    assert all(shape.contains(lat, lon) for lat, lon in points)
    assert points == shape.sample(random.Random(7), 50)
    parent = geo.shape_for("74.71")
    assert all(parent.contains(lat, lon) for lat, lon in points)


def test_unknown_codes_have_no_shape():
    assert geo.shape_for("74.99") is None
    assert geo.shape_for("74.71.01.1005") is None
