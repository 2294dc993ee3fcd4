"""Derived facts (SPEC §3), against hand-computed examples."""

from __future__ import annotations

import datetime as dt

import pytest

from berdaya.registry.rules import (
    SizeBasis,
    SizeClass,
    business_age,
    earliest_qualifying_book_year,
    koperasi_is_active,
    size_class,
)

MILIAR = 1_000_000_000

# --- size class (PP 7/2021) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("modal", "expected"),
    [
        (0, SizeClass.MIKRO),
        (1 * MILIAR, SizeClass.MIKRO),  # "paling banyak Rp1 miliar": inclusive
        (1 * MILIAR + 1, SizeClass.KECIL),
        (5 * MILIAR, SizeClass.KECIL),
        (5 * MILIAR + 1, SizeClass.MENENGAH),
        (10 * MILIAR, SizeClass.MENENGAH),
        (10 * MILIAR + 1, SizeClass.BESAR),
        (10**15 - 1, SizeClass.BESAR),
    ],
)
def test_size_by_modal_at_and_above_each_boundary(modal, expected):
    assert size_class(modal, None) == (expected, SizeBasis.MODAL)


@pytest.mark.parametrize(
    ("sales", "expected"),
    [
        (0, SizeClass.MIKRO),
        (2 * MILIAR, SizeClass.MIKRO),
        (2 * MILIAR + 1, SizeClass.KECIL),
        (15 * MILIAR, SizeClass.KECIL),
        (15 * MILIAR + 1, SizeClass.MENENGAH),
        (50 * MILIAR, SizeClass.MENENGAH),
        (50 * MILIAR + 1, SizeClass.BESAR),
    ],
)
def test_size_by_sales_at_and_above_each_boundary(sales, expected):
    assert size_class(None, sales) == (expected, SizeBasis.OMZET)


def test_sales_take_precedence_over_modal_when_known():
    # Modal says menengah (Rp 6 M), sales say mikro (Rp 1.5 M): an existing business is
    # classified by its sales.
    assert size_class(6 * MILIAR, 1_500_000_000) == (SizeClass.MIKRO, SizeBasis.OMZET)
    # And the other way round: a small capital, large sales.
    assert size_class(500_000_000, 20 * MILIAR) == (SizeClass.MENENGAH, SizeBasis.OMZET)
    # Zero sales are a known figure, not "unknown".
    assert size_class(6 * MILIAR, 0) == (SizeClass.MIKRO, SizeBasis.OMZET)


def test_size_unknown_without_figures():
    assert size_class(None, None) == (None, None)


def test_size_class_values_are_the_stored_strings():
    assert [c.value for c in SizeClass] == ["mikro", "kecil", "menengah", "besar"]
    assert [b.value for b in SizeBasis] == ["omzet", "modal"]


# --- koperasi activity by RAT -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_rat_year", "today", "active"),
    [
        (2025, dt.date(2026, 1, 1), True),  # last two book years in 2026: 2025 and 2024
        (2024, dt.date(2026, 12, 31), True),
        (2023, dt.date(2026, 6, 30), False),
        (2023, dt.date(2025, 6, 30), True),  # in 2025 they are 2024 and 2023
        (2022, dt.date(2025, 1, 1), False),
        (None, dt.date(2026, 6, 30), False),  # never held a RAT
    ],
)
def test_koperasi_active_with_the_default_two_year_window(last_rat_year, today, active):
    assert koperasi_is_active(last_rat_year, today) is active


def test_window_is_configuration(settings):
    today = dt.date(2026, 3, 1)
    assert koperasi_is_active(2023, today, window=3) is True
    assert koperasi_is_active(2024, today, window=1) is False
    settings.KOPERASI_RAT_WINDOW_YEARS = 3
    assert koperasi_is_active(2023, today) is True
    assert earliest_qualifying_book_year(today) == 2023


def test_default_window_is_two(settings):
    assert settings.KOPERASI_RAT_WINDOW_YEARS == 2
    assert earliest_qualifying_book_year(dt.date(2026, 11, 26)) == 2024


# --- business age ----------------------------------------------------------------------------------


def test_business_age():
    today = dt.date(2026, 11, 26)
    assert business_age(2015, today) == 11
    assert business_age(2026, today) == 0
    assert business_age(None, today) is None
    with pytest.raises(ValueError):
        business_age(2027, today)
