"""Money is integer Rupiah everywhere; this module shows it and spells it out."""

from __future__ import annotations

from django.utils.formats import get_format
from num2words import num2words


def format_count(value: int) -> str:
    """``12345`` → ``12.345``: counts in command output (always Indonesian grouping, which
    the commands print in whatever language the shell runs)."""
    return f"{value:,}".replace(",", ".")


def format_rupiah(amount: int | None, *, empty: str = "–") -> str:
    """``1500000`` → ``Rp 1.500.000`` (grouping of the active language)."""
    if amount is None:
        return empty
    if isinstance(amount, float) or not isinstance(amount, int):
        raise TypeError("Jumlah uang harus bilangan bulat Rupiah, bukan float.")
    sep = get_format("THOUSAND_SEPARATOR")
    digits = f"{abs(amount):,}".replace(",", sep)
    return f"-Rp {digits}" if amount < 0 else f"Rp {digits}"


def spell_rupiah(amount: int) -> str:
    """``1500000`` → ``satu juta lima ratus ribu rupiah`` for decrees and certificates."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError("Jumlah uang harus bilangan bulat Rupiah.")
    words = num2words(abs(amount), lang="id")
    prefix = "minus " if amount < 0 else ""
    return f"{prefix}{words} rupiah"
