from __future__ import annotations

from django import template

from berdaya.core.money import format_rupiah, spell_rupiah

register = template.Library()


@register.filter
def rupiah(value: int | None) -> str:
    """``{{ amount|rupiah }}`` → ``Rp 1.500.000``."""
    return format_rupiah(value)


@register.filter
def terbilang(value: int) -> str:
    """``{{ amount|terbilang }}`` → ``satu juta lima ratus ribu rupiah``."""
    return spell_rupiah(value)
