"""Facts the registry derives instead of letting anyone type them (SPEC §3). Pure functions.

The set-based forms (for eligibility over the whole registry) live next to them,
so a rule and its SQL version cannot drift apart silently: the tests compare them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.conf import settings
from django.db.models import Q

JUTA = 1_000_000
MILIAR = 1_000 * JUTA


class SizeClass(StrEnum):
    MIKRO = "mikro"
    KECIL = "kecil"
    MENENGAH = "menengah"
    BESAR = "besar"


class SizeBasis(StrEnum):
    OMZET = "omzet"  # hasil penjualan tahunan
    MODAL = "modal"  # modal usaha, excluding land and buildings


# PP 7/2021 art. 35: the upper bound of each class, inclusive ("paling banyak").
MODAL_LIMITS = (
    (1 * MILIAR, SizeClass.MIKRO),
    (5 * MILIAR, SizeClass.KECIL),
    (10 * MILIAR, SizeClass.MENENGAH),
)
SALES_LIMITS = (
    (2 * MILIAR, SizeClass.MIKRO),
    (15 * MILIAR, SizeClass.KECIL),
    (50 * MILIAR, SizeClass.MENENGAH),
)


def _classify(amount: int, limits: tuple[tuple[int, SizeClass], ...]) -> SizeClass:
    for upper, klass in limits:
        if amount <= upper:
            return klass
    return SizeClass.BESAR


def size_class(
    modal_usaha: int | None, annual_sales: int | None
) -> tuple[SizeClass | None, SizeBasis | None]:
    """UMKM size class under PP 7/2021 and the criterion that decided it.

    Annual sales classify an existing business and take precedence whenever they
    are known (zero included: a known figure); modal usaha classifies a business
    at its establishment and is used only when sales are unknown. Neither known:
    ``(None, None)``.
    """
    if annual_sales is not None:
        return _classify(annual_sales, SALES_LIMITS), SizeBasis.OMZET
    if modal_usaha is not None:
        return _classify(modal_usaha, MODAL_LIMITS), SizeBasis.MODAL
    return None, None


def rat_window() -> int:
    return settings.KOPERASI_RAT_WINDOW_YEARS


def earliest_qualifying_book_year(today: dt.date, window: int | None = None) -> int:
    """The oldest book year whose RAT still makes a koperasi active on ``today``.

    Book year Y closes on 31 December and its RAT is held in Y + 1, so on any day of
    2026 the last two book years are 2025 and 2024.
    """
    window = rat_window() if window is None else window
    return today.year - window


def koperasi_is_active(last_rat_year: int | None, today: dt.date, window: int | None = None) -> bool:
    """Active when the RAT was held for at least one of the last ``window`` book years."""
    if last_rat_year is None:
        return False
    return last_rat_year >= earliest_qualifying_book_year(today, window)


def koperasi_active_q(today: dt.date, window: int | None = None, prefix: str = "") -> Q:
    """The same rule as a filter on ``Koperasi`` (``prefix`` e.g. ``"koperasi__"`` from Entity)."""
    return Q(**{f"{prefix}last_rat_year__gte": earliest_qualifying_book_year(today, window)})


def business_age(year_founded: int | None, today: dt.date) -> int | None:
    """Whole years since the founding year (0 in that year); None when unknown."""
    if year_founded is None:
        return None
    if year_founded > today.year:
        raise ValueError(f"year_founded {year_founded} is after {today.year}")
    return today.year - year_founded
